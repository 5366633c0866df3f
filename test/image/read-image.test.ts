// The one image reader over blobs in memory: every blob checked as it is read (a mismatch names it),
// a platform chosen as container tools choose, files found through the layers (whiteouts honoured).
import { describe, expect, it } from 'vitest';
import { buildLayer, type FetchBlob, imageFile, readImage, readImageFile } from '../../src/image/index.js';
import type { Blob, Descriptor, ImageIndex } from '../../src/types.js';
import { sha256Digest } from '../../src/util/digest.js';
import { rejection } from '../support/errors.js';
import { AMD64, ARM64, fakeImage as image } from './fake-image.js';

const enc = new TextEncoder();

/** Every blob of an index by digest, and a fetchBlob that records what it was asked for. */
function store(index: ImageIndex) {
  const blobs = new Map<string, Uint8Array>();
  const add = (b: Blob) => blobs.set(b.descriptor.digest, b.bytes);
  add(index.index);
  for (const m of index.manifests) [m.manifest, m.config, ...m.layers].forEach(add);
  const asked: string[] = [];
  const fetchBlob: FetchBlob = async (d, role) => {
    asked.push(`${role} ${d.digest.slice(7, 15)}`);
    const bytes = blobs.get(d.digest);
    if (!bytes) throw new Error(`no ${d.digest}`);
    return bytes;
  };
  return { blobs, asked, fetchBlob };
}

describe('readImage', () => {
  it('reads index, manifests, configs and layers, in order, each checked', async () => {
    const index = image();
    const { fetchBlob, asked } = store(index);
    const read = await readImage(index.index.descriptor, fetchBlob);
    expect(read.digest).toBe(index.digest);
    expect(read.index?.manifests).toHaveLength(2);
    expect(read.images.map((i) => i.platform)).toEqual([AMD64, ARM64]);
    expect(read.images.map((i) => i.descriptor.digest)).toEqual(
      index.manifests.map((m) => m.manifest.descriptor.digest),
    );
    expect(read.images[1]?.layers).toEqual(index.manifests[1]?.layers.map((l) => l.bytes));
    expect(read.labels).toEqual({ 'io.vc-coredns.build-key': 'k' });
    expect(asked.map((a) => a.split(' ')[0])).toEqual([
      'index',
      'manifest',
      'config',
      'layer',
      'layer',
      'manifest',
      'config',
      'layer',
      'layer',
    ]);
  });

  it('stops at the configs with layers: false, reads one platform when asked', async () => {
    const index = image();
    const { fetchBlob, asked } = store(index);
    const read = await readImage(index.index.descriptor, fetchBlob, { layers: false, platform: ARM64 });
    expect(read.images.map((i) => [i.platform, i.layers])).toEqual([[ARM64, []]]);
    expect(asked.map((a) => a.split(' ')[0])).toEqual(['index', 'manifest', 'config']);
    expect(
      await rejection(
        readImage(index.index.descriptor, fetchBlob, { platform: { os: 'linux', arch: 's390x' }, name: 'x' }),
      ),
    ).toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: 'x: no image for linux/s390x',
      hint: 'it has: linux/amd64, linux/arm64',
    });
  });

  it('reads a single manifest, refusing another platform than asked', async () => {
    const index = image([ARM64]);
    const { fetchBlob } = store(index);
    const top = index.manifests[0]?.manifest.descriptor as Descriptor;
    const read = await readImage(top, fetchBlob, { platform: { os: 'linux', arch: 'arm64', variant: 'v8' } });
    expect([read.index, read.images.map((i) => i.platform)]).toEqual([null, [ARM64]]);
    expect(await rejection(readImage(top, fetchBlob, { platform: AMD64, name: 'x' }))).toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: 'x: a single-platform image for linux/arm64, not linux/amd64',
    });
  });

  it('names the blob whose bytes do not match: index, manifest, config or layer', async () => {
    const index = image();
    const amd = index.manifests[0];
    if (!amd) throw new Error('no image');
    const cases: [Blob, string][] = [
      [index.index, 'image index'],
      [amd.manifest, 'manifest'],
      [amd.config, 'config of linux/amd64'],
      [amd.layers[1] as Blob, 'layer 2 of 2 (linux/amd64)'],
    ];
    for (const [blob, what] of cases) {
      const { blobs, fetchBlob } = store(index);
      const damaged = Uint8Array.from(blob.bytes);
      damaged[damaged.length - 1] = (damaged.at(-1) as number) ^ 1;
      blobs.set(blob.descriptor.digest, damaged);
      const e = await rejection(readImage(index.index.descriptor, fetchBlob, { name: 'img' }));
      expect(e.code).toBe('DIGEST_MISMATCH');
      expect(e.message).toBe(
        `img: ${what} ${blob.descriptor.digest} does not match its digest (its bytes hash to ${sha256Digest(damaged).slice(0, 19)})`,
      );
      blobs.set(blob.descriptor.digest, blob.bytes.subarray(1));
      expect((await rejection(readImage(index.index.descriptor, fetchBlob))).message).toContain(
        `(${blob.bytes.length - 1} bytes, not ${blob.bytes.length})`,
      );
    }
  });

  it('refuses what is neither an index nor an image manifest', async () => {
    const e = await rejection(
      readImage(
        { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(''), size: 0 },
        async () => new Uint8Array(),
      ),
    );
    expect(e.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('imageFile', () => {
  const layer = (entries: Parameters<typeof buildLayer>[0]) => buildLayer(entries, 0).blob.bytes;
  const file = (path: string, text: string) =>
    ({ path, type: 'file', mode: 0o644, uid: 0, gid: 0, data: enc.encode(text) }) as const;

  it('the last layer that has the file wins; whiteouts of it or a folder above hide it', () => {
    const base = layer([file('etc/passwd', 'old'), file('etc/group', 'g'), file('coredns', 'x')]);
    const text = (layers: Uint8Array[], path: string) => {
      const e = imageFile({ layers }, path);
      return e ? new TextDecoder().decode(e.data) : null;
    };
    expect(text([base, layer([file('etc/passwd', 'new')])], '/etc/passwd')).toBe('new');
    expect(text([base, layer([file('other', '')])], './etc/passwd')).toBe('old');
    expect(text([base, layer([file('etc/.wh.passwd', '')])], 'etc/passwd')).toBeNull();
    expect(text([base, layer([file('.wh.etc', '')])], 'etc/group')).toBeNull();
    expect(text([base, layer([file('etc/.wh..wh..opq', '')])], 'etc/group')).toBeNull();
    expect(text([base], 'missing')).toBeNull();
  });

  it('readImageFile reads one platform and finds the file', async () => {
    const index = image();
    const { fetchBlob } = store(index);
    const { image: img, file: f } = await readImageFile(index.index.descriptor, fetchBlob, {
      platform: ARM64,
      path: '/coredns',
    });
    expect(img.platform).toEqual(ARM64);
    expect(new TextDecoder().decode(f?.data)).toBe('coredns for arm64');
    expect(f?.mode).toBe(0o755);
  });
});
