// Where commands read images from (`oci:DIR:TAG`, `docker-archive:FILE`, a registry reference), and one
// file of one platform read out of them: what smoke (/coredns) and the SBOM need.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageSource, readFileFromImageSource } from '../../src/pipeline/image-source.js';
import { dockerArchiveSink, ociLayoutSink } from '../../src/publish/index.js';
import { AMD64, ARM64, fakeImage } from '../image/fake-image.js';
import { thrown } from '../support/errors.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-image-source-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Layouts and archives need no registry. */
const deps = {
  registry: () => {
    throw new Error('no registry here');
  },
};

describe('parseImageSource', () => {
  it('tells layouts, archives and registry references apart', () => {
    expect(parseImageSource('oci:./dist/oci:v1.9.3')).toEqual({
      kind: 'oci',
      dir: './dist/oci',
      tag: 'v1.9.3',
    });
    expect(parseImageSource('docker-archive:/tmp/c.tar')).toEqual({
      kind: 'docker-archive',
      file: '/tmp/c.tar',
    });
    expect(parseImageSource('ghcr.io/acme/coredns:v1.9.3')).toEqual({
      kind: 'registry',
      ref: { registry: 'ghcr.io', repository: 'acme/coredns', tag: 'v1.9.3' },
    });
    expect(thrown(() => parseImageSource('oci:./dist/oci'))).toMatchObject({ code: 'BAD_REF', exitCode: 2 });
    expect(thrown(() => parseImageSource('docker-archive:'))).toMatchObject({ code: 'BAD_REF', exitCode: 2 });
    expect(thrown(() => parseImageSource('UPPER/case'))).toMatchObject({ code: 'BAD_REF', exitCode: 2 });
  });
});

describe('readFileFromImageSource', () => {
  it('reads /coredns of one platform from an OCI layout and from a docker-archive', async () => {
    const index = fakeImage();
    const dir = join(work, 'oci');
    await ociLayoutSink(dir).write(index, 'v1.12.0');
    const fromLayout = await readFileFromImageSource(`oci:${dir}:v1.12.0`, deps, {
      platform: ARM64,
      path: '/coredns',
    });
    expect(fromLayout.ref).toBe(`oci:${dir}:v1.12.0`);
    expect(fromLayout.image.platform).toEqual(ARM64);
    expect(new TextDecoder().decode(fromLayout.file?.data)).toBe('coredns for arm64');

    const file = join(work, 'coredns.tar');
    await dockerArchiveSink(file, AMD64).write(index, 'v1.12.0');
    const fromArchive = await readFileFromImageSource(`docker-archive:${file}`, deps, {
      platform: AMD64,
      path: '/coredns',
    });
    expect(new TextDecoder().decode(fromArchive.file?.data)).toBe('coredns for amd64');
    expect(
      (await readFileFromImageSource(`docker-archive:${file}`, deps, { platform: AMD64, path: '/nope' }))
        .file,
    ).toBeNull();
    await expect(
      readFileFromImageSource(`docker-archive:${file}`, deps, { platform: ARM64, path: '/coredns' }),
    ).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
    await expect(
      readFileFromImageSource(`oci:${dir}:v9`, deps, { platform: ARM64, path: '/coredns' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: `the OCI layout ${dir} has no tag v9` });
  });
});
