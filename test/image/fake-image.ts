// A small image assembled from fake binaries (bytes, not programs): for readers, which need no ELF.
import { assembleImage, builtinBase } from '../../src/image/index.js';
import type { ImageIndex, Platform } from '../../src/types.js';
import { eraFor } from '../../src/versions/index.js';

export const AMD64: Platform = { os: 'linux', arch: 'amd64' };
export const ARM64: Platform = { os: 'linux', arch: 'arm64' };

/** An index whose /coredns of each platform holds `coredns for <arch>`. */
export function fakeImage(platforms: Platform[] = [AMD64, ARM64]): ImageIndex {
  const enc = new TextEncoder();
  return assembleImage({
    binaries: platforms.map((platform) => ({ platform, bytes: enc.encode(`coredns for ${platform.arch}`) })),
    base: builtinBase(enc.encode('a CA bundle'), platforms),
    era: eraFor('v1.12.0'),
    labels: { 'io.vc-coredns.build-key': 'k' },
    sourceDateEpoch: 1653663600,
  });
}
