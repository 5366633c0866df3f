// A lock per cache entry, so runs sharing a cache never clone into, reset or build in the same
// checkout at once. proper-lockfile: an atomic mkdir of `<path>.lock` whose mtime the holder refreshes;
// a lock left by a killed run goes stale and is taken over.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { VcError } from '../errors.js';
import { abortError, type Log } from './git.js';

export interface LockOptions {
  signal?: AbortSignal;
  log?: Log;
  /** What the lock protects, for the messages. */
  what: string;
  /** How long to wait for another run (default 30 minutes: it may be building). */
  waitMs?: number;
  /** A lock not refreshed for this long belongs to a dead run (default 20 s). */
  staleMs?: number;
}

export interface Lock {
  readonly path: string;
  /** Releases the lock; safe to call twice; never throws. */
  release(): Promise<void>;
}

/** Locks path (which need not exist; its folder is created), waiting for another holder if needed. */
export async function acquireLock(path: string, opts: LockOptions): Promise<Lock> {
  const { signal, log = () => {}, waitMs = 30 * 60_000, staleMs = 20_000 } = opts;
  await mkdir(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + waitMs;
  let waited = false;
  let compromised: Error | null = null;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    if (signal?.aborted) throw abortError(signal);
    try {
      const unlock = await lockfile.lock(path, {
        realpath: false,
        stale: staleMs,
        retries: 0,
        lockfilePath: lockPath,
        // The default throws from a timer and kills the process; a lost lock is reported instead.
        onCompromised: (e) => {
          compromised = e;
          log(`warning: the lock ${lockPath} was taken over by another run (${e.message})`);
        },
      });
      return onceReleased(lockPath, unlock, () => compromised !== null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
    }
    if (!waited) {
      log(`waiting for another vc-coredns run to finish with ${opts.what} (${lockPath})`);
      waited = true;
    }
    if (Date.now() >= deadline) {
      throw new VcError(`another vc-coredns run has held ${opts.what} for too long`, {
        code: 'CACHE_LOCKED',
        hint: `a run that died releases its lock after ${Math.round(staleMs / 1000)} s; if none is running, remove ${lockPath}`,
      });
    }
    try {
      await sleep(delay, undefined, signal ? { signal } : {});
    } catch {
      throw abortError(signal);
    }
  }
}

const USE_STALE_MS = 20_000;

/**
 * Marks path as in use by this run until it releases the mark or exits (proper-lockfile removes its
 * locks at exit; a killed run's mark goes stale): a lock of its own beside path, never contended.
 * cache prune leaves a path with a live mark alone.
 */
export async function markInUse(path: string): Promise<Lock> {
  const lockPath = `${path}.use-${process.pid}-${randomBytes(4).toString('hex')}.lock`;
  await mkdir(dirname(path), { recursive: true });
  const unlock = await lockfile.lock(path, {
    realpath: false,
    stale: USE_STALE_MS,
    retries: 0,
    lockfilePath: lockPath,
    onCompromised: () => {},
  });
  return onceReleased(lockPath, unlock, () => false);
}

/** A Lock whose release runs unlock once, never throws, and skips a lock another run took over. */
function onceReleased(path: string, unlock: () => Promise<void>, lost: () => boolean): Lock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      if (lost()) return;
      await unlock().catch(() => {});
    },
  };
}

/** Whether a run holds a live in-use mark on path; stale marks of dead runs are removed on the way. */
export async function inUse(path: string): Promise<boolean> {
  const prefix = `${basename(path)}.use-`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  let live = false;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.lock')) continue;
    const mark = join(dirname(path), name);
    const st = await stat(mark).catch(() => null);
    if (st && Date.now() - st.mtimeMs < USE_STALE_MS) live = true;
    else await rm(mark, { recursive: true, force: true });
  }
  return live;
}
