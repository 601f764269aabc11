#!/usr/bin/env bash
# The whole test suite: type check and lint, unit tests, integration tests on the real tools, the
# QEMU boot tests, then the fault-injection suite with its summary table (npm run reliability).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit
npx eslint .
# the allowed import directions (README: Architecture); a cycle or an upward import fails here
npm run deps --silent
npx vitest run --exclude 'test/reliability/**' "$@"
npm run reliability
