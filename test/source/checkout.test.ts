// checkoutRelease: shallow single-tag checkouts in the cache, reuse after reset + clean, the lock,
// tag commit checks, aborts, and no credential on disk or in messages.
import { appendFile, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VcError } from '../../src/errors.js';
import { checkoutRelease, checkoutsDir, repoKey, withCheckout } from '../../src/source/index.js';
import type { Release } from '../../src/types.js';
import { eraFor } from '../../src/versions/index.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { entriesUnder, filesUnder, git, hermeticEnv, recorder, tempDir } from './support.js';

let base: { dir: string; remove: () => Promise<void> };
let repo: FixtureRepo;
let env: NodeJS.ProcessEnv;
let cacheCount = 0;

beforeAll(async () => {
  base = await tempDir('source-checkout');
  repo = await createFixtureRepo(join(base.dir, 'repo'));
  env = await hermeticEnv(base.dir);
});

afterAll(() => base?.remove());

function release(version: string, commit?: string): Release {
  const tag = repo.tags.find((t) => t.version === version);
  if (!tag) throw new Error(`no fixture tag ${version}`);
  return { version, commit: commit ?? tag.commit, era: eraFor(version) };
}

function newCache(): string {
  cacheCount += 1;
  return join(base.dir, `cache-${cacheCount}`);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('checkoutRelease', () => {
  it('makes a shallow single-tag checkout at the tag commit, with nothing else in the cache', async () => {
    const cacheDir = newCache();
    const rec = recorder();
    const c = await checkoutRelease(release('v1.9.3'), repo.url, { cacheDir, env, log: rec.log });
    try {
      expect(c.dir).toBe(join(checkoutsDir(cacheDir, repoKey(repo.url)), 'v1.9.3'));
      expect(c.owned).toBe(true);
      expect(c.release.version).toBe('v1.9.3');
      expect(await git(c.dir, ['rev-parse', 'HEAD'])).toBe(release('v1.9.3').commit);
      expect(await git(c.dir, ['rev-parse', '--is-shallow-repository'])).toBe('true');
      expect(await git(c.dir, ['rev-list', '--count', 'HEAD'])).toBe('1');
      expect(await git(c.dir, ['status', '--porcelain'])).toBe('');
      // Objects: one commit and its tree, a fraction of the whole repository.
      const objects = async (dir: string) =>
        (await git(dir, ['rev-list', '--objects', '--all'])).split('\n').length;
      const mine = await objects(c.dir);
      const whole = await objects(repo.dir);
      expect(mine).toBeLessThan(whole / 2);
      expect(await git(c.dir, ['tag', '--list'])).toBe('v1.9.3');
      // The URL is not stored in the checkout (it may carry a password).
      expect(await readFile(join(c.dir, '.git', 'config'), 'utf8')).not.toContain(repo.dir);
      expect(rec.lines).toEqual([
        `cloning v1.9.3 (${release('v1.9.3').commit.slice(0, 12)}) from ${repo.url}`,
      ]);
      expect(await exists(`${c.dir}.lock`)).toBe(true);
    } finally {
      await c.dispose();
    }
    expect(await exists(`${c.dir}.lock`)).toBe(false);
    expect(await entriesUnder(join(cacheDir, 'checkouts', repoKey(repo.url)))).not.toContainEqual(
      expect.stringMatching(/^\.tmp-/),
    );
  });

  it('checks out the commit of an annotated tag (v1.7.1), not the tag object', async () => {
    const cacheDir = newCache();
    await withCheckout(release('v1.7.1'), repo.url, { cacheDir, env }, async (c) => {
      expect(await git(c.dir, ['rev-parse', 'HEAD'])).toBe(release('v1.7.1').commit);
      expect(await git(c.dir, ['cat-file', '-t', 'refs/tags/v1.7.1'])).toBe('tag');
    });
  });

  it('reuses a cached checkout without cloning, after reset + clean of a dirty tree', async () => {
    const cacheDir = newCache();
    const r = release('v1.6.8');
    const first = await checkoutRelease(r, repo.url, { cacheDir, env });
    const makefile = join(first.dir, 'Makefile');
    const original = await readFile(makefile, 'utf8');
    // What a previous patch and build leave behind: a modified file, new files, ignored outputs.
    await appendFile(makefile, '\n# patched\n');
    await writeFile(join(first.dir, 'untracked.go'), 'package main\n');
    await mkdir(join(first.dir, 'build', 'linux', 'amd64'), { recursive: true });
    await writeFile(join(first.dir, 'build', 'linux', 'amd64', 'coredns'), 'binary');
    await writeFile(join(first.dir, 'coredns'), 'ignored binary');
    await first.dispose();

    const rec = recorder();
    const again = await checkoutRelease(r, repo.url, { cacheDir, env, log: rec.log });
    try {
      expect(again.dir).toBe(first.dir);
      expect(rec.lines).toEqual([`reusing the cached checkout of v1.6.8 (${again.dir})`]);
      expect(await readFile(makefile, 'utf8')).toBe(original);
      expect(await exists(join(again.dir, 'untracked.go'))).toBe(false);
      expect(await exists(join(again.dir, 'build'))).toBe(false);
      expect(await exists(join(again.dir, 'coredns'))).toBe(false);
      expect(await git(again.dir, ['status', '--porcelain', '--ignored'])).toBe('');
      expect(await git(again.dir, ['rev-parse', 'HEAD'])).toBe(r.commit);
    } finally {
      await again.dispose();
    }
  });

  it('lets two concurrent runs share one cache: both succeed, one clones, the other waits and reuses', async () => {
    const cacheDir = newCache();
    const rec = recorder();
    const use = () =>
      withCheckout(release('v1.12.0'), repo.url, { cacheDir, env, log: rec.log }, async (c) => {
        // Hold the checkout for a while, as a patch and build would.
        await new Promise((r) => setTimeout(r, 300));
        return git(c.dir, ['rev-parse', 'HEAD']);
      });
    const heads = await Promise.all([use(), use()]);
    expect(heads).toEqual([release('v1.12.0').commit, release('v1.12.0').commit]);
    expect(rec.lines.filter((l) => l.startsWith('cloning '))).toHaveLength(1);
    expect(rec.lines.filter((l) => l.startsWith('reusing '))).toHaveLength(1);
    expect(rec.lines.filter((l) => l.startsWith('waiting for another vc-coredns run'))).toHaveLength(1);
  });

  it('refuses a tag whose commit is not the listed one, leaving nothing in the cache', async () => {
    const cacheDir = newCache();
    const wrong = release('v1.9.3', release('v1.6.2').commit);
    const e = (await checkoutRelease(wrong, repo.url, { cacheDir, env }).catch((x: unknown) => x)) as VcError;
    expect(e).toBeInstanceOf(VcError);
    expect(e.code).toBe('HEAD_MISMATCH');
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      `v1.9.3 on ${repo.url} is commit ${release('v1.9.3').commit.slice(0, 12)}, not ${wrong.commit.slice(0, 12)} as listed`,
    );
    expect(await filesUnder(cacheDir)).toEqual([]);
    // The lock was released: the right commit checks out at once.
    await withCheckout(release('v1.9.3'), repo.url, { cacheDir, env, lockWaitMs: 0 }, async () => {});
  });

  it('clones again when the remote tag moved since the cached checkout was made', async () => {
    const moving = await createFixtureRepo(join(base.dir, 'moving'));
    const tag = (v: string) => moving.tags.find((t) => t.version === v)?.commit as string;
    const cacheDir = newCache();
    const old: Release = { version: 'v1.9.3', commit: tag('v1.9.3'), era: eraFor('v1.9.3') };
    await withCheckout(old, moving.url, { cacheDir, env }, async () => {});
    await git(moving.dir, ['tag', '-f', 'v1.9.3', tag('v1.12.0')]);
    const rec = recorder();
    const moved: Release = { ...old, commit: tag('v1.12.0') };
    await withCheckout(moved, moving.url, { cacheDir, env, log: rec.log }, async (c) => {
      expect(await git(c.dir, ['rev-parse', 'HEAD'])).toBe(tag('v1.12.0'));
    });
    expect(rec.lines[0]).toMatch(/^the cached checkout of v1\.9\.3 is unusable \(.*\); cloning it again$/);
    expect(rec.lines[1]).toMatch(/^cloning v1\.9\.3 /);
  });

  it('takes over the lock a killed run left behind (no holder named, not fresh)', async () => {
    const cacheDir = newCache();
    const dir = join(checkoutsDir(cacheDir, repoKey(repo.url)), 'v1.6.2');
    // A killed run: its lock, without an owner file and a minute old, and a half-made clone.
    await mkdir(`${dir}.lock`, { recursive: true });
    const past = new Date(Date.now() - 60_000);
    await utimes(`${dir}.lock`, past, past);
    await mkdir(join(dirname(dir), '.tmp-v1.6.2-abc123', '.git'), { recursive: true });
    const rec = recorder();
    await withCheckout(
      release('v1.6.2'),
      repo.url,
      { cacheDir, env, log: rec.log, lockWaitMs: 0 },
      async (c) => {
        expect(await git(c.dir, ['rev-parse', 'HEAD'])).toBe(release('v1.6.2').commit);
      },
    );
    expect(rec.lines.map((l) => l.split(' ')[0])).toEqual(['taking', 'cloning']);
    expect(await entriesUnder(dirname(dir))).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/^\.tmp-/)]),
    );
  });

  it('waits for a live lock and gives up after lockWaitMs with CACHE_LOCKED', async () => {
    const cacheDir = newCache();
    const held = await checkoutRelease(release('v1.6.2'), repo.url, { cacheDir, env });
    try {
      const rec = recorder();
      const e = await checkoutRelease(release('v1.6.2'), repo.url, {
        cacheDir,
        env,
        log: rec.log,
        lockWaitMs: 500,
      }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'CACHE_LOCKED', exitCode: 1 });
      expect(rec.lines).toEqual([
        `waiting for another vc-coredns run to finish with the cached checkout of v1.6.2 (${held.dir}.lock)`,
      ]);
    } finally {
      await held.dispose();
    }
  });

  it('releases the lock when the work done with the checkout fails', async () => {
    const cacheDir = newCache();
    let dir = '';
    await expect(
      withCheckout(release('v1.6.2'), repo.url, { cacheDir, env }, async (c) => {
        dir = c.dir;
        throw new Error('build failed');
      }),
    ).rejects.toThrow('build failed');
    expect(await exists(`${dir}.lock`)).toBe(false);
  });

  it('rejects a version that is not a release tag (exit 2) before touching the cache', async () => {
    const cacheDir = newCache();
    const bad = { ...release('v1.9.3'), version: '../v1.9.3' };
    await expect(checkoutRelease(bad, repo.url, { cacheDir, env })).rejects.toMatchObject({
      code: 'BAD_VERSION',
      exitCode: 2,
    });
    expect(await exists(cacheDir)).toBe(false);
  });

  describe('aborts', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((s) => sockets.add(s)); // a git daemon that never answers
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    });

    it('kills a running fetch and leaves no file in the cache', async () => {
      const cacheDir = newCache();
      const controller = new AbortController();
      const log = (line: string) => {
        if (line.startsWith('cloning ')) setTimeout(() => controller.abort(), 300);
      };
      const url = `git://127.0.0.1:${port}/coredns.git`;
      const e = await checkoutRelease(release('v1.9.3'), url, {
        cacheDir,
        env,
        log,
        signal: controller.signal,
      }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ABORTED' });
      expect(await filesUnder(cacheDir)).toEqual([]);
      expect(await entriesUnder(checkoutsDir(cacheDir, repoKey(url)))).toEqual([]);
    });

    it('stops before cloning when the signal has already fired', async () => {
      const cacheDir = newCache();
      const controller = new AbortController();
      controller.abort();
      await expect(
        checkoutRelease(release('v1.9.3'), repo.url, { cacheDir, env, signal: controller.signal }),
      ).rejects.toMatchObject({ code: 'ABORTED' });
      expect(await filesUnder(cacheDir)).toEqual([]);
    });
  });

  it('never shows a password: log lines, error and cache folder', async () => {
    const cacheDir = newCache();
    const rec = recorder();
    const url = 'https://user:s3cret@127.0.0.1:1/coredns.git';
    const e = (await checkoutRelease(release('v1.9.3'), url, { cacheDir, env, log: rec.log }).catch(
      (x: unknown) => x,
    )) as VcError;
    expect(e.code).toBe('REMOTE_UNREACHABLE');
    expect(e.message).toMatch(/^cannot fetch v1\.9\.3 from https:\/\/\*\*\*@127\.0\.0\.1:1\/coredns\.git: /);
    expect(rec.lines).toEqual([
      expect.stringMatching(/^cloning v1\.9\.3 .* from https:\/\/\*\*\*@127\.0\.0\.1:1/),
    ]);
    for (const text of [e.message, e.hint, e.stack, JSON.stringify(e), ...rec.lines]) {
      expect(String(text)).not.toContain('s3cret');
    }
    const entries = await entriesUnder(cacheDir);
    expect(entries.join('\n')).not.toContain('s3cret');
    expect(await filesUnder(cacheDir)).toEqual([]);
  });
});
