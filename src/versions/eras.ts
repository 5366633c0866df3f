// The era table of ERAS.md as data, checked against the Makefile.release, Makefile, Dockerfile and
// plugin/kubernetes/object/service.go of every real tag v0.9.9..v1.14.7. A new row starts wherever any
// attribute changes; `to` is the last known tag of the row (null: open-ended, future tags land there).
import semver from 'semver';
import type { Era, MakefileTrap } from '../types.js';
import { parseVersion } from './version.js';

/** The first release whose conversion code vc-coredns can patch (service.go appears). */
export const FIRST_SUPPORTED = 'v1.2.3';
/** The first release with a go.mod: vc-coredns builds module-mode releases only. */
export const FIRST_BUILDABLE = 'v1.5.0';

/**
 * What each trap means (all about the tag's own Makefile.release unless said otherwise):
 * - release-commits-and-pushes: `release` runs `git commit -am`, `git push`, `gh-release create`.
 * - gh-release-check: parsing fails unless `gh-release` is on PATH.
 * - manifest-tool-check: parsing fails unless `manifest-tool` is on PATH.
 * - godeps-network: `build` runs the Makefile's `godeps` check (network `go get`); hard-wired in v0.9.9's
 *   `coredns` rule, passed as `CHECKS="godeps"` from v1.1.0 to v1.4.0.
 * - pre-go-get: `release: pre build tar`, and `pre` runs `go get .../manifest-tool`.
 * - curl-check: parsing fails unless `curl` is on PATH.
 * - docker-manifest: docker targets join the images with `docker manifest`.
 * - broken-docker-target: v1.8.2 assigns make variables inside the `docker-push` recipe.
 * - makefile-docker-downloads-upstream: Makefile.docker's `release` packages upstream's binaries.
 * - exports-gotoolchain: `export GOTOOLCHAIN = go$(GOLANG_VERSION)` from `.go-version`.
 * - zips-windows: `tar` zips the windows exe (needs `zip`).
 */
const TRAP_ORDER: readonly MakefileTrap[] = [
  'release-commits-and-pushes',
  'gh-release-check',
  'manifest-tool-check',
  'curl-check',
  'godeps-network',
  'pre-go-get',
  'docker-manifest',
  'broken-docker-target',
  'makefile-docker-downloads-upstream',
  'exports-gotoolchain',
  'zips-windows',
];

// LINUX_ARCH of Makefile.release, in the file's order. v0.9.9 has no LINUX_ARCH (it builds linux with the
// host's GOARCH, darwin, and linux/arm), hence [].
const ARCH_1_0 = ['amd64', 'arm', 'arm64', 'ppc64le', 's390x'];
const ARCH_1_8_2 = ['amd64', 'arm', 'arm64', 'mips64le', 'ppc64le', 's390x'];
const ARCH_1_8_5 = [...ARCH_1_8_2, 'mips'];
const ARCH_1_11_0 = [...ARCH_1_8_5, 'riscv64'];
const ARCH_1_14_4 = [...ARCH_1_11_0, 'loong64'];

type Row = Omit<Era, 'supported' | 'buildable' | 'goSource' | 'traps'> & { traps: MakefileTrap[] };

const OLD_IMAGE = { base: 'alpine', user: 'root', uid: 0, capability: null } as const;
const SCRATCH_IMAGE = { base: 'scratch', user: 'root', uid: 0, capability: null } as const;
const NONROOT_11 = {
  base: 'distroless-static-debian11-nonroot',
  user: 'nonroot',
  uid: 65532,
  capability: 'cap_net_bind_service',
} as const;
const NONROOT_12 = { ...NONROOT_11, base: 'distroless-static-debian12-nonroot' } as const;

const NONE = { shape: 'none', conversion: null } as const;
const SINGLE_1_2 = { shape: 'single-stack', conversion: 'ToService(obj interface{}) interface{}' } as const;
const SINGLE_1_6_5 = {
  shape: 'single-stack',
  conversion: 'toService(skipCleanup bool, obj interface{}) interface{}',
} as const;
const SINGLE_1_7 = {
  shape: 'single-stack',
  conversion: 'toService(skipCleanup bool, svc *api.Service) *Service',
} as const;
const DUAL = { shape: 'dual-stack', conversion: 'ToService(obj meta.Object) (meta.Object, error)' } as const;

const OLD_RELEASE: MakefileTrap[] = ['release-commits-and-pushes', 'gh-release-check'];
const MODERN: MakefileTrap[] = ['curl-check', 'makefile-docker-downloads-upstream'];

