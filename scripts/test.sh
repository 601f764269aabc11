#!/usr/bin/env bash
# The whole test suite: type check and lint, unit tests, integration tests on the real tools, the
# QEMU boot tests, then the fault-injection suite with its summary table (npm run reliability).
# Ends with the wall time of each phase: the figure the README's set-up section quotes comes from here.
set -euo pipefail
cd "$(dirname "$0")/.."

phases=()
phase() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  phases+=("$(printf '%-44s %6d' "$name" $((SECONDS - start)))")
}

started=$SECONDS
phase "setup (apt, npm, compile)" bash scripts/setup.sh
phase "type check" npx tsc --noEmit
phase "lint" npx eslint .
# the allowed import directions (README: Architecture); a cycle or an upward import fails here
phase "import directions" npm run deps --silent
phase "vitest (fixtures, unit, integration, e2e)" npx vitest run --exclude 'test/reliability/**' "$@"
phase "reliability" npm run reliability

echo
echo "npm test: wall time per phase (seconds)"
printf '%s\n' "${phases[@]}"
printf '%-44s %6d\n' "total" $((SECONDS - started))
