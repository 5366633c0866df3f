// util/lock.ts with real processes: a dead holder's lock is taken over at once, a pid that now belongs
// to another process is not mistaken for the holder, a live holder is waited for until the deadline.
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, currentOwner, type LockOwner, processStart, readOwner } from '../../src/util/lock.js';
import { rejection } from '../support/errors.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-lock-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let n = 0;
const target = () => join(work, `thing-${n++}`);

async function plantLock(path: string, owner: LockOwner): Promise<void> {
  await mkdir(`${path}.lock`);
  await writeFile(join(`${path}.lock`, 'owner.json'), JSON.stringify(owner));
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** A child that sleeps until stopped, as a lock holder in another process. */
async function sleeper() {
  const child = execa('sleep', ['60'], { reject: false });
  const pid = child.pid as number;
  let start: number | null = null;
  for (let i = 0; i < 100 && start === null; i++) {
    start = await processStart(pid);
    if (start === null) await new Promise((r) => setTimeout(r, 10));
  }
  return {
    pid,
    start,
    async stop() {
      process.kill(pid, 'SIGTERM');
      await child;
    },
  };
}

describe('acquireLock', () => {
  it('writes who holds it and removes it on release', async () => {
    const path = target();
    const lock = await acquireLock(path, { what: 'the thing' });
    const owner = await readOwner(lock.path);
    expect(owner).toMatchObject({
      pid: process.pid,
      host: hostname(),
      start: await processStart(process.pid),
    });
    await lock.release();
    await lock.release();
    expect(await exists(lock.path)).toBe(false);
  });

  it('takes over at once the lock of a holder that has exited', async () => {
    const path = target();
    const s = await sleeper();
    const me = await currentOwner();
    await s.stop();
    await plantLock(path, { ...me, pid: s.pid, start: s.start, token: 'dead-run' });
    const lines: string[] = [];
    const lock = await acquireLock(path, { what: 'the thing', waitMs: 0, log: (l) => lines.push(l) });
    expect(lines).toEqual([`taking over ${path}.lock: the run that held it (pid ${s.pid}) is gone`]);
    expect((await readOwner(lock.path))?.pid).toBe(process.pid);
    await lock.release();
  });

  it('does not mistake a reused pid for the holder: another start time means the holder is gone', async () => {
    const path = target();
    const me = await currentOwner();
    // This process's pid, as if a run that held the lock had had it before us.
    await plantLock(path, { ...me, start: (me.start ?? 0) + 1, token: 'earlier-run' });
    const lock = await acquireLock(path, { what: 'the thing', waitMs: 0 });
    const owner = await readOwner(lock.path);
    expect(owner?.token).not.toBe('earlier-run');
    expect(owner?.start).toBe(me.start);
    await lock.release();
  });

  it('waits for a live holder in another process and gives up at the deadline', async () => {
    const path = target();
    const s = await sleeper();
    try {
      const me = await currentOwner();
      await plantLock(path, { ...me, pid: s.pid, start: s.start, token: 'live-run' });
      const lines: string[] = [];
      const e = await rejection(
        acquireLock(path, {
          what: 'the thing',
          waitMs: 200,
          code: 'THING_LOCKED',
          log: (l) => lines.push(l),
        }),
      );
      expect(e.code).toBe('THING_LOCKED');
      expect(e.message).toBe('another vc-coredns run has held the thing for too long');
      expect(e.hint).toBe(
        `it is pid ${s.pid} on ${hostname()}; if no vc-coredns is running, remove ${path}.lock`,
      );
      expect(lines).toEqual([`waiting for another vc-coredns run to finish with the thing (${path}.lock)`]);
      expect((await readOwner(`${path}.lock`))?.token).toBe('live-run');
    } finally {
      await s.stop();
    }
  });

  it('hands the lock to the next holder of the same process when released', async () => {
    const path = target();
    const first = await acquireLock(path, { what: 'the thing' });
    let second: Awaited<ReturnType<typeof acquireLock>> | null = null;
    const waiting = acquireLock(path, { what: 'the thing' }).then((l) => {
      second = l;
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toBeNull();
    await first.release();
    const l = await waiting;
    expect(await readOwner(l.path)).not.toBeNull();
    await l.release();
  });

  it('an ownerless lock (killed before it wrote its owner) is taken over once old, waited for while fresh', async () => {
    const old = target();
    await mkdir(`${old}.lock`);
    const past = new Date(Date.now() - 60_000);
    await utimes(`${old}.lock`, past, past);
    const lock = await acquireLock(old, { what: 'the thing', waitMs: 0 });
    await lock.release();

    const fresh = target();
    await mkdir(`${fresh}.lock`);
    expect((await rejection(acquireLock(fresh, { what: 'the thing', waitMs: 100 }))).code).toBe('LOCKED');
  });

  it('stops waiting when the signal aborts', async () => {
    const path = target();
    const held = await acquireLock(path, { what: 'the thing' });
    const ac = new AbortController();
    const waiting = acquireLock(path, { what: 'the thing', signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await rejection(waiting)).code).toBe('ABORTED');
    await held.release();
  });

  it('release leaves a lock alone that another holder took over meanwhile', async () => {
    const path = target();
    const lock = await acquireLock(path, { what: 'the thing' });
    const other = { ...(await currentOwner()), token: 'the-other' };
    await writeFile(join(lock.path, 'owner.json'), JSON.stringify(other));
    await lock.release();
    expect((await readOwner(lock.path))?.token).toBe('the-other');
  });
});
