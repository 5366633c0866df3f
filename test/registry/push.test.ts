import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VcError } from '../../src/errors.js';
import { registrySink } from '../../src/publish/registry.js';
import { anonymous, RegistryClient, type RegistryClientOptions } from '../../src/registry/index.js';
import { freePort, skopeo, startRegistry, type TestRegistry } from '../support/registry.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { makeTestIndex, sha256 } from '../support/test-image.js';
import { caught } from './helpers.js';

const fast: RegistryClientOptions['retry'] = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

function client(opts: RegistryClientOptions = {}): RegistryClient {
  return new RegistryClient({ credentials: anonymous, retry: fast, ...opts });
}

let reg: TestRegistry;
const tmp: string[] = [];

beforeAll(async () => {
  reg = await startRegistry();
});

afterAll(async () => {
  await reg?.stop();
  for (const d of tmp) await rm(d, { recursive: true, force: true });
});

describe('pushing to an open registry', () => {
  it('pushes a two-platform index that skopeo reads and copies; a re-push uploads no blob bytes', async () => {
    const index = makeTestIndex({ sharedLayerSize: 10_000 });
    const c = client();
    const published = await registrySink(`${reg.host}/coredns`, c).write(index, 'v1.9.3');
    expect(published).toEqual({ refs: [`${reg.host}/coredns:v1.9.3@${index.digest}`], digest: index.digest });
    // 2 configs + 2 own layers + 1 shared layer, the shared one once
    expect(c.stats.blobsUploaded).toBe(5);
    expect(c.stats.manifestsPut).toBe(3);

    const raw = await skopeo(['inspect', '--raw', `docker://${reg.host}/coredns:v1.9.3`]);
    expect(raw.exitCode, raw.stderr).toBe(0);
    expect(sha256(Buffer.from(raw.stdout))).toBe(index.digest);
    const parsed = JSON.parse(raw.stdout) as {
      mediaType: string;
      manifests: { platform: { architecture: string } }[];
    };
    expect(parsed.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(parsed.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);

    const out = await mkdtemp(join(tmpdir(), 'vc-skopeo-'));
    tmp.push(out);
    const copy = await skopeo(['copy', '--all', `docker://${reg.host}/coredns:v1.9.3`, `dir:${out}`]);
    expect(copy.exitCode, copy.stderr).toBe(0);
    const files = await readdir(out);
    for (const m of index.manifests) {
      for (const l of m.layers) expect(files).toContain(l.descriptor.digest.slice('sha256:'.length));
    }

    const again = client();
    const republished = await registrySink(`${reg.host}/coredns`, again).write(index, 'v1.9.3');
    expect(republished.digest).toBe(index.digest);
    expect(again.stats.blobBytesUploaded).toBe(0);
    expect(again.stats.blobsUploaded).toBe(0);
    expect(again.stats.blobsExisting).toBe(5);
  });

  it('uses the tag of a REF that has one, and a REF with a digest is bad input', async () => {
    const index = makeTestIndex({ platforms: [{ os: 'linux', arch: 'amd64' }] });
    const published = await registrySink(`${reg.host}/tagged:custom`, client()).write(index, 'v1.9.3');
    expect(published.refs).toEqual([`${reg.host}/tagged:custom@${index.digest}`]);
    expect(await client().repository(`${reg.host}/tagged`).headManifest('v1.9.3')).toBeNull();
    expect((await client().repository(`${reg.host}/tagged`).headManifest('custom'))?.digest).toBe(
      index.digest,
    );

    let err: unknown;
    try {
      registrySink(`${reg.host}/tagged@${index.digest}`, client());
    } catch (e) {
      err = e;
    }
    expect((err as VcError).exitCode).toBe(2);
  });

  it('mounts blobs from another repository instead of uploading them', async () => {
    const index = makeTestIndex({ layerSize: 20_000 });
    await registrySink(`${reg.host}/mount-a`, client()).write(index, 'v1');
    const c = client();
    await registrySink(`${reg.host}/mount-b`, c, { mountFrom: 'mount-a' }).write(index, 'v1');
    expect(c.stats.blobBytesUploaded).toBe(0);
    expect(c.stats.blobsMounted).toBe(4);
    const raw = await skopeo(['inspect', '--raw', `docker://${reg.host}/mount-b:v1`]);
    expect(raw.exitCode, raw.stderr).toBe(0);
    const copy = await skopeo([
      'copy',
      '--all',
      `docker://${reg.host}/mount-b:v1`,
      `oci:${join(reg.dir, 'oci-b')}:v1`,
    ]);
    expect(copy.exitCode, copy.stderr).toBe(0);
  });

  it('uploads large blobs in PATCH chunks above the threshold', async () => {
    const index = makeTestIndex({ layerSize: 300_000 });
    const requests: string[] = [];
    const recording = new RegistryClient({
      credentials: anonymous,
      retry: fast,
      chunkThreshold: 64 * 1024,
      chunkSize: 50_000,
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${String(input).includes('/uploads/') ? 'upload' : 'other'}`);
        return fetch(input, init);
      },
    });
    await registrySink(`${reg.host}/chunked`, recording).write(index, 'v1');
    const layerBytes = index.manifests[0]?.layers[0]?.descriptor.size ?? 0;
    expect(layerBytes).toBeGreaterThan(300_000);
    // each layer of ~300 KB goes up in ceil(size / 50000) PATCHes
    const expected = index.manifests.reduce(
      (n, m) => n + Math.ceil((m.layers[0]?.descriptor.size ?? 0) / 50_000),
      0,
    );
    expect(requests.filter((r) => r === 'PATCH upload')).toHaveLength(expected);
    expect(recording.stats.blobsUploaded).toBe(4);
    const copy = await skopeo([
      'copy',
      '--all',
      `docker://${reg.host}/chunked:v1`,
      `oci:${join(reg.dir, 'oci-c')}:v1`,
    ]);
    expect(copy.exitCode, copy.stderr).toBe(0);
  });

  it('pulls one platform of an index with every digest matching', async () => {
    const index = makeTestIndex({ sharedLayerSize: 5000 });
    await registrySink(`${reg.host}/pull`, client()).write(index, 'v2');
    const arm = index.manifests[1];
    if (!arm) throw new Error('no arm64 image');
    const pulled = await client().pullImage(`${reg.host}/pull:v2`, { os: 'linux', arch: 'arm64' });
    expect(pulled.indexDigest).toBe(index.digest);
    expect(pulled.ref).toBe(`${reg.host}/pull@${arm.manifest.descriptor.digest}`);
    expect(pulled.platform).toEqual({ os: 'linux', arch: 'arm64' });
    expect(pulled.manifest.descriptor.digest).toBe(arm.manifest.descriptor.digest);
    expect(Buffer.from(pulled.manifest.bytes).equals(Buffer.from(arm.manifest.bytes))).toBe(true);
    expect(pulled.config.descriptor).toEqual(arm.config.descriptor);
    expect(pulled.layers.map((l) => l.descriptor)).toEqual(arm.layers.map((l) => l.descriptor));
    for (const l of pulled.layers) expect(sha256(l.bytes)).toBe(l.descriptor.digest);

    // a single manifest by digest
    const byDigest = await client().pullImage(`${reg.host}/pull@${arm.manifest.descriptor.digest}`, {
      os: 'linux',
      arch: 'arm64',
    });
    expect(byDigest.indexDigest).toBeNull();
    expect(byDigest.config.descriptor.digest).toBe(arm.config.descriptor.digest);

    const missing = await caught(client().pullImage(`${reg.host}/pull:v2`, { os: 'linux', arch: 's390x' }));
    expect(missing.code).toBe('REGISTRY_PLATFORM_NOT_FOUND');
    expect(missing.hint).toBe('it has: linux/amd64, linux/arm64');
    const wrong = await caught(
      client().pullImage(`${reg.host}/pull@${arm.manifest.descriptor.digest}`, {
        os: 'linux',
        arch: 'amd64',
      }),
    );
    expect(wrong.code).toBe('REGISTRY_PLATFORM_NOT_FOUND');
    const none = await caught(client().pullImage(`${reg.host}/pull:nope`, { os: 'linux', arch: 'amd64' }));
    expect(none.code).toBe('REGISTRY_NOT_FOUND');
    expect(none.message).toContain(`${reg.host}/pull:nope`);
    expect(none.message).toContain('404');
  });

  it('reads Docker media types (manifest list, schema 2, rootfs.diff.tar.gzip)', async () => {
    const oci = makeTestIndex({ platforms: [{ os: 'linux', arch: 'amd64' }] });
    const img = oci.manifests[0];
    if (!img) throw new Error('no image');
    const repo = client().repository(`${reg.host}/docker-types`, { push: true });
    const layer = {
      ...img.layers[0],
      descriptor: {
        ...img.layers[0]?.descriptor,
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      },
    };
    for (const b of [img.config, img.layers[0]]) if (b) await repo.pushBlob(b);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { ...img.config.descriptor, mediaType: 'application/vnd.docker.container.image.v1+json' },
        layers: [layer.descriptor],
      }),
    );
    const mDigest = await repo.putManifest(
      sha256(manifest),
      'application/vnd.docker.distribution.manifest.v2+json',
      manifest,
    );
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [
          {
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            digest: mDigest,
            size: manifest.byteLength,
            platform: { os: 'linux', architecture: 'amd64' },
          },
        ],
      }),
    );
    await repo.putManifest('list', 'application/vnd.docker.distribution.manifest.list.v2+json', list);
    const pulled = await client().pullImage(`${reg.host}/docker-types:list`, { os: 'linux', arch: 'amd64' });
    expect(pulled.indexDigest).toBe(sha256(list));
    expect(pulled.manifest.descriptor.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(pulled.layers[0]?.descriptor.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    expect(pulled.layers[0]?.descriptor.digest).toBe(img.layers[0]?.descriptor.digest);
  });
});

