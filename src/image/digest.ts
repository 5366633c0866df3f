// Blobs and descriptors computed from bytes (the digest itself: util/digest.ts).
import type { Blob, Descriptor } from '../types.js';
import { sha256Digest } from '../util/digest.js';

/** A blob whose descriptor (digest, size) is computed from its bytes. */
export function blobOf(
  mediaType: string,
  bytes: Uint8Array,
  extra: Pick<Descriptor, 'annotations' | 'platform'> = {},
): Blob {
  const descriptor: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength };
  if (extra.platform) descriptor.platform = Object.freeze({ ...extra.platform });
  if (extra.annotations) descriptor.annotations = Object.freeze({ ...extra.annotations });
  return Object.freeze({ descriptor: Object.freeze(descriptor), bytes });
}

/** True when the bytes match the descriptor's digest and size. */
export function matchesDescriptor(
  bytes: Uint8Array,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
): boolean {
  return bytes.byteLength === descriptor.size && sha256Digest(bytes) === descriptor.digest;
}
