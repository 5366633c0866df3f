// The image stage: deterministic layers, configs, manifests and indexes, checked with our readers,
// tar-stream, GNU tar, getcap and python's os.getxattr.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { gunzipSync } from 'fflate';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assembleImage,
  BUILTIN_BASE_MTIME,
  basePlatformImage,
  buildKey,
  builtinBase,
  CAPABILITY_XATTR,
  canonicalJson,
  coreDnsLayer,
  decodeFileCapabilities,
  gzipDeterministic,
  IMAGE_FORMAT_VERSION,
  imageLabels,
  LABEL,
  MEDIA_TYPE,
  netBindServiceCapability,
  parseConfig,
  parseIndex,
  parseManifest,
  parseTar,
  readLayerEntries,
  readLayerFile,
  writeTar,
} from '../../src/image/index.js';
import { patchId } from '../../src/patch/templates.js';
import { CA_BUNDLE_PATH, loadBuiltinBase } from '../../src/pipeline/load.js';
import type { ImageIndex } from '../../src/types.js';
import { sha256Digest } from '../../src/util/digest.js';
import { eraFor } from '../../src/versions/index.js';
import { AMD64, ARM64, buildTiny } from './tiny-binary.js';

const KEY = 'transparency.tenancy.x-k8s.io/clusterIP';
const EPOCH = 1653663600; // 2022-05-27T15:00:00Z
const ROOT_ERA = eraFor('v1.9.3');
const NONROOT_ERA = eraFor('v1.12.0');

let work: string;
let bins: { amd64: Uint8Array; arm64: Uint8Array };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-image-'));
  bins = { amd64: await buildTiny(join(work, 'go'), AMD64), arm64: await buildTiny(join(work, 'go'), ARM64) };
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function labels(version = 'v1.12.0') {
  return imageLabels({
    release: { version, commit: 'a'.repeat(40) },
    annotationKey: KEY,
    repoUrl: 'https://github.com/coredns/coredns',
    goVersion: 'go1.23.5',
    patch: patchId(KEY),
    buildKey: buildKey({
      commit: 'a'.repeat(40),
      patch: patchId(KEY),
      platforms: [AMD64, ARM64],
      baseDigest: 'builtin:sha256:0',
      goVersion: 'go1.23.5',
    }),
    sourceDateEpoch: EPOCH,
  });
}

async function assemble(era = NONROOT_ERA, b = bins): Promise<ImageIndex> {
  return assembleImage({
    binaries: [
      { platform: AMD64, bytes: b.amd64 },
      { platform: ARM64, bytes: b.arm64 },
    ],
    base: await loadBuiltinBase([AMD64, ARM64]),
    era,
    labels: labels(),
    sourceDateEpoch: EPOCH,
  });
}

/** Entries as tar-stream's extract sees them (an independent parser). */
async function tarStreamEntries(tar: Uint8Array) {
  const ex = extract();
  Readable.from([Buffer.from(tar)]).pipe(ex);
  const out: {
    name: string;
    type: string;
    mode: number;
    uid: number;
    gid: number;
    uname: string;
    mtime: number;
  }[] = [];
  for await (const e of ex) {
    const h = e.header;
    out.push({
      name: h.name,
      type: String(h.type),
      mode: h.mode ?? -1,
      uid: h.uid ?? -1,
      gid: h.gid ?? -1,
      uname: h.uname ?? '',
      mtime: (h.mtime as Date).getTime() / 1000,
    });
    e.resume();
  }
  return out;
}

