// Runs a GitHub Actions workflow's `run:` steps on this machine, as the runner would: jobs in `needs`
// order, each matrix combination (the `strategy.matrix` expression evaluated, include/exclude applied),
// a fresh workspace (a copy of the repository's files) and HOME per job, `${{ }}` expressions evaluated
// by GitHub's own evaluator (@actions/expressions) and written into the script, `bash --noprofile
// --norc -eo pipefail`, the default variables (GITHUB_ACTIONS, CI, GITHUB_WORKSPACE...), and a fresh
// GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY per step, read back afterwards.
// `uses:` steps (actions run on GitHub's runners) and the steps a caller declares GitHub-only are
// skipped with their reason; every other step runs, including ones added to the workflow later.
import { randomUUID } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { execa } from 'execa';
import { parse } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string | number | boolean>;
  if?: string | boolean;
  with?: Record<string, unknown>;
  'working-directory'?: string;
  'continue-on-error'?: boolean;
}

interface Job {
  name?: string;
  needs?: string | string[];
  if?: string | boolean;
  env?: Record<string, string | number | boolean>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: string | Record<string, Json>; 'fail-fast'?: boolean };
  steps: Step[];
  'timeout-minutes'?: number;
  defaults?: { run?: { shell?: string; 'working-directory'?: string } };
}

interface Workflow {
  name?: string;
  env?: Record<string, string | number | boolean>;
  jobs: Record<string, Job>;
  on?: { workflow_dispatch?: { inputs?: Record<string, { default?: Json; type?: string }> } };
}

/**
 * A step this machine cannot run, with why: one named step of a job (it must exist: a declaration that
 * matches nothing is an error), or a rule on what any step runs (e.g. keyless `cosign sign`, which needs
 * GitHub's OIDC token), which applies wherever such a step appears.
 */
export type GitHubOnlyStep =
  | { job: string /** the step's name as written (before expressions) */; step: RegExp; reason: string }
  | { /** the step's `run:` as written */ run: RegExp; reason: string };

function declares(g: GitHubOnlyStep, jobId: string, step: Step): boolean {
  if ('run' in g) return step.run !== undefined && g.run.test(step.run);
  return g.job === jobId && step.name !== undefined && g.step.test(step.name);
}

export interface RunWorkflowOptions {
  /** the workflow file */
  file: string;
  /** the repository whose files each job's workspace is a copy of */
  repoDir: string;
  /** where workspaces, homes and runner files go */
  tmpDir: string;
  event: { name: string; inputs?: Record<string, Json> };
  github: { repository: string; actor: string; ref: string; sha: string };
  secrets: Record<string, string>;
  /** the runner machine's own environment (PATH, caches): what a hosted runner has before any step */
  machineEnv: Record<string, string>;
  /** workflow-level `env:` values replaced on this machine (each must exist in the workflow) */
  envOverrides?: Record<string, string>;
  githubOnly: GitHubOnlyStep[];
  log: (line: string) => void;
}

export interface StepResult {
  job: string;
  matrix: Record<string, Json>;
  /** the step's name with expressions evaluated (or its `run`/`uses` when it has none) */
  name: string;
  status: 'ran' | 'skipped';
  reason?: string;
  exitCode?: number;
  /** stdout and stderr, interleaved */
  output?: string;
  outputs?: Record<string, string>;
  /** what the step appended to its GITHUB_STEP_SUMMARY */
  summary?: string;
}

export interface WorkflowRun {
  steps: StepResult[];
  /** job id -> its outputs (the last matrix combination's) */
  outputs: Record<string, Record<string, string>>;
}

// ------------------------------------------------------------------------------------- expressions

const CONTEXTS = [
  'github',
  'env',
  'inputs',
  'matrix',
  'steps',
  'needs',
  'secrets',
  'runner',
  'job',
  'strategy',
  'vars',
];

function statusFunction(name: string, value: (ctx: Contexts) => boolean, ctx: Contexts) {
  return { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value(ctx)) };
}

type Contexts = Record<string, Json> & { job: { status: 'success' | 'failure' } };

/** Evaluates one expression (the text inside `${{ }}`, or an `if:` condition) to JSON. */
export function evaluate(expression: string, ctx: Contexts): Json {
  const functions = [
    statusFunction('success', (c) => c.job.status === 'success', ctx),
    statusFunction('failure', (c) => c.job.status === 'failure', ctx),
    statusFunction('always', () => true, ctx),
    statusFunction('cancelled', () => false, ctx),
  ];
  const tokens = new Lexer(expression).lex().tokens;
  const expr = new Parser(tokens, CONTEXTS, functions).parse();
  const dict = JSON.parse(JSON.stringify(ctx), data.reviver) as data.Dictionary;
  const result = new Evaluator(expr, dict, new Map(functions.map((f) => [f.name, f]))).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer)) as Json;
}

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;

