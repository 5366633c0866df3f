// The other outputs of `build`, with real tools: the default OCI layout (bit-identical across runs,
// copied by skopeo), binaries:, docker-archive: and --load under Debian's dockerd, and registry auth.

import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv, json, vc } from '../support/cli.js';
import { type Dockerd, startDockerd } from '../support/dockerd.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { resolve } from '../support/go-harness.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let repo: FixtureRepo;
let open: TestRegistry;
let locked: TestRegistry;
let dockerd: Dockerd;
let base: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-outputs-'));
  [repo, open, locked, dockerd] = await Promise.all([
    createFixtureRepo(join(work, 'repo')),
    startRegistry({ auth: 'none' }),
    startRegistry({ auth: 'htpasswd' }),
    startDockerd(),
  ]);
  base = { ...buildEnv(work), DOCKER_HOST: dockerd.host };
});
afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop(), dockerd?.stop()]);
  await rm(work, { recursive: true, force: true });
});

const digestOf = (r: { stdout: string }) =>
  json<{ builds: { digest: string }[] }>(r as never).builds[0]?.digest;

describe('build outputs', () => {
  it('writes ./dist/oci by default; rebuilds in other directories and caches are bit-identical', async () => {
    const runs = [];
    for (const name of ['a', 'b']) {
      const cwd = join(work, `cwd-${name}`);
      await mkdir(cwd, { recursive: true });
      const r = await vc(['build', '--repo', repo.url, '--version', 'v1.12.0', '--json'], {
        cwd,
        env: { ...base, VC_COREDNS_CACHE: join(work, `cache-${name}`) },
      });
      expect(r.exitCode, r.stderr).toBe(0);
      runs.push({ cwd, r });
    }
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(digestOf(a.r)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digestOf(b.r)).toBe(digestOf(a.r));
    // The image entry is bit-identical; so are the SBOMs among its referrers. The provenance, which
    // carries the build's times, is the one artifact that differs, and it is outside the image.
    const layout = async (cwd: string) => {
      const top = JSON.parse(await readFile(join(cwd, 'dist/oci/index.json'), 'utf8')) as {
        manifests: { digest: string; annotations: Record<string, string> }[];
      };
      const tagged = (name: string) =>
        top.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === name);
      const referrers = tagged(`sha256-${digestOf(a.r)?.slice(7)}`);
      const list = JSON.parse(
        await readFile(join(cwd, 'dist/oci/blobs/sha256', String(referrers?.digest).slice(7)), 'utf8'),
      ) as { manifests: { digest: string; artifactType: string }[] };
      return { image: tagged('v1.12.0'), referrers: list.manifests };
    };
    const [la, lb] = [await layout(a.cwd), await layout(b.cwd)];
    expect(la.image).toEqual(lb.image);
    const sboms = (l: typeof la) =>
      l.referrers.filter((m) => m.artifactType === 'application/vnd.cyclonedx+json');
    expect(sboms(la)).toHaveLength(2);
    expect(sboms(la)).toEqual(sboms(lb));
    expect(la.referrers.map((m) => m.artifactType)).toContain('application/vnd.in-toto+json');
    // skopeo copies our layout to a registry (it checks every digest on the way)
    const copy = await skopeo([
      'copy',
      '--all',
      `oci:${join(a.cwd, 'dist/oci')}:v1.12.0`,
      `docker://${open.host}/copied:v1.12.0`,
    ]);
    expect(copy.exitCode, copy.stderr).toBe(0);
    const verify = await vc(['verify', `${open.host}/copied:v1.12.0`], { env: base });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('ok');
  });

  it('binaries:DIR gives each platform its binary; the amd64 one answers with the annotation IP', async () => {
    const out = join(work, 'bin');
    const r = await vc(
      [
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.6.8',
        '--platforms',
        'linux/amd64,linux/arm64,linux/arm/v7',
        '--output',
        `binaries:${out}`,
        '--json',
      ],
      { env: { ...base, VC_COREDNS_CACHE: join(work, 'cache-a') } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<{ builds: { digest: null; refs: string[] }[] }>(r).builds[0]).toMatchObject({
      digest: null,
      refs: [
        join(out, 'linux/amd64/coredns'),
        join(out, 'linux/arm64/coredns'),
        join(out, 'linux/arm/v7/coredns'),
      ],
    });
    const machine = async (p: string) => (await readFile(join(out, p, 'coredns'))).readUInt16LE(18);
    expect(await machine('linux/amd64')).toBe(0x3e);
    expect(await machine('linux/arm64')).toBe(0xb7);
    expect(await machine('linux/arm/v7')).toBe(0x28);
    expect(await resolve(join(out, 'linux/amd64/coredns'), '10.0.0.9', ['10.96.0.10'])).toEqual(['10.0.0.9']);
  });

  it('docker-archive:FILE loads with docker load and runs the patched CoreDNS', async () => {
    const file = join(work, 'coredns.tar');
    const r = await vc(
      [
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/amd64',
        '--output',
        `docker-archive:${file}`,
      ],
      { env: { ...base, VC_COREDNS_CACHE: join(work, 'cache-a') } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(file);
    const load = await dockerd.cli(['load', '-i', file]);
    expect(load.stdout).toContain('coredns:v1.9.3');
    const run = await dockerd.cli([
      'run',
      '--rm',
      '--network',
      'none',
      'coredns:v1.9.3',
      '-resolve',
      '10.0.0.9',
      '10.96.0.10,fd00::10',
    ]);
    expect(run.stdout.trim()).toBe('10.0.0.9');
  });

  it('--load puts the host platform image into the daemon; the nonroot era runs as 65532', async () => {
    const cwd = join(work, 'cwd-load');
    await mkdir(cwd, { recursive: true });
    const r = await vc(['build', '--repo', repo.url, '--version', 'v1.12.0', '--load', '--json'], {
      cwd,
      env: { ...base, VC_COREDNS_CACHE: join(work, 'cache-a') },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<{ builds: { refs: string[] }[] }>(r).builds[0]?.refs).toEqual(['coredns:v1.12.0']);
    const run = await dockerd.cli([
      'run',
      '--rm',
      '--network',
      'none',
      'coredns:v1.12.0',
      '-resolve',
      '',
      '10.96.0.10',
    ]);
    expect(run.stdout.trim()).toBe('10.96.0.10');
    const user = await dockerd.cli(['image', 'inspect', '--format', '{{.Config.User}}', 'coredns:v1.12.0']);
    expect(user.stdout.trim()).toBe('65532:65532');
    // --load alone writes no OCI layout
    await expect(readdir(cwd)).resolves.toEqual([]);
  });

  it('--base puts CoreDNS on a registry image: its layers first, its digest in the build key', async () => {
    const { makeTestIndex } = await import('../support/test-image.js');
    const { RegistryClient } = await import('../../src/registry/client.js');
    const { registrySink } = await import('../../src/publish/registry.js');
    const baseIndex = makeTestIndex({ sharedLayerSize: 2048 });
    await registrySink(`${open.host}/base`, new RegistryClient()).write(baseIndex, '1');
    const env = { ...base, VC_COREDNS_CACHE: join(work, 'cache-a') };
    const args = [
      'build',
      '--repo',
      repo.url,
      '--version',
      'v1.9.3',
      '--push',
      `${open.host}/on-base`,
      '--json',
    ];
    const r = await vc([...args, '--base', `${open.host}/base:1`], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const arch of ['amd64', 'arm64']) {
      const m = await skopeo([
        'inspect',
        '--raw',
        '--override-arch',
        arch,
        `docker://${open.host}/on-base:v1.9.3`,
      ]);
      const single = await skopeo([
        'inspect',
        '--raw',
        `docker://${open.host}/on-base@${JSON.parse(m.stdout).manifests.find((d: { platform: { architecture: string } }) => d.platform.architecture === arch).digest}`,
      ]);
      const layers = JSON.parse(single.stdout).layers.map((l: { digest: string }) => l.digest);
      const baseImage = baseIndex.manifests.find((p) => p.platform.arch === arch);
      expect(layers.slice(0, -1)).toEqual(baseImage?.layers.map((l) => l.descriptor.digest));
    }
    const verify = await vc(['verify', `${open.host}/on-base:v1.9.3`], { env });
    expect(verify.exitCode, verify.stderr).toBe(0);
    // the same build on the built-in base is another build (another key), so it is not skipped
    const builtin = await vc(args, { env });
    expect(json<{ builds: { skipped: boolean }[] }>(builtin).builds[0]?.skipped).toBe(false);
    const again = await vc([...args, '--base', `${open.host}/base:1`], { env });
    expect(json<{ builds: { skipped: boolean }[] }>(again).builds[0]?.skipped).toBe(false);
  });

  it('--source builds a local tree (copied, never modified) with the tree hash in the build key', async () => {
    const src = join(work, 'local-coredns');
    await execa('git', ['clone', '-q', '--branch', 'v1.9.3', repo.url, src]);
    await writeFile(join(src, 'LOCAL-NOTE.txt'), 'an untracked file is part of the tree\n');
    const before = (await execa('git', ['status', '--porcelain'], { cwd: src })).stdout;
    const out = join(work, 'bin-source');
    const r = await vc(
      [
        'build',
        '--source',
        src,
        '--version',
        'v1.9.3',
        '--output',
        `binaries:${out}`,
        '--platforms',
        'linux/amd64',
      ],
      {
        env: { ...base, VC_COREDNS_CACHE: join(work, 'cache-a') },
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await resolve(join(out, 'linux/amd64/coredns'), '10.0.0.9', ['10.96.0.10'])).toEqual(['10.0.0.9']);
    // the tree is exactly as it was: not patched, nothing built into it
    expect((await execa('git', ['status', '--porcelain'], { cwd: src })).stdout).toBe(before);
    await expect(stat(join(src, 'build'))).rejects.toThrow();
    // the build key follows the tree: the same tree is current, a changed one is built again
    const oci = [
      'build',
      '--source',
      src,
      '--version',
      'v1.9.3',
      '--output',
      `oci:${join(work, 'oci-source')}`,
      '--json',
    ];
    const env = { ...base, VC_COREDNS_CACHE: join(work, 'cache-a') };
    const skipped = async () =>
      json<{ builds: { skipped: boolean }[] }>(await vc(oci, { env })).builds[0]?.skipped;
    expect(await skipped()).toBe(false);
    expect(await skipped()).toBe(true);
    await writeFile(join(src, 'LOCAL-NOTE.txt'), 'changed\n');
    expect(await skipped()).toBe(false);
    const both = await vc(['build', '--source', src, '--repo', repo.url, '--version', 'v1.9.3'], {
      env: base,
    });
    expect(both.exitCode).toBe(2);
  });

  it('a wrong registry password exits 1 naming the registry, and no form of the password is printed', async () => {
    const password = 'Wr0ng-Passw0rd-xyz';
    const r = await vc(
      ['build', '--repo', repo.url, '--version', 'v1.9.3', '--push', `${locked.host}/coredns`, '--json'],
      {
        env: {
          ...base,
          VC_COREDNS_CACHE: join(work, 'cache-a'),
          VC_COREDNS_REGISTRY_USERNAME: locked.username,
          VC_COREDNS_REGISTRY_PASSWORD: password,
        },
      },
    );
    expect(r.exitCode).toBe(1);
    const all = r.stdout + r.stderr;
    expect(json<{ failed: { error: string }[] }>(r).failed[0]?.error).toContain(locked.host);
    for (const secret of [
      password,
      Buffer.from(password).toString('base64'),
      Buffer.from(`${locked.username}:${password}`).toString('base64'),
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it('the right password pushes, and skopeo with the same credentials reads an index of two platforms', async () => {
    const r = await vc(
      ['build', '--repo', repo.url, '--version', 'v1.9.3', '--push', `${locked.host}/coredns`],
      {
        env: {
          ...base,
          VC_COREDNS_CACHE: join(work, 'cache-a'),
          VC_COREDNS_REGISTRY_USERNAME: locked.username,
          VC_COREDNS_REGISTRY_PASSWORD: locked.password,
        },
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const raw = await skopeo(['inspect', '--raw', `docker://${locked.host}/coredns:v1.9.3`], {
      creds: `${locked.username}:${locked.password}`,
    });
    expect(JSON.parse(raw.stdout).manifests).toHaveLength(2);
  });
});
