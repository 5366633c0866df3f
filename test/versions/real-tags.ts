// The real CoreDNS tags and what their files say, captured from github.com/coredns/coredns (August 2026,
// tags up to v1.14.7) so that tests run without the repository. Per tag: the shape and conversion
// function of plugin/kubernetes/object/service.go, LINUX_ARCH of Makefile.release, whether go.mod and
// .go-version exist, the Dockerfile's base/USER/setcap, and the Makefile traps found in the files
// (see src/versions/eras.ts for what each trap means).
import type { ConversionSignature, Era, MakefileTrap, ShapeOrNone } from '../../src/types.js';

/** `git tag` of the real repository, in its order (the v001..v011 tags are not releases). */
// biome-ignore format: the tag list as git prints it
export const REAL_TAG_NAMES: readonly string[] = [
  'v0.9.10', 'v0.9.9', 'v001', 'v002', 'v003', 'v004', 'v005', 'v006', 'v007', 'v008',
  'v009', 'v010', 'v011', 'v1.0.0', 'v1.0.1', 'v1.0.2', 'v1.0.3', 'v1.0.4', 'v1.0.5', 'v1.0.6',
  'v1.1.0', 'v1.1.1', 'v1.1.2', 'v1.1.3', 'v1.1.4', 'v1.10.0', 'v1.10.1', 'v1.11.0', 'v1.11.1', 'v1.11.3',
  'v1.11.4', 'v1.12.0', 'v1.12.1', 'v1.12.2', 'v1.12.3', 'v1.12.4', 'v1.13.0', 'v1.13.1', 'v1.13.2', 'v1.14.0',
  'v1.14.1', 'v1.14.2', 'v1.14.3', 'v1.14.4', 'v1.14.5', 'v1.14.6', 'v1.14.7', 'v1.2.0', 'v1.2.1', 'v1.2.2',
  'v1.2.3', 'v1.2.4', 'v1.2.5', 'v1.2.6', 'v1.3.0', 'v1.3.1', 'v1.4.0', 'v1.5.0', 'v1.5.1', 'v1.5.2',
  'v1.6.0', 'v1.6.1', 'v1.6.2', 'v1.6.3', 'v1.6.4', 'v1.6.5', 'v1.6.6', 'v1.6.7', 'v1.6.8', 'v1.6.9',
  'v1.7.0', 'v1.7.1', 'v1.8.0', 'v1.8.1', 'v1.8.2', 'v1.8.3', 'v1.8.4', 'v1.8.5', 'v1.8.6', 'v1.8.7',
  'v1.9.0', 'v1.9.1', 'v1.9.2', 'v1.9.3', 'v1.9.4',
];

export interface RealTagFacts {
  tag: string;
  shape: ShapeOrNone;
  conversion: ConversionSignature | null;
  linuxArch: string[];
  goSource: Era['goSource'];
  base: Era['base'];
  user: Era['user'];
  uid: number;
  capability: Era['capability'];
  traps: MakefileTrap[];
}

const A5 = ['amd64', 'arm', 'arm64', 'ppc64le', 's390x'];
const A6 = ['amd64', 'arm', 'arm64', 'mips64le', 'ppc64le', 's390x'];
const A7 = [...A6, 'mips'];
const A8 = [...A7, 'riscv64'];
const A9 = [...A8, 'loong64'];
const SINGLE_A = 'ToService(obj interface{}) interface{}';
const SINGLE_B = 'toService(skipCleanup bool, obj interface{}) interface{}';
const SINGLE_C = 'toService(skipCleanup bool, svc *api.Service) *Service';
const DUAL = 'ToService(obj meta.Object) (meta.Object, error)';
const D11 = 'distroless-static-debian11-nonroot';
const D12 = 'distroless-static-debian12-nonroot';

type Row = [string, ShapeOrNone, string | null, string[], Era['goSource'], Era['base'], number, string];

