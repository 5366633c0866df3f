// Preflight: the effectful checks of a build that must pass before anything is cloned or compiled, run
// after planBuild (which raised every bad-input error it can tell from values) and before the work. A
// check is a value; adding one is one line in PREFLIGHT. A check may hand the build what it learned
// (the Go that builds, a daemon's platform, a decrypted key): preflight.get(check) returns it.
import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkTools, type Tools } from '../compile/index.js';
import { badInput } from '../errors.js';
import { OCI_LAYOUT_FILE } from '../publish/oci-layout.js';
import type { Output } from '../publish/outputs.js';
import { openKeyFile } from '../sign/key-file.js';
import type { SigningKey } from '../sign/keys.js';
import type { BuildEffects } from './build.js';
import type { Context } from './context.js';
import type { BuildPlan } from './plan.js';

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

/** make and go (and curl for --release-makefile), found and working: the Go that builds. */
export const buildTools: PreflightCheck<Tools> = {
  name: 'tools',
  run: (plan, { ctx }) =>
    checkTools({
      env: ctx.env,
      releaseMakefile: plan.request.releaseMakefile,
      ...(plan.request.goPath ? { goPath: plan.request.goPath } : {}),
    }),
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
    case 'docker-archive': {
      const st = await stat(o.file).catch(() => null);
      if (st?.isDirectory()) {
        throw badInput(
          `--output docker-archive:${o.file} is a folder`,
          'BAD_OUTPUT',
          'name the file to write',
        );
      }
      return writableFolder(dirname(o.file), `--output docker-archive:${o.file}`);
    }
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

/**
 * Every check, in order. Add yours here (one line): the daemon and Docker contexts, registry auth, the
 * signing key's password, which Go builds each version.
 */
export const PREFLIGHT: readonly PreflightCheck[] = [outputPaths, signingKey, buildTools];

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
