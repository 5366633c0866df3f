// Platforms (`os/arch[/variant]`) and what each era builds: the LINUX_ARCH names of its
// Makefile.release, where `arm` is built with Go's cross-compiling default GOARM=7 (linux/arm/v7).
import { badInput } from '../errors.js';
import type { Descriptor, Era, Platform } from '../types.js';
import { DEFAULT_PLATFORMS } from './default-platforms.js';
import { formatEraRange } from './eras.js';
import { quoteInput } from './version.js';

export { DEFAULT_PLATFORMS };

const PART = /^[a-z0-9_]+$/;

/**
 * `linux/arm64` -> `{os: 'linux', arch: 'arm64'}`. Normalized as container tools do: `linux/arm` is
 * `linux/arm/v7`, `linux/arm64/v8` is `linux/arm64`. Bad syntax -> bad input (BAD_PLATFORM).
 */
export function parsePlatform(input: string): Platform {
  const text = input.trim();
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PART.test(p))) {
    throw badInput(
      `invalid platform ${quoteInput(text)}`,
      'BAD_PLATFORM',
      'a platform is os/arch[/variant], e.g. linux/amd64 or linux/arm/v7',
    );
  }
  const [os, arch, variant] = parts as [string, string, string | undefined];
  if (arch === 'arm') return { os, arch, variant: variant ?? 'v7' };
  if (arch === 'arm64' && (variant === undefined || variant === 'v8')) return { os, arch };
  return variant === undefined ? { os, arch } : { os, arch, variant };
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.arch}/${p.variant}` : `${p.os}/${p.arch}`;
}

/** The variant that tells platforms apart: linux/arm64 and linux/arm64/v8 are one platform. */
function significantVariant(arch: string, variant: string | undefined): string | undefined {
  return arch === 'arm64' && variant === 'v8' ? undefined : variant || undefined;
}

/** Whether two platforms are the same (linux/arm64 equals linux/arm64/v8). */
export function samePlatform(a: Platform, b: Platform): boolean {
  return (
    a.os === b.os &&
    a.arch === b.arch &&
    significantVariant(a.arch, a.variant) === significantVariant(b.arch, b.variant)
  );
}

/** The OCI form of a platform, as descriptors and image configs spell it (`architecture`). */
export type OciPlatform = NonNullable<Descriptor['platform']>;

export function ociPlatform(p: Platform): OciPlatform {
  return p.variant
    ? { architecture: p.arch, os: p.os, variant: p.variant }
    : { architecture: p.arch, os: p.os };
}

/** The platform an OCI descriptor's `platform` or an image config names (`os`, `architecture`, `variant`). */
export function platformOf(p: { os: string; architecture: string; variant?: string | undefined }): Platform {
  return p.variant
    ? { os: p.os, arch: p.architecture, variant: p.variant }
    : { os: p.os, arch: p.architecture };
}

/**
 * The entry of an index for a platform: the exact variant when one is asked for; else the entry without
 * a variant, then any (arm64's v8 counts as none).
 */
export function choosePlatform<D extends Pick<Descriptor, 'platform'>>(
  manifests: readonly D[],
  want: Platform,
): D | undefined {
  const same = manifests.filter(
    (m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.arch,
  );
  const variant = (m: D) => significantVariant(want.arch, m.platform?.variant);
  if (want.variant) {
    const w = significantVariant(want.arch, want.variant);
    return same.find((m) => variant(m) === w);
  }
  return same.find((m) => variant(m) === undefined) ?? same[0];
}

/** Node's `process.arch` as the Linux platform of Go and OCI (`x64` -> linux/amd64, `arm` -> linux/arm/v7). */
export function hostPlatform(nodeArch: string): Platform {
  const arch =
    (
      {
        x64: 'amd64',
        arm64: 'arm64',
        arm: 'arm',
        ppc64: 'ppc64le',
        s390x: 's390x',
        riscv64: 'riscv64',
        loong64: 'loong64',
      } as Record<string, string>
    )[nodeArch] ?? nodeArch;
  return arch === 'arm' ? { os: 'linux', arch, variant: 'v7' } : { os: 'linux', arch };
}

/** The Linux platforms an era's Makefile.release builds, in LINUX_ARCH order. */
export function platformsForEra(era: Era): Platform[] {
  return era.linuxArch.map((arch) =>
    arch === 'arm' ? { os: 'linux', arch, variant: 'v7' } : { os: 'linux', arch },
  );
}

/**
 * A `--platforms` list (comma-separated; undefined -> linux/amd64,linux/arm64) checked against what
 * the era builds; order kept, duplicates removed. `version` only makes the message name the release.
 * Throws bad input: BAD_PLATFORM (syntax), UNKNOWN_PLATFORM (not built in this era).
 */
export function parsePlatforms(
  list: string | readonly string[] | undefined,
  era: Era,
  version?: string,
): Platform[] {
  const given = list === undefined ? [DEFAULT_PLATFORMS] : typeof list === 'string' ? [list] : list;
  const entries = given.flatMap((s) => s.split(',')).map((s) => s.trim());
  if (entries.some((e) => e === '')) {
    throw badInput(
      `invalid platform list ${quoteInput(given.join(','))}`,
      'BAD_PLATFORM',
      `give comma-separated platforms, e.g. ${DEFAULT_PLATFORMS}`,
    );
  }
  const offered = platformsForEra(era).map(formatPlatform);
  const seen = new Set<string>();
  const result: Platform[] = [];
  for (const entry of entries) {
    const platform = parsePlatform(entry);
    const name = formatPlatform(platform);
    if (!offered.includes(name)) {
      const release = version ? `CoreDNS ${version}` : `CoreDNS ${formatEraRange(era)}`;
      const hint =
        offered.length === 0
          ? `${release} has no LINUX_ARCH list`
          : `${release} builds ${offered.join(', ')}`;
      throw badInput(`platform ${name} is not built by ${release}`, 'UNKNOWN_PLATFORM', hint);
    }
    if (seen.has(name)) continue;
    seen.add(name);
    result.push(platform);
  }
  return result;
}

export interface GoEnv {
  GOOS: string;
  GOARCH: string;
  GOARM?: string;
}

/** The Go environment that builds a platform: `linux/arm/v7` -> GOOS=linux GOARCH=arm GOARM=7. */
export function goEnvFor(platform: Platform): GoEnv {
  const { os, arch, variant } = platform;
  if (arch === 'arm') {
    const m = /^v([5-7])$/.exec(variant ?? 'v7');
    if (m) return { GOOS: os, GOARCH: arch, GOARM: m[1] as string };
  } else if (variant === undefined || (arch === 'arm64' && variant === 'v8')) {
    return { GOOS: os, GOARCH: arch };
  }
  throw badInput(
    `platform ${formatPlatform(platform)} has no Go equivalent`,
    'UNKNOWN_PLATFORM',
    'variants exist only for linux/arm (v5, v6, v7)',
  );
}
