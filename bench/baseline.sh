#!/usr/bin/env bash
# "The documented manual recipe" of the VirtualCluster document (shared/SEED-tenant-dns-support.txt),
# for benchmarks only: a fresh clone, its sed, upstream's Makefile.release build for two arches, then one
# classic `docker build` (FROM scratch with the CA bundle and the binary) and `docker push` per arch, and
# `docker manifest create/annotate/push`. Only single-stack tags can serve: the sed breaks dual-stack code.
#
# Usage: bench/baseline.sh REPO_URL TAG REGISTRY WORKDIR
#   REGISTRY is host:port of a registry on 127.0.0.1; DOCKER_HOST must point at a running dockerd.
#   The caller sets the Go environment (e.g. GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local for fixtures).
#   RECIPE_CLONE=tag clones only the tag (--depth 1), for a repository that cannot serve its whole history
#   (a mirror without its largest blobs); the document's full clone otherwise.
set -euo pipefail
repo=$1 tag=$2 registry=$3 work=$4
docker=${DOCKER_CLI:-/usr/bin/docker}
image="$registry/coredns"

if [ "${RECIPE_CLONE:-full}" = tag ]; then
  git clone -q --depth 1 --branch "$tag" "$repo" "$work/coredns"
else
  git clone -q "$repo" "$work/coredns"
fi
cd "$work/coredns"
git -c advice.detachedHead=false checkout -q "tags/$tag"
sed -i'' -e 's/svc.Spec.ClusterIP/func(sCIP string) string { if sCIP == "" { return svc.Spec.ClusterIP } else { return sCIP } } (svc.Annotations["transparency.tenancy.x-k8s.io\/clusterIP"])/g' plugin/kubernetes/object/service.go
# The document runs `release` (whose `pre` step fails offline and on modern Go); `build` is its compile step.
make -f Makefile.release DOCKER=virtualcluster LINUX_ARCH="amd64 arm64" build

for arch in amd64 arm64; do
  ctx="$work/ctx-$arch"
  mkdir -p "$ctx"
  cp "build/linux/$arch/coredns" "$ctx/coredns"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
  printf 'FROM scratch\nCOPY ca-certificates.crt /etc/ssl/certs/\nCOPY coredns /coredns\nEXPOSE 53 53/udp\nENTRYPOINT ["/coredns"]\n' >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 "$docker" build -q -t "$image:$tag-$arch" "$ctx" >/dev/null
  "$docker" push -q "$image:$tag-$arch" >/dev/null
done
"$docker" manifest create --insecure "$image:$tag" "$image:$tag-amd64" "$image:$tag-arm64" >/dev/null
"$docker" manifest annotate "$image:$tag" "$image:$tag-arm64" --os linux --arch arm64
"$docker" manifest push --insecure --purge "$image:$tag" >/dev/null
