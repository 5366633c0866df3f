#!/usr/bin/env bash
# npm pack / publish: a clean dist/ (nothing left by sources that moved or went; dist/oci, the default
# build output, stays) compiled without source maps, which the package does not ship.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d dist ]; then find dist -mindepth 1 -maxdepth 1 ! -name oci -exec rm -rf {} +; fi
npx tsc -p tsconfig.build.json --sourceMap false
