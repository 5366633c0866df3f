import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Blob, ImageIndex, Platform, PlatformImage } from '../../src/types.js';

// Test images only: src/image/ builds the real ones (deterministic gzip, real configs).

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blob(mediaType: string, bytes: Uint8Array): Blob {
  return { descriptor: { mediaType, digest: sha256(bytes), size: bytes.byteLength }, bytes };
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** A ustar archive with one regular file. */
export function tarOf(name: string, content: Uint8Array): Uint8Array {
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => header.write(text, offset, length, 'ascii');
  const octal = (n: number, length: number) => `${n.toString(8).padStart(length - 1, '0')}\0`;
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(content.byteLength, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of header) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padded = Math.ceil(content.byteLength / 512) * 512;
  const out = Buffer.alloc(512 + padded + 1024);
  header.copy(out, 0);
  Buffer.from(content).copy(out, 512);
  return new Uint8Array(out);
}

/** A gzipped tar layer holding `size` random bytes in one file. */
export function randomLayer(size: number, name = 'data.bin'): { blob: Blob; diffId: string } {
  const tar = tarOf(name, randomBytes(size));
  return { blob: blob(OCI_LAYER_GZIP, gzipSync(tar, { level: 1 })), diffId: sha256(tar) };
}

export interface TestIndexOptions {
  platforms?: Platform[];
  /** bytes in each platform's own layer (random, so gzip does not shrink it) */
  layerSize?: number;
  /** a layer every platform shares (like a base layer), of this many bytes */
  sharedLayerSize?: number;
}

/** An OCI index of N platforms with random layers; every digest and size from the bytes. */
export function makeTestIndex(opts: TestIndexOptions = {}): ImageIndex {
  const platforms = opts.platforms ?? [
    { os: 'linux', arch: 'amd64' },
    { os: 'linux', arch: 'arm64' },
  ];
  const shared =
    opts.sharedLayerSize === undefined ? undefined : randomLayer(opts.sharedLayerSize, 'base.bin');
  const manifests: PlatformImage[] = platforms.map((platform) => {
    const own = randomLayer(opts.layerSize ?? 4096, `${platform.arch}.bin`);
    const layers = shared ? [shared, own] : [own];
    const config = blob(
      OCI_CONFIG,
      json({
        architecture: platform.arch,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: { Labels: { 'io.vc-coredns.test': 'yes' } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      }),
    );
    const manifest = blob(
      OCI_MANIFEST,
      json({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: config.descriptor,
        layers: layers.map((l) => l.blob.descriptor),
      }),
    );
    manifest.descriptor.platform = {
      os: platform.os,
      architecture: platform.arch,
      ...(platform.variant ? { variant: platform.variant } : {}),
    };
    return { platform, config, layers: layers.map((l) => l.blob), manifest };
  });
  const index = blob(
    OCI_INDEX,
    json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: manifests.map((m) => m.manifest.descriptor) }),
  );
  return { manifests, index, digest: index.descriptor.digest };
}