const ROWS: Row[] = [
  {
    from: 'v0.9.9',
    to: 'v0.9.9',
    ...NONE,
    linuxArch: [],
    traps: [...OLD_RELEASE, 'godeps-network'],
    ...OLD_IMAGE,
  },
  {
    from: 'v0.9.10',
    to: 'v1.0.6',
    ...NONE,
    linuxArch: ARCH_1_0,
    traps: [...OLD_RELEASE, 'manifest-tool-check'],
    ...OLD_IMAGE,
  },
  {
    from: 'v1.1.0',
    to: 'v1.1.3',
    ...NONE,
    linuxArch: ARCH_1_0,
    traps: [...OLD_RELEASE, 'manifest-tool-check', 'godeps-network'],
    ...OLD_IMAGE,
  },
  {
    from: 'v1.1.4',
    to: 'v1.1.4',
    ...NONE,
    linuxArch: ARCH_1_0,
    traps: [...OLD_RELEASE, 'manifest-tool-check', 'godeps-network'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.2.0',
    to: 'v1.2.2',
    ...NONE,
    linuxArch: ARCH_1_0,
    traps: ['curl-check', 'godeps-network', 'pre-go-get'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.2.3',
    to: 'v1.4.0',
    ...SINGLE_1_2,
    linuxArch: ARCH_1_0,
    traps: ['curl-check', 'godeps-network', 'pre-go-get'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.5.0',
    to: 'v1.6.4',
    ...SINGLE_1_2,
    linuxArch: ARCH_1_0,
    traps: ['curl-check', 'pre-go-get'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.6.5',
    to: 'v1.6.9',
    ...SINGLE_1_6_5,
    linuxArch: ARCH_1_0,
    traps: ['curl-check', 'pre-go-get'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.7.0',
    to: 'v1.8.0',
    ...SINGLE_1_7,
    linuxArch: ARCH_1_0,
    traps: ['curl-check', 'pre-go-get'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.8.1',
    to: 'v1.8.1',
    ...DUAL,
    linuxArch: ARCH_1_0,
    traps: ['curl-check', 'manifest-tool-check'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.8.2',
    to: 'v1.8.2',
    ...DUAL,
    linuxArch: ARCH_1_8_2,
    traps: ['curl-check', 'docker-manifest', 'broken-docker-target'],
    ...SCRATCH_IMAGE,
  },
  {
    from: 'v1.8.3',
    to: 'v1.8.4',
    ...DUAL,
    linuxArch: ARCH_1_8_2,
    traps: ['curl-check', 'docker-manifest'],
    ...SCRATCH_IMAGE,
  },
  { from: 'v1.8.5', to: 'v1.10.1', ...DUAL, linuxArch: ARCH_1_8_5, traps: MODERN, ...SCRATCH_IMAGE },
  { from: 'v1.11.0', to: 'v1.11.1', ...DUAL, linuxArch: ARCH_1_11_0, traps: MODERN, ...NONROOT_11 },
  {
    from: 'v1.11.3',
    to: 'v1.11.3',
    ...DUAL,
    linuxArch: ARCH_1_11_0,
    traps: [...MODERN, 'exports-gotoolchain'],
    ...NONROOT_11,
  },
  {
    from: 'v1.11.4',
    to: 'v1.14.2',
    ...DUAL,
    linuxArch: ARCH_1_11_0,
    traps: [...MODERN, 'exports-gotoolchain'],
    ...NONROOT_12,
  },
  {
    from: 'v1.14.3',
    to: 'v1.14.3',
    ...DUAL,
    linuxArch: ARCH_1_11_0,
    traps: [...MODERN, 'exports-gotoolchain', 'zips-windows'],
    ...NONROOT_12,
  },
  {
    from: 'v1.14.4',
    to: null,
    ...DUAL,
    linuxArch: ARCH_1_14_4,
    traps: [...MODERN, 'exports-gotoolchain', 'zips-windows'],
    ...NONROOT_12,
  },
];

function goSourceFor(from: string): Era['goSource'] {
  if (semver.lt(from, FIRST_BUILDABLE)) return 'gopath';
  return semver.lt(from, 'v1.11.3') ? 'go.mod' : 'go.mod+.go-version';
}

function toEra(row: Row): Era {
  const era: Era = {
    ...row,
    supported: semver.gte(row.from, FIRST_SUPPORTED),
    buildable: semver.gte(row.from, FIRST_BUILDABLE),
    goSource: goSourceFor(row.from),
    linuxArch: Object.freeze([...row.linuxArch]) as string[],
    traps: Object.freeze(TRAP_ORDER.filter((t) => row.traps.includes(t))) as MakefileTrap[],
  };
  return Object.freeze(era);
}

/** The era table, oldest first; rows are frozen. */
export const ERAS: readonly Era[] = Object.freeze(ROWS.map(toEra));

/**
 * The era of a CoreDNS version (`v1.9.3` or `1.9.3`): the last row starting at or before it, so
 * untagged versions inside a row (v1.11.2) and future tags (the newest row) resolve too. Versions
 * older than v0.9.9 get the oldest row (no service.go, unsupported).
 */
export function eraFor(version: string): Era {
  const v = parseVersion(version);
  let found = ERAS[0] as Era;
  for (const era of ERAS) {
    if (semver.lte(era.from, v)) found = era;
    else break;
  }
  return found;
}

/** `v1.8.1 - v1.8.4`, `v1.14.4 -` for the open-ended row. */
export function formatEraRange(era: Era): string {
  if (era.to === era.from) return era.from;
  return era.to === null ? `${era.from} -` : `${era.from} - ${era.to}`;
}

export function isSupported(version: string): boolean {
  return eraFor(version).supported;
}

export function isBuildable(version: string): boolean {
  return eraFor(version).buildable;
}

/**
 * Hazards reported with a newer Go on old tags (ERAS.md section 2, not verified): hints to print when
 * a build or a built binary fails. Empty for most versions.
 */
export function knownHazards(version: string): string[] {
  const v = parseVersion(version);
  const hints: string[] = [];
  if (semver.gte(v, 'v1.5.0') && semver.lte(v, 'v1.8.0')) {
    hints.push(
      `CoreDNS ${v} pins an old golang.org/x/sys that breaks the darwin build with a newer Go (go:linkname); ` +
        'only the upstream Makefile.release build compiles darwin',
    );
  }
  if (semver.gte(v, 'v1.10.1') && semver.lte(v, 'v1.11.1')) {
    hints.push(
      `CoreDNS ${v} depends on go4.org/unsafe/assume-no-moving-gc, which panics at start when built with ` +
        'Go >= 1.20; set ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH to the Go version (e.g. go1.21) to silence it',
    );
  }
  return hints;
}
