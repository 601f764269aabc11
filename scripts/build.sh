#!/usr/bin/env bash
# Compiles src/ to dist/ (what bin/isoforge runs) and copies the files the code reads at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist.tmp
npx tsc -p tsconfig.build.json --outDir dist.tmp
mkdir -p dist.tmp/sample
cp -r src/sample/assets dist.tmp/sample/assets
date -u +%FT%TZ > dist.tmp/.built
rm -rf dist
mv dist.tmp dist
