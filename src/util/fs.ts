import { randomBytes } from 'node:crypto';
import { link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VcError } from '../errors.js';
import { removeAtExit } from './cleanup.js';

/** What a write failure means, in words: never a bare ENOSPC or EACCES. */
const WRITE_ERRORS: Record<string, { what: (path: string) => string; hint: string }> = {
  ENOSPC: {
    what: (p) => `no space left on device while writing ${p}`,
    hint: 'free space on that file system, or write the output elsewhere; nothing was left half-written',
  },
  EDQUOT: {
    what: (p) => `disk quota exceeded while writing ${p}`,
    hint: 'free space within your quota, or write the output elsewhere; nothing was left half-written',
  },
  EACCES: {
    what: (p) => `permission denied writing ${p}`,
    hint: 'check the owner and mode of its folder, or write the output elsewhere',
  },
  EPERM: {
    what: (p) => `not permitted to write ${p}`,
    hint: 'the folder may be immutable (lsattr shows an i; chattr -i clears it) or owned by another user',
  },
  EROFS: { what: (p) => `cannot write ${p}: a read-only file system`, hint: 'write the output elsewhere' },
  ENOTDIR: {
    what: (p) => `cannot write ${p}: a part of its path is a file, not a folder`,
    hint: 'give a path whose folders are folders',
  },
  EISDIR: { what: (p) => `cannot write ${p}: it is a folder`, hint: 'give a file name' },
};

/** The error of a failed write of `path`: a VcError (exit 1) for the errno codes above, else e. */
export function writeFailure(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const known = code === undefined ? undefined : WRITE_ERRORS[code];
  if (!known) return e;
  return new VcError(known.what(path), {
    code: code === 'ENOSPC' || code === 'EDQUOT' ? 'NO_SPACE' : 'CANNOT_WRITE',
    hint: known.hint,
    cause: e,
  });
}

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
    throw writeFailure(e, path);
  } finally {
    forget();
  }
}

/** mkdir -p, its failures in words (writeFailure). */
export async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (e) {
    throw writeFailure(e, path);
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
