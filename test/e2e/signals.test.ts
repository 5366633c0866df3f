// Signals during a build (DESIGN.md: 130 for SIGINT, 143 for SIGTERM): the same last line on a terminal
// as in a pipe, "terminated" for SIGTERM, and a second Ctrl-C that exits at once still ends make and go
// and removes the temp dirs (vc-coredns-bin-*, vc-coredns-go-*). Each run gets its own TMPDIR and an
// empty Go cache, so compiling takes long enough to be interrupted.

import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { processesUnder } from '../support/processes.js';

let work: string;
let repo: FixtureRepo;
let runs = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-signals-'));
  repo = await createFixtureRepo(join(work, 'repo'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Run {
  root: string;
  tmp: string;
  cache: string;
  args: string[];
  env: Record<string, string>;
}

async function newRun(): Promise<Run> {
  runs += 1;
  const root = join(work, `run-${runs}`);
  const tmp = join(root, 'tmp');
  await mkdir(tmp, { recursive: true });
  return {
    root,
    tmp,
    cache: join(root, 'cache'),
    args: ['build', '--repo', repo.url, '--version', 'v1.9.3', '--output', `oci:${join(root, 'oci')}`],
    env: { VC_COREDNS_CACHE: join(root, 'cache'), GOCACHE: join(root, 'gocache'), TMPDIR: tmp },
  };
}

/** Resolves once `pattern` appeared in what `read` collects, or fails after 90 s with it. */
function waitFor(read: () => string, pattern: RegExp, child: ResultPromise): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never saw ${pattern}:\n${read()}`)), 90_000);
    const check = () => {
      if (!pattern.test(read())) return;
      clearTimeout(timer);
      clearInterval(poll);
      setTimeout(resolve, 1500); // let make start go
    };
    const poll = setInterval(check, 100);
    child.catch(() => {}).finally(() => clearInterval(poll));
  });
}

async function expectNothingLeft(run: Run): Promise<void> {
  expect(await processesUnder(run.cache)).toEqual([]);
  expect((await readdir(run.tmp)).filter((n) => n.startsWith('vc-coredns-'))).toEqual([]);
  await expect(readdir(join(run.root, 'oci'))).rejects.toThrow();
}

/** A build in a pipe; `stop` sends its signals once it compiles. */
async function piped(run: Run, stop: (child: ResultPromise) => void) {
  const child = execa(process.execPath, [CLI, ...run.args], {
    env: { ...run.env, CI: 'true' },
    reject: false,
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  try {
    await waitFor(() => stderr, /linux\/(amd64|arm64): started/, child);
    expect((await processesUnder(run.cache)).length).toBeGreaterThan(0);
    expect((await readdir(run.tmp)).some((n) => n.startsWith('vc-coredns-bin-'))).toBe(true);
  } finally {
    stop(child);
  }
  return child;
}

describe('signals during a build', () => {
  it('SIGTERM: "terminated", exit 143, nothing left', async () => {
    const run = await newRun();
    const r = await await piped(run, (c) => c.kill('SIGTERM'));
    expect(r.exitCode).toBe(143);
    expect(String(r.stderr).trimEnd().split('\n').at(-1)).toBe(
      'error: terminated; stopped every process it started and removed partial output',
    );
    await expectNothingLeft(run);
  });

  it('a second Ctrl-C exits at once (130) and still ends make and go and removes the temp dirs', async () => {
    const run = await newRun();
    const r = await await piped(run, (c) => {
      c.kill('SIGINT');
      c.kill('SIGINT');
    });
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('error: interrupted;');
    await expectNothingLeft(run);
  });

  it('Ctrl-C on a terminal: the same last line and 130 as in a pipe', async () => {
    const run = await newRun();
    const command = ['env', '-u', 'CI', process.execPath, CLI, ...run.args]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(' ');
    // util-linux script: a real pseudo-terminal; ^C typed into it reaches the build as a terminal's would
    const child = execa('script', ['-qfec', `stty cols 160 rows 40; exec ${command}`, '/dev/null'], {
      env: { ...run.env, TERM: 'xterm' },
      reject: false,
      stdin: 'pipe',
    });
    let screen = '';
    child.stdout?.on('data', (b: Buffer) => {
      screen += b.toString();
    });
    try {
      await waitFor(() => screen, /linux\/(amd64|arm64) …/, child);
    } finally {
      child.stdin?.write('\x03');
    }
    const r = await child;
    child.stdin?.end();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is removed
    const text = screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    expect(r.exitCode, text).toBe(130);
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'error: interrupted; stopped every process it started and removed partial output',
    );
    await expectNothingLeft(run);
  });

  it('SIGKILL: make and go outlive the run; the next run stops them and removes its temp dirs', async () => {
    const run = await newRun();
    const killed = await piped(run, (c) => c.kill('SIGKILL'));
    const r = await killed;
    expect(r.signal).toBe('SIGKILL');
    // what the killed run left: its make and go still compiling, its temp dirs
    expect((await processesUnder(run.cache)).length).toBeGreaterThan(0);
    const temps = (await readdir(run.tmp)).filter((n) => n.startsWith('vc-coredns-'));
    expect(temps.some((n) => n.startsWith('vc-coredns-bin-'))).toBe(true);
    expect(temps.some((n) => n.startsWith('vc-coredns-go-'))).toBe(true);

    // the next run in the same cache (prepare: no compile) reclaims them first, then takes the dead
    // run's lock on the cached checkout over at once
    const next = await execa(process.execPath, [CLI, 'prepare', '--repo', repo.url, '--version', 'v1.9.3'], {
      env: { ...run.env, CI: 'true' },
      reject: false,
    });
    expect(next.exitCode, String(next.stderr)).toBe(0);
    expect(String(next.stderr)).toMatch(
      /removed \d+ temp dirs? and stopped \d+ process groups? left by a vc-coredns run that died \(pid \d+\)/,
    );
    expect(await processesUnder(run.cache)).toEqual([]);
    expect((await readdir(run.tmp)).filter((n) => n.startsWith('vc-coredns-'))).toEqual([]);
    expect(await readdir(join(run.cache, 'runs'))).toEqual([]);
  });
});
