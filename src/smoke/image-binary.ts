// Which image of an index the smoke test runs, and its /coredns (pure). The host runs only its own
// platform natively; smoke never emulates.
import { badInput } from '../errors.js';
import { LABEL } from '../image/labels.js';
import { imageFile, type ReadPlatformImage } from '../image/read-image.js';
import type { Platform } from '../types.js';
import { formatPlatform, hostPlatform, parsePlatform } from '../versions/platforms.js';

export interface Host {
  /** `process.platform` */
  os: string;
  /** `process.arch` */
  arch: string;
}

export const thisHost: Host = { os: process.platform, arch: process.arch };

/** The platforms the host runs natively: its own Linux platform; none on another OS. */
export function runnablePlatforms(host: Host = thisHost): Platform[] {
  return host.os === 'linux' ? [hostPlatform(host.arch)] : [];
}

/** Bad input (exit 2) when the host cannot run CoreDNS binaries at all. */
export function assertCanSmoke(host: Host = thisHost): Platform[] {
  const runnable = runnablePlatforms(host);
  if (runnable.length === 0) {
    throw badInput(
      `smoke runs CoreDNS, a Linux binary, and this host runs ${host.os}`,
      'SMOKE_NEEDS_LINUX',
      'run the smoke test in CI (a Linux runner) or in a Linux VM',
    );
  }
  return runnable;
}

/** `--platform P` (or the host's) checked against what the host runs. */
export function smokePlatform(wanted: string | undefined, host: Host = thisHost): Platform {
  const runnable = assertCanSmoke(host);
  if (wanted === undefined) return runnable[0] as Platform;
  const p = parsePlatform(wanted);
  const name = formatPlatform(p);
  if (!runnable.some((r) => formatPlatform(r) === name)) {
    throw badInput(
      `this host cannot run ${name} binaries natively`,
      'PLATFORM_NOT_RUNNABLE',
      `it runs ${runnable.map(formatPlatform).join(', ')}; smoke other platforms on a host of that architecture`,
    );
  }
  return p;
}

/**
 * `build --smoke`: the one platform of a build that the host runs (`runnable`: runnablePlatforms()),
 * which the smoke test runs; bad input otherwise, so that the build stops before anything runs.
 */
export function smokeBuildPlatform(platforms: readonly Platform[], runnable: readonly Platform[]): Platform {
  if (runnable.length === 0) {
    throw badInput(
      '--smoke runs CoreDNS, a Linux binary, and this host is not Linux',
      'SMOKE_NEEDS_LINUX',
      'build with --smoke in CI (a Linux runner) or in a Linux VM, or leave out --smoke',
    );
  }
  const names = runnable.map(formatPlatform);
  const found = platforms.find((p) => names.includes(formatPlatform(p)));
  if (!found) {
    throw badInput(
      `--smoke runs the host's platform (${names.join(', ')}), which --platforms ${platforms.map(formatPlatform).join(',')} does not build`,
      'SMOKE_PLATFORM_NOT_BUILT',
      `add ${names[0]} to --platforms, or leave out --smoke`,
    );
  }
  return found;
}

export interface SmokeImage {
  platform: string;
  labels: Record<string, string>;
  /** the annotation key the image says it was patched for, or null */
  key: string | null;
  binary: Uint8Array;
}

/** The image of `platform` among images read with their layers, and its /coredns; bad input when absent. */
export function imageCoreDns(images: readonly ReadPlatformImage[], platform: Platform): SmokeImage {
  const name = formatPlatform(platform);
  const image = images.find((i) => formatPlatform(i.platform) === name);
  if (!image) {
    const has = images.map((i) => formatPlatform(i.platform)).join(', ') || 'none';
    throw badInput(`the image has no ${name} build`, 'PLATFORM_NOT_BUILT', `it has ${has}`);
  }
  const entry = imageFile(image, '/coredns');
  if (!entry) throw badInput(`the ${name} image has no /coredns`, 'NO_COREDNS');
  const labels = image.config.config?.Labels ?? {};
  return { platform: name, labels, key: labels[LABEL.annotationKey] ?? null, binary: entry.data };
}
