// versions, prepare and matrix through the CLI, on the fixture repository over file://, with real git.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo, installedGoVersion } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-resolve-cli-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  env = { VC_COREDNS_CACHE: join(work, 'cache') };
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const commitOf = (v: string) => repo.tags.find((t) => t.version === v)?.commit;

describe('vc-coredns versions', () => {
  it("--json lists every release tag with shape, support, minimum Go and upstream's Go", async () => {
    const r = await vc(['versions', '--repo', repo.url, '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const row = (version: string, shape: string, go: string | null, upstreamGo: string | null) => ({
      version,
      commit: commitOf(version),
      shape,
      supported: shape !== 'none',
      go,
      upstreamGo,
    });
    expect(json<unknown[]>(r)).toEqual([
      row('v1.1.0', 'none', null, null),
      row('v1.6.2', 'single-stack', '1.12', '1.19'),
      row('v1.6.8', 'single-stack', '1.13', '1.21'),
      row('v1.7.1', 'single-stack', '1.13', '1.22'),
      row('v1.9.3', 'dual-stack', '1.17', '1.23'),
      row('v1.12.0', 'dual-stack', '1.22.7', await installedGoVersion()),
    ]);
  });

  it('takes a local path, a range, and prints a table', async () => {
    const r = await vc(['versions', '--repo', repo.dir, '--range', '>=1.7.0 <1.10', '--quiet'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^VERSION\s+COMMIT\s+SHAPE\s+SUPPORTED\s+GO\s+UPSTREAM GO$/);
    expect(r.stdout).toMatch(/^v1\.7\.1\s+7ca013d0fbcf\s+single-stack\s+patch\+build\s+1\.13\s+1\.22$/m);
    expect(r.stdout).toMatch(/^v1\.9\.3\s+[0-9a-f]{12}\s+dual-stack/m);
    expect(r.stdout).not.toContain('v1.6.8');
  });

  it('an unreachable remote exits 1 naming the URL without its credentials, never falling back', async () => {
    const r = await vc(['versions', '--repo', 'https://alice:s3cr3t-pw@127.0.0.1:1/coredns.git'], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('https://***@127.0.0.1:1/coredns.git');
    expect(r.stderr + r.stdout).not.toContain('s3cr3t-pw');
    expect(r.stderr).toContain('never falls back');
  });

  it('refuses remote-helper URLs (ext::) with exit 2', async () => {
    const marker = join(work, 'pwned');
    const r = await vc(['versions', '--repo', `ext::sh -c touch% ${marker}`], { env });
    expect(r.exitCode).toBe(2);
    await expect(readFile(marker)).rejects.toThrow();
  });
});

describe('vc-coredns prepare', () => {
  it('clones into the cache, patches, prints the directory; a second run reuses the cache', async () => {
    const r = await vc(['prepare', '--repo', repo.url, '--version', '1.9.3'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = r.stdout.trim();
    expect(dir).toContain(join(work, 'cache'));
    expect(r.stderr).toContain('cloning v1.9.3');
    expect(await readFile(join(dir, 'plugin/kubernetes/object/service.go'), 'utf8')).toContain(
      'Added by vc-coredns',
    );
    const again = await vc(['prepare', '--repo', repo.url, '--version', 'v1.9.3', '--json'], { env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('reusing the cached checkout of v1.9.3');
    expect(again.stderr).not.toContain('cloning');
    // reset + clean first: the reused tree was patched again from the original, not found already patched
    expect(json(again)).toMatchObject({
      version: 'v1.9.3',
      commit: commitOf('v1.9.3'),
      dir,
      patch: { changed: true, alreadyPatched: false, shape: 'dual-stack', strategy: 'ast' },
    });
  });

  it('a dirty cached checkout is reset and cleaned before use', async () => {
    const first = await vc(['prepare', '--repo', repo.url, '--version', 'v1.6.8', '--quiet'], { env });
    const dir = first.stdout.trim();
    await writeFile(join(dir, 'coremain/version.go'), 'garbage');
    await mkdir(join(dir, 'build/linux/amd64'), { recursive: true });
    await writeFile(join(dir, 'build/linux/amd64/coredns'), 'stale');
    const r = await vc(['prepare', '--repo', repo.url, '--version', 'v1.6.8', '--quiet'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const status = await execa('git', ['status', '--porcelain', '--ignored'], { cwd: dir });
    expect(status.stdout.trim()).toBe('M plugin/kubernetes/object/service.go');
  });

  it('two concurrent runs on one cache both succeed', async () => {
    const cache = { VC_COREDNS_CACHE: join(work, 'cache-concurrent') };
    const [a, b] = await Promise.all([
      vc(['prepare', '--repo', repo.url, '--version', 'v1.12.0', '--json'], { env: cache }),
      vc(['prepare', '--repo', repo.url, '--version', 'v1.12.0', '--json'], { env: cache }),
    ]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(json(a).dir).toBe(json(b).dir);
    expect(`${a.stderr}${b.stderr}`.match(/cloning v1\.12\.0/g)).toHaveLength(1);
  });

  it('--dir copies the checkout and patches the copy, leaving the cache clean', async () => {
    const dir = join(work, 'prepared-1.7.1');
    const r = await vc(['prepare', '--repo', repo.url, '--version', 'v1.7.1', '--dir', dir, '--json'], {
      env,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r).dir).toBe(dir);
    const diff = await execa('git', ['diff', '--stat'], { cwd: dir });
    expect(diff.stdout).toContain('plugin/kubernetes/object/service.go');
    const taken = await vc(['prepare', '--repo', repo.url, '--version', 'v1.7.1', '--dir', dir], { env });
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toContain('exists and is not empty');
  });

  it.each([
    ['v1.1.0', 2, 'has no plugin/kubernetes/object/service.go', 'the first supported release is v1.2.3'],
    ['v1.7.2', 2, 'unknown CoreDNS version v1.7.2', 'the nearest releases are v1.7.1 and v1.9.3'],
    ['1.9', 2, '', ''],
    ['v9.0.0', 2, 'unknown CoreDNS version v9.0.0', 'the newest release is v1.12.0'],
  ])('--version %s exits %i', async (version, code, message, hint) => {
    const r = await vc(['prepare', '--repo', repo.url, '--version', version, '--json'], { env });
    expect(r.exitCode).toBe(code);
    const e = json<{ error: { message: string; hint: string } }>(r).error;
    expect(e.message).toContain(message);
    expect(e.hint).toContain(hint);
  });
});

describe('vc-coredns matrix', () => {
  it("--format github prints one line for $GITHUB_OUTPUT, with upstream's Go for setup-go", async () => {
    const r = await vc(['matrix', '--repo', repo.url, '--range', '>=1.6.0 <1.10'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(json(r)).toEqual({
      include: [
        ['v1.6.2', '1.19.x'],
        ['v1.6.8', '1.21.x'],
        ['v1.7.1', '1.22.x'],
        ['v1.9.3', '1.23.x'],
      ].map(([version, go]) => ({ version, platforms: 'linux/amd64,linux/arm64', go })),
    });
  });

  it('--kubernetes picks what kubeadm ships, --format json', async () => {
    const r = await vc(['matrix', '--repo', repo.url, '--kubernetes', '1.16,1.25,1.26', '--format', 'json'], {
      env,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json(r)).toEqual([
      { version: 'v1.6.2', platforms: 'linux/amd64,linux/arm64', go: '1.19.x' },
      { version: 'v1.9.3', platforms: 'linux/amd64,linux/arm64', go: '1.23.x' },
    ]);
    expect(r.stderr).toContain('Kubernetes 1.25 ships CoreDNS v1.9.3');
  });

  it('--kubernetes-map extends the table without a release', async () => {
    const map = join(work, 'k8s.json');
    await writeFile(map, JSON.stringify({ '1.99': 'v1.12.0' }));
    const r = await vc(
      [
        'matrix',
        '--repo',
        repo.url,
        '--kubernetes',
        '1.99',
        '--kubernetes-map',
        map,
        '--platforms',
        'linux/arm/v7',
      ],
      { env },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    // An exact .go-version is what setup-go installs as it is.
    expect(json(r)).toEqual({
      include: [{ version: 'v1.12.0', platforms: 'linux/arm/v7', go: await installedGoVersion() }],
    });
  });

  it('drops what it cannot build and says so; errors exit 2', async () => {
    const r = await vc(['matrix', '--repo', repo.url, '--range', '<1.7'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('dropped v1.1.0');
    const unknown = await vc(['matrix', '--repo', repo.url, '--kubernetes', '1.5'], { env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/error: .*1\.5/);
    expect(unknown.stderr).toMatch(/hint: .*1\.13/);
    const none = await vc(['matrix', '--repo', repo.url, '--range', '>=2.0.0'], { env });
    expect(none.exitCode).toBe(2);
    const platform = await vc(['matrix', '--repo', repo.url, '--platforms', 'linux/sparc64'], { env });
    expect(platform.exitCode).toBe(2);
    expect(platform.stderr).toContain('linux/amd64');
  });
});
