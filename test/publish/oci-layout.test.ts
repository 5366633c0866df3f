// The OCI layout sink, read back by skopeo and umoci.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, MEDIA_TYPE, parseIndex, REF_NAME_ANNOTATION } from '../../src/image/index.js';
import { ociLayoutSink, readOciLayoutTag, writeOciLayout } from '../../src/publish/index.js';
import { type TestImages, testImages } from './images.js';

let work: string;
let images: TestImages;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-oci-'));
  images = await testImages(join(work, 'go'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function topIndex(dir: string) {
  return parseIndex(await readFile(join(dir, 'index.json')));
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out.sort();
}

describe('ociLayoutSink', () => {
  it('writes a layout that skopeo reads: an index of two platforms under the tag', async () => {
    const dir = join(work, 'layout');
    const sink = ociLayoutSink(dir);
    expect(sink.name).toBe(`oci:${dir}`);
    const published = await sink.write(images.nonroot, 'v1.12.0');
    expect(published).toEqual({ refs: [`oci:${dir}:v1.12.0`], digest: images.nonroot.digest });

    const raw = await execa('skopeo', ['inspect', '--raw', `oci:${dir}:v1.12.0`]);
    const index = JSON.parse(raw.stdout);
    expect(index.mediaType).toBe(MEDIA_TYPE.index);
    expect(index.manifests.map((m: { platform: object }) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ]);
    expect(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`).toBe(images.nonroot.digest);

    const inspect = JSON.parse(
      (await execa('skopeo', ['inspect', '--override-arch', 'arm64', `oci:${dir}:v1.12.0`])).stdout,
    );
    expect(inspect.Architecture).toBe('arm64');
    expect(inspect.Labels[LABEL.version]).toBe('v1.12.0');

    // Every blob is complete and named by its digest; nothing else was left behind.
    const files = await listFiles(dir);
    expect(files.filter((f) => !f.startsWith('blobs/sha256/'))).toEqual(['index.json', 'oci-layout']);
    for (const f of files.filter((f) => f.startsWith('blobs/'))) {
      const hex = createHash('sha256')
        .update(await readFile(join(dir, f)))
        .digest('hex');
      expect(f).toBe(`blobs/sha256/${hex}`);
    }
    expect(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
  });

  it('survives skopeo copy --all (which checks every digest) to another layout and to dir:', async () => {
    const dir = join(work, 'copy-src');
    await writeOciLayout(dir, images.nonroot, 'v1.12.0');
    await execa('skopeo', [
      'copy',
      '--all',
      '--quiet',
      `oci:${dir}:v1.12.0`,
      `oci:${join(work, 'copy-oci')}:copied`,
    ]);
    const copied = await topIndex(join(work, 'copy-oci'));
    expect(copied.manifests[0]?.digest).toBe(images.nonroot.digest);
    await execa('skopeo', [
      'copy',
      '--all',
      '--quiet',
      `oci:${dir}:v1.12.0`,
      `dir:${join(work, 'copy-dir')}`,
    ]);
    expect(await readdir(join(work, 'copy-dir'))).toContain('manifest.json');
  });

  it('unpacks with umoci into a runtime bundle with /coredns, its capability and the nonroot user', async () => {
    const dir = join(work, 'umoci-src');
    await writeOciLayout(dir, images.nonroot, 'v1.12.0');
    // umoci unpacks one image manifest: take the amd64 one into a layout of its own.
    const single = join(work, 'umoci-single');
    await execa('skopeo', [
      'copy',
      '--quiet',
      '--override-arch',
      'amd64',
      `oci:${dir}:v1.12.0`,
      `oci:${single}:amd64`,
    ]);
    // A tag naming a single manifest (written by skopeo) reads back too.
    const singleTag = await readOciLayoutTag(single, 'amd64');
    expect(singleTag?.index).toBeNull();
    expect(singleTag?.images.map((i) => i.platform)).toEqual([{ os: 'linux', arch: 'amd64' }]);
    expect(singleTag?.labels[LABEL.version]).toBe('v1.12.0');
    const bundle = join(work, 'bundle');
    await execa('umoci', ['unpack', '--image', `${single}:amd64`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    expect((await stat(join(rootfs, 'coredns'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(rootfs, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(rootfs, 'home/nonroot'))).uid).toBe(65532);
    const { stdout } = await execa('getcap', [join(rootfs, 'coredns')]);
    expect(stdout).toContain('cap_net_bind_service=ep');
    const runtime = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
    expect(runtime.process.user).toMatchObject({ uid: 65532, gid: 65532 });
    expect(runtime.process.args).toEqual(['/coredns']);
  });

  it('lets several versions share one layout and replaces a tag written again', async () => {
    const dir = join(work, 'shared');
    await writeOciLayout(dir, images.nonroot, 'v1.12.0');
    await writeOciLayout(dir, images.root, 'v1.9.3');
    let top = await topIndex(dir);
    expect(top.manifests.map((d) => [d.annotations?.[REF_NAME_ANNOTATION], d.digest])).toEqual([
      ['v1.12.0', images.nonroot.digest],
      ['v1.9.3', images.root.digest],
    ]);
    for (const tag of ['v1.9.3', 'v1.12.0']) {
      const raw = JSON.parse((await execa('skopeo', ['inspect', '--raw', `oci:${dir}:${tag}`])).stdout);
      expect(raw.manifests).toHaveLength(2);
    }
    // The built-in base layer is stored once for both.
    const baseLayer = images.root.manifests[0]?.layers[0]?.descriptor.digest;
    expect(baseLayer).toBe(images.nonroot.manifests[0]?.layers[0]?.descriptor.digest);

    const rebuilt = await images.build('v1.9.3', { goVersion: 'go1.23.6' });
    expect(rebuilt.digest).not.toBe(images.root.digest);
    await writeOciLayout(dir, rebuilt, 'v1.9.3');
    top = await topIndex(dir);
    expect(top.manifests.map((d) => [d.annotations?.[REF_NAME_ANNOTATION], d.digest])).toEqual([
      ['v1.12.0', images.nonroot.digest],
      ['v1.9.3', rebuilt.digest],
    ]);
    const tag = await readOciLayoutTag(dir, 'v1.9.3');
    expect(tag?.digest).toBe(rebuilt.digest);
  });

  it('keeps entries of concurrent writers to one layout', async () => {
    const dir = join(work, 'concurrent');
    const versions = ['v1.9.3', 'v1.12.0', 'v1.10.0', 'v1.11.0'];
    const built = await Promise.all(versions.map((v) => images.build(v)));
    await Promise.all(built.map((image, i) => writeOciLayout(dir, image, versions[i] as string)));
    const top = await topIndex(dir);
    expect(top.manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]).sort()).toEqual(
      [...versions].sort(),
    );
    expect((await readdir(dir)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('keeps entries of writers in separate processes (the layout lock)', async () => {
    const dir = join(work, 'processes');
    const script = join(work, 'writer.mts');
    const src = (m: string) => JSON.stringify(new URL(`../../src/${m}`, import.meta.url).pathname);
    await writeFile(
      script,
      `import { assembleImage, builtinBase } from ${src('image/index.ts')};
import { writeOciLayout } from ${src('publish/index.ts')};
import { eraFor } from ${src('versions/index.ts')};
const [dir, tag, start] = process.argv.slice(2);
const platform = { os: 'linux', arch: 'amd64' };
const image = assembleImage({
  binaries: [{ platform, bytes: new TextEncoder().encode(tag) }],
  base: builtinBase(new TextEncoder().encode('ca'), [platform]),
  era: eraFor('v1.12.0'),
  labels: {},
  sourceDateEpoch: 0,
});
// All start together, then write again and again: without the lock, updates get lost.
while (Date.now() < Number(start)) await new Promise((r) => setTimeout(r, 5));
for (let i = 10; i < 40; i++) await writeOciLayout(dir, image, \`\${tag}-\${i}\`);
`,
    );
    const tags = ['p1', 'p2', 'p3', 'p4'];
    await Promise.all(
      tags.map((tag) =>
        execa(process.execPath, ['--import', 'tsx', script, dir, tag], {
          cwd: new URL('../..', import.meta.url),
        }),
      ),
    );
    const top = await topIndex(dir);
    const written = tags.flatMap((t) => Array.from({ length: 30 }, (_, i) => `${t}-${i + 10}`));
    expect(top.manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION])).toEqual(written);
  });

  it('reads a tag back for the skip check, with its labels; null when absent', async () => {
    const dir = join(work, 'read');
    expect(await readOciLayoutTag(dir, 'v1.12.0')).toBeNull();
    await writeOciLayout(dir, images.nonroot, 'v1.12.0');
    const tag = await readOciLayoutTag(dir, 'v1.12.0');
    expect(tag?.digest).toBe(images.nonroot.digest);
    expect(tag?.images.map((i) => i.platform)).toEqual([
      { os: 'linux', arch: 'amd64' },
      { os: 'linux', arch: 'arm64' },
    ]);
    const labels = JSON.parse(new TextDecoder().decode(images.nonroot.manifests[0]?.config.bytes)).config
      .Labels;
    expect(tag?.labels).toEqual(labels);
    expect(tag?.labels[LABEL.buildKey]).toMatch(/^[0-9a-f]{64}$/);
    expect(await readOciLayoutTag(dir, 'v1.9.3')).toBeNull();

    // A damaged blob is an error naming it, not "absent" (which would make the caller rebuild over it silently).
    const configDigest = images.nonroot.manifests[0]?.config.descriptor.digest as string;
    await writeFile(join(dir, 'blobs/sha256', configDigest.slice(7)), '{}');
    await expect(readOciLayoutTag(dir, 'v1.12.0')).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: `oci:${dir}:v1.12.0: config of linux/amd64 ${configDigest} does not match its digest (2 bytes, not ${images.nonroot.manifests[0]?.config.descriptor.size})`,
    });
  });

  it('checks every layer too: a flipped byte of a gzip trailer (still valid gzip) is a mismatch', async () => {
    const dir = join(work, 'trailer');
    const sink = ociLayoutSink(dir);
    await sink.write(images.root, 'v1.9.3');
    const current = await sink.current?.('v1.9.3');
    expect(current?.problems).toEqual([]);
    expect(current?.held?.descriptor.digest).toBe(images.root.digest);
    expect(current?.held?.refs).toEqual([`oci:${dir}:v1.9.3`]);
    expect(current?.held?.buildKey).toMatch(/^[0-9a-f]{64}$/);

    // The last 8 bytes of a gzip stream are CRC32 and size: fflate and Node ignore a wrong CRC there.
    const layer = images.root.manifests[0]?.layers.at(-1)?.descriptor.digest as string;
    const file = join(dir, 'blobs/sha256', layer.slice(7));
    const bytes = await readFile(file);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0xff;
    await writeFile(file, bytes);
    const e = await readOciLayoutTag(dir, 'v1.9.3').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect((e as Error).message).toMatch(
      new RegExp(`layer 2 of 2 \\(linux/amd64\\) ${layer} does not match`),
    );

    // For the skip check it is a problem to say, not an error: the image is written again.
    const damaged = await sink.current?.('v1.9.3');
    expect(damaged?.held).toBeNull();
    expect(damaged?.problems).toEqual([(e as Error).message]);
    await sink.write(images.root, 'v1.9.3');
    expect((await sink.current?.('v1.9.3'))?.problems).toEqual([]);
  });

  it('addTag points another tag at what a tag holds, without writing blobs', async () => {
    const dir = join(work, 'add-tag');
    const sink = ociLayoutSink(dir);
    await sink.write(images.root, 'v1.9.3');
    const held = (await sink.current?.('v1.9.3'))?.held;
    if (!held) throw new Error('nothing held');
    const blobs = await readdir(join(dir, 'blobs/sha256'));
    expect(await sink.addTag?.(held, 'latest')).toEqual({
      refs: [`oci:${dir}:latest`],
      digest: images.root.digest,
    });
    expect(await readdir(join(dir, 'blobs/sha256'))).toEqual(blobs);
    const top = await topIndex(dir);
    expect(top.manifests.map((d) => [d.annotations?.[REF_NAME_ANNOTATION], d.digest])).toEqual([
      ['latest', images.root.digest],
      ['v1.9.3', images.root.digest],
    ]);
    expect((await sink.current?.('v1.9.3'))?.held?.buildKey).toBe(held.buildKey);
  });

  it('leaves index.json untouched when interrupted, and refuses a folder that is not a layout', async () => {
    const dir = join(work, 'abort');
    await writeOciLayout(dir, images.root, 'v1.9.3');
    const before = await readFile(join(dir, 'index.json'), 'utf8');
    const controller = new AbortController();
    controller.abort();
    await expect(writeOciLayout(dir, images.nonroot, 'v1.12.0', controller.signal)).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(await readFile(join(dir, 'index.json'), 'utf8')).toBe(before);

    const notLayout = join(work, 'not-a-layout');
    await mkdir(notLayout, { recursive: true });
    await writeFile(join(notLayout, 'README.md'), 'mine');
    await expect(writeOciLayout(notLayout, images.root, 'v1.9.3')).rejects.toMatchObject({
      code: 'BAD_OCI_LAYOUT',
      exitCode: 2,
    });
    expect(await readdir(notLayout)).toEqual(['README.md']);
  });
});
