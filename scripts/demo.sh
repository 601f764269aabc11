#!/usr/bin/env bash
# The main job end to end on a real ISO that ships in a Debian package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bin/isoforge doctor
