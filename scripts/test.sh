#!/usr/bin/env bash
# Runs every check of vc-coredns: lint, typecheck and all tests. Installs what is missing first
# (scripts/setup.sh) and starts nothing that outlives it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The Node that setup.sh installed when the machine's is too old (it cannot change our PATH).
export PATH="$PWD/.tools/node/bin:/usr/lib/go-1.23/bin:$PATH"
npm run --silent lint
npm run --silent typecheck
npx vitest run "$@"
