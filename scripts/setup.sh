#!/usr/bin/env bash
# Installs what vc-coredns and its tests need on a fresh Debian bookworm machine.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
[ -x /usr/lib/go-1.23/bin/go ] || need_apt+=(golang-1.23-go)
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

if [ ${#need_apt[@]} -gt 0 ]; then
  src=/etc/apt/sources.list.d/debian.sources
  # Enable bookworm-backports (Go 1.23) by editing the existing Suites line; never add a host.
  if [ -f "$src" ] && ! grep -q 'bookworm-backports' "$src"; then
    $SUDO sed -i -E '0,/^Suites: bookworm( |$)/s//Suites: bookworm bookworm-backports\1/' "$src"
  fi
  echo "setup: installing ${need_apt[*]}" >&2
  $SUDO apt-get update -qq
  go_pkgs=() other=()
  for p in "${need_apt[@]}"; do
    if [ "$p" = golang-1.23-go ]; then go_pkgs+=("$p"); else other+=("$p"); fi
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

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
npm run --silent build
