import { randomBytes } from 'node:crypto';
import { link, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes a file through a temp file in the same folder and a rename: readers see old or new, never half. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const existingMode =
      mode ??
      (await stat(path).then(
        (s) => s.mode & 0o7777,
        () => undefined,
      ));
    await writeFile(tmp, data, existingMode === undefined ? undefined : { mode: existingMode });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a new file whole or not at all, never replacing one: a temp file in the same folder, then a
 * hard link to the name (which fails with EEXIST when something is there, even a file made meanwhile).
 */
export async function writeFileExclusive(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await link(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
