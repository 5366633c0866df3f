// A fresh copy of the project as a clone would have it (tracked files plus new ones not yet committed,
// nothing git ignores: no dist/, no .tools/, no node_modules/), for tests that run what a user runs
// in a new checkout. node_modules can be reused to save the install: hard-linked (a copy whose files
// an `npm ci` there may replace without touching ours) or symlinked (for read-only use).
import { cp, mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function copyProject(
  dest: string,
  opts: { nodeModules?: 'hardlink' | 'symlink' | 'none' } = {},
): Promise<void> {
  const listed = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
  });
  const files = String(listed.stdout).split('\0').filter(Boolean);
  for (const f of files) {
    await mkdir(dirname(join(dest, f)), { recursive: true });
    // deleted but still in the index: a clone would not have it either
    await cp(join(ROOT, f), join(dest, f), { preserveTimestamps: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  const mode = opts.nodeModules ?? 'none';
  if (mode === 'symlink') await symlink(join(ROOT, 'node_modules'), join(dest, 'node_modules'));
  // cp -al keeps mtimes: setup.sh sees node_modules as current for the copied package-lock.json
  if (mode === 'hardlink') await execa('cp', ['-al', join(ROOT, 'node_modules'), join(dest, 'node_modules')]);
}
