import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeAtExit } from './cleanup.js';

/** Writes a file through a temp file in the same folder and a rename: readers see old or new, never half. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const forget = removeAtExit(tmp);
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
  } finally {
    forget();
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
