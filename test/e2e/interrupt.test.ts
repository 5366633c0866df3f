// Ctrl-C during a build: every process the run started stops, and nothing half-written is left.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { processesUnder } from '../support/processes.js';

let work: string;
let repo: FixtureRepo;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-interrupt-'));
  repo = await createFixtureRepo(join(work, 'repo'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it('SIGINT while compiling exits 130, stops make and go, and writes no output', async () => {
  const cache = join(work, 'cache');
  const out = join(work, 'oci');
  const bin = join(work, 'bin');
  const child = execa(
    process.execPath,
    [
      CLI,
      'build',
      '--repo',
      repo.url,
      '--version',
      'v1.9.3',
      '--output',
      `oci:${out}`,
      '--output',
      `binaries:${bin}`,
    ],
    {
      // an empty Go cache: compiling takes seconds, long enough to interrupt
      env: { VC_COREDNS_CACHE: cache, GOCACHE: join(work, 'gocache'), CI: 'true' },
      reject: false,
    },
  );
  let stderr = '';
  // Whatever fails below, the run is interrupted once (a second Ctrl-C means "exit at once").
  let stopped = false;
  const stop = () => {
    if (!stopped) child.kill('SIGINT');
    stopped = true;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no build started:\n${stderr}`)), 60_000);
      child.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (/linux\/(amd64|arm64): started/.test(stderr)) {
          clearTimeout(timer);
          setTimeout(resolve, 1500); // let make start go
        }
      });
    });
    const running = await processesUnder(cache);
    stop();
    expect(running.length).toBeGreaterThan(0);
  } finally {
    stop();
  }
  const r = await child;
  expect(r.exitCode).toBe(130);
  expect(String(r.stderr)).toContain('error: interrupted');
  expect(await processesUnder(cache)).toEqual([]);
  await expect(stat(out)).rejects.toThrow();
  await expect(stat(bin)).rejects.toThrow();
});