describe('determinism', () => {
  it('gives the same index digest for binaries built and assembled in different directories', async () => {
    const other = {
      amd64: await buildTiny(join(work, 'elsewhere', 'go'), AMD64),
      arm64: await buildTiny(join(work, 'elsewhere', 'go'), ARM64),
    };
    const a = await assemble(NONROOT_ERA, bins);
    const b = await assemble(NONROOT_ERA, other);
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.digest).toBe(sha256Digest(a.index.bytes));
  });

  it('pins the bytes of a fixed input (any machine, any Node: a change here is a format change)', () => {
    const index = assembleImage({
      binaries: [
        { platform: AMD64, bytes: new TextEncoder().encode('#!/bin/true amd64\n') },
        { platform: ARM64, bytes: new TextEncoder().encode('#!/bin/true arm64\n') },
      ],
      base: builtinBase(new TextEncoder().encode('not really a CA bundle\n'), [AMD64, ARM64]),
      era: NONROOT_ERA,
      labels: { a: 'b' },
      sourceDateEpoch: EPOCH,
    });
    // Bump IMAGE_FORMAT_VERSION together with these when the format changes on purpose.
    expect(IMAGE_FORMAT_VERSION).toBe('2');
    expect(index.manifests[0]?.layers[0]?.descriptor.digest).toBe(
      'sha256:06d8f2dc31f256070d8b1ee8d1c8873efc4b1efbaa59e4826ffacaaa001d8741',
    );
    expect(index.digest).toBe('sha256:557e3b21508301163d1f2c2a53e0d656fe4a8e659d56421cbe486d16ed65a79e');
  });

  it('writes a fixed gzip header: mtime 0, no file name, OS byte 255', () => {
    const gz = gzipDeterministic(new TextEncoder().encode('x'.repeat(1000)));
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect([...gz.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(gz[9]).toBe(255);
    expect(new TextDecoder().decode(gunzipSync(gz))).toBe('x'.repeat(1000));
  });
});

describe('layers', () => {
  it('sorts entries, adds parents, fixes mtimes and writes numeric owners only', async () => {
    const tar = writeTar(
      [
        { path: 'z', type: 'file', mode: 0o644, uid: 0, gid: 0, data: new Uint8Array([1]) },
        { path: '/a/b/c', type: 'file', mode: 0o600, uid: 7, gid: 8, data: new Uint8Array([2, 3]) },
        { path: 'a-b', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkname: 'z' },
      ],
      { mtime: EPOCH },
    );
    const ours = parseTar(tar);
    expect(ours.map((e) => e.path)).toEqual(['a/', 'a-b', 'a/b/', 'a/b/c', 'z']);
    const theirs = await tarStreamEntries(tar);
    expect(theirs.map((e) => e.name)).toEqual(['a/', 'a-b', 'a/b/', 'a/b/c', 'z']);
    for (const e of theirs) {
      expect(e.mtime).toBe(EPOCH);
      expect(e.uname).toBe('');
    }
    expect(theirs.find((e) => e.name === 'a/b/c')).toMatchObject({ uid: 7, gid: 8, mode: 0o600 });
    expect(theirs.find((e) => e.name === 'a/')).toMatchObject({ type: 'directory', uid: 0, mode: 0o755 });
    expect(theirs.find((e) => e.name === 'a-b')).toMatchObject({ type: 'symlink' });
    // GNU tar reads it without a complaint and sees the same.
    const file = join(work, 'plain.tar');
    await writeFile(file, tar);
    const r = await execa('tar', ['--numeric-owner', '--full-time', '-tvf', file], { env: { TZ: 'UTC' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('-rw------- 7/8');
    expect(r.stdout).toContain('2022-05-27 15:00:00 a/b/c');
  });

  it('keeps long paths and binary pax values intact (GNU tar and the kernel agree)', async () => {
    const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}`;
    const veryLong = `${'g'.repeat(120)}/${'h'.repeat(120)}`;
    const value = new Uint8Array(256).map((_, i) => i);
    const tar = writeTar(
      [
        { path: long, type: 'file', mode: 0o644, uid: 0, gid: 0, data: new Uint8Array([1]) },
        { path: veryLong, type: 'file', mode: 0o644, uid: 0, gid: 0, xattrs: { 'user.vc-test': value } },
      ],
      { mtime: EPOCH },
    );
    const entries = parseTar(tar);
    expect(entries.map((e) => e.path)).toContain(long);
    expect(entries.find((e) => e.path === veryLong)?.xattrs['user.vc-test']).toEqual(value);
    expect((await tarStreamEntries(tar)).map((e) => e.name)).toEqual(
      expect.arrayContaining([long, veryLong]),
    );
    const dir = join(work, 'x-long');
    await mkdir(dir, { recursive: true });
    const file = join(work, 'long.tar');
    await writeFile(file, tar);
    await execa('tar', ['--xattrs', '--xattrs-include=user.*', '-xf', file, '-C', dir]);
    const py = `import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], 'user.vc-test').hex())`;
    const { stdout } = await execa('python3', ['-c', py, join(dir, veryLong)]);
    expect(stdout).toBe(Buffer.from(value).toString('hex'));
  });

  it('builds the base layer: CA bundle, passwd, group, /tmp 1777, /home/nonroot owned by 65532', async () => {
    const base = await loadBuiltinBase([AMD64]);
    const layer = base.images[0]?.layers[0];
    expect(layer?.descriptor.mediaType).toBe(MEDIA_TYPE.layerGzip);
    expect(base.digest).toBe(`builtin:${layer?.descriptor.digest}`);
    const entries = readLayerEntries(layer?.bytes as Uint8Array);
    const byPath = Object.fromEntries(entries.map((e) => [e.path, e]));
    expect(entries.map((e) => e.path)).toEqual([
      'etc/',
      'etc/group',
      'etc/passwd',
      'etc/ssl/',
      'etc/ssl/certs/',
      'etc/ssl/certs/ca-certificates.crt',
      'home/',
      'home/nonroot/',
      'root/',
      'tmp/',
    ]);
    expect(byPath['tmp/']?.mode).toBe(0o1777);
    expect(byPath['home/nonroot/']).toMatchObject({ uid: 65532, gid: 65532, mode: 0o700 });
    for (const e of entries) {
      expect(e.mtime).toBe(BUILTIN_BASE_MTIME);
      expect(e.uname).toBe('');
      expect(e.gname).toBe('');
      expect(e.magic).toBe('ustar\0');
    }
    const passwd = new TextDecoder().decode(byPath['etc/passwd']?.data);
    expect(passwd).toMatch(/^root:x:0:0:/m);
    expect(passwd).toMatch(/^nonroot:x:65532:65532:nonroot:\/home\/nonroot:/m);
    expect(new TextDecoder().decode(byPath['etc/group']?.data)).toMatch(/^nonroot:x:65532:$/m);
    const ca = await readFile(CA_BUNDLE_PATH);
    expect(Buffer.from(byPath['etc/ssl/certs/ca-certificates.crt']?.data as Uint8Array).equals(ca)).toBe(
      true,
    );
    expect(ca.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('gives /coredns mode 0755, owner 0:0, and cap_net_bind_service=+ep only in nonroot eras', async () => {
    const nonroot = readLayerEntries(coreDnsLayer(bins.amd64, NONROOT_ERA, EPOCH).blob.bytes);
    expect(nonroot).toHaveLength(1);
    expect(nonroot[0]).toMatchObject({
      path: 'coredns',
      mode: 0o755,
      uid: 0,
      gid: 0,
      mtime: EPOCH,
      typeflag: '0',
    });
    const cap = nonroot[0]?.xattrs[CAPABILITY_XATTR] as Uint8Array;
    // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, permitted[0] = 1 << CAP_NET_BIND_SERVICE, rest 0.
    expect(Buffer.from(cap).toString('hex')).toBe('0100000200040000000000000000000000000000');
    expect(decodeFileCapabilities(cap)).toEqual({ permitted: [10], inheritable: [], effective: true });
    expect(Object.keys(nonroot[0]?.pax ?? {})).toEqual(['SCHILY.xattr.security.capability']);
    const root = readLayerEntries(coreDnsLayer(bins.amd64, ROOT_ERA, EPOCH).blob.bytes);
    expect(root[0]?.xattrs).toEqual({});
    expect(Object.keys(root[0]?.pax ?? {})).toEqual([]);
  });

  it('extracts with the capability that getcap reads (GNU tar as root)', async () => {
    const dir = join(work, 'x-cap');
    await mkdir(dir, { recursive: true });
    const file = join(work, 'coredns-layer.tar.gz');
    await writeFile(file, coreDnsLayer(bins.amd64, NONROOT_ERA, EPOCH).blob.bytes);
    const list = await execa('tar', ['--xattrs', '--numeric-owner', '-tvzf', file]);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/^-rwxr-xr-x\*?\s+0\/0 .* coredns$/);
    await execa('tar', ['--xattrs', '--xattrs-include=security.capability', '-xzf', file, '-C', dir]);
    const { stdout } = await execa('getcap', [join(dir, 'coredns')]);
    expect(stdout).toMatch(/coredns cap_net_bind_service=ep$/);
    const { stdout: greeting } = await execa(join(dir, 'coredns'));
    expect(greeting).toContain('hello from tiny coredns linux/amd64');
  });

  it('writes the same capability bytes as setcap', async () => {
    const file = join(work, 'setcap-target');
    await writeFile(file, 'x', { mode: 0o755 });
    await execa('setcap', ['cap_net_bind_service=+ep', file]);
    const py = `import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], 'security.capability').hex())`;
    const { stdout } = await execa('python3', ['-c', py, file]);
    expect(stdout).toBe(Buffer.from(netBindServiceCapability()).toString('hex'));
  });
});

describe('config, manifests, index', () => {
  it('writes one OCI manifest per platform and an OCI index with their platforms', async () => {
    const image = await assemble();
    const index = parseIndex(image.index.bytes);
    expect(index.mediaType).toBe(MEDIA_TYPE.index);
    expect(index.manifests.map((d) => d.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux' },
    ]);
    for (const [i, m] of image.manifests.entries()) {
      expect(index.manifests[i]?.digest).toBe(m.manifest.descriptor.digest);
      expect(sha256Digest(m.manifest.bytes)).toBe(m.manifest.descriptor.digest);
      const manifest = parseManifest(m.manifest.bytes);
      expect(manifest.mediaType).toBe(MEDIA_TYPE.manifest);
      expect(manifest.config).toEqual(m.config.descriptor);
      expect(manifest.config.mediaType).toBe(MEDIA_TYPE.config);
      expect(manifest.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPE.layerGzip, MEDIA_TYPE.layerGzip]);
      const config = parseConfig(m.config.bytes);
      expect(config.rootfs.diff_ids).toEqual(m.layers.map((l) => sha256Digest(gunzipSync(l.bytes))));
      expect(config.history?.filter((h) => !h.empty_layer)).toHaveLength(m.layers.length);
      // Canonical JSON: what is digested is exactly the canonical text.
      expect(new TextDecoder().decode(m.config.bytes)).toBe(canonicalJson(config));
    }
    // The base layer is one blob, shared by both platforms.
    expect(image.manifests[0]?.layers[0]?.descriptor.digest).toBe(
      image.manifests[1]?.layers[0]?.descriptor.digest,
    );
    expect(Object.isFrozen(image)).toBe(true);
    expect(Object.isFrozen(image.manifests)).toBe(true);
  });

  it('configures each era: entrypoint, ports, user, env, created, labels, platform', async () => {
    const nonroot = parseConfig((await assemble(NONROOT_ERA)).manifests[1]?.config.bytes as Uint8Array);
    expect(nonroot).toMatchObject({ os: 'linux', architecture: 'arm64', created: '2022-05-27T15:00:00Z' });
    expect(nonroot.config).toMatchObject({
      User: '65532:65532',
      Entrypoint: ['/coredns'],
      ExposedPorts: { '53/tcp': {}, '53/udp': {} },
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
      ],
      Labels: labels(),
    });
    expect(nonroot.history?.at(-1)).toEqual({
      created: '2022-05-27T15:00:00Z',
      created_by: 'vc-coredns: COPY coredns /coredns && setcap cap_net_bind_service=+ep /coredns',
    });
    const root = parseConfig((await assemble(ROOT_ERA)).manifests[0]?.config.bytes as Uint8Array);
    expect(root.config?.User).toBeUndefined();
    expect(root.history?.at(-1)?.created_by).toBe('vc-coredns: COPY coredns /coredns');
  });

  it('labels: OCI annotations, key, patch id and a build key of what determines the image', () => {
    const l = labels();
    expect(l).toEqual({
      [LABEL.source]: 'https://github.com/coredns/coredns',
      [LABEL.revision]: 'a'.repeat(40),
      [LABEL.version]: 'v1.12.0',
      [LABEL.created]: '2022-05-27T15:00:00Z',
      [LABEL.title]: 'CoreDNS for VirtualCluster tenants',
      [LABEL.annotationKey]: KEY,
      [LABEL.go]: 'go1.23.5',
      [LABEL.patch]: patchId(KEY),
      [LABEL.buildKey]: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const input = {
      commit: 'a'.repeat(40),
      patch: patchId(KEY),
      platforms: [AMD64, ARM64],
      baseDigest: 'builtin:sha256:0',
      goVersion: 'go1.23.5',
    };
    const key = buildKey(input);
    expect(l[LABEL.buildKey]).toBe(key);
    expect(buildKey({ ...input, platforms: [ARM64, AMD64] })).toBe(key);
    for (const change of [
      { commit: 'b'.repeat(40) },
      { patch: patchId('example.com/ip') },
      { platforms: [AMD64] },
      { baseDigest: 'sha256:1' },
      { goVersion: 'go1.23.6' },
      { sourceTreeHash: 'c'.repeat(64) },
      { buildEnv: { GOAMD64: 'v3' } },
    ]) {
      expect(buildKey({ ...input, ...change })).not.toBe(key);
    }
    // With --source the tree hash stands in for the commit.
    expect(buildKey({ ...input, sourceTreeHash: 'c'.repeat(64) })).toBe(
      buildKey({ ...input, commit: 'd'.repeat(40), sourceTreeHash: 'c'.repeat(64) }),
    );
    const secret = imageLabels({
      release: { version: 'v1.9.3', commit: 'a'.repeat(40) },
      annotationKey: KEY,
      repoUrl: 'https://user:token@git.example.com/coredns.git',
      goVersion: 'go1.23.5',
      patch: patchId(KEY),
      buildKey: 'b'.repeat(64),
      sourceDateEpoch: EPOCH,
    });
    expect(secret[LABEL.source]).toBe('https://git.example.com/coredns.git');
  });
});

describe('readers and bases', () => {
  it('reads files back from a layer with tar-stream', async () => {
    const image = await assemble();
    const top = image.manifests[0]?.layers.at(-1)?.bytes as Uint8Array;
    expect(
      Buffer.from((await readLayerFile(top, '/coredns')) as Uint8Array).equals(Buffer.from(bins.amd64)),
    ).toBe(true);
    expect(await readLayerFile(top, 'etc/passwd')).toBeNull();
    const base = image.manifests[0]?.layers[0]?.bytes as Uint8Array;
    expect(new TextDecoder().decode((await readLayerFile(base, '/etc/group')) as Uint8Array)).toContain(
      'nonroot',
    );
    await expect(
      readLayerFile(new TextEncoder().encode('not a layer at all, just text'), 'x'),
    ).rejects.toMatchObject({
      code: 'BAD_IMAGE',
    });
    expect(() => parseManifest(image.index.bytes)).toThrow(/not an image manifest/);
    expect(() => parseIndex(new TextEncoder().encode('{'))).toThrow(/not valid JSON/);
  });

  it('assembles on a pulled base: its layers first, its env kept, docker media types made OCI', async () => {
    // Our own image stands in for a pulled base; its manifest is rewritten with Docker media types.
    const pulled = (await assemble(ROOT_ERA)).manifests[0];
    if (!pulled) throw new Error('no image');
    const manifest = JSON.parse(new TextDecoder().decode(pulled.manifest.bytes));
    manifest.mediaType = MEDIA_TYPE.dockerManifest;
    manifest.layers = manifest.layers.map((l: object) => ({ ...l, mediaType: MEDIA_TYPE.dockerLayerGzip }));
    const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
    const layerBytes = pulled.layers.map((l) => l.bytes);
    const platformImage = basePlatformImage(
      'registry.example/base:1',
      manifestBytes,
      pulled.config.bytes,
      layerBytes,
    );
    expect(platformImage.layers.map((l) => l.descriptor.mediaType)).toEqual([
      MEDIA_TYPE.layerGzip,
      MEDIA_TYPE.layerGzip,
    ]);
    const base = {
      name: 'registry.example/base:1',
      digest: sha256Digest(manifestBytes),
      images: [platformImage],
    };
    const image = assembleImage({
      binaries: [{ platform: AMD64, bytes: bins.amd64 }],
      base,
      era: NONROOT_ERA,
      labels: labels(),
      sourceDateEpoch: EPOCH,
    });
    const m = image.manifests[0];
    expect(m?.layers.map((l) => l.descriptor.digest)).toEqual([
      ...pulled.layers.map((l) => l.descriptor.digest),
      coreDnsLayer(bins.amd64, NONROOT_ERA, EPOCH).blob.descriptor.digest,
    ]);
    const config = parseConfig(m?.config.bytes as Uint8Array);
    expect(config.config?.Env).toEqual(parseConfig(pulled.config.bytes).config?.Env);
    expect(config.rootfs.diff_ids).toHaveLength(3);
    expect(config.history).toHaveLength(3);

    const corrupt = layerBytes.map((b, i) => (i === 0 ? b.slice(1) : b));
    expect(() => basePlatformImage('b', manifestBytes, pulled.config.bytes, corrupt)).toThrow(
      /layer 0 does not match/,
    );
    expect(() =>
      assembleImage({
        binaries: [{ platform: ARM64, bytes: bins.arm64 }],
        base,
        era: NONROOT_ERA,
        labels: {},
        sourceDateEpoch: EPOCH,
      }),
    ).toThrow(expect.objectContaining({ code: 'BASE_PLATFORM_MISSING' }));
  });

  it('hashes the CA bundle file that the base layer ships', async () => {
    const ca = await readFile(CA_BUNDLE_PATH);
    const base = builtinBase(new Uint8Array(ca), [AMD64]);
    expect(base.digest).toBe((await loadBuiltinBase([AMD64, ARM64])).digest);
    expect(createHash('sha256').update(ca).digest('hex')).toMatch(/^[0-9a-f]{64}$/);
  });
});
