// `build --smoke` end to end: the fixture's DNS mode is smoke-tested after compiling and before
// publishing; a binary that crashes at start fails its version and nothing of it is written.
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../src/pipeline/build.js';
import { exists } from '../../src/util/fs.js';
import { buildEnv, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-build-smoke-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  env = buildEnv(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('build --smoke', () => {
  it('smoke-tests the host platform binary of each version before publishing', async () => {
    const layout = join(work, 'oci');
    const bin = join(work, 'bin');
    const r = await vc(
      [
        'build',
        '--repo',
        repo.url,
        '--version',
        '>=1.6.8 <=1.9.3',
        '--platforms',
        'linux/amd64,linux/arm64',
        '--output',
        `oci:${layout}`,
        '--output',
        `binaries:${bin}`,
        '--smoke',
        '--json',
      ],
      { env },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const s = json<BuildSummary>(r);
    expect(s.failed).toEqual([]);
    expect(
      s.builds.map((b) => [b.version, b.smoke?.platform, b.smoke?.verdict, b.smoke?.passed, b.smoke?.cases]),
    ).toEqual([
      ['v1.6.8', 'linux/amd64', 'ok', 12, 12],
      ['v1.7.1', 'linux/amd64', 'ok', 12, 12],
      ['v1.9.3', 'linux/amd64', 'ok', 12, 12],
    ]);
    expect(r.stderr).toMatch(/v1\.9\.3: smoke ok \(12\/12 cases, [\d.]+ s\)/);
    // binaries: still gets every platform, copied after the smoke test
    expect((await readdir(join(bin, 'linux'))).sort()).toEqual(['amd64', 'arm64']);
    expect(s.builds[2]?.refs).toContain(join(bin, 'linux/amd64/coredns'));
  });

  it('a binary that crashes at start fails its version; nothing of it is published', async () => {
    // The fixture's v1.9.3 with a package that panics at start: it compiles, the patch applies.
    const tree = join(work, 'crashing');
    await execa('git', ['clone', '-q', '--branch', 'v1.9.3', repo.url, tree]);
    await appendFile(
      join(tree, 'crash.go'),
      'package main\n\nfunc init() { panic("encoding alphabet includes duplicate symbols") }\n',
    );
    const layout = join(work, 'oci-crash');
    const bin = join(work, 'bin-crash');
    const r = await vc(
      [
        'build',
        '--source',
        tree,
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/amd64',
        '--output',
        `oci:${layout}`,
        '--output',
        `binaries:${bin}`,
        '--smoke',
        '--json',
      ],
      { env },
    );
    expect(r.exitCode).toBe(1);
    const s = json<BuildSummary>(r);
    expect(s.builds).toEqual([]);
    expect(s.failed.map((f) => f.version)).toEqual(['v1.9.3']);
    const error = s.failed[0]?.error ?? '';
    expect(error).toMatch(
      /^CoreDNS v1\.9\.3 \(linux\/amd64\) failed the smoke test: coredns -version exited with code 2 \(failed\); nothing of it was published\n/,
    );
    expect(error).toContain('coredns: panic: encoding alphabet includes duplicate symbols');
    expect(await exists(layout)).toBe(false);
    expect(await exists(bin)).toBe(false);
  });

  it('exits 2 before anything runs when --platforms has no platform the host runs', async () => {
    const r = await vc(
      [
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/s390x',
        '--smoke',
        '--output',
        `oci:${join(work, 'never')}`,
      ],
      { env: { ...env, VC_COREDNS_CACHE: join(work, 'cache-refused') } },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --smoke runs the host's platform \(linux\/\w+\), which --platforms linux\/s390x does not build\n/m,
    );
    expect(await exists(join(work, 'never'))).toBe(false);
    expect(await exists(join(work, 'cache-refused', 'checkouts'))).toBe(false);
  });
});
