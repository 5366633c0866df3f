// Preflight: the effectful checks of a build that must pass before anything is cloned or compiled, run
// after planBuild (which raised every bad-input error it can tell from values) and before the work. A
// check is a value; adding one is one line in PREFLIGHT. A check may hand the build what it learned
// (the Go that builds, a daemon's platform, a decrypted key): preflight.get(check) returns it.
import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve as resolvePath } from 'node:path';
import {
  checkMakeTools,
  execaRunner,
  type GoChoice,
  type GoChooser,
  type GoWant,
  goChooser,
  inheritedEnv,
  type Runner,
  tracedRunner,
} from '../compile/index.js';
import { badInput, isVcError, type VcError } from '../errors.js';
import { checkDockerDaemon, type DockerDaemon } from '../publish/daemon.js';
import { OCI_LAYOUT_FILE } from '../publish/oci-layout.js';
import type { Output } from '../publish/outputs.js';
import { openKeyFile } from '../sign/key-file.js';
import type { SigningKey } from '../sign/keys.js';
import { goOfTree } from '../source/index.js';
import { formatPlatform, samePlatform } from '../versions/index.js';
import type { BuildEffects } from './build.js';
import type { Context } from './context.js';
import type { BuildPlan } from './plan.js';
import { releaseGo } from './resolve.js';

/** What a check may use: the run's context and effects (registry and daemon clients). */
export interface PreflightEnv {
  ctx: Context;
  effects: BuildEffects;
  /** `build --dry-run`: check what can be checked without changing anything (nothing here writes) */
  dryRun: boolean;
}

export interface PreflightCheck<T = unknown> {
  /** a short name for messages: `tools`, `outputs` */
  readonly name: string;
  /** whether this run needs the check (e.g. only with a registry output); default: always */
  applies?(plan: BuildPlan): boolean;
  /** throws VcError (exit 2 for bad input, 1 for what fails) or returns what it learned */
  run(plan: BuildPlan, env: PreflightEnv): Promise<T>;
}

/** The results of a preflight run, by check. */
export interface Preflight {
  get<T>(check: PreflightCheck<T>): T;
}

// ---------------------------------------------------------------------------------------------- checks

/** The runner of make and go for a run: each command told to `ctx.trace` first under --verbose. */
export function commandRunner(ctx: Context): Runner {
  return ctx.trace ? tracedRunner(execaRunner, ctx.trace) : execaRunner;
}

/** make (and curl for --release-makefile), found; the Go is goChoices'. */
export const buildTools: PreflightCheck<{ make: string }> = {
  name: 'tools',
  run: (plan, { ctx }) => checkMakeTools({ env: ctx.env, releaseMakefile: plan.request.releaseMakefile }),
};

/** The Go of each version, chosen (never downloaded here) and the chooser that obtains it later. */
export interface GoChoices {
  chooser: GoChooser;
  /** by version; a version whose Go cannot be had holds the error (that version fails, the others build) */
  choices: Map<string, GoChoice | VcError>;
}

/** What each version asks of Go: its tag's files (one batched, cached read) or the --source tree's. */
async function goWants(plan: BuildPlan, ctx: Context): Promise<Map<string, GoWant>> {
  const req = plan.request;
  const releases = plan.versions.map((v) => v.release);
  const none = (version: string): GoWant => ({ coredns: version, upstream: null, minimum: null });
  // A Go named by --go (a path, a version, the one on PATH) needs no upstream facts.
  if (req.go.kind !== 'auto' && req.go.kind !== 'latest-patch') {
    return new Map(releases.map((r) => [r.version, none(r.version)]));
  }
  if (req.source !== undefined) {
    // Read from the tree itself (never written); the copy is made after preflight.
    const tree = await goOfTree(resolvePath(ctx.cwd, req.source));
    return new Map(releases.map((r) => [r.version, { coredns: r.version, ...tree }]));
  }
  const facts = await releaseGo(req.repoUrl, releases, ctx);
  return new Map(
    releases.map((r) => {
      const f = facts.get(r.version);
      return [r.version, { coredns: r.version, upstream: f?.upstream ?? null, minimum: f?.minimum ?? null }];
    }),
  );
}

