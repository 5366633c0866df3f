// Readers of image bytes, used by `verify`, the skip-if-current check and the tests. They validate the
// shapes they rely on and throw VcError BAD_IMAGE otherwise.
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { VcError } from '../errors.js';
import type { Descriptor } from '../types.js';
import { isDigest } from '../util/digest.js';
import { gunzip, isGzip } from './gzip.js';
import { isIndex, isManifest, MEDIA_TYPE, type OciConfig, type OciIndex, type OciManifest } from './oci.js';
import { normalizeTarPath, parseTar, type RawTarEntry } from './tar.js';

function badImage(message: string, cause?: unknown): VcError {
  return new VcError(message, { code: 'BAD_IMAGE', cause });
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw badImage(`${what} is not valid JSON`, e);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badImage(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  const o = d as Record<string, unknown> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.mediaType !== 'string' ||
    !isDigest(o.digest) ||
    typeof o.size !== 'number' ||
    !Number.isSafeInteger(o.size) ||
    o.size < 0
  ) {
    throw badImage(`${what} is not a valid descriptor`);
  }
  return o as unknown as Descriptor;
}

/** An OCI image index (or a Docker manifest list, which has the same shape). */
export function parseIndex(bytes: Uint8Array): OciIndex {
  const o = parseJson(bytes, 'image index');
  const mt = o.mediaType ?? MEDIA_TYPE.index;
  if (o.schemaVersion !== 2 || typeof mt !== 'string' || !isIndex(mt)) {
    throw badImage(
      `not an image index (mediaType ${String(o.mediaType)}, schemaVersion ${String(o.schemaVersion)})`,
    );
  }
  if (!Array.isArray(o.manifests)) throw badImage('image index has no manifests list');
  o.manifests.forEach((d, i) => {
    checkDescriptor(d, `image index manifests[${i}]`);
  });
  return o as unknown as OciIndex;
}

/** An OCI image manifest (or a Docker schema 2 manifest). */
export function parseManifest(bytes: Uint8Array): OciManifest {
  const o = parseJson(bytes, 'image manifest');
  const mt = o.mediaType ?? MEDIA_TYPE.manifest;
  if (o.schemaVersion !== 2 || typeof mt !== 'string' || !isManifest(mt)) {
    throw badImage(
      `not an image manifest (mediaType ${String(o.mediaType)}, schemaVersion ${String(o.schemaVersion)})`,
    );
  }
  checkDescriptor(o.config, 'image manifest config');
  if (!Array.isArray(o.layers)) throw badImage('image manifest has no layers list');
  o.layers.forEach((d, i) => {
    checkDescriptor(d, `image manifest layers[${i}]`);
  });
  return o as unknown as OciManifest;
}

/** An image config (OCI or Docker: the same JSON). */
export function parseConfig(bytes: Uint8Array): OciConfig {
  const o = parseJson(bytes, 'image config');
  const rootfs = o.rootfs as Record<string, unknown> | undefined;
  if (typeof o.os !== 'string' || typeof o.architecture !== 'string') {
    throw badImage('image config has no os or architecture');
  }
  if (
    typeof rootfs !== 'object' ||
    rootfs === null ||
    rootfs.type !== 'layers' ||
    !Array.isArray(rootfs.diff_ids) ||
    !rootfs.diff_ids.every(isDigest)
  ) {
    throw badImage('image config has no valid rootfs.diff_ids');
  }
  if (o.config !== undefined && (typeof o.config !== 'object' || Array.isArray(o.config))) {
    throw badImage('image config has an invalid config member');
  }
  if (o.history !== undefined && !Array.isArray(o.history))
    throw badImage('image config has an invalid history');
  return o as unknown as OciConfig;
}

/** The uncompressed tar of a layer (gzip or plain tar; zstd is not read). */
export function layerTar(layerBytes: Uint8Array): Uint8Array {
  if (isGzip(layerBytes)) {
    try {
      return gunzip(layerBytes);
    } catch (e) {
      throw badImage('layer is not valid gzip', e);
    }
  }
  if (layerBytes.length >= 4 && layerBytes[0] === 0x28 && layerBytes[1] === 0xb5) {
    throw badImage('zstd layers cannot be read');
  }
  return layerBytes;
}

/** Every entry of a (gzipped) layer, with raw pax records and xattrs (e.g. security.capability). */
export function readLayerEntries(layerBytes: Uint8Array): RawTarEntry[] {
  try {
    return parseTar(layerTar(layerBytes));
  } catch (e) {
    if (e instanceof VcError) throw e;
    throw badImage(`layer is not a valid tar: ${(e as Error).message}`, e);
  }
}

/**
 * The content of one regular file of a (gzipped) layer, or null when the layer does not hold it.
 * Parsed with tar-stream, independently of our own tar code. `path` as in `/coredns` or `etc/passwd`.
 */
export async function readLayerFile(layerBytes: Uint8Array, path: string): Promise<Uint8Array | null> {
  const want = normalizeTarPath(path);
  const tar = layerTar(layerBytes);
  const ex = extract();
  const source = Readable.from([Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength)]);
  source.pipe(ex);
  let found: Uint8Array | null = null;
  try {
    for await (const entry of ex) {
      const name = entry.header.name
        .split('/')
        .filter((p) => p !== '' && p !== '.')
        .join('/');
      if (name === want && (entry.header.type === 'file' || entry.header.type === 'contiguous-file')) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        found = new Uint8Array(Buffer.concat(chunks));
      } else {
        entry.resume();
      }
    }
  } catch (e) {
    throw badImage(`layer is not a valid tar: ${(e as Error).message}`, e);
  }
  return found;
}
