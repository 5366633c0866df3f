// The one digest helper: `sha256:<hex>` of bytes, as OCI descriptors, build keys and checks name them.
import { createHash } from 'node:crypto';

/** `sha256:<hex>` of the bytes (a string is hashed as UTF-8). */
export function sha256Digest(bytes: Uint8Array | string): string {
  return digestOf(bytes, 'sha256');
}

/** `<algorithm>:<hex>`, for references that name another algorithm (a registry may serve sha512). */
export function digestOf(bytes: Uint8Array | string, algorithm: string): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** The bare hex of sha256Digest (labels and build keys carry it without the algorithm). */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const SHA256 = /^sha256:([0-9a-f]{64})$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

/** The hex part of a `sha256:<hex>` digest; anything else is a bug or a bad input caught earlier. */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return m[1] as string;
}

/** `sha256:0123456789ab`: short enough for a progress line, long enough to tell blobs apart. */
export function shortDigest(digest: string): string {
  return digest.slice(0, 19);
}
