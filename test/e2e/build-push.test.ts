// `vc-coredns build` end to end, as users run it: the fixture repository over file://, two CoreDNS eras,
// Debian's docker-registry on 127.0.0.1, skopeo as the independent reader, then verify, skip and --force.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary as Summary } from '../../src/pipeline/build.js';
import { buildEnv, type CliResult, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-e2e-'));
  [repo, registry] = await Promise.all([
    createFixtureRepo(join(work, 'repo'), { broken: true }),
    startRegistry({ auth: 'none' }),
  ]);
  env = buildEnv(work);
});
afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

const build = (args: string[]): Promise<CliResult> => vc(['build', '--repo', repo.url, ...args], { env });

describe('build -> push -> skopeo -> verify -> skip -> force with a broken tag', () => {
  const image = () => `${registry.host}/coredns`;
  const range = '>=1.7.0 <=1.9.3'; // v1.7.1 (single-stack) and v1.9.3 (dual-stack)

  it('builds two eras for two platforms and pushes an index per version', async () => {
    const r = await build([
      '--version',
      range,
      '--platforms',
      'linux/amd64,linux/arm64',
      '--push',
      image(),
      '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = json<Summary>(r);
    expect(s.failed).toEqual([]);
    expect(s.builds.map((b) => [b.version, b.skipped, b.platforms])).toEqual([
      ['v1.7.1', false, ['linux/amd64', 'linux/arm64']],
      ['v1.9.3', false, ['linux/amd64', 'linux/arm64']],
    ]);
    for (const b of s.builds) {
      expect(b.refs).toEqual([`${image()}:${b.version}@${b.digest}`]);
      const raw = await skopeo(['inspect', '--raw', `docker://${image()}:${b.version}`]);
      expect(raw.exitCode, raw.stderr).toBe(0);
      const index = JSON.parse(raw.stdout);
      expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(
        index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture),
      ).toEqual(['amd64', 'arm64']);
      const inspect = await skopeo([
        'inspect',
        '--override-arch',
        'arm64',
        `docker://${image()}:${b.version}`,
      ]);
      expect(JSON.parse(inspect.stdout).Labels['org.opencontainers.image.version']).toBe(b.version);
    }
    expect(r.stderr).toContain('v1.7.1 linux/arm64: done');
  });

  it('verify passes for both, and fails for an image vc-coredns did not build', async () => {
    for (const version of ['v1.7.1', 'v1.9.3']) {
      const r = await vc(['verify', `${image()}:${version}`, '--json'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      const v = json<{
        ok: boolean;
        platforms: { platform: string; patched: boolean; annotationKey: string }[];
      }>(r);
      expect(v.ok).toBe(true);
      expect(v.platforms).toEqual([
        expect.objectContaining({
          platform: 'linux/amd64',
          patched: true,
          annotationKey: 'transparency.tenancy.x-k8s.io/clusterIP',
        }),
        expect.objectContaining({ platform: 'linux/arm64', patched: true }),
      ]);
    }
    // someone else's image: real layers, no vc-coredns labels
    const foreign = `${registry.host}/other:plain`;
    const { makeTestIndex } = await import('../support/test-image.js');
    const { RegistryClient } = await import('../../src/registry/client.js');
    const { registrySink } = await import('../../src/publish/registry.js');
    await registrySink(foreign, new RegistryClient()).write(
      makeTestIndex({ platforms: [{ os: 'linux', arch: 'amd64' }] }),
      'plain',
    );
    const r = await vc(['verify', foreign], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('problem: not built by vc-coredns');
  });

  it('a second run reports both skipped, without cloning or compiling', async () => {
    const r = await build(['--version', range, '--push', image(), '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = json<Summary>(r);
    expect(s.builds.map((b) => [b.version, b.skipped])).toEqual([
      ['v1.7.1', true],
      ['v1.9.3', true],
    ]);
    expect(r.stderr).not.toMatch(/cloning|reusing|building/);
  });

  it('--force with a broken tag in the range publishes the good versions and exits 1', async () => {
    const r = await build(['--version', '>=1.9.0 <1.10', '--push', image(), '--force', '--json']);
    expect(r.exitCode).toBe(1);
    const s = json<Summary>(r);
    expect(s.builds.map((b) => [b.version, b.skipped])).toEqual([['v1.9.3', false]]);
    expect(s.failed.map((f) => f.version)).toEqual(['v1.9.4']);
    expect(s.failed[0]?.error).toMatch(/linux\/(amd64|arm64)/);
    expect((await skopeo(['inspect', '--raw', `docker://${image()}:v1.9.3`])).exitCode).toBe(0);
    expect((await skopeo(['inspect', '--raw', `docker://${image()}:v1.9.4`])).exitCode).not.toBe(0);
  });

  it('--tag-suffix and --also-tag tag the newest version', async () => {
    const r = await build([
      '--version',
      'v1.9.3',
      '--push',
      image(),
      '--tag-suffix',
      '-vc1',
      '--also-tag',
      'latest',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const a = await skopeo(['inspect', '--raw', `docker://${image()}:v1.9.3-vc1`]);
    const b = await skopeo(['inspect', '--raw', `docker://${image()}:latest`]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('bad output combinations are refused with exit 2 before anything runs', async () => {
    const tagged = await build(['--version', range, '--push', `${image()}:fixed`]);
    expect(tagged.exitCode).toBe(2);
    expect(tagged.stderr).toContain('names a tag, but 2 versions are being built');
    const archive = await build(['--version', range, '--output', `docker-archive:${join(work, 'x.tar')}`]);
    expect(archive.exitCode).toBe(2);
    const old = await build(['--version', 'v1.1.0']);
    expect(old.exitCode).toBe(2);
    expect(old.stderr).toContain('v1.2.3');
    const platform = await build(['--version', 'v1.9.3', '--platforms', 'linux/sparc64']);
    expect(platform.exitCode).toBe(2);
    expect(platform.stderr).toContain('linux/amd64');
  });
});
