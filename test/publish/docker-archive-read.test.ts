// The docker-archive adapter of the one image reader: archives our sink writes (an OCI layout inside) and
// the older `docker save` form (manifest.json only), every part checked.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJsonBytes, imageFile, MEDIA_TYPE, writeTar } from '../../src/image/index.js';
import { dockerArchiveSink, readDockerArchive } from '../../src/publish/docker-archive.js';
import { sha256Digest } from '../../src/util/digest.js';
import { AMD64, ARM64, fakeImage as image } from '../image/fake-image.js';
import { rejection } from '../support/errors.js';

const enc = new TextEncoder();

describe('readDockerArchive', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vc-read-archive-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("reads this sink's archive: /coredns of its one platform", async () => {
    const file = join(work, 'coredns.tar');
    const index = image();
    await dockerArchiveSink(file, ARM64).write(index, 'v1.12.0');
    const read = await readDockerArchive(file, { tag: 'v1.12.0' });
    expect(read.digest).toBe(index.manifests[1]?.manifest.descriptor.digest);
    expect(new TextDecoder().decode(imageFile(read.images[0] as never, '/coredns')?.data)).toBe(
      'coredns for arm64',
    );
    expect((await rejection(readDockerArchive(file, { tag: 'v9' }))).message).toBe(
      `docker-archive:${file}: no image tagged v9`,
    );
  });

  it('reads an older `docker save` (manifest.json only), layers checked against the diff_ids', async () => {
    const tar = writeTar(
      [{ path: 'coredns', type: 'file', mode: 0o755, uid: 0, gid: 0, data: enc.encode('bin') }],
      { mtime: 0 },
    );
    const config = canonicalJsonBytes({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
    });
    const hex = sha256Digest(config).slice(7);
    const archive = (layerTar: Uint8Array) =>
      writeTar(
        [
          { path: `${hex}.json`, type: 'file', mode: 0o644, uid: 0, gid: 0, data: config },
          { path: 'abc/layer.tar', type: 'file', mode: 0o644, uid: 0, gid: 0, data: layerTar },
          {
            path: 'manifest.json',
            type: 'file',
            mode: 0o644,
            uid: 0,
            gid: 0,
            data: enc.encode(
              JSON.stringify([
                { Config: `${hex}.json`, RepoTags: ['coredns:old'], Layers: ['abc/layer.tar'] },
              ]),
            ),
          },
        ],
        { mtime: 0 },
      );
    const file = join(work, 'old.tar');
    await writeFile(file, archive(tar));
    const read = await readDockerArchive(file, { tag: 'old' });
    expect(read.descriptor.mediaType).toBe(MEDIA_TYPE.dockerManifest);
    expect(read.images[0]?.platform).toEqual(AMD64);
    expect(new TextDecoder().decode(imageFile(read.images[0] as never, 'coredns')?.data)).toBe('bin');

    const changed = Uint8Array.from(tar);
    changed[600] = 0x41;
    await writeFile(file, archive(changed));
    expect((await rejection(readDockerArchive(file))).code).toBe('DIGEST_MISMATCH');
  });
});
