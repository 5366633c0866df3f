// `build --dry-run`: the plan and what is current, nothing cloned, compiled or written.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DryRun } from '../../src/pipeline/build.js';
import { buildEnv, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-dry-run-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  env = buildEnv(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const entries = (dir: string) => readdir(dir).catch(() => [] as string[]);

describe('build --dry-run', () => {
  it('prints the plan, knows what an OCI layout holds, and writes nothing', async () => {
    const cwd = join(work, 'cwd');
    await mkdir(cwd);
    const args = ['build', '--repo', repo.url, '--version', '>=1.9.0', '--platforms', 'linux/amd64'];
    // --platforms is given once: another one replaces linux/amd64
    const plan = async (more: string[] = []) => {
      const base = more.includes('--platforms') ? args.slice(0, -2) : args;
      const r = await vc([...base, ...more, '--dry-run', '--json'], { env, cwd });
      expect(r.exitCode, r.stderr).toBe(0);
      return json<DryRun>(r);
    };
    const before = await plan([
      '--output',
      'oci:dist/oci',
      '--push',
      '127.0.0.1:1/coredns',
      '--also-tag',
      'latest',
    ]);
    expect(
      before.plan.map((v) => [v.version, v.commit, v.platforms, typeof v.go?.version, v.targets]),
    ).toEqual([
      [
        'v1.9.3',
        repo.tags.find((t) => t.version === 'v1.9.3')?.commit,
        ['linux/amd64'],
        'string',
        [
          { output: 'oci', ref: join(cwd, 'dist/oci'), tags: ['v1.9.3'], current: false },
          { output: 'registry', ref: '127.0.0.1:1/coredns', tags: ['v1.9.3'], current: null },
        ],
      ],
      [
        'v1.12.0',
        repo.tags.find((t) => t.version === 'v1.12.0')?.commit,
        ['linux/amd64'],
        'string',
        [
          { output: 'oci', ref: join(cwd, 'dist/oci'), tags: ['v1.12.0', 'latest'], current: false },
          { output: 'registry', ref: '127.0.0.1:1/coredns', tags: ['v1.12.0', 'latest'], current: null },
        ],
      ],
    ]);
    // Nothing cloned, compiled or written (the registry on port 1 was never asked either).
    expect(await entries(cwd)).toEqual([]);
    expect(await entries(join(work, 'cache'))).not.toContain('checkouts');

    const built = await vc([...args], { env, cwd });
    expect(built.exitCode, built.stderr).toBe(0);
    const after = await plan();
    expect(after.plan.map((v) => v.targets.map((t) => t.current))).toEqual([[true], [true]]);
    expect((await plan(['--force'])).plan.map((v) => v.targets.map((t) => t.current))).toEqual([
      [false],
      [false],
    ]);
    expect((await plan(['--platforms', 'linux/arm64'])).plan.map((v) => v.targets[0]?.current)).toEqual([
      false,
      false,
    ]);
  });

  it('takes a comma-separated list of versions and ranges, oldest first; each item must resolve', async () => {
    const args = ['build', '--repo', repo.url, '--platforms', 'linux/amd64', '--dry-run', '--json'];
    const r = await vc([...args, '--version', 'v1.12.0, 1.6.8,>=1.9.0 <1.10'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<DryRun>(r).plan.map((v) => v.version)).toEqual(['v1.6.8', 'v1.9.3', 'v1.12.0']);
    const unknown = await vc([...args, '--version', 'v1.9.3,v1.7.2'], { env });
    expect(unknown.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(unknown).error).toMatchObject({
      code: 'UNKNOWN_VERSION',
      message: 'unknown CoreDNS version v1.7.2',
    });
  });

  it('says the same as a table, and refuses bad input with exit 2 as build does', async () => {
    const r = await vc(
      [
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.9.3',
        '--output',
        `binaries:${join(work, 'b')}`,
        '--dry-run',
      ],
      {
        env,
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^v1\\.9\\.3 [0-9a-f]{12} linux/amd64,linux/arm64 go\\S+\\n  binaries ${join(work, 'b')} \\(would be built\\)\\n$`,
      ),
    );
    const bad = await vc(
      ['build', '--repo', repo.url, '--version', 'v1.9.3', '--tag-suffix', '!', '--dry-run', '--json'],
      { env },
    );
    expect(bad.exitCode).toBe(2);
    expect(json<{ error: { code: string } }>(bad).error.code).toBe('BAD_TAG');
  });
});
