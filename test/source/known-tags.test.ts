// The versions shell completion offers: remembered from tag listings and found in cached checkouts.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkoutsDir, knownVersions, rememberTags, repoKey } from '../../src/source/index.js';

let cache: string;
beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), 'vc-known-'));
});
afterEach(async () => {
  await rm(cache, { recursive: true, force: true });
});

const A = 'https://bot:t0ken@git.example/coredns.git';
const B = 'file:///srv/coredns';

describe('known versions', () => {
  it('are none in an empty or missing cache', async () => {
    expect(await knownVersions(cache)).toEqual([]);
    expect(await knownVersions(join(cache, 'missing'), A)).toEqual([]);
  });

  it('come from the tags last listed and the checkouts of a repository, its own first', async () => {
    await rememberTags(cache, A, ['v1.9.3', 'v1.12.0']);
    await rememberTags(cache, B, ['v1.8.0']);
    await mkdir(join(checkoutsDir(cache, repoKey(A)), 'v1.11.1'), { recursive: true });
    await mkdir(join(checkoutsDir(cache, repoKey(A)), 'v1.11.1.lock'), { recursive: true });
    await mkdir(join(checkoutsDir(cache, repoKey(A)), '.tmp-v1.13.0-x'), { recursive: true });
    expect((await knownVersions(cache, A)).sort()).toEqual(['v1.11.1', 'v1.12.0', 'v1.9.3']);
    expect(await knownVersions(cache, B)).toEqual(['v1.8.0']);
    // a repository the cache does not know: every repository's
    expect((await knownVersions(cache, 'https://other.example/x.git')).sort()).toEqual([
      'v1.11.1',
      'v1.12.0',
      'v1.8.0',
      'v1.9.3',
    ]);
    // the file never holds the credentials of the URL
    const file = await readFile(join(cache, 'tags', `${repoKey(A)}.json`), 'utf8');
    expect(file).not.toContain('t0ken');
  });

  it('ignore a damaged file and names that are not versions', async () => {
    await mkdir(join(cache, 'tags'), { recursive: true });
    await writeFile(join(cache, 'tags', 'x.json'), '{not json');
    await writeFile(join(cache, 'tags', 'y.json'), '{"versions": ["v1.2.3", "latest", 7]}');
    expect(await knownVersions(cache)).toEqual(['v1.2.3']);
  });

  it('are remembered at best: a cache that cannot be written is no error', async () => {
    await writeFile(join(cache, 'tags'), 'a file where the folder would be');
    await expect(rememberTags(cache, A, ['v1.9.3'])).resolves.toBeUndefined();
  });
});
