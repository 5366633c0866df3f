// What the SBOM lists of an image's base: the built-in layer's files (from the same entries the layer
// is built from, so the list cannot drift from the layer), or a --base image by name and digest. Pure.
import { createHash } from 'node:crypto';
import { type BaseImage, builtinBaseEntries } from '../image/base.js';
import type { BaseContents, CaBundleSource } from './sbom.js';

export function baseContents(
  base: BaseImage,
  caBundle: Uint8Array | null,
  caSource: CaBundleSource | null,
): BaseContents {
  if (!base.digest.startsWith('builtin:') || caBundle === null) {
    return { kind: 'image', name: base.name, digest: base.digest };
  }
  const files = builtinBaseEntries(caBundle).flatMap((e) =>
    e.type === 'file' && e.data
      ? [
          {
            path: `/${e.path}`,
            sha256: createHash('sha256').update(e.data).digest('hex'),
            size: e.data.byteLength,
          },
        ]
      : [],
  );
  return { kind: 'builtin', layerDigest: base.digest.slice('builtin:'.length), files, caBundle: caSource };
}