/**
 * Which Go builds each version (compile/go-choice.ts): installed, the toolchain switch or a download,
 * the exact version known without downloading it (it is part of the build key). A Go that cannot be
 * had fails here, before anything is cloned, unless --go-fallback installed names one.
 */
export const goChoices: PreflightCheck<GoChoices> = {
  name: 'go',
  run: async (plan, { ctx }) => {
    const req = plan.request;
    const chooser = goChooser({
      request: req.go,
      fallback: req.goFallback,
      search: { env: ctx.env, cacheDir: ctx.cacheDir, dirs: req.goSearch },
      // The toolchain switch runs go with the build's own environment (compile/environment.ts).
      env: inheritedEnv(ctx.env, req.buildEnv),
      ...(req.goDownloadUrl ? { downloadUrl: req.goDownloadUrl } : {}),
      cacheDir: ctx.cacheDir,
      signal: ctx.signal,
      log: (l) => ctx.reporter.info(l),
      run: commandRunner(ctx),
    });
    const wants = await goWants(plan, ctx);
    const choices = new Map<string, GoChoice | VcError>();
    for (const v of plan.versions) {
      const { version } = v.release;
      try {
        const choice = await chooser.choose(
          wants.get(version) ?? { coredns: version, upstream: null, minimum: null },
        );
        ctx.reporter.info(`${version}: ${choice.reason}`);
        if (choice.warning) ctx.reporter.warn(`${version}: ${choice.warning}`);
        choices.set(version, choice);
      } catch (e) {
        if (!isVcError(e) || e.exitCode === 2 || ctx.signal.aborted) throw e;
        choices.set(version, e);
      }
    }
    return { chooser, choices };
  },
};

/** The nearest folder that exists at or above path, or null. */
async function nearestFolder(path: string): Promise<string | null> {
  for (let p = path; ; p = dirname(p)) {
    const st = await stat(p).catch(() => null);
    if (st) return st.isDirectory() ? p : null;
    if (dirname(p) === p) return null;
  }
}

async function writableFolder(path: string, what: string): Promise<void> {
  const folder = await nearestFolder(path);
  if (folder === null) {
    throw badInput(`${what}: ${path} is inside something that is not a folder`, 'BAD_OUTPUT');
  }
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw badInput(
      `${what}: cannot write in ${folder}`,
      'BAD_OUTPUT',
      'choose a folder this user can write to',
    );
  }
}

/**
 * A file that can be written (made or replaced) at path: not a folder, in a folder this user can write.
 * `flag` is how messages name it before the path: `--output docker-archive:`, `--summary `.
 */
export async function checkWritableFile(path: string, flag: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) throw badInput(`${flag}${path} is a folder`, 'BAD_OUTPUT', 'name the file to write');
  await writableFolder(dirname(path), `${flag}${path}`);
}

/** An existing OCI layout, or a folder it may become (missing or empty). */
async function checkLayoutDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (st?.isDirectory()) {
    const layout = await readFile(join(dir, OCI_LAYOUT_FILE)).catch(() => null);
    const others = (await readdir(dir)).filter((n) => n !== 'blobs' && !n.startsWith('.'));
    if (layout === null && others.length > 0) {
      throw badInput(
        `${dir} is not empty and is not an OCI image layout (no oci-layout file)`,
        'BAD_OCI_LAYOUT',
        'give --output oci: a new folder or an existing layout',
      );
    }
  } else if (st) {
    throw badInput(`--output oci:${dir} is a file, not a folder`, 'BAD_OUTPUT', 'name a folder');
  }
  await writableFolder(dir, `--output oci:${dir}`);
}

