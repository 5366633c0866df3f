import type { Blob } from '../types.js';
import { sha256Digest } from '../util/digest.js';
import { blobOf } from './digest.js';
import { gzipDeterministic } from './gzip.js';
import { MEDIA_TYPE } from './oci.js';
import { type TarEntry, writeTar } from './tar.js';

/** A layer: its compressed blob and the digest of its uncompressed tar (the config's diff_id). */
export interface Layer {
  blob: Blob;
  diffId: string;
}

/** A deterministic tar+gzip layer of the entries, every mtime `mtime` (seconds). */
export function buildLayer(entries: readonly TarEntry[], mtime: number): Layer {
  const tar = writeTar(entries, { mtime });
  return Object.freeze({
    blob: blobOf(MEDIA_TYPE.layerGzip, gzipDeterministic(tar)),
    diffId: sha256Digest(tar),
  });
}
