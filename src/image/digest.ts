import { createHash } from 'node:crypto';
import type { Blob, Descriptor } from '../types.js';

/** `sha256:<hex>` of the bytes. */
export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The hex part of a `sha256:<hex>` digest; anything else is a bug or a bad input caught earlier. */
export function digestHex(digest: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return m[1] as string;
}

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value);
}

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
