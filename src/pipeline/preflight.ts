// Preflight: the effectful checks of a build that must pass before anything is cloned or compiled, run
// after planBuild (which raised every bad-input error it can tell from values) and before the work. A
// check is a value; adding one is one line in PREFLIGHT. A check may hand the build what it learned
// (the Go that builds, a daemon's platform, a decrypted key): preflight.get(check) returns it. Nothing
// here leaves a trace: the output check makes a probe file in each output's folder and removes it.
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
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
import { removeAtExit } from '../util/cleanup.js';
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

/** What stands at or above path: the nearest thing that exists (a folder, or a file in the way). */
async function nearestExisting(path: string): Promise<{ path: string; folder: boolean } | null> {
  for (let p = path; ; p = dirname(p)) {
    const st = await stat(p).catch((e: NodeJS.ErrnoException) =>
      e.code === 'ENOENT' || e.code === 'ENOTDIR' ? null : e,
    );
    if (st instanceof Error) {
      throw badInput(
        `cannot reach ${p} (${st.code === 'EACCES' ? 'permission denied' : st.code})`,
        'BAD_OUTPUT',
        'choose a place this user can reach and write to',
      );
    }
    if (st) return { path: p, folder: st.isDirectory() };
    if (dirname(p) === p) return null;
  }
}

/** Why a file cannot be made in folder, in words (errno of a real attempt). */
const PROBE_FAILURES: Record<string, { why: string; hint: string }> = {
  EACCES: { why: 'this user may not write there', hint: 'choose a folder this user can write to' },
  EPERM: {
    why: 'writing there is not permitted (an immutable folder?)',
    hint: 'lsattr -d shows an i for an immutable folder; chattr -i clears it, or choose another folder',
  },
  EROFS: { why: 'it is on a read-only file system', hint: 'choose a folder on a writable file system' },
  ENOENT: {
    why: 'files cannot be made there (a virtual file system such as /proc)',
    hint: 'choose a folder on disk',
  },
  ENOTDIR: { why: 'files cannot be made there', hint: 'choose a folder on disk' },
  ENOSPC: { why: 'no space left on device', hint: 'free space there, or choose another folder' },
  EDQUOT: { why: 'disk quota exceeded', hint: 'free space within your quota, or choose another folder' },
};

/**
 * Whether this user can make a file in folder, by making one (`.vc-coredns-probe-*`, removed at once):
 * access(2) says yes to root on /proc, where a mkdir of the output would then loop for good.
 */
async function probeWrite(folder: string, what: string): Promise<void> {
  const probe = join(folder, `.vc-coredns-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  const forget = removeAtExit(probe);
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const known = PROBE_FAILURES[code] ?? {
      why: `writing there failed (${code})`,
      hint: 'choose another folder',
    };
    throw badInput(`${what}: cannot write in ${folder}: ${known.why}`, 'BAD_OUTPUT', known.hint);
  } finally {
    await rm(probe, { force: true });
    forget();
  }
}

/** `path` is (or can become) a folder this user writes in. */
async function writableFolder(path: string, what: string): Promise<void> {
  const found = await nearestExisting(path);
  if (found === null) throw badInput(`${what}: no folder above ${path} exists`, 'BAD_OUTPUT');
  if (!found.folder) {
    throw badInput(
      found.path === path
        ? `${what}: ${path} is a file, not a folder`
        : `${what}: ${found.path} is a file, not a folder`,
      'BAD_OUTPUT',
      'name a folder (or a place a folder can be made)',
    );
  }
  await probeWrite(found.path, what);
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
    const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
      throw badInput(
        `--output oci:${dir}: cannot read ${dir} (${e.code === 'EACCES' ? 'permission denied' : e.code})`,
        'BAD_OUTPUT',
        'choose a folder this user can read and write',
      );
    });
    const others = names.filter((n) => n !== 'blobs' && !n.startsWith('.'));
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
