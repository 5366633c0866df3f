// The docker-archive and Docker daemon sinks against a private dockerd (one for the whole file).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTar } from '../../src/image/index.js';
import { daemonPlatform, daemonSink, dockerArchiveSink } from '../../src/publish/index.js';
import { AMD64, ARM64 } from '../image/tiny-binary.js';
import { type Dockerd, startDockerd } from '../support/dockerd.js';
import { type TestImages, testImages } from './images.js';

let work: string;
let images: TestImages;
let dockerd: Dockerd;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-docker-'));
  [images, dockerd] = await Promise.all([testImages(join(work, 'go')), startDockerd()]);
});

afterAll(async () => {
  await dockerd?.stop();
  await rm(work, { recursive: true, force: true });
});

/**
 * `docker run --rm --network none ...` (the daemon has no bridge). Docker lets any uid bind low ports
 * (it sets net.ipv4.ip_unprivileged_port_start=0 in the container); Kubernetes does not, so the runs
 * put the kernel's default 1024 back: only then does binding :53 show the file capability at work.
 */
function run(args: string[]) {
  return dockerd.cli(
    ['run', '--rm', '--network', 'none', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=1024', ...args],
    { reject: false },
  );
}

describe('dockerArchiveSink', () => {
  it('writes an archive that docker load reads and whose image runs', async () => {
    const file = join(work, 'coredns-v1.9.3.tar');
    const published = await dockerArchiveSink(file, AMD64).write(images.root, 'v1.9.3');
    // the digest of what was written: the platform image's manifest, not the index
    expect(published).toEqual({ refs: [file], digest: images.root.manifests[0]?.manifest.descriptor.digest });

    const load = await dockerd.cli(['load', '-i', file]);
    expect(load.stdout).toContain('Loaded image: coredns:v1.9.3');
    const inspect = JSON.parse((await dockerd.cli(['image', 'inspect', 'coredns:v1.9.3'])).stdout)[0];
    expect(inspect.Id).toBe(images.root.manifests[0]?.config.descriptor.digest);
    expect(inspect.Architecture).toBe('amd64');
    expect(inspect.Config.Entrypoint).toEqual(['/coredns']);
    expect(inspect.Config.User).toBe('');

    const r = await run(['coredns:v1.9.3']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from tiny coredns linux/amd64 uid=0');
    // Root eras run as root, which may bind :53 without any capability.
    const bind = await run(['coredns:v1.9.3', '-listen', ':53']);
    expect(bind.stdout).toBe('listening on :53 udp+tcp as uid 0');
  });

  it('is deterministic, carries the gzipped layers and is also an OCI layout that skopeo reads', async () => {
    const a = join(work, 'a.tar');
    const b = join(work, 'b.tar');
    await dockerArchiveSink(a, ARM64, { repository: 'example.com/dns/coredns' }).write(
      images.nonroot,
      'v1.12.0',
    );
    await dockerArchiveSink(b, ARM64, { repository: 'example.com/dns/coredns' }).write(
      images.nonroot,
      'v1.12.0',
    );
    const bytes = await readFile(a);
    expect(bytes.equals(await readFile(b))).toBe(true);
    const entries = parseTar(bytes);
    const manifest = JSON.parse(
      new TextDecoder().decode(entries.find((e) => e.path === 'manifest.json')?.data),
    );
    const arm = images.nonroot.manifests[1];
    expect(manifest).toEqual([
      {
        Config: `blobs/sha256/${arm?.config.descriptor.digest.slice(7)}`,
        Layers: arm?.layers.map((l) => `blobs/sha256/${l.descriptor.digest.slice(7)}`),
        RepoTags: ['example.com/dns/coredns:v1.12.0'],
      },
    ]);
    const inspect = JSON.parse((await execa('skopeo', ['inspect', `docker-archive:${a}`])).stdout);
    expect(inspect.Architecture).toBe('arm64');
    // The same tar read as an OCI archive gives our manifest, byte for byte.
    const raw = await execa('skopeo', ['inspect', '--raw', `oci-archive:${a}:v1.12.0`], {
      stripFinalNewline: false,
    });
    expect(raw.stdout).toBe(new TextDecoder().decode(arm?.manifest.bytes));
    await expect(
      dockerArchiveSink(join(work, 'c.tar'), { os: 'linux', arch: 's390x' }).write(images.root, 'x'),
    ).rejects.toMatchObject({ code: 'PLATFORM_NOT_BUILT' });
  });
});

describe('daemonSink', () => {
  it('loads the host platform through dockerode; uid 65532 binds :53 thanks to the file capability', async () => {
    const platform = await daemonPlatform(dockerd.docker);
    expect(platform).toEqual(AMD64);
    const published = await daemonSink(dockerd.docker, platform).write(images.nonroot, 'v1.12.0');
    expect(published).toEqual({
      refs: ['coredns:v1.12.0'],
      digest: images.nonroot.manifests[0]?.manifest.descriptor.digest,
    });
    const inspect = await dockerd.docker.getImage('coredns:v1.12.0').inspect();
    expect(inspect.Config.User).toBe('65532:65532');

    const hello = await run(['coredns:v1.12.0']);
    expect(hello.stdout).toBe('hello from tiny coredns linux/amd64 uid=65532');
    const bind = await run(['coredns:v1.12.0', '-listen', ':53']);
    expect(bind.stderr).toBe('');
    expect(bind.stdout).toBe('listening on :53 udp+tcp as uid 65532');
    const explicit = await run(['--user', '65532', 'coredns:v1.12.0', '-listen', ':53']);
    expect(explicit.stdout).toBe('listening on :53 udp+tcp as uid 65532');
  });

  it('without the capability (a root-era image run as 65532) binding :53 is refused', async () => {
    await daemonSink(dockerd.docker, AMD64, { repository: 'vc-test/root' }).write(images.root, 'v1.9.3');
    const r = await run(['--user', '65532', 'vc-test/root:v1.9.3', '-listen', ':53']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('permission denied');
  });

  it('reports a daemon it cannot reach as a VcError', async () => {
    const Dockerode = (await import('dockerode')).default;
    const nowhere = new Dockerode({ socketPath: join(work, 'no.sock') });
    await expect(daemonSink(nowhere, AMD64).write(images.root, 'v1.9.3')).rejects.toMatchObject({
      code: 'DOCKER_DAEMON',
    });
  });
});
