#!/usr/bin/env bash
# Refreshes assets/ca-certificates.crt, the CA bundle of vc-coredns's built-in base layer, from the
# system's ca-certificates package. It is built from the certificates the package itself ships
# (/usr/share/ca-certificates/**/*.crt, sorted, as `update-ca-certificates` concatenates them), not
# copied from /etc/ssl/certs/ca-certificates.crt: that file also carries local CAs
# (/usr/local/share/ca-certificates) and local deselections, which must not end up in a published image.
# The bundle's bytes are part of the base layer, so a refresh changes the base digest and with it every
# image's build key. REFRESH_CA_UPGRADE=1 upgrades the package first.
# Beside the bundle it writes assets/ca-certificates.json: where the bundle came from (distribution,
# package, version) and the date of that package version (its changelog entry), which every image's
# SBOM names; vc-coredns checks the recorded sha256 against the bundle before it trusts the rest.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s ca-certificates >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null
elif [ "${REFRESH_CA_UPGRADE:-0}" = 1 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --only-upgrade ca-certificates >/dev/null
fi

mapfile -t certs < <(dpkg -L ca-certificates | grep -E '^/usr/share/ca-certificates/.+\.crt$' | LC_ALL=C sort)
if [ ${#certs[@]} -eq 0 ]; then
  echo "refresh-ca-bundle: the ca-certificates package lists no certificates" >&2
  exit 1
fi
dest=assets/ca-certificates.crt
tmp="$dest.tmp.$$"
trap 'rm -f "$tmp"' EXIT
mkdir -p assets
: >"$tmp"
# Each certificate ends with a newline, as update-ca-certificates makes sure (`sed -e '$a\'`).
for crt in "${certs[@]}"; do sed -e '$a\' "$crt" >>"$tmp"; done
chmod 0644 "$tmp"
mv "$tmp" "$dest"
trap - EXIT
version=$(dpkg-query -W -f='${Version}' ca-certificates)
arch=$(dpkg-query -W -f='${Architecture}' ca-certificates)
# The date of this package version: the maintainer line of its changelog entry (" -- Name <mail>  DATE").
changed=$(zcat /usr/share/doc/ca-certificates/changelog.gz 2>/dev/null | sed -n '0,/^ -- /s/^ -- .*>  //p')
date=""
if [ -n "$changed" ]; then date=$(date -u -d "$changed" +%Y-%m-%dT%H:%M:%SZ); fi
. /etc/os-release
meta="assets/ca-certificates.json"
cat >"$meta.tmp.$$" <<JSON
{
  "file": "ca-certificates.crt",
  "sha256": "$(sha256sum "$dest" | cut -d' ' -f1)",
  "certificates": ${#certs[@]},
  "source": {
    "distribution": "${ID}",
    "distributionVersion": "${VERSION_ID:-}",
    "package": "ca-certificates",
    "version": "$version",
    "architecture": "$arch"
  },
  "date": "$date"
}
JSON
mv "$meta.tmp.$$" "$meta"
echo "refresh-ca-bundle: $dest from ca-certificates $version: ${#certs[@]} certificates, $(wc -c <"$dest") bytes" >&2
