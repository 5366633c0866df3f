// The runner of test/ci/workflow-steps.test.ts, on workflows of our own: it must run steps as Actions
// does and catch a broken one, or that test proves nothing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  evaluate,
  expandMatrix,
  interpolate,
  parseFileCommands,
  type RunWorkflowOptions,
  runWorkflow,
} from '../support/workflow-runner.js';

const ctx = (more: Record<string, unknown> = {}) =>
  ({
    github: { repository_owner: 'Acme' },
    inputs: { range: '', force: false },
    needs: { m: { outputs: { matrix: '{"include":[{"version":"v1.9.3"}]}' } } },
    job: { status: 'success' },
    ...more,
  }) as Parameters<typeof evaluate>[1];

/** `${{ e }}`, as a workflow writes it */
const ex = (e: string) => `\${{ ${e} }}`;

describe('expressions', () => {
  it('evaluate as GitHub does: ||, &&, fromJSON, booleans, missing values', () => {
    expect(interpolate(ex("inputs.range || '>=1.8.0'"), ctx())).toBe('>=1.8.0');
    expect(interpolate(ex("inputs.force && '--force' || ''"), ctx())).toBe('');
    expect(interpolate(`x${ex("inputs.force && '--force' || ''")}y`, ctx({ inputs: { force: true } }))).toBe(
      'x--forcey',
    );
    expect(interpolate(`ghcr.io/${ex('github.repository_owner')}`, ctx())).toBe('ghcr.io/Acme');
    expect(interpolate(`[${ex('matrix.nothing')}]`, ctx({ matrix: {} }))).toBe('[]');
    expect(evaluate('fromJSON(needs.m.outputs.matrix)', ctx())).toEqual({ include: [{ version: 'v1.9.3' }] });
    expect(evaluate('success()', ctx())).toBe(true);
    expect(evaluate('failure()', ctx({ job: { status: 'failure' } }))).toBe(true);
  });
});

describe('matrix', () => {
  it('is the product of its axes, less exclude, plus include', () => {
    expect(expandMatrix({ node: [22, 24] })).toEqual([{ node: 22 }, { node: 24 }]);
    expect(expandMatrix({ os: ['a', 'b'], node: [1, 2], exclude: [{ os: 'b', node: 1 }] })).toEqual([
      { os: 'a', node: 1 },
      { os: 'a', node: 2 },
      { os: 'b', node: 2 },
    ]);
    // include: extends the combinations it does not contradict, else adds one
    expect(
      expandMatrix({ node: [22, 24], include: [{ extra: 'x' }, { node: 22, npm: 10 }, { node: 26 }] }),
    ).toEqual([{ node: 22, extra: 'x', npm: 10 }, { node: 24, extra: 'x' }, { node: 26 }]);
    expect(expandMatrix({ include: [{ version: 'v1.9.3' }, { version: 'v1.12.0' }] })).toEqual([
      { version: 'v1.9.3' },
      { version: 'v1.12.0' },
    ]);
    expect(expandMatrix(null)).toEqual([{}]);
  });
});

describe('file commands', () => {
  it('reads name=value lines and name<<DELIMITER blocks', () => {
    expect(parseFileCommands('a=1\nb=x=y\nlist<<EOF\none\ntwo\nEOF\n')).toEqual({
      a: '1',
      b: 'x=y',
      list: 'one\ntwo',
    });
    expect(() => parseFileCommands('x<<EOF\nnever closed\n')).toThrow(/no closing delimiter/);
  });
});

