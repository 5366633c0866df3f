// Reclaiming what runs that died (SIGKILL) left: their temp dirs and the process groups of their make
// and go, known by pid and start time, with real processes: a group whose leader is another process now
// (its pid used again) and a run that is alive are never touched.

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reclaimDeadRuns } from '../../src/util/cleanup.js';
import { currentOwner, processStart } from '../../src/util/lock.js';

let work: string;
const started: number[] = [];

/** A process in a group of its own, as make is: the group id is its pid. */
function leader(): number {
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  child.unref();
  started.push(child.pid as number);
  return child.pid as number;
}

/** Whether pid runs (a zombie waiting to be reaped runs nothing). */
async function runs(pid: number): Promise<boolean> {
  const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return st !== '' && !/^\d+ \(.*\) Z/.test(st);
}

/** Whether pid has stopped running within a few seconds (a killed process is reaped soon after). */
async function ends(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && (await runs(pid)); i++) await new Promise((r) => setTimeout(r, 20));
  return !(await runs(pid));
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.on('exit', r));
  return child.pid as number;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-cleanup-'));
});
afterAll(async () => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(work, { recursive: true, force: true });
});

async function writeRecord(cache: string, record: object): Promise<void> {
  await mkdir(join(cache, 'runs'), { recursive: true });
  await writeFile(join(cache, 'runs', `${Math.floor(Math.random() * 1e9)}-1.json`), JSON.stringify(record));
}

describe('reclaimDeadRuns', () => {
  it('ends the groups and removes the temp dirs of a dead run; another process on a recorded pid is untouched', async () => {
    const cache = join(work, 'cache-dead');
    const me = await currentOwner();
    const make = leader();
    const reused = leader(); // stands for a pid the kernel gave to another process since
    const bin = await mkdtemp(join(work, 'vc-coredns-bin-'));
    await writeFile(join(bin, 'coredns'), 'half a binary');
    const notOurs = join(work, 'keep-me');
    await mkdir(notOurs);
    await writeRecord(cache, {
      owner: { ...me, pid: await deadPid(), start: 1, token: 'dead' },
      paths: [bin, notOurs],
      groups: [
        { pgid: make, start: await processStart(make) },
        { pgid: reused, start: ((await processStart(reused)) ?? 0) - 1 },
      ],
    });
    const r = await reclaimDeadRuns(cache);
    expect(r.groups).toEqual([make]);
    expect(r.paths).toEqual([bin]);
    expect(await ends(make)).toBe(true);
    expect(await runs(reused)).toBe(true);
    await expect(stat(bin)).rejects.toThrow();
    expect((await stat(notOurs)).isDirectory()).toBe(true);
    expect(await readdir(join(cache, 'runs'))).toEqual([]);
  });

  it('leaves a live run alone, and one of another machine', async () => {
    const cache = join(work, 'cache-alive');
    const me = await currentOwner();
    const make = leader();
    const bin = await mkdtemp(join(work, 'vc-coredns-go-'));
    const record = { paths: [bin], groups: [{ pgid: make, start: await processStart(make) }] };
    await writeRecord(cache, { ...record, owner: me });
    await writeRecord(cache, {
      ...record,
      owner: { ...me, pid: await deadPid(), host: `not-${hostname()}` },
    });
    const r = await reclaimDeadRuns(cache);
    expect(r).toEqual({ runs: [], paths: [], groups: [] });
    expect(await runs(make)).toBe(true);
    expect((await stat(bin)).isDirectory()).toBe(true);
    expect(await readdir(join(cache, 'runs'))).toHaveLength(2);
  });
});
