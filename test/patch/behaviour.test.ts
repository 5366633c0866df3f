// The patch, for real: each fixture tag is cloned, patched by the CLI, built through its own Makefile's
// `coredns` rule, and the binary's `-resolve` shows which cluster IP CoreDNS would answer with.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { goEnv, resolve } from '../support/go-harness.js';

let work: string;
let repo: FixtureRepo;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-behaviour-'));
  repo = await createFixtureRepo(join(work, 'repo'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function patchAndBuild(version: string, annotation?: string): Promise<string> {
  const dir = join(work, `${version}-${annotation ?? 'default'}`);
  await execa('git', ['clone', '-q', '--depth', '1', '--branch', version, repo.url, dir]);
  const r = await runCli(['patch', dir, '--json', ...(annotation ? ['--annotation', annotation] : [])]);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(json(r)).toMatchObject({ strategy: 'ast', changed: true });
  await execa('make', ['coredns', 'BINARY=coredns', 'CHECKS=', 'BUILDOPTS=', 'GITCOMMIT=abcdef0'], {
    cwd: dir,
    env: goEnv(),
  });
  return join(dir, 'coredns');
}

const SINGLE = ['v1.6.2', 'v1.6.8', 'v1.7.1'];
const DUAL = ['v1.9.3', 'v1.12.0'];

describe.each(SINGLE)('single-stack %s, patched', (version) => {
  let bin: string;
  beforeAll(async () => {
    bin = await patchAndBuild(version);
  });
  it('the annotation wins', async () => {
    expect(await resolve(bin, '10.0.0.9', ['10.96.0.10'])).toEqual(['10.0.0.9']);
  });
  it('an empty or missing annotation gives the original answer', async () => {
    expect(await resolve(bin, '', ['10.96.0.10'])).toEqual(['10.96.0.10']);
    expect(await resolve(bin, null, ['10.96.0.10'])).toEqual(['10.96.0.10']);
  });
  it('None (headless) passes through', async () => {
    expect(await resolve(bin, 'None', ['None'])).toEqual(['None']);
    expect(await resolve(bin, null, ['None'])).toEqual(['None']);
  });
  it('another key is not read', async () => {
    expect(await resolve(bin, '10.0.0.9', ['10.96.0.10'], 'example.com/other')).toEqual(['10.96.0.10']);
  });
});

describe.each(DUAL)('dual-stack %s, patched', (version) => {
  let bin: string;
  beforeAll(async () => {
    bin = await patchAndBuild(version);
  });
  it('the annotation wins as the only address', async () => {
    expect(await resolve(bin, '10.0.0.9', ['10.96.0.10', 'fd00::10'])).toEqual(['10.0.0.9']);
    expect(await resolve(bin, '10.0.0.9', ['10.96.0.10'])).toEqual(['10.0.0.9']);
  });
  it('an empty or missing annotation keeps both families', async () => {
    expect(await resolve(bin, '', ['10.96.0.10', 'fd00::10'])).toEqual(['10.96.0.10', 'fd00::10']);
    expect(await resolve(bin, null, ['10.96.0.10', 'fd00::10'])).toEqual(['10.96.0.10', 'fd00::10']);
  });
  it('None (headless) passes through', async () => {
    expect(await resolve(bin, 'None', ['None'])).toEqual(['None']);
  });
});

describe('--annotation with another key', () => {
  it('reads that key and no other', async () => {
    const bin = await patchAndBuild('v1.9.3', 'example.com/super-ip');
    expect(await resolve(bin, '10.0.0.7', ['10.96.0.10'], 'example.com/super-ip')).toEqual(['10.0.0.7']);
    expect(await resolve(bin, '10.0.0.7', ['10.96.0.10'])).toEqual(['10.96.0.10']);
  });
});