// [tag, shape, conversion, LINUX_ARCH, go source, base, uid (0: root, 65532: nonroot + setcap), traps]
// biome-ignore format: one line per tag reads as a table
const ROWS: Row[] = [
  ['v0.9.9', 'none', null, [], 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check godeps-network'],
  ['v0.9.10', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.0.0', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.0.1', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.0.2', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.0.3', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.0.4', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.0.5', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.0.6', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check'],
  ['v1.1.0', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check godeps-network'],
  ['v1.1.1', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check godeps-network'],
  ['v1.1.2', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check godeps-network'],
  ['v1.1.3', 'none', null, A5, 'gopath', 'alpine', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check godeps-network'],
  ['v1.1.4', 'none', null, A5, 'gopath', 'scratch', 0, 'release-commits-and-pushes gh-release-check manifest-tool-check godeps-network'],
  ['v1.2.0', 'none', null, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.2.1', 'none', null, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.2.2', 'none', null, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.2.3', 'single-stack', SINGLE_A, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.2.4', 'single-stack', SINGLE_A, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.2.5', 'single-stack', SINGLE_A, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.2.6', 'single-stack', SINGLE_A, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.3.0', 'single-stack', SINGLE_A, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.3.1', 'single-stack', SINGLE_A, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.4.0', 'single-stack', SINGLE_A, A5, 'gopath', 'scratch', 0, 'curl-check godeps-network pre-go-get'],
  ['v1.5.0', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.5.1', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.5.2', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.0', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.1', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.2', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.3', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.4', 'single-stack', SINGLE_A, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.5', 'single-stack', SINGLE_B, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.6', 'single-stack', SINGLE_B, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.7', 'single-stack', SINGLE_B, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.8', 'single-stack', SINGLE_B, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.6.9', 'single-stack', SINGLE_B, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.7.0', 'single-stack', SINGLE_C, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.7.1', 'single-stack', SINGLE_C, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.8.0', 'single-stack', SINGLE_C, A5, 'go.mod', 'scratch', 0, 'curl-check pre-go-get'],
  ['v1.8.1', 'dual-stack', DUAL, A5, 'go.mod', 'scratch', 0, 'manifest-tool-check curl-check'],
  ['v1.8.2', 'dual-stack', DUAL, A6, 'go.mod', 'scratch', 0, 'curl-check docker-manifest broken-docker-target'],
  ['v1.8.3', 'dual-stack', DUAL, A6, 'go.mod', 'scratch', 0, 'curl-check docker-manifest'],
  ['v1.8.4', 'dual-stack', DUAL, A6, 'go.mod', 'scratch', 0, 'curl-check docker-manifest'],
  ['v1.8.5', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.8.6', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.8.7', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.9.0', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.9.1', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.9.2', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.9.3', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.9.4', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.10.0', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.10.1', 'dual-stack', DUAL, A7, 'go.mod', 'scratch', 0, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.11.0', 'dual-stack', DUAL, A8, 'go.mod', D11, 65532, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.11.1', 'dual-stack', DUAL, A8, 'go.mod', D11, 65532, 'curl-check makefile-docker-downloads-upstream'],
  ['v1.11.3', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D11, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.11.4', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.12.0', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.12.1', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.12.2', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.12.3', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.12.4', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.13.0', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.13.1', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.13.2', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.14.0', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.14.1', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.14.2', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain'],
  ['v1.14.3', 'dual-stack', DUAL, A8, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain zips-windows'],
  ['v1.14.4', 'dual-stack', DUAL, A9, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain zips-windows'],
  ['v1.14.5', 'dual-stack', DUAL, A9, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain zips-windows'],
  ['v1.14.6', 'dual-stack', DUAL, A9, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain zips-windows'],
  ['v1.14.7', 'dual-stack', DUAL, A9, 'go.mod+.go-version', D12, 65532, 'curl-check makefile-docker-downloads-upstream exports-gotoolchain zips-windows'],
];

export const REAL_TAG_FACTS: readonly RealTagFacts[] = ROWS.map(
  ([tag, shape, conversion, linuxArch, goSource, base, uid, traps]) => ({
    tag,
    shape,
    conversion: conversion as ConversionSignature | null,
    linuxArch,
    goSource,
    base,
    user: uid === 0 ? 'root' : 'nonroot',
    uid,
    capability: uid === 0 ? null : 'cap_net_bind_service',
    traps: traps === '' ? [] : (traps.split(' ') as MakefileTrap[]),
  }),
);

/** The 74 release tags, oldest first. */
export const REAL_TAGS: readonly string[] = REAL_TAG_FACTS.map((f) => f.tag);
