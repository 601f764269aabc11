#!/usr/bin/env bash
# The main job end to end on the built-in sample: build the Ubuntu-layout sample ISO, remaster it
# with examples/sample.yaml (which also boots the result in QEMU, BIOS and UEFI), then inspect and
# verify the output against the original. Ends with its own wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
bash scripts/setup.sh
bin/isoforge doctor
bin/isoforge sample --out out/sample.iso --force
bin/isoforge build examples/sample.yaml --force
bin/isoforge inspect out/sample-oem.iso
bin/isoforge verify out/sample-oem.iso --original out/sample.iso
echo "demo: done in $((SECONDS - started)) s"
