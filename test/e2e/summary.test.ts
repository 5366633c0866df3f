// `build --summary FILE`: the run's Markdown table, written after the build (also when a version
// fails); a second run over the same layout lists every version skipped with the same digest. A place
// it cannot be written is bad input (exit 2) before anything is cloned.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../src/pipeline/build.js';
import { buildEnv, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-summary-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  env = buildEnv(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The table rows of a summary file, as cells. */
function rows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => /^\| v\d/.test(l))
    .map((l) =>
      l
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim()),
    );
}

describe('build --summary', () => {
  it('writes the table of the run; the second run lists every version skipped with the same digests', async () => {
    const layout = join(work, 'oci');
    const file = join(work, 'out', 'real.md');
    await mkdir(join(work, 'out'));
    const args = [
      'build',
      '--repo',
      repo.url,
      '--version',
      'v1.9.3,v1.6.8',
      '--platforms',
      'linux/amd64,linux/arm64',
      '--smoke',
      '--output',
      `oci:${layout}`,
      '--summary',
      file,
      '--json',
    ];
    const first = await vc(args, { env });
    expect(first.exitCode, first.stderr).toBe(0);
    const built = json<BuildSummary>(first);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^### vc-coredns \d+\.\d+\.\d+\S* build\n\n2 built, 0 skipped, 0 failed\n/);
    expect(rows(text)).toEqual(
      built.builds.map((b) => [
        b.version,
        b.version === 'v1.6.8' ? 'v1.6.5 - v1.6.9 (single-stack)' : 'v1.8.5 - v1.10.1 (dual-stack)',
        'linux/amd64, linux/arm64',
        `${b.go.version} (${b.go.source})`,
        expect.stringMatching(/^\d+\.\d s$/),
        `\`${b.digest}\``,
        `\`oci:${layout}:${b.version}\``,
        'ok (12/12, linux/amd64)',
        'no',
      ]),
    );
    expect(built.builds.map((b) => b.version)).toEqual(['v1.6.8', 'v1.9.3']);
    for (const b of built.builds) expect(b.seconds).toBeGreaterThan(0);

    const second = await vc(args, { env });
    expect(second.exitCode, second.stderr).toBe(0);
    const again = await readFile(file, 'utf8');
    expect(again).toMatch(/^### vc-coredns \S+ build\n\n0 built, 2 skipped, 0 failed\n/);
    expect(rows(again).map((r) => [r[0], r[5], r[7], r[8]])).toEqual(
      built.builds.map((b) => [b.version, `\`${b.digest}\``, '-', 'yes']),
    );
  });

  it('refuses a folder or an unwritable place before anything is cloned (exit 2)', async () => {
    const cache = join(work, 'cache-bad');
    const bad = async (summary: string) =>
      vc(['build', '--repo', repo.url, '--version', 'v1.9.3', '--summary', summary, '--json'], {
        env: { ...env, VC_COREDNS_CACHE: cache },
        cwd: work,
      });
    const folder = await bad(work);
    expect(folder.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(folder).error).toMatchObject({
      code: 'BAD_OUTPUT',
      message: `--summary ${work} is a folder`,
    });
    const inFile = await bad(join(work, 'repo', 'README.md', 'real.md'));
    expect(inFile.exitCode).toBe(2);
    expect(json<{ error: { message: string } }>(inFile).error.message).toMatch(
      /README.md is a file, not a folder$/,
    );
    expect(await readdir(cache).catch(() => [])).not.toContain('checkouts');
  });
});
