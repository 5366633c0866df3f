// goForTags / goMinimumForTags: go.mod's `go` line and upstream's Go of each tag without cloning the
// tags, cached by commit.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goForTags, goMinimumFile, goMinimumForTags, listRemoteTags } from '../../src/source/index.js';
import { createFixtureRepo, type FixtureRepo, installedGoVersion } from '../support/fixture.js';
import { entriesUnder, hermeticEnv, recorder, tempDir } from './support.js';

let base: { dir: string; remove: () => Promise<void> };
let repo: FixtureRepo;
let env: NodeJS.ProcessEnv;

const EXPECTED = {
  'v1.1.0': null, // GOPATH era: no go.mod
  'v1.6.2': '1.12',
  'v1.6.8': '1.13',
  'v1.7.1': '1.13', // annotated tag
  'v1.9.3': '1.17',
  'v1.12.0': '1.22.7',
};

beforeAll(async () => {
  base = await tempDir('source-go');
  repo = await createFixtureRepo(join(base.dir, 'repo'));
  env = await hermeticEnv(base.dir);
});

afterAll(() => base?.remove());

/** Upstream's Go the fixture's files name (test/support/fixture.ts). */
async function expectedUpstream() {
  const minor = (version: string, from: string) => ({ version, exact: false, from });
  return {
    'v1.1.0': null,
    'v1.6.2': minor('1.19', '.travis.yml'),
    'v1.6.8': minor('1.21', '.travis.yml'),
    'v1.7.1': minor('1.22', 'workflows'),
    'v1.9.3': minor('1.23', 'workflows'),
    'v1.12.0': { version: await installedGoVersion(), exact: true, from: '.go-version' },
  };
}

describe('goForTags', () => {
  it("reads upstream's Go from .go-version, workflows, .travis.yml or go.mod beside the minimum", async () => {
    const cacheDir = join(base.dir, 'cache-upstream');
    const tags = await listRemoteTags(repo.url, { env });
    const go = await goForTags(repo.url, tags, { cacheDir, env });
    expect(Object.fromEntries([...go].map(([v, g]) => [v, g.upstream]))).toEqual(await expectedUpstream());
    expect(Object.fromEntries([...go].map(([v, g]) => [v, g.minimum]))).toEqual(EXPECTED);
    // Cached by commit: the remote is not asked again.
    const moved = join(base.dir, 'repo-away-upstream');
    await rename(repo.dir, moved);
    try {
      const again = await goForTags(repo.url, tags, { cacheDir, env });
      expect(Object.fromEntries([...again].map(([v, g]) => [v, g.upstream]))).toEqual(
        await expectedUpstream(),
      );
    } finally {
      await rename(moved, repo.dir);
    }
  });

  it('reads a cache of the old format (minimums only) again rather than trust it', async () => {
    const cacheDir = join(base.dir, 'cache-old');
    const tags = await listRemoteTags(repo.url, { env });
    await mkdir(cacheDir, { recursive: true });
    const old = { format: 1, commits: Object.fromEntries(tags.map((t) => [t.commit, '9.9'])) };
    await writeFile(goMinimumFile(cacheDir), JSON.stringify(old));
    const go = await goMinimumForTags(repo.url, tags, { cacheDir, env });
    expect(Object.fromEntries(go)).toEqual(EXPECTED);
  });
});

describe('goMinimumForTags', () => {
  it('reads each tag go line through a partial fetch, caches it by commit, and reads the cache next time', async () => {
    const cacheDir = join(base.dir, 'cache');
    const tags = await listRemoteTags(repo.url, { env });
    const rec = recorder();
    const go = await goMinimumForTags(repo.url, tags, { cacheDir, env, log: rec.log });
    expect(Object.fromEntries(go)).toEqual(EXPECTED);
    // The blobless route worked (no fallback to full trees).
    expect(rec.lines).toEqual([]);
    // Nothing but the cache file stays behind.
    expect(await entriesUnder(cacheDir)).toEqual(['go-minimum.json']);
    const cached = JSON.parse(await readFile(goMinimumFile(cacheDir), 'utf8'));
    expect(cached.commits[tags.find((t) => t.version === 'v1.9.3')?.commit ?? ''].minimum).toBe('1.17');

    // With the remote gone, the cache alone answers.
    const moved = join(base.dir, 'repo-away');
    await rename(repo.dir, moved);
    try {
      const again = await goMinimumForTags(repo.url, tags, { cacheDir, env });
      expect(Object.fromEntries(again)).toEqual(EXPECTED);
      // A tag the cache has never seen needs the remote, and its absence is an error, not a guess.
      const unknown = [{ version: 'v1.99.0', commit: 'f'.repeat(40) }];
      await expect(goMinimumForTags(repo.url, unknown, { cacheDir, env })).rejects.toMatchObject({
        code: 'REMOTE_UNREACHABLE',
      });
    } finally {
      await rename(moved, repo.dir);
    }
  });

  it('fetches only what is missing from the cache', async () => {
    const cacheDir = join(base.dir, 'cache-partial');
    const tags = await listRemoteTags(repo.url, { env });
    const first = await goMinimumForTags(repo.url, tags.slice(0, 2), { cacheDir, env });
    expect(Object.fromEntries(first)).toEqual({ 'v1.1.0': null, 'v1.6.2': '1.12' });
    const all = await goMinimumForTags(repo.url, tags, { cacheDir, env });
    expect(Object.fromEntries(all)).toEqual(EXPECTED);
    const cached = JSON.parse(await readFile(goMinimumFile(cacheDir), 'utf8'));
    expect(Object.keys(cached.commits).sort()).toEqual(tags.map((t) => t.commit).sort());
  });
});
