// What a run leaves on disk or running goes however the run ends.
// - A second Ctrl-C (exit at once): temp dirs and temp files, and the process groups of make and go,
//   are registered while they exist, and the process's exit hook kills the groups, then removes the
//   paths (synchronously: `exit` runs no more asynchronous work).
// - SIGKILL (no hook runs): a run that records itself (recordRun) keeps its temp dirs and process
//   groups in `<cache>/runs/<pid>-<start>.json`; the next run (reclaimDeadRuns) removes what a dead
//   run left and ends its groups. A run and a group leader are known by pid and start time, so a pid
//   used again by another process is never touched.
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { currentOwner, type LockOwner, ownerIsDead, processStart } from './lock.js';

const paths = new Set<string>();
const groups = new Set<number>();
let hooked = false;

/** What a recording run keeps on disk about itself. */
interface RunRecord {
  owner: LockOwner;
  /** temp dirs (basename `vc-coredns-*`) */
  paths: string[];
  /** process groups, by leader pid and its start time */
  groups: { pgid: number; start: number | null }[];
}

let record: { file: string; owner: LockOwner } | null = null;
const recordedPaths = new Set<string>();
const recordedGroups = new Map<number, number | null>();
let saving: Promise<void> = Promise.resolve();

/** Only vc-coredns's own temp dirs are recorded, and only those a reclaim removes. */
const TEMP_DIR = /^vc-coredns-[a-z]+-/;

function save(): void {
  const r = record;
  if (!r) return;
  const doc: RunRecord = {
    owner: r.owner,
    paths: [...recordedPaths],
    groups: [...recordedGroups].map(([pgid, start]) => ({ pgid, start })),
  };
  // in order, each a whole file (temp + rename; the last one wins); a failed save only weakens the reclaim
  saving = saving.then(async () => {
    const tmp = `${r.file}.tmp`;
    await writeFile(tmp, JSON.stringify(doc))
      .then(() => rename(tmp, r.file))
      .catch(() => {});
  });
}

/** Sends sig to every process of the group; a group that is gone is fine. */
export function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is gone.
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const g of groups) killGroup(g, 'SIGKILL');
    for (const p of paths) {
      try {
        rmSync(p, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // nothing more can be done while exiting
      }
    }
    if (record) rmSync(record.file, { force: true });
    if (record) rmSync(`${record.file}.tmp`, { force: true });
  });
}

/** Removes `path` at exit unless the returned function was called first (it was removed or kept). */
export function removeAtExit(path: string): () => void {
  hook();
  paths.add(path);
  const recorded = record !== null && TEMP_DIR.test(basename(path));
  if (recorded) {
    recordedPaths.add(path);
    save();
  }
  return () => {
    paths.delete(path);
    if (recorded && recordedPaths.delete(path)) save();
  };
}

/** Kills the process group at exit unless the returned function was called first (it ended). */
export function killAtExit(pgid: number): () => void {
  hook();
  groups.add(pgid);
  let forgotten = false;
  if (record) {
    void processStart(pgid).then((start) => {
      if (forgotten) return;
      recordedGroups.set(pgid, start);
      save();
    });
  }
  return () => {
    forgotten = true;
    groups.delete(pgid);
    if (recordedGroups.delete(pgid)) save();
  };
}

export interface TempDir {
  path: string;
  /** Removes it (and forgets it). Never throws. */
  remove(): Promise<void>;
}

/** `mkdtemp(prefix)`, removed at exit if still there (and by the next run if this one is killed). */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(prefix);
  const forget = removeAtExit(path);
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
      forget();
    },
  };
}

function runsDir(cacheDir: string): string {
  return join(cacheDir, 'runs');
}

/** From now on this run keeps its temp dirs and process groups in the cache, for reclaimDeadRuns. */
export async function recordRun(cacheDir: string): Promise<void> {
  if (record) return;
  const owner = await currentOwner();
  mkdirSync(runsDir(cacheDir), { recursive: true });
  record = { file: join(runsDir(cacheDir), `${owner.pid}-${owner.start ?? 0}.json`), owner };
  hook();
  save();
}

/** Whether the group's leader is still the process that was recorded (same pid, same start). */
async function sameLeader(g: { pgid: number; start: number | null }): Promise<boolean> {
  return g.start !== null && (await processStart(g.pgid)) === g.start;
}

export interface Reclaimed {
  /** pids of the dead runs whose leftovers were reclaimed */
  runs: number[];
  paths: string[];
  groups: number[];
}

/**
 * Removes the temp dirs of runs that died without their exit hook (SIGKILL, a power cut) and ends
 * their process groups (make and go keep running when their vc-coredns is killed): only groups whose
 * leader is still the recorded process, only temp dirs named `vc-coredns-*`.
 */
export async function reclaimDeadRuns(cacheDir: string): Promise<Reclaimed> {
  const done: Reclaimed = { runs: [], paths: [], groups: [] };
  const dir = runsDir(cacheDir);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.json')) continue;
    const file = join(dir, name);
    let r: RunRecord;
    try {
      r = JSON.parse(await readFile(file, 'utf8')) as RunRecord;
    } catch {
      continue; // being written, or not ours
    }
    if (!r?.owner || !(await ownerIsDead(r.owner))) continue;
    for (const g of r.groups ?? []) {
      if (!(await sameLeader(g))) continue;
      killGroup(g.pgid, 'SIGKILL');
      done.groups.push(g.pgid);
    }
    for (const p of r.paths ?? []) {
      if (typeof p !== 'string' || !TEMP_DIR.test(basename(p))) continue;
      await rm(p, { recursive: true, force: true, maxRetries: 3 });
      done.paths.push(p);
    }
    await rm(file, { force: true });
    done.runs.push(r.owner.pid);
  }
  return done;
}
