// The one lock of vc-coredns (cached checkouts, OCI layouts, downloaded Gos), and in-use marks: a directory made atomically by mkdir, with
// `owner.json` inside naming the holder: pid, the process's start time and the machine's boot id. A
// waiter that finds the holder dead (no such pid, or a pid now used by a process that started later, or
// a reboot since) takes the lock over at once; a live holder is waited for until the deadline. No
// heartbeat: liveness comes from the process table, not from a clock. (proper-lockfile, used before,
// judges a lock by its mtime: a dead run's lock blocks for its stale time, and a live holder that
// misses a refresh, e.g. on a suspended machine, loses its lock; it records no holder to check.)
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VcError } from '../errors.js';
import { abortError } from './abort.js';

export interface LockOptions {
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** What the lock protects, for the messages. */
  what: string;
  /** How long to wait for a live holder (default 30 minutes: it may be building). */
  waitMs?: number;
  /** The error code when the wait gives up (default LOCKED). */
  code?: string;
  /**
   * A lock directory without an owner file (a holder killed between mkdir and writing it, or a lock of
   * an older vc-coredns) counts as dead once it is this old (default 10 s).
   */
  ownerlessMs?: number;
  /** The longest pause between two looks at a held lock (default 1 s; short work asks sooner). */
  pollMaxMs?: number;
}

export interface Lock {
  /** the lock directory */
  readonly path: string;
  /** Releases the lock; safe to call twice; never throws. */
  release(): Promise<void>;
}

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  /** the process's start time (Linux: clock ticks after boot, /proc/PID/stat field 22); null elsewhere */
  start: number | null;
  /** /proc/sys/kernel/random/boot_id; null elsewhere */
  boot: string | null;
  host: string;
  /** tells two holders with the same pid apart (a taken-over lock, a test) */
  token: string;
}

const OWNER_FILE = 'owner.json';

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

/** The start time of a process (Linux), or null when it does not exist or cannot be told. */
export async function processStart(pid: number): Promise<number | null> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so count from the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]);
  return Number.isSafeInteger(start) ? start : null;
}

async function bootId(): Promise<string | null> {
  return (await readText('/proc/sys/kernel/random/boot_id'))?.trim() || null;
}