/** A string as Actions evaluates it: each `${{ }}` replaced by its value as a string. */
export function interpolate(text: string, ctx: Contexts): string {
  return text.replace(EXPRESSION, (_, e: string) => {
    const v = evaluate(e, ctx);
    if (v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** A value that is one whole expression evaluates to what it yields (an object for fromJSON). */
function evaluateValue(value: Json, ctx: Contexts): Json {
  if (typeof value !== 'string') return value;
  const whole = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(value);
  return whole ? evaluate(whole[1] as string, ctx) : interpolate(value, ctx);
}

/** A condition: `if:` may be written with or without `${{ }}`. */
function condition(value: string | boolean | undefined, ctx: Contexts): boolean {
  if (value === undefined) return ctx.job.status === 'success';
  if (typeof value === 'boolean') return value;
  const whole = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(value);
  const v = evaluate(whole ? (whole[1] as string) : value, ctx);
  return v !== null && v !== false && v !== 0 && v !== '';
}

// ------------------------------------------------------------------------------------------ matrix

/** The combinations of a matrix, as Actions makes them (product, then exclude, then include). */
export function expandMatrix(matrix: Record<string, Json> | null | undefined): Record<string, Json>[] {
  if (!matrix) return [{}];
  const { include, exclude, ...axes } = matrix;
  let combos: Record<string, Json>[] = [{}];
  for (const [key, values] of Object.entries(axes)) {
    const list = Array.isArray(values) ? values : [values];
    combos = combos.flatMap((c) => list.map((v) => ({ ...c, [key]: v })));
  }
  if (Object.keys(axes).length === 0) combos = [];
  const matches = (c: Record<string, Json>, e: Record<string, Json>) =>
    Object.entries(e).every(([k, v]) => JSON.stringify(c[k]) === JSON.stringify(v));
  if (Array.isArray(exclude)) {
    combos = combos.filter((c) => !exclude.some((e) => matches(c, e as Record<string, Json>)));
  }
  const original = combos.map((c) => ({ ...c }));
  if (Array.isArray(include)) {
    for (const entry of include as Record<string, Json>[]) {
      let added = false;
      combos.forEach((c, i) => {
        const base = original[i] ?? {};
        const conflicts = Object.entries(entry).some(
          ([k, v]) => k in axes && k in base && JSON.stringify(base[k]) !== JSON.stringify(v),
        );
        if (i < original.length && !conflicts) {
          Object.assign(c, entry);
          added = true;
        }
      });
      if (!added) combos.push({ ...entry });
    }
  }
  return combos.length > 0 ? combos : [{}];
}

// ------------------------------------------------------------------------------------------- files

/** GITHUB_OUTPUT / GITHUB_ENV: `name=value` lines and `name<<DELIMITER` blocks. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    const eq = line.indexOf('=');
    if (heredoc && (eq < 0 || line.indexOf('<<') < eq)) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
      if (i >= lines.length) throw new Error(`${name}<<${delimiter}: no closing delimiter`);
      out[name] = value.join('\n');
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`not a file command: ${JSON.stringify(line)}`);
    }
  }
  return out;
}

async function readOr(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** The repository's files (tracked and untracked, not ignored), as actions/checkout would lay them. */
async function copyRepository(from: string, to: string): Promise<void> {
  const r = await execa('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: from });
  for (const file of r.stdout.split('\0').filter(Boolean)) {
    await cp(join(from, file), join(to, file), { recursive: true, force: true }).catch(
      (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e; // deleted in the work tree, still in the index
      },
    );
  }
}

// --------------------------------------------------------------------------------------------- run

function jobOrder(jobs: Record<string, Job>): string[] {
  const done: string[] = [];
  const needs = (id: string) => [(jobs[id] as Job).needs ?? []].flat();
  while (done.length < Object.keys(jobs).length) {
    const next = Object.keys(jobs).find(
      (id) => !done.includes(id) && needs(id).every((n) => done.includes(n)),
    );
    if (!next) throw new Error('jobs whose needs cannot be met');
    done.push(next);
  }
  return done;
}

function stringEnv(
  env: Record<string, string | number | boolean> | undefined,
  ctx: Contexts,
): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
}

function shellCommand(shell: string | undefined, script: string): [string, string[]] {
  switch (shell ?? 'bash') {
    case 'bash':
      return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', script]];
    case 'sh':
      return ['sh', ['-e', script]];
    default: {
      const [file, ...args] = (shell as string).split(/\s+/);
      return [file as string, args.map((a) => a.replace('{0}', script))];
    }
  }
}

export async function runWorkflow(opts: RunWorkflowOptions): Promise<WorkflowRun> {
  const wf = parse(await readFile(opts.file, 'utf8')) as Workflow;
  const workflowName = wf.name ?? opts.file;
  const [owner = ''] = opts.github.repository.split('/');
  const declaredInputs = wf.on?.workflow_dispatch?.inputs ?? {};
  const inputs: Record<string, Json> =
    opts.event.name === 'workflow_dispatch'
      ? Object.fromEntries(
          Object.entries(declaredInputs).map(([k, d]) => [
            k,
            opts.event.inputs?.[k] ?? d.default ?? (d.type === 'boolean' ? false : ''),
          ]),
        )
      : {};
  for (const key of Object.keys(opts.envOverrides ?? {})) {
    if (!(key in (wf.env ?? {})))
      throw new Error(`${opts.file}: env.${key} to override is not in the workflow`);
  }
  const matched = new Set<GitHubOnlyStep>();
  const results: StepResult[] = [];
  const jobOutputs: Record<string, Record<string, string>> = {};
  const needsContext: Record<string, Json> = {};
  let instance = 0;

  for (const jobId of jobOrder(wf.jobs)) {
    const job = wf.jobs[jobId] as Job;
    const github = {
      event_name: opts.event.name,
      event: { inputs },
      repository: opts.github.repository,
      repository_owner: owner,
      actor: opts.github.actor,
      ref: opts.github.ref,
      ref_name: opts.github.ref.replace(/^refs\/(heads|tags)\//, ''),
      sha: opts.github.sha,
      workflow: workflowName,
      job: jobId,
      run_id: '1',
      run_number: '1',
      server_url: 'https://github.com',
      api_url: 'https://api.github.com',
      token: opts.secrets.GITHUB_TOKEN ?? '',
    };
    const base = {
      github,
      inputs,
      needs: needsContext,
      secrets: opts.secrets,
      vars: {},
      runner: { os: 'Linux', arch: 'X64', name: 'this machine' },
      job: { status: 'success' as const },
      env: {},
      matrix: {},
      steps: {},
      strategy: {},
    } as Contexts;
    const rawMatrix = job.strategy?.matrix;
    const matrix =
      rawMatrix === undefined ? null : (evaluateValue(rawMatrix as Json, base) as Record<string, Json>);
    const combos = expandMatrix(matrix);
    for (const [index, combo] of combos.entries()) {
      const dir = join(opts.tmpDir, `${jobId}-${++instance}`);
      const workspace = join(dir, 'workspace');
      const temp = join(dir, 'runner-temp');
      const home = join(dir, 'home');
      await Promise.all([workspace, temp, home].map((d) => mkdir(d, { recursive: true })));
      await copyRepository(opts.repoDir, workspace);
      const eventPath = join(temp, 'event.json');
      await writeFile(eventPath, JSON.stringify({ inputs }));
      const ctx: Contexts = {
        ...base,
        github: { ...github, workspace },
        runner: { ...(base.runner as Record<string, Json>), temp, tool_cache: join(dir, 'tool-cache') },
        matrix: combo,
        strategy: {
          'fail-fast': job.strategy?.['fail-fast'] ?? true,
          'job-index': index,
          'job-total': combos.length,
        },
        steps: {},
        job: { status: 'success' },
      };
      const label = `${jobId}${Object.keys(combo).length ? ` (${Object.values(combo).map(String).join(', ')})` : ''}`;
      if (!condition(job.if, ctx)) {
        opts.log(`${label}: skipped (if: ${job.if})`);
        continue;
      }
      const workflowEnv = { ...stringEnv(wf.env, ctx), ...(opts.envOverrides ?? {}) };
      ctx.env = workflowEnv;
      const jobEnv = { ...workflowEnv, ...stringEnv(job.env, ctx) };
      const added: Record<string, string> = {};
      const paths: string[] = [];
      const steps = ctx.steps as Record<string, Json>;
      for (const [n, step] of job.steps.entries()) {
        const stepCtx: Contexts = { ...ctx, env: { ...jobEnv, ...added } };
        const stepEnv = {
          ...jobEnv,
          ...added,
          ...stringEnv(step.env, { ...stepCtx, env: { ...jobEnv, ...added } }),
        };
        stepCtx.env = stepEnv;
        const name = interpolate(
          step.name ?? step.uses ?? step.run?.split('\n')[0] ?? `step ${n + 1}`,
          stepCtx,
        );
        const record = (r: Omit<StepResult, 'job' | 'matrix' | 'name'>) => {
          results.push({ job: jobId, matrix: combo, name, ...r });
          opts.log(
            `${workflowName} › ${label} › ${name}: ${r.status === 'ran' ? `ran, exit ${r.exitCode}` : `skipped: ${r.reason}`}`,
          );
        };
        const declared = opts.githubOnly.find((g) => declares(g, jobId, step));
        if (declared) matched.add(declared);
        if (step.uses !== undefined) {
          record({
            status: 'skipped',
            reason: `uses: ${step.uses} is an action, run on GitHub's runners only`,
          });
          continue;
        }
        if (declared) {
          record({ status: 'skipped', reason: declared.reason });
          continue;
        }
        if (!condition(step.if, stepCtx)) {
          record({ status: 'skipped', reason: `if: ${step.if ?? 'success()'} is false` });
          continue;
        }
        const files = join(temp, `_runner_file_commands-${n}`);
        await mkdir(files, { recursive: true });
        const f = {
          GITHUB_OUTPUT: join(files, 'output'),
          GITHUB_ENV: join(files, 'env'),
          GITHUB_PATH: join(files, 'path'),
          GITHUB_STEP_SUMMARY: join(files, 'step_summary'),
          GITHUB_STATE: join(files, 'state'),
        };
        await Promise.all(Object.values(f).map((p) => writeFile(p, '')));
        const script = join(temp, `${randomUUID()}.sh`);
        await writeFile(script, interpolate(step.run ?? '', stepCtx));
        const [file, args] = shellCommand(step.shell ?? job.defaults?.run?.shell, script);
        const machinePath = opts.machineEnv.PATH ?? '';
        const env = {
          ...opts.machineEnv,
          HOME: home,
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          GITHUB_ACTION: step.id ?? `__run_${n}`,
          GITHUB_ACTOR: opts.github.actor,
          GITHUB_REPOSITORY: opts.github.repository,
          GITHUB_REPOSITORY_OWNER: owner,
          GITHUB_EVENT_NAME: opts.event.name,
          GITHUB_EVENT_PATH: eventPath,
          GITHUB_WORKSPACE: workspace,
          GITHUB_SHA: opts.github.sha,
          GITHUB_REF: opts.github.ref,
          GITHUB_REF_NAME: github.ref_name,
          GITHUB_WORKFLOW: workflowName,
          GITHUB_JOB: jobId,
          GITHUB_RUN_ID: github.run_id,
          GITHUB_RUN_NUMBER: github.run_number,
          GITHUB_SERVER_URL: github.server_url,
          GITHUB_API_URL: github.api_url,
          RUNNER_OS: 'Linux',
          RUNNER_ARCH: 'X64',
          RUNNER_TEMP: temp,
          RUNNER_TOOL_CACHE: join(dir, 'tool-cache'),
          ...f,
          ...stepEnv,
          PATH: [...paths, machinePath].join(':'),
        };
        const cwd = join(
          workspace,
          step['working-directory'] ?? job.defaults?.run?.['working-directory'] ?? '.',
        );
        const minutes = job['timeout-minutes'] ?? 30;
        const r = await execa(file, args, {
          cwd,
          env,
          extendEnv: false,
          all: true,
          reject: false,
          stdin: 'ignore',
          stripFinalNewline: false,
          timeout: minutes * 60_000,
        });
        const outputs = parseFileCommands(await readOr(f.GITHUB_OUTPUT));
        Object.assign(added, parseFileCommands(await readOr(f.GITHUB_ENV)));
        paths.unshift(...(await readOr(f.GITHUB_PATH)).split('\n').filter(Boolean).reverse());
        const exitCode = r.exitCode ?? -1;
        const ok = exitCode === 0 || step['continue-on-error'] === true;
        if (step.id)
          steps[step.id] = {
            outputs,
            outcome: exitCode === 0 ? 'success' : 'failure',
            conclusion: ok ? 'success' : 'failure',
          };
        if (!ok) ctx.job = { status: 'failure' };
        record({
          status: 'ran',
          exitCode,
          output: String(r.all ?? ''),
          outputs,
          summary: await readOr(f.GITHUB_STEP_SUMMARY),
        });
      }
      const outputs = Object.fromEntries(
        Object.entries(job.outputs ?? {}).map(([k, v]) => [k, interpolate(v, ctx)]),
      );
      jobOutputs[jobId] = outputs;
      needsContext[jobId] = { outputs, result: ctx.job.status };
    }
  }
  const stale = opts.githubOnly.flatMap((g) => ('job' in g && !matched.has(g) ? [`${g.job}/${g.step}`] : []));
  if (stale.length > 0) {
    throw new Error(`declared GitHub-only steps not in ${opts.file}: ${stale.join(', ')}`);
  }
  return { steps: results, outputs: jobOutputs };
}

/** For a failing assertion: a step's output, its last lines. */
export function tailOf(r: StepResult, lines = 40): string {
  return (r.output ?? '').split('\n').slice(-lines).join('\n');
}
