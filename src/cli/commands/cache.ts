import type { Command } from 'commander';
import { badInput } from '../../errors.js';
import type { CacheEntry } from '../../pipeline/cache.js';
import { defaultCacheDir } from '../../source/cache.js';
import { printJson } from '../io.js';
import type { CommandEnv } from './shared.js';

interface CacheOptions {
  json?: boolean;
}

interface PruneOptions extends CacheOptions {
  olderThan?: string;
}

/** `1.2 GB`, `340 kB`, `12 B` (powers of 1000, as du -h --si). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function rows(entries: CacheEntry[]): string {
  const lines = entries.map((e) => [
    e.kind,
    e.name,
    formatBytes(e.bytes),
    e.lastUsed.toISOString().slice(0, 16).replace('T', ' '),
  ]);
  const all = [['KIND', 'NAME', 'SIZE', 'LAST USED'], ...lines];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c)).join('  ')).join('\n');
}

const asJson = (e: CacheEntry) => ({
  kind: e.kind,
  name: e.name,
  path: e.path,
  bytes: e.bytes,
  lastUsed: e.lastUsed.toISOString(),
});
const total = (entries: CacheEntry[]) => entries.reduce((n, e) => n + e.bytes, 0);

export async function runCacheList(opts: CacheOptions, env: CommandEnv): Promise<number> {
  const { listCache } = await import('../../pipeline/cache.js');
  const dir = defaultCacheDir(env.io.env);
  const entries = await listCache(dir);
  if (opts.json) {
    printJson(env.io, { dir, bytes: total(entries), entries: entries.map(asJson) });
  } else {
    if (entries.length > 0) env.io.out(`${rows(entries)}\n`);
    env.io.err(`${dir}: ${entries.length} entries, ${formatBytes(total(entries))}\n`);
  }
  return 0;
}

export async function runCachePrune(opts: PruneOptions, env: CommandEnv): Promise<number> {
  let olderThanDays: number | undefined;
  if (opts.olderThan !== undefined) {
    olderThanDays = Number(opts.olderThan);
    if (!/^\d+(\.\d+)?$/.test(opts.olderThan) || !Number.isFinite(olderThanDays)) {
      throw badInput(
        `--older-than must be a number of days, not ${JSON.stringify(opts.olderThan)}`,
        'BAD_FLAG',
        'e.g. --older-than 30',
      );
    }
  }
  const { pruneCache } = await import('../../pipeline/cache.js');
  const dir = defaultCacheDir(env.io.env);
  const r = await pruneCache(dir, {
    ...(olderThanDays === undefined ? {} : { olderThanDays }),
    signal: env.signal,
  });
  if (opts.json) {
    printJson(env.io, {
      dir,
      freedBytes: total(r.removed),
      removed: r.removed.map(asJson),
      kept: r.kept.map((k) => ({ ...asJson(k), reason: k.reason })),
    });
  } else {
    for (const e of r.removed) env.io.out(`removed ${e.kind} ${e.name} (${formatBytes(e.bytes)})\n`);
    for (const k of r.kept) env.io.err(`kept ${k.kind} ${k.name}: ${k.reason}\n`);
    env.io.err(`${dir}: freed ${formatBytes(total(r.removed))}, ${r.kept.length} entries kept\n`);
  }
  return 0;
}

export function registerCache(program: Command, env: CommandEnv): void {
  const cache = program
    .command('cache')
    .description('what the cache holds (checkouts, Go toolchains, go.mod reads, logs) with sizes')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      `
The cache is $VC_COREDNS_CACHE, else $XDG_CACHE_HOME/vc-coredns (~/.cache/vc-coredns).

Examples:
  $ vc-coredns cache
  $ vc-coredns cache prune --older-than 30`,
    )
    .action(async (opts: CacheOptions) => env.exit(await runCacheList(opts, env)));
  cache
    .command('prune')
    .description('remove what no run is using (checkouts and Gos in use are left alone)')
    .option('--older-than <days>', 'only what was last used more than this many days ago')
    .option('--json', 'print one JSON document on stdout')
    .action(async (opts: PruneOptions) => env.exit(await runCachePrune(opts, env)));
}