describe('faults', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: reg.port });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it('a connection cut in every upload fails the push after its retries and leaves no tag; healed, a rerun completes', async () => {
    const index = makeTestIndex({ layerSize: 200_000 });
    proxy.cutAfter(50_000);
    const logs: string[] = [];
    const c = client({ log: (l) => logs.push(l) });
    const err = await caught(registrySink(`${proxy.host}/faulty`, c).write(index, 'v1.9.3'));
    expect(err.exitCode).toBe(1);
    expect(err.code).toBe('REGISTRY_UNREACHABLE');
    expect(err.message).toContain(`registry ${proxy.host}`);
    expect(err.message).toContain(`${proxy.host}/faulty`);
    expect(err.message).toContain('gave up after 3 attempts');
    expect(proxy.cuts).toBeGreaterThanOrEqual(3);
    expect(c.stats.retries).toBeGreaterThanOrEqual(2);
    expect(logs.some((l) => l.includes('retrying pushing blob'))).toBe(true);
    expect(await client().repository(`${reg.host}/faulty`).headManifest('v1.9.3')).toBeNull();
    const inspect = await skopeo(['inspect', '--raw', `docker://${reg.host}/faulty:v1.9.3`]);
    expect(inspect.exitCode).not.toBe(0);

    proxy.heal();
    const again = client();
    const published = await registrySink(`${proxy.host}/faulty`, again).write(index, 'v1.9.3');
    expect(published.digest).toBe(index.digest);
    const raw = await skopeo(['inspect', '--raw', `docker://${reg.host}/faulty:v1.9.3`]);
    expect(raw.exitCode, raw.stderr).toBe(0);
    expect(sha256(Buffer.from(raw.stdout))).toBe(index.digest);
    const out = join(reg.dir, 'oci-faulty');
    const copy = await skopeo(['copy', '--all', `docker://${reg.host}/faulty:v1.9.3`, `oci:${out}:v1.9.3`]);
    expect(copy.exitCode, copy.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'index.json'), 'utf8')).manifests).toHaveLength(1);
  });

  it('a single cut is retried with a fresh upload session and the push completes', async () => {
    const index = makeTestIndex({ platforms: [{ os: 'linux', arch: 'amd64' }], layerSize: 200_000 });
    proxy.cutAfter(50_000);
    const before = proxy.cuts;
    let sessions = 0;
    const c = client({
      fetch: (input, init) => {
        if (init?.method === 'POST' && String(input).includes('/blobs/uploads/')) sessions++;
        // heal after the first cut: the retry must start a new upload session and succeed
        if (proxy.cuts > before) proxy.heal();
        return fetch(input, init);
      },
    });
    const published = await registrySink(`${proxy.host}/retried`, c).write(index, 'v1');
    expect(published.digest).toBe(index.digest);
    expect(c.stats.retries).toBeGreaterThanOrEqual(1);
    expect(c.stats.blobsUploaded).toBe(2);
    // config + layer, and one more session for the layer's second attempt
    expect(sessions).toBe(3);
    proxy.heal();
  });

  it('an unreachable registry fails with exit 1 after the retries', async () => {
    const port = await freePort();
    const c = client();
    const index = makeTestIndex();
    const err = await caught(registrySink(`127.0.0.1:${port}/coredns`, c).write(index, 'v1'));
    // the first blob's upload is the first to find the registry down
    const shortDigest = index.manifests[0]?.config.descriptor.digest.slice(0, 19);
    expect(err.exitCode).toBe(1);
    expect(err.code).toBe('REGISTRY_UNREACHABLE');
    expect(err.message).toBe(
      `cannot reach registry 127.0.0.1:${port} while pushing blob ${shortDigest} to 127.0.0.1:${port}/coredns (ECONNREFUSED); gave up after 3 attempts`,
    );
    expect(err.hint).toBe('check that the registry is up and reachable from here');
    expect(c.stats.requests).toBe(3);
    expect(c.stats.retries).toBe(2);
  });

  it('an AbortSignal stops a push', async () => {
    const port = await freePort();
    const ac = new AbortController();
    const c = client({ retry: { attempts: 50, baseDelayMs: 50, maxDelayMs: 50 } });
    const p = registrySink(`127.0.0.1:${port}/coredns`, c).write(makeTestIndex(), 'v1', ac.signal);
    setTimeout(() => ac.abort(new Error('interrupted')), 120);
    await expect(p).rejects.toThrow('interrupted');
    expect(c.stats.requests).toBeLessThan(10);
  });
});