/** This process as a lock owner. */
export async function currentOwner(): Promise<LockOwner> {
  return {
    pid: process.pid,
    start: await processStart(process.pid),
    boot: await bootId(),
    host: hostname(),
    token: randomBytes(8).toString('hex'),
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the owner is certainly gone: same machine, and its pid is unused, or used by a process that
 * started at another time, or the machine rebooted since. A holder on another machine (a shared
 * folder) is never declared dead.
 */
export async function ownerIsDead(owner: LockOwner): Promise<boolean> {
  if (owner.host !== hostname()) return false;
  const boot = await bootId();
  if (owner.boot !== null && boot !== null && owner.boot !== boot) return true;
  if (!pidAlive(owner.pid)) return true;
  if (owner.start === null) return false;
  const start = await processStart(owner.pid);
  return start !== null && start !== owner.start;
}

function parseOwner(text: string | null): LockOwner | null {
  if (text === null) return null;
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string' || typeof o.token !== 'string') return null;
    return {
      pid: o.pid,
      start: typeof o.start === 'number' ? o.start : null,
      boot: typeof o.boot === 'string' ? o.boot : null,
      host: o.host,
      token: o.token,
    };
  } catch {
    return null;
  }
}

export async function readOwner(lockPath: string): Promise<LockOwner | null> {
  return parseOwner(await readText(join(lockPath, OWNER_FILE)));
}

/** Tries once: the lock, or null when another holder has it. */
async function tryLock(lockPath: string, owner: LockOwner): Promise<Lock | null> {
  try {
    await mkdir(lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  try {
    // Written through a temp file: a waiter reads a whole owner or none.
    const tmp = join(lockPath, `.${OWNER_FILE}.${owner.token}`);
    await writeFile(tmp, JSON.stringify(owner));
    await rename(tmp, join(lockPath, OWNER_FILE));
  } catch (e) {
    // ENOENT: a waiter that found the previous holder dead moved this new directory aside for a moment
    // to check it (takeOver) and puts it back; it may come back without an owner, and then counts as
    // ownerless. Not ours either way: try again.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    await rm(lockPath, { recursive: true, force: true });
    throw e;
  }
  let released = false;
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      // Only our own lock: after a takeover (we were thought dead) the directory is another holder's.
      if ((await readOwner(lockPath))?.token === owner.token) {
        await rm(lockPath, { recursive: true, force: true }).catch(() => {});
      }
    },
  };
}

/**
 * Removes a dead holder's lock. It is renamed away first and checked again under its new name, so that
 * of two waiters that found the same dead holder, only one removes it, and a lock taken meanwhile by
 * a live holder is put back rather than removed.
 */
async function takeOver(lockPath: string, dead: LockOwner | null): Promise<void> {
  const aside = `${lockPath}.dead-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // another waiter was first
  }
  const moved = await readOwner(aside);
  if (moved?.token !== dead?.token) {
    await rename(aside, lockPath).catch(() => {});
    return;
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * Locks `path` (the lock is the directory `<path>.lock`; path need not exist, its folder is created),
 * waiting for a live holder until `waitMs`, taking a dead holder's lock over at once.
 */
export async function acquireLock(path: string, opts: LockOptions): Promise<Lock> {
  const { signal, log = () => {}, waitMs = 30 * 60_000, ownerlessMs = 10_000, pollMaxMs = 1000 } = opts;
  await mkdir(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;
  const me = await currentOwner();
  const deadline = Date.now() + waitMs;
  let waited = false;
  for (let delay = 10; ; delay = Math.min(delay * 2, pollMaxMs)) {
    if (signal?.aborted) throw abortError(signal);
    const lock = await tryLock(lockPath, me);
    if (lock) return lock;
    const owner = await readOwner(lockPath);
    const dead =
      owner === null
        ? // A lock that vanished meanwhile is not an old one: try again (treating it as ancient would take
          // over, and remove, a lock made just now whose owner file is not written yet).
          Date.now() - ((await stat(lockPath).catch(() => null))?.mtimeMs ?? Date.now()) > ownerlessMs
        : await ownerIsDead(owner);
    if (dead) {
      log(
        `taking over ${lockPath}: ${owner ? `the run that held it (pid ${owner.pid}) is gone` : 'it names no holder'}`,
      );
      await takeOver(lockPath, owner);
      continue;
    }
    if (!waited) {
      log(`waiting for another vc-coredns run to finish with ${opts.what} (${lockPath})`);
      waited = true;
    }
    if (Date.now() >= deadline) {
      throw new VcError(`another vc-coredns run has held ${opts.what} for too long`, {
        code: opts.code ?? 'LOCKED',
        hint: `${owner ? `it is pid ${owner.pid} on ${owner.host}` : 'the holder is unknown'}; if no vc-coredns is running, remove ${lockPath}`,
      });
    }
    try {
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())), undefined, signal ? { signal } : {});
    } catch {
      throw abortError(signal);
    }
  }
}

/**
 * Marks path as in use by this run until it releases the mark or exits: `<path>.use-<token>.lock`, an
 * owner directory of its own (never contended). A mark whose owner is gone counts for nothing, so a
 * killed run leaves no mark that matters. `cache prune` leaves a path with a live mark alone.
 */
export async function markInUse(path: string): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true });
  const me = await currentOwner();
  const lock = await tryLock(`${path}.use-${me.token}.lock`, me);
  if (lock === null) throw new Error(`in-use mark ${path}.use-${me.token}.lock exists already`);
  return lock;
}

/** Whether a live run holds an in-use mark on path; the marks of dead runs are removed on the way. */
export async function inUse(path: string, ownerlessMs = 10_000): Promise<boolean> {
  const prefix = `${basename(path)}.use-`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  let live = false;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.lock')) continue;
    const mark = join(dirname(path), name);
    const owner = await readOwner(mark);
    const dead =
      owner === null
        ? Date.now() - ((await stat(mark).catch(() => null))?.mtimeMs ?? 0) > ownerlessMs
        : await ownerIsDead(owner);
    if (dead) await rm(mark, { recursive: true, force: true });
    else live = true;
  }
  return live;
}