describe('runWorkflow', () => {
  let work: string;
  let base: Omit<RunWorkflowOptions, 'file' | 'githubOnly'>;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'vc-runner-'));
    const repoDir = join(work, 'repo');
    await execa('git', ['init', '-q', repoDir]);
    await writeFile(join(repoDir, 'hello.txt'), 'hello\n');
    base = {
      repoDir,
      tmpDir: join(work, 'runs'),
      event: { name: 'workflow_dispatch', inputs: {} },
      github: { repository: 'Acme/x', actor: 'me', ref: 'refs/heads/main', sha: '0'.repeat(40) },
      secrets: { GITHUB_TOKEN: 't' },
      machineEnv: { PATH: process.env.PATH ?? '' },
      log: () => {},
    };
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const file = async (name: string, text: string) => {
    const path = join(work, name);
    await writeFile(path, text);
    return path;
  };

  it('passes outputs, env and the matrix between steps and jobs, in a copy of the repository', async () => {
    const wf = await file(
      'good.yml',
      `
name: good
on: { workflow_dispatch: { inputs: { who: { default: world } } } }
env: { TOP: top }
jobs:
  first:
    runs-on: ubuntu-latest
    outputs: { list: "\${{ steps.m.outputs.list }}" }
    steps:
      - uses: actions/checkout@v4
      - id: m
        run: |
          cat hello.txt
          echo 'list={"include":[{"n":"1"},{"n":"2"}]}' >> "$GITHUB_OUTPUT"
          echo "LATER=from-env-file" >> "$GITHUB_ENV"
          echo "### summary of \${{ inputs.who }}" >> "$GITHUB_STEP_SUMMARY"
      - run: test "$LATER" = from-env-file && test "$TOP" = top && test "$GITHUB_ACTIONS" = true
  second:
    needs: first
    runs-on: ubuntu-latest
    strategy: { matrix: "\${{ fromJSON(needs.first.outputs.list) }}" }
    steps:
      - run: echo "n=\${{ matrix.n }} in $GITHUB_WORKSPACE"
`,
    );
    const r = await runWorkflow({ ...base, file: wf, githubOnly: [] });
    expect(r.steps.map((s) => [s.job, s.status, s.exitCode])).toEqual([
      ['first', 'skipped', undefined],
      ['first', 'ran', 0],
      ['first', 'ran', 0],
      ['second', 'ran', 0],
      ['second', 'ran', 0],
    ]);
    expect(r.steps[1]?.output).toBe('hello\n');
    expect(r.steps[1]?.summary).toBe('### summary of world\n');
    expect(r.steps[3]?.output).toMatch(/^n=1 in \/.*\/workspace\n$/);
    expect(r.steps[4]?.matrix).toEqual({ n: '2' });
  });

  it('catches a failing step, skips what follows it, and honours if:', async () => {
    const wf = await file(
      'bad.yml',
      `
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: Sign (keyless)
        run: cosign sign --yes something
      - name: Sign with a key
        run: cosign sign --key cosign.key something || echo "no cosign here"
      - name: broken
        run: |
          echo before
          false
          echo never
      - name: after
        run: echo after
      - name: always
        if: always()
        run: echo cleanup
`,
    );
    const r = await runWorkflow({
      ...base,
      event: { name: 'push' },
      file: wf,
      githubOnly: [{ run: /\bcosign sign\b(?![^\n]*--key)/, reason: 'needs the OIDC token' }],
    });
    expect(r.steps.map((s) => [s.name, s.status, s.exitCode ?? s.reason])).toEqual([
      ['Sign (keyless)', 'skipped', 'needs the OIDC token'],
      ['Sign with a key', 'ran', 0],
      ['broken', 'ran', 1],
      ['after', 'skipped', 'if: success() is false'],
      ['always', 'ran', 0],
    ]);
    expect(r.steps[2]?.output).toBe('before\n');
  });

  it('refuses a GitHub-only declaration that matches no step, and an override of an env it lacks', async () => {
    const wf = await file(
      'tiny.yml',
      'on: push\nenv: { A: a }\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: "true"\n',
    );
    await expect(
      runWorkflow({ ...base, file: wf, githubOnly: [{ job: 'j', step: /^Gone/, reason: 'r' }] }),
    ).rejects.toThrow(/declared GitHub-only steps not in/);
    await expect(
      runWorkflow({ ...base, file: wf, githubOnly: [], envOverrides: { B: 'b' } }),
    ).rejects.toThrow(/env.B to override is not in the workflow/);
  });
});
