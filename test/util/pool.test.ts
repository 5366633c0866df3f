// util/pool.ts: at most `limit` at once, in order; the first failure stops the rest and is what rejects.
import { describe, expect, it } from 'vitest';
import { forEachLimit } from '../../src/util/pool.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('forEachLimit', () => {
  it('runs every item, never more than limit at once, starting them in order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('the first failure rejects, aborts the running ones and starts no more', async () => {
    const started: number[] = [];
    const abortedSeen: number[] = [];
    const boom = new Error('boom');
    const run = forEachLimit([1, 2, 3, 4, 5], 2, async (i, signal) => {
      started.push(i);
      if (i === 1) {
        await tick();
        throw boom;
      }
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      abortedSeen.push(i);
      throw new Error(`cancelled ${i}`);
    });
    await expect(run).rejects.toBe(boom);
    expect(started).toEqual([1, 2]);
    expect(abortedSeen).toEqual([2]);
  });

  it("the caller's signal stops it the same way", async () => {
    const ac = new AbortController();
    const started: number[] = [];
    const run = forEachLimit(
      [1, 2, 3],
      1,
      async (i, signal) => {
        started.push(i);
        ac.abort();
        if (signal.aborted) throw new Error('stopped');
      },
      ac.signal,
    );
    await expect(run).rejects.toThrow('stopped');
    expect(started).toEqual([1]);
  });

  it('an empty list is done at once', async () => {
    await forEachLimit([], 4, async () => {
      throw new Error('never');
    });
  });
});