async function checkOutput(o: Output): Promise<void> {
  switch (o.kind) {
    case 'oci':
      return checkLayoutDir(o.dir);
    case 'binaries':
      return writableFolder(o.dir, `--output binaries:${o.dir}`);
    case 'docker-archive':
      return checkWritableFile(o.file, '--output docker-archive:');
    case 'registry':
    case 'daemon':
      return;
  }
}

/** Every file output can be written where it names: an OCI layout or an empty folder, a writable place. */
export const outputPaths: PreflightCheck<void> = {
  name: 'outputs',
  applies: (plan) => plan.request.outputs.some((o) => o.kind !== 'registry' && o.kind !== 'daemon'),
  run: async (plan) => {
    for (const o of plan.request.outputs) await checkOutput(o);
  },
};

/** `--sign-key`: the private key opened (its password from the CLI) before anything is cloned. */
export const signingKey: PreflightCheck<SigningKey> = {
  name: 'signing key',
  applies: (plan) => plan.request.signKey !== undefined,
  run: (plan, { effects }) => openKeyFile(plan.request.signKey as string, effects.password),
};

/** `--attestations-dir DIR` is a folder this user can write in (or can be made in one). */
export const attestationsDir: PreflightCheck<void> = {
  name: 'attestations',
  applies: (plan) => plan.request.attest?.attestationsDir !== undefined,
  run: async (plan) => {
    const dir = plan.request.attest?.attestationsDir as string;
    const st = await stat(dir).catch(() => null);
    if (st && !st.isDirectory()) {
      throw badInput(`--attestations-dir ${dir} is a file, not a folder`, 'BAD_OUTPUT', 'name a folder');
    }
    await writableFolder(dir, `--attestations-dir ${dir}`);
  },
};

/**
 * --load: the daemon found as the docker CLI finds it (DOCKER_HOST, DOCKER_CONTEXT, config.json's
 * currentContext and the context store) answers; its client is what the daemon sink loads through. A
 * daemon of another platform than the one --load loads is said (docker can load it, not run it).
 */
export const dockerDaemon: PreflightCheck<DockerDaemon> = {
  name: 'docker daemon',
  applies: (plan) => plan.request.outputs.some((o) => o.kind === 'daemon'),
  run: async (plan, { ctx }) => {
    const daemon = await checkDockerDaemon(ctx.env, ctx.signal);
    const loads = plan.versions
      .flatMap((v) => v.targets)
      .find((t) => t.output.kind === 'daemon' && t.platform && !samePlatform(t.platform, daemon.platform));
    if (loads?.platform)
      ctx.reporter.warn(
        `the Docker daemon (${daemon.endpoint.source}) is ${formatPlatform(daemon.platform)}; --load loads ${formatPlatform(loads.platform)}, which it can hold but not run (--platforms ${formatPlatform(daemon.platform)} builds its own)`,
      );
    return daemon;
  },
};

/**
 * Every check, in order. Add yours here (one line): the daemon and Docker contexts, registry auth, the
 * signing key's password, which Go builds each version.
 */
export const PREFLIGHT: readonly PreflightCheck[] = [
  outputPaths,
  attestationsDir,
  dockerDaemon,
  signingKey,
  buildTools,
  goChoices,
];

/** Runs every check that applies to the plan, in order; the first failure stops the build. */
export async function runPreflight(
  plan: BuildPlan,
  env: PreflightEnv,
  checks: readonly PreflightCheck[] = PREFLIGHT,
): Promise<Preflight> {
  const results = new Map<PreflightCheck, unknown>();
  for (const check of checks) {
    if (check.applies && !check.applies(plan)) continue;
    results.set(check, await check.run(plan, env));
  }
  return {
    get<T>(check: PreflightCheck<T>): T {
      if (!results.has(check as PreflightCheck)) {
        throw new Error(`preflight: the check ${check.name} did not run`);
      }
      return results.get(check as PreflightCheck) as T;
    },
  };
}
