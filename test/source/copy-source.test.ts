// copySource (`--source DIR`): what is copied, the tree hash, and DIR left exactly as it was.
import { createHash } from 'node:crypto';
import { chmod, cp, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySource } from '../../src/source/index.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { filesUnder, git, hermeticEnv, tempDir } from './support.js';

let base: { dir: string; remove: () => Promise<void> };
let repo: FixtureRepo;
let env: NodeJS.ProcessEnv;

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Path, mode, mtime and content hash of every entry under dir, .git included. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await filesUnder(dir)) {
    const full = join(dir, rel);
    const st = await lstat(full);
    const content = st.isSymbolicLink() ? await readlink(full) : await readFile(full);
    out.push(
      `${rel} ${st.mode.toString(8)} ${st.mtimeMs} ${createHash('sha256').update(content).digest('hex')}`,
    );
  }
  return out;
}

beforeAll(async () => {
  base = await tempDir('source-copy');
  repo = await createFixtureRepo(join(base.dir, 'repo'));
  env = await hermeticEnv(base.dir);
  // A developer's tree: a local edit, new files, build outputs, ignored files, an executable, a link.
  await writeFile(join(repo.dir, 'README.md'), 'edited locally\n');
  await writeFile(join(repo.dir, 'plugin', 'new.go'), 'package plugin\n');
  await writeFile(join(repo.dir, 'hack.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(repo.dir, 'hack.sh'), 0o755);
  await symlink('README.md', join(repo.dir, 'README.link'));
  await mkdir(join(repo.dir, 'build', 'linux', 'amd64'), { recursive: true });
  await writeFile(join(repo.dir, 'build', 'linux', 'amd64', 'coredns'), 'binary');
  await writeFile(join(repo.dir, 'coredns'), 'ignored binary'); // /coredns is in the fixture's .gitignore
  await mkdir(join(repo.dir, 'release'));
  await writeFile(join(repo.dir, 'release', 'coredns.tgz'), 'ignored');
});

afterAll(() => base?.remove());

describe('copySource', () => {
  it('copies tracked and untracked files, not ignored ones, build/ or .git, and never touches DIR', async () => {
    const before = await snapshot(repo.dir);
    const tracked = (await git(repo.dir, ['ls-files'])).split('\n');
    const copy = await copySource(repo.dir, { env });
    try {
      const copied = await filesUnder(copy.dir);
      expect(copied).toEqual(copy.files);
      expect(copied).toEqual(expect.arrayContaining([...tracked, 'plugin/new.go', 'hack.sh', 'README.link']));
      expect(copied).toHaveLength(tracked.length + 3);
      expect(copied.filter((p) => /^(build|release|\.git)\/|^coredns$/.test(p))).toEqual([]);
      expect(await readFile(join(copy.dir, 'README.md'), 'utf8')).toBe('edited locally\n');
      expect((await stat(join(copy.dir, 'hack.sh'))).mode & 0o111).not.toBe(0);
      expect(await readlink(join(copy.dir, 'README.link'))).toBe('README.md');
      expect(copy.commit).toBe(repo.tags.at(-1)?.commit);
      expect(copy.commitTime).toBe(Number(await git(repo.dir, ['log', '-1', '--format=%ct', 'HEAD'])));
      expect(copy.treeHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      await copy.dispose();
    }
    expect(await exists(copy.dir)).toBe(false);
    expect(await snapshot(repo.dir)).toEqual(before);
  });

  it('gives the same tree hash for the same files, another when a file or a mode changes', async () => {
    const a = await copySource(repo.dir, { env });
    const b = await copySource(repo.dir, { env });
    await Promise.all([a.dispose(), b.dispose()]);
    expect(a.dir).not.toBe(b.dir);
    expect(b.treeHash).toBe(a.treeHash);

    const edited = join(base.dir, 'edited');
    await cp(repo.dir, edited, { recursive: true, verbatimSymlinks: true });
    const same = await copySource(edited, { env });
    await same.dispose();
    expect(same.treeHash).toBe(a.treeHash); // where the tree lives does not matter

    await writeFile(join(edited, 'plugin', 'new.go'), 'package plugin // changed\n');
    const changed = await copySource(edited, { env });
    await changed.dispose();
    expect(changed.treeHash).not.toBe(a.treeHash);

    await writeFile(join(edited, 'plugin', 'new.go'), 'package plugin\n');
    await chmod(join(edited, 'plugin', 'new.go'), 0o755);
    const modeChanged = await copySource(edited, { env });
    await modeChanged.dispose();
    expect(modeChanged.treeHash).not.toBe(a.treeHash);

    // Build outputs do not count.
    await chmod(join(edited, 'plugin', 'new.go'), 0o644);
    await writeFile(join(edited, 'build', 'linux', 'amd64', 'coredns'), 'another binary');
    const rebuilt = await copySource(edited, { env });
    await rebuilt.dispose();
    expect(rebuilt.treeHash).toBe(a.treeHash);
  });

  it('copies a plain folder (no git) whole, except build/ and .git, with no commit', async () => {
    const plain = join(base.dir, 'plain');
    await mkdir(join(plain, 'plugin'), { recursive: true });
    await writeFile(join(plain, 'go.mod'), 'module github.com/coredns/coredns\n');
    await writeFile(join(plain, 'plugin', 'a.go'), 'package plugin\n');
    await writeFile(join(plain, 'coredns'), 'not ignored without git');
    await mkdir(join(plain, 'build'));
    await writeFile(join(plain, 'build', 'out'), 'x');
    await mkdir(join(plain, 'plugin', '.git'));
    await writeFile(join(plain, 'plugin', '.git', 'HEAD'), 'x');
    const copy = await copySource(plain, { env });
    try {
      expect(copy.files).toEqual(['coredns', 'go.mod', 'plugin/a.go']);
      expect(copy.commit).toBeNull();
      expect(copy.commitTime).toBeNull();
    } finally {
      await copy.dispose();
    }
  });

  it('refuses a DIR that does not exist (exit 2)', async () => {
    await expect(copySource(join(base.dir, 'nope'), { env })).rejects.toMatchObject({
      code: 'NO_SUCH_PATH',
      exitCode: 2,
    });
  });

  it('removes its temp folder when aborted in the middle of the copy', async () => {
    const tmpRoot = join(base.dir, 'tmp-root');
    await mkdir(tmpRoot);
    // A signal that reports aborted from its nth look on: a dry run counts the looks, so the abort
    // falls among the last files copied, after the listing.
    const counting = (limit: number) => {
      let looks = 0;
      const real = new AbortController().signal;
      const signal = new Proxy(real, {
        get(target, prop) {
          if (prop === 'aborted') return ++looks > limit;
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return { signal, looks: () => looks };
    };
    const dry = counting(Number.POSITIVE_INFINITY);
    const full = await copySource(repo.dir, { env, tmpRoot, signal: dry.signal });
    await full.dispose();
    const late = counting(dry.looks() - 3);
    await expect(copySource(repo.dir, { env, tmpRoot, signal: late.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(late.looks()).toBeGreaterThan(dry.looks() - 3);
    expect(await filesUnder(tmpRoot)).toEqual([]);
  });
});
