#!/usr/bin/env bash
# The whole test suite: unit tests, integration tests on the real tools, and the boot tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit
npx eslint .
npx vitest run "$@"
