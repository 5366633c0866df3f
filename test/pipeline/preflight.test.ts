// runPreflight: checks as values, run in order when they apply, their results handed to the build; the
// output-path check refuses (exit 2) what a build could only find out after compiling.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildEffects } from '../../src/pipeline/build.js';
import type { Context } from '../../src/pipeline/context.js';
import { type BuildRequest, planBuild } from '../../src/pipeline/plan.js';
import {
  attestationsDir,
  buildTools,
  goChoices,
  outputPaths,
  PREFLIGHT,
  type PreflightCheck,
  runPreflight,
} from '../../src/pipeline/preflight.js';
import { eraFor } from '../../src/versions/index.js';
import { buildRequest } from '../support/build-request.js';
import { rejection } from '../support/errors.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-preflight-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const release = { version: 'v1.9.3', commit: 'a'.repeat(40), era: eraFor('v1.9.3') };

function plan(output: string[], go: BuildRequest['go'] = { kind: 'auto' }) {
  return planBuild(
    [release],
    buildRequest({ selection: { spec: 'v1.9.3', buildable: true }, output, cwd: work, go }),
    { platform: { os: 'linux', arch: 'amd64' }, runs: [{ os: 'linux', arch: 'amd64' }] },
  );
}

// The checks here read the environment, the cache folder and the reporter from the context, no effects.
const said: string[] = [];
const reporter = {
  stage: () => {},
  platform: () => {},
  finish: () => {},
  info: (m: string) => void said.push(m),
  warn: (m: string) => void said.push(`warning: ${m}`),
  close: () => {},
};
const env = {
  ctx: {
    env: process.env,
    cwd: tmpdir(),
    cacheDir: join(tmpdir(), 'vc-coredns-preflight-cache'),
    signal: new AbortController().signal,
    reporter,
  } as Context,
  effects: {} as BuildEffects,
  dryRun: false,
};

describe('runPreflight', () => {
  it('runs the checks that apply, in order, and hands their results on', async () => {
    const ran: string[] = [];
    const recording = <T>(name: string, value: T): PreflightCheck<T> => ({
      name,
      run: async () => {
        ran.push(name);
        return value;
      },
    });
    const answer = recording('answer', 42);
    const never: PreflightCheck<void> = { ...recording('never', undefined), applies: () => false };
    const last = recording('last', 'done');
    const result = await runPreflight(plan([]), env, [answer, never, last]);
    expect(ran).toEqual(['answer', 'last']);
    expect(result.get(answer)).toBe(42);
    expect(result.get(last)).toBe('done');
    expect(() => result.get(never)).toThrow('preflight: the check never did not run');
  });

  it('the first failure stops the rest', async () => {
    const ran: string[] = [];
    const fails: PreflightCheck<void> = {
      name: 'fails',
      run: async () => {
        throw new Error('no');
      },
    };
    const after: PreflightCheck<void> = { name: 'after', run: async () => void ran.push('after') };
    await expect(runPreflight(plan([]), env, [fails, after])).rejects.toThrow('no');
    expect(ran).toEqual([]);
  });

  it('the registered checks find make and choose the Go of each version, saying why', async () => {
    expect(PREFLIGHT).toContain(buildTools);
    expect(PREFLIGHT).toContain(goChoices);
    const result = await runPreflight(
      plan([`oci:${join(work, 'fine')}`], { kind: 'path', path: '/usr/lib/go-1.22' }),
      env,
    );
    expect(result.get(buildTools).make).toMatch(/\/make$/);
    const choice = result.get(goChoices).choices.get('v1.9.3');
    expect(choice).toMatchObject({ source: 'forced', means: { kind: 'installed' } });
    expect(said.at(-1)).toMatch(
      /^v1\.9\.3: Go 1\.22\.\d+ at \/usr\/lib\/go-1\.22\/bin\/go \(--go \/usr\/lib\/go-1\.22\)$/,
    );
  });
});

describe('outputPaths', () => {
  const check = (output: string[]) => outputPaths.run(plan(output), env);

  it('accepts a new folder, an empty one, an existing layout, a new archive file', async () => {
    await mkdir(join(work, 'empty'));
    await mkdir(join(work, 'layout'));
    await writeFile(join(work, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(work, 'layout', 'index.json'), '{}');
    await check([
      `oci:${join(work, 'new/deeper')}`,
      `oci:${join(work, 'empty')}`,
      `oci:${join(work, 'layout')}`,
      `docker-archive:${join(work, 'out/coredns.tar')}`,
      `binaries:${join(work, 'bin')}`,
    ]);
    expect(outputPaths.applies?.(plan([]))).toBe(true); // the default ./dist/oci
  });

  it('refuses a folder with other files in it, a file where a folder goes, a folder where a file goes', async () => {
    await mkdir(join(work, 'mine'));
    await writeFile(join(work, 'mine', 'README.md'), 'mine');
    expect(await rejection(check([`oci:${join(work, 'mine')}`]))).toMatchObject({
      code: 'BAD_OCI_LAYOUT',
      exitCode: 2,
      message: `${join(work, 'mine')} is not empty and is not an OCI image layout (no oci-layout file)`,
    });
    await writeFile(join(work, 'plain-file'), 'x');
    expect(await rejection(check([`oci:${join(work, 'plain-file')}`]))).toMatchObject({
      code: 'BAD_OUTPUT',
      exitCode: 2,
    });
    expect(await rejection(check([`binaries:${join(work, 'plain-file', 'below')}`]))).toMatchObject({
      code: 'BAD_OUTPUT',
      message: `--output binaries:${join(work, 'plain-file', 'below')}: ${join(work, 'plain-file', 'below')} is inside something that is not a folder`,
    });
    expect(await rejection(check([`docker-archive:${join(work, 'mine')}`]))).toMatchObject({
      code: 'BAD_OUTPUT',
      message: `--output docker-archive:${join(work, 'mine')} is a folder`,
    });
  });
});

describe('attestationsDir', () => {
  const withDir = (dir: string) => {
    const p = plan([]);
    return {
      ...p,
      request: {
        ...p.request,
        attest: { sbom: true, provenance: true, toolVersion: '0', attestationsDir: dir },
      },
    };
  };

  it('applies only with --attestations-dir; accepts a folder to be made, refuses a file', async () => {
    expect(attestationsDir.applies?.(plan([]))).toBe(false);
    await attestationsDir.run(withDir(join(work, 'att/new')), env);
    await writeFile(join(work, 'att-file'), 'x');
    expect(await rejection(attestationsDir.run(withDir(join(work, 'att-file')), env))).toMatchObject({
      code: 'BAD_OUTPUT',
      exitCode: 2,
      message: `--attestations-dir ${join(work, 'att-file')} is a file, not a folder`,
    });
    expect(await rejection(attestationsDir.run(withDir(join(work, 'att-file', 'below')), env))).toMatchObject(
      {
        code: 'BAD_OUTPUT',
        message: `--attestations-dir ${join(work, 'att-file', 'below')}: ${join(work, 'att-file', 'below')} is inside something that is not a folder`,
      },
    );
  });
});
