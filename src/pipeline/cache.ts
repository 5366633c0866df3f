// `vc-coredns cache`: what the cache holds (source/cache.ts has the layout), and its pruning: checkouts, downloaded Gos, the Go
// facts of tags, build logs, the tags listed (for completion) and leftovers of interrupted runs. Pruning removes only what no run is using:
// a checkout or a Go is taken under its lock without waiting (a run holding it: left alone), and a Go
// some run is building with carries a live in-use mark.
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { goCacheDir } from '../compile/index.js';
import { isVcError } from '../errors.js';
import { checkoutsDir, goMinimumFile, tagsDir } from '../source/index.js';
import { acquireLock, inUse } from '../util/lock.js';

/** `<cache>/logs`: one build log per version and platform. */
export function logsDir(cacheDir: string): string {
  return join(cacheDir, 'logs');
}

export type CacheKind = 'checkout' | 'go' | 'go-facts' | 'log' | 'tags' | 'leftover';

export interface CacheEntry {
  kind: CacheKind;
  /** `<repo-key>/v1.9.3`, `1.21.8`, `go-minimum.json`, `v1.9.3-linux-amd64.log`... */
  name: string;
  path: string;
  bytes: number;
  /** the newest modification time found: a checkout is reset, a Go touched, each time a run uses it */
  lastUsed: Date;
}

/** Apparent size of a file or a whole tree (symlinks count as themselves). */
async function sizeOf(path: string): Promise<number> {
  const st = await lstat(path).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await sizeOf(join(path, name));
  return total;
}

async function mtime(...paths: string[]): Promise<Date> {
  let newest = 0;
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st && st.mtimeMs > newest) newest = st.mtimeMs;
  }
  return new Date(newest);
}

async function entry(
  kind: CacheKind,
  name: string,
  path: string,
  used: string[] = [path],
): Promise<CacheEntry> {
  return { kind, name, path, bytes: await sizeOf(path), lastUsed: await mtime(...used) };
}

const names = (dir: string) => readdir(dir).catch(() => [] as string[]);
const isLock = (name: string) => name.endsWith('.lock');

/** Everything the cache at cacheDir holds, by kind then name. */
export async function listCache(cacheDir: string): Promise<CacheEntry[]> {
  const out: CacheEntry[] = [];
  const checkouts = join(cacheDir, 'checkouts');
  for (const repo of await names(checkouts)) {
    const root = checkoutsDir(cacheDir, repo);
    for (const name of await names(root)) {
      if (isLock(name)) continue;
      const path = join(root, name);
      if (name.startsWith('.tmp-')) out.push(await entry('leftover', `${repo}/${name}`, path));
      else out.push(await entry('checkout', `${repo}/${name}`, path, [path, join(path, '.git', 'index')]));
    }
  }
  const go = goCacheDir(cacheDir);
  for (const name of await names(go)) {
    if (isLock(name)) continue;
    const path = join(go, name);
    out.push(await entry(name.startsWith('.tmp-') ? 'leftover' : 'go', name, path));
  }
  const facts = goMinimumFile(cacheDir);
  if (await stat(facts).catch(() => null)) out.push(await entry('go-facts', 'go-minimum.json', facts));
  for (const name of await names(logsDir(cacheDir)))
    out.push(await entry('log', name, join(logsDir(cacheDir), name)));
  for (const name of await names(tagsDir(cacheDir)))
    out.push(await entry('tags', name, join(tagsDir(cacheDir), name)));
  const order: CacheKind[] = ['checkout', 'go', 'go-facts', 'log', 'tags', 'leftover'];
  return out.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name));
}

export interface PruneResult {
  removed: CacheEntry[];
  /** what stayed, and why */
  kept: (CacheEntry & { reason: string })[];
}

/**
 * Removes what no run uses; with olderThanDays, only what was last used longer ago than that. Returns
 * what it removed and what it kept.
 */
export async function pruneCache(
  cacheDir: string,
  opts: { olderThanDays?: number; now?: Date; signal?: AbortSignal } = {},
): Promise<PruneResult> {
  const now = opts.now ?? new Date();
  const cutoff = opts.olderThanDays === undefined ? null : now.getTime() - opts.olderThanDays * 86_400_000;
  const result: PruneResult = { removed: [], kept: [] };
  for (const e of await listCache(cacheDir)) {
    if (opts.signal?.aborted) break;
    if (cutoff !== null && e.lastUsed.getTime() > cutoff) {
      result.kept.push({ ...e, reason: `used within ${opts.olderThanDays} days` });
      continue;
    }
    const why = await removeUnlessUsed(e, cacheDir);
    if (why === null) result.removed.push(e);
    else result.kept.push({ ...e, reason: why });
  }
  return result;
}

/** Removes e under its lock; returns why it did not (in use), or null. */
async function removeUnlessUsed(e: CacheEntry, cacheDir: string): Promise<string | null> {
  // A leftover of a download or clone belongs to the version it was for: that version's lock guards it.
  const guarded =
    e.kind === 'checkout' || e.kind === 'go'
      ? e.path
      : e.kind === 'leftover'
        ? leftoverOwner(e, cacheDir)
        : null;
  if (guarded === null) {
    await rm(e.path, { recursive: true, force: true });
    return null;
  }
  let lock: Awaited<ReturnType<typeof acquireLock>>;
  try {
    lock = await acquireLock(guarded, { what: e.name, waitMs: 0, code: 'IN_USE' });
  } catch (err) {
    if (isVcError(err) && err.code === 'IN_USE') return 'in use (locked by a run)';
    throw err;
  }
  try {
    if (e.kind === 'go' && (await inUse(e.path))) return 'in use (a run is building with it)';
    await rm(e.path, { recursive: true, force: true });
    return null;
  } finally {
    await lock.release();
  }
}

/** `.tmp-v1.9.3-x` in a checkouts folder -> that checkout; `.tmp-1.21.8-x` in go/ -> that Go. */
function leftoverOwner(e: CacheEntry, cacheDir: string): string | null {
  const m = /^(?:(.+)\/)?\.tmp-(.+)-[^-]+$/.exec(e.name);
  if (!m?.[2]) return null;
  return m[1] === undefined ? join(goCacheDir(cacheDir), m[2]) : join(checkoutsDir(cacheDir, m[1]), m[2]);
}
