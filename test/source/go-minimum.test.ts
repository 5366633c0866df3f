// goMinimumForTags: the go.mod `go` line of each tag without cloning the tags, cached by commit.
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goMinimumFile, goMinimumForTags, listRemoteTags } from '../../src/source/index.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
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
    expect(cached.commits[tags.find((t) => t.version === 'v1.9.3')?.commit ?? '']).toBe('1.17');

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
