// gzip through fflate, a pure-JS deflate pinned by package-lock.json: Node's zlib gives different bytes
// with a different zlib version, which would change layer digests from one Node to the next.
import { gunzipSync, gzipSync } from 'fflate';

/** Compression settings of every layer we write; they are part of IMAGE_FORMAT_VERSION. */
export const GZIP_SETTINGS = { level: 6, mem: 8 } as const;

/** The OS byte of the gzip header: 255 "unknown", as Go's compress/gzip writes it. */
const GZIP_OS = 255;

/**
 * Deterministic gzip: fixed level and memory (fflate would otherwise pick the window memory from the
 * input length through Math.log), header mtime 0, no file name, fixed OS byte.
 */
export function gzipDeterministic(data: Uint8Array): Uint8Array {
  const out = gzipSync(data, { level: GZIP_SETTINGS.level, mem: GZIP_SETTINGS.mem, mtime: 0 });
  // Header: ID1 ID2 CM FLG MTIME(4) XFL OS. Pin what could drift with the library.
  if (out[0] !== 0x1f || out[1] !== 0x8b || out[2] !== 8 || out[3] !== 0) {
    throw new Error('fflate wrote an unexpected gzip header');
  }
  out.fill(0, 4, 8);
  out[9] = GZIP_OS;
  return out;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 8;
}

export function gunzip(bytes: Uint8Array): Uint8Array {
  return gunzipSync(bytes);
}
