// `vc-coredns cache` and `cache prune`: what the cache holds, with sizes; pruning removes only what no
// run uses (a locked checkout, a Go a run is building with stay), or only what is older than --older-than.
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, markInUse } from '../../src/util/lock.js';
import { buildEnv, json, runCli } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-cache-'));
  repo = await createFixtureRepo(join(work, 'repo'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Listed {
  dir: string;
  bytes: number;
  entries: { kind: string; name: string; path: string; bytes: number; lastUsed: string }[];
}

/** A cache with two checkouts (cloned by `prepare`), two Gos, the Go facts of the tags and a log. */
async function filledCache(name: string): Promise<{ env: Record<string, string>; cache: string }> {
  const env = { ...buildEnv(join(work, name)) };
  const cache = env.VC_COREDNS_CACHE as string;
  for (const version of ['v1.9.3', 'v1.12.0']) {
    const r = await runCli(['prepare', '--repo', repo.url, '--version', version, '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
  }
  expect((await runCli(['versions', '--repo', repo.url, '--json'], { env })).exitCode).toBe(0);
  for (const version of ['1.19.8', '1.21.13']) {
    await mkdir(join(cache, 'go', version, 'bin'), { recursive: true });
    await writeFile(join(cache, 'go', version, 'VERSION'), `go${version}\n`);
    await writeFile(join(cache, 'go', version, 'bin', 'go'), 'x'.repeat(1000));
  }
  await mkdir(join(cache, 'go', '.tmp-1.22.0-deadbeef'), { recursive: true });
  await mkdir(join(cache, 'logs'), { recursive: true });
  await writeFile(join(cache, 'logs', 'v1.9.3-linux-amd64.log'), 'log\n');
  return { env, cache };
}

describe('vc-coredns cache', () => {
  it('lists checkouts, Gos, the Go facts of tags, logs, the tags listed and leftovers with their sizes', async () => {
    const { env, cache } = await filledCache('list');
    const r = await runCli(['cache', '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const listed = json<Listed>(r);
    expect(listed.dir).toBe(cache);
    const kinds = listed.entries.map(
      (e) => `${e.kind} ${e.name.replace(/^repo-[0-9a-f]+(\/|\.json$)/, '<repo>$1')}`,
    );
    expect(kinds).toEqual([
      'checkout <repo>/v1.12.0',
      'checkout <repo>/v1.9.3',
      'go 1.19.8',
      'go 1.21.13',
      'go-facts go-minimum.json',
      'log v1.9.3-linux-amd64.log',
      'tags <repo>.json',
      'leftover .tmp-1.22.0-deadbeef',
    ]);
    expect(listed.entries.find((e) => e.name === '1.21.13')?.bytes).toBe(1000 + 'go1.21.13\n'.length);
    expect(listed.bytes).toBe(listed.entries.reduce((n, e) => n + e.bytes, 0));
    const text = await runCli(['cache'], { env });
    expect(text.stdout).toMatch(/^KIND +NAME +SIZE +LAST USED\n/);
    expect(text.stderr).toMatch(new RegExp(`^${cache}: 8 entries, [\\d.]+ [kM]?B\\n$`));
  });

  it('prune removes what no run uses and keeps a locked checkout and a Go in use', async () => {
    const { env, cache } = await filledCache('prune');
    const listed = json<Listed>(await runCli(['cache', '--json'], { env }));
    const checkout = listed.entries.find((e) => e.name.endsWith('/v1.9.3'))?.path as string;
    const lock = await acquireLock(checkout, { what: 'the test' });
    const mark = await markInUse(join(cache, 'go', '1.21.13'));
    try {
      const r = await runCli(['cache', 'prune', '--json'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      const out = json<{
        freedBytes: number;
        removed: { name: string }[];
        kept: { name: string; reason: string }[];
      }>(r);
      expect(out.kept.map((k) => [k.name.replace(/^repo-[0-9a-f]+\//, '<repo>/'), k.reason])).toEqual([
        ['<repo>/v1.9.3', 'in use (locked by a run)'],
        ['1.21.13', 'in use (a run is building with it)'],
      ]);
      expect(out.removed.map((e) => e.name.replace(/^repo-[0-9a-f]+(\/|\.json$)/, '<repo>$1'))).toEqual([
        '<repo>/v1.12.0',
        '1.19.8',
        'go-minimum.json',
        'v1.9.3-linux-amd64.log',
        '<repo>.json',
        '.tmp-1.22.0-deadbeef',
      ]);
      expect(out.freedBytes).toBeGreaterThan(0);
      expect(await stat(checkout).then(() => true)).toBe(true);
      expect(await stat(join(cache, 'go', '1.19.8')).catch(() => null)).toBeNull();
    } finally {
      await lock.release();
      await mark.release();
    }
    // Released: the next prune takes them.
    const again = json<{ removed: { name: string }[]; kept: unknown[] }>(
      await runCli(['cache', 'prune', '--json'], { env }),
    );
    expect(again.removed.map((e) => e.name.replace(/^repo-[0-9a-f]+\//, '<repo>/'))).toEqual([
      '<repo>/v1.9.3',
      '1.21.13',
    ]);
    expect(again.kept).toEqual([]);
  });

  it('prune --older-than DAYS keeps what was used more recently', async () => {
    const { env, cache } = await filledCache('older');
    const old = new Date(Date.now() - 40 * 86_400_000);
    await utimes(join(cache, 'go', '1.19.8'), old, old);
    await utimes(join(cache, 'logs', 'v1.9.3-linux-amd64.log'), old, old);
    const r = await runCli(['cache', 'prune', '--older-than', '30', '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = json<{ removed: { name: string }[]; kept: { reason: string }[] }>(r);
    expect(out.removed.map((e) => e.name)).toEqual(['1.19.8', 'v1.9.3-linux-amd64.log']);
    expect(new Set(out.kept.map((k) => k.reason))).toEqual(new Set(['used within 30 days']));
    const bad = await runCli(['cache', 'prune', '--older-than', 'soon', '--json'], { env });
    expect(bad.exitCode).toBe(2);
    expect(json<{ error: { code: string } }>(bad).error.code).toBe('BAD_FLAG');
  });
});
