// Builds the CoreDNS binaries of a patched checkout: each platform through the repo's own Makefile
// rule, platforms in parallel (or upstream's Makefile.release once, when asked), then copies them out.
// Compute, verify, then write: nothing lands in outDir until every platform has built.
import { readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { goBuildCommandFromLog } from '../attest/go-command.js';
import { badInput, VcError } from '../errors.js';
import type { Binary, Checkout, Platform } from '../types.js';
import { abortError } from '../util/abort.js';
import { makeTempDir } from '../util/cleanup.js';
import { sha256Hex } from '../util/digest.js';
import { exists, makeFolder, writeFileAtomic } from '../util/fs.js';
import { forEachLimit } from '../util/pool.js';
import {
  FIRST_BUILDABLE,
  formatEraRange,
  formatPlatform,
  goEnvFor,
  parsePlatforms,
} from '../versions/index.js';
import {
  binaryPath,
  type Command,
  type CommandContext,
  formatCommand,
  formatMakeCommand,
  perArchCommand,
  releaseCommand,
} from './commands.js';
import { failureHints, tail } from './hints.js';
import { execaRunner, type Runner } from './runner.js';
import { checkGoRequirement, type Env, findOnPath, type GoInfo } from './tools.js';

export type CompileStage = 'start' | 'done' | 'failed';

export interface CompileProgress {
  platform: Platform;
  stage: CompileStage;
  /** wall time of the platform's build, on 'done' and 'failed' */
  seconds?: number;
}

export interface CompileRequest {
  /** a patched checkout of a buildable release (v1.5.0+) */
  checkout: Checkout;
  platforms: Platform[];
  /** platforms built at once; <= 0 means the CPU count */
  jobs: number;
  /** binaries land in outDir/<os>/<arch>[/<variant>]/coredns */
  outDir: string;
  /** the chosen Go (go-choice.ts): it builds with GOTOOLCHAIN=local, whatever the Makefile exports */
  go: GoInfo;
  /** build with `make -f Makefile.release build` (also compiles darwin and windows) */
  releaseMakefile: boolean;
  /** one log file per platform (per build with releaseMakefile) */
  logDir: string;
  /** the tag commit's time */
  sourceDateEpoch: number;
  /** the tag commit; its first 7 hex become GITCOMMIT */
  gitCommit: string;
  /** the environment the CLI read once; default process.env. Only part of it reaches make (environment.ts). */
  env?: Env;
  /** `--build-env KEY=VALUE` */
  buildEnv?: Record<string, string>;
  onProgress?: (event: CompileProgress) => void;
  /** e.g. a Go other than `.go-version` names */
  onWarning?: (message: string) => void;
}

export function defaultJobs(): number {
  return availableParallelism();
}

/** `v1.9.3-linux-arm-v7.log` */
export function logFileName(version: string, p: Platform | 'release'): string {
  const what = p === 'release' ? 'release' : formatPlatform(p).replaceAll('/', '-');
  return `${version}-${what}.log`;
}

class Cancelled extends Error {}

function aborted(version: string, signal: AbortSignal): VcError {
  return abortError(signal, `the build of CoreDNS ${version} was aborted`);
}

function validate(req: CompileRequest): { platforms: Platform[]; gitCommit: string } {
  const { version, era } = req.checkout.release;
  if (!era.buildable) {
    throw badInput(
      `vc-coredns cannot build CoreDNS ${version}: releases before ${FIRST_BUILDABLE} have no go.mod (GOPATH era)`,
      'NOT_BUILDABLE',
      era.supported
        ? `\`vc-coredns prepare --version ${version}\` patches it; its GOPATH build needs a Go of that time (${formatEraRange(era)}) and a GOPATH with its dependencies`
        : `the first release vc-coredns builds is ${FIRST_BUILDABLE}`,
    );
  }
  if (req.platforms.length === 0) {
    throw badInput('no platforms to build', 'BAD_PLATFORM', 'name at least one, e.g. linux/amd64');
  }
  // Same checks and messages as --platforms: known to this era, with a Go equivalent.
  const platforms = parsePlatforms(req.platforms.map(formatPlatform), era, version);
  for (const p of platforms) goEnvFor(p);
  if (!/^[0-9a-f]{7,40}$/i.test(req.gitCommit)) {
    throw badInput(
      `invalid commit "${req.gitCommit}"`,
      'BAD_COMMIT',
      'give the tag commit (7 to 40 hex digits)',
    );
  }
  return { platforms, gitCommit: req.gitCommit.slice(0, 7).toLowerCase() };
}

/** Tools Makefile.release checks at parse time, by era trap: refused up front rather than by make. */
async function checkReleaseTools(req: CompileRequest, env: Env): Promise<void> {
  const { era, version } = req.checkout.release;
  const needed: string[] = [];
  if (era.traps.includes('curl-check')) needed.push('curl');
  if (era.traps.includes('manifest-tool-check')) needed.push('manifest-tool');
  if (era.traps.includes('gh-release-check')) needed.push('gh-release');
  const missing: string[] = [];
  for (const tool of needed) if ((await findOnPath(tool, env)) === null) missing.push(tool);
  if (missing.length > 0) {
    throw new VcError(
      `CoreDNS ${version}'s Makefile.release refuses to run without ${missing.join(' and ')} on PATH`,
      {
        code: 'MISSING_TOOL',
        hint: `install ${missing.join(' and ')}, or drop --release-makefile (vc-coredns's own build needs neither)`,
      },
    );
  }
}

async function readLog(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

interface Failure {
  where: string;
  cmd: Command;
  logFile: string;
  /** what vc-coredns wrote at the top of the log (left out of the tail: the hint has the command) */
  header: string;
  exitCode: number | null;
  signal: string | null;
  spawnError: string | null;
}

async function failure(f: Failure, req: CompileRequest, ctx: CommandContext): Promise<VcError> {
  const { version } = req.checkout.release;
  const command = formatCommand(f.cmd, req.checkout.dir, ctx);
  if (f.spawnError !== null) {
    return new VcError(`could not start ${f.cmd.file} to build CoreDNS ${version}: ${f.spawnError}`, {
      code: 'MISSING_TOOL',
      hint: `install make; command: ${command}`,
    });
  }
  const text = await readLog(f.logFile);
  const log = text.startsWith(f.header) ? text.slice(f.header.length) : text;
  const how =
    f.exitCode === 0
      ? 'make succeeded but the binary is missing'
      : f.exitCode !== null
        ? `make exited with code ${f.exitCode}`
        : `make was killed by ${f.signal}`;
  const hints = failureHints(log, {
    version,
    goVersion: req.go.version,
    releaseMakefile: req.releaseMakefile,
    env: ctx.env,
  });
  const lines = [
    `last lines of ${f.logFile}:`,
    ...tail(log, 20).map((l) => `  ${l}`),
    `command: ${command}`,
    ...hints,
  ];
  return new VcError(`building CoreDNS ${version} for ${f.where} failed (${how})`, {
    code: 'BUILD_FAILED',
    hint: lines.join('\n'),
  });
}

/**
 * What the make commands of a build are made from: the same for compileBinaries and dryRunMake, so
 * that the command an SBOM records without compiling is the one the build ran.
 */
function commandContext(
  req: Pick<CompileRequest, 'go' | 'sourceDateEpoch' | 'env' | 'buildEnv'>,
  gitCommit: string,
  goModLine: string | null,
): CommandContext {
  return {
    go: req.go,
    gitCommit,
    sourceDateEpoch: req.sourceDateEpoch,
    env: req.env ?? process.env,
    goModLine,
    ...(req.buildEnv ? { extraEnv: req.buildEnv } : {}),
  };
}

function secondsSince(t0: number): number {
  return Math.round((performance.now() - t0) / 100) / 10;
}

/**
 * Builds every platform of req (see CompileRequest), copies the binaries to outDir (atomically, only
 * when all built) and returns them with their sha256 (hex). Throws VcError: NOT_BUILDABLE,
 * UNKNOWN_PLATFORM (exit 2); GO_TOO_OLD, MISSING_TOOL, BUILD_FAILED, ABORTED (exit 1). The signal
 * stops every process started (whole process groups) and leaves no binary behind.
 */
export async function compileBinaries(
  req: CompileRequest,
  run: Runner = execaRunner,
  signal?: AbortSignal,
): Promise<Binary[]> {
  const { version } = req.checkout.release;
  const dir = req.checkout.dir;
  const { platforms, gitCommit } = validate(req);
  const env = req.env ?? process.env;
  if (signal?.aborted) throw aborted(version, signal);

  const requirement = await checkGoRequirement(dir, req.go);
  if (requirement.warning) req.onWarning?.(requirement.warning);
  if (req.releaseMakefile) await checkReleaseTools(req, env);
  await makeFolder(req.logDir);

  // go's work dirs go to a dir of this build, removed at the end: an interrupted go leaves them behind.
  const goTmp = await makeTempDir(join(env.TMPDIR || tmpdir(), 'vc-coredns-go-'));
  const ctx: CommandContext = {
    ...commandContext(req, gitCommit, requirement.minimum),
    goTmpDir: goTmp.path,
  };
  const progress = (platform: Platform, stage: CompileStage, seconds?: number) =>
    req.onProgress?.(seconds === undefined ? { platform, stage } : { platform, stage, seconds });
  const built = (p: Platform) =>
    join(dir, req.releaseMakefile ? binaryPath({ os: p.os, arch: p.arch }) : binaryPath(p));

  // How each binary was made (for its SBOM): the make command and the -ldflags its log shows.
  const made = new Map<string, NonNullable<Binary['make']>>();
  try {
    // A binary from an earlier run must never pass for this one's.
    await Promise.all(platforms.map((p) => rm(built(p), { force: true })));
    if (req.releaseMakefile) {
      await buildWithReleaseMakefile(req, platforms, ctx, run, signal, built, progress, made);
    } else {
      const jobs = req.jobs > 0 ? Math.max(1, Math.floor(req.jobs)) : defaultJobs();
      // The first failure (or the caller's abort) stops every process of this build.
      await forEachLimit(
        platforms,
        jobs,
        async (platform, stop) => {
          const cmd = perArchCommand(platform, ctx);
          const logFile = join(req.logDir, logFileName(version, platform));
          const header = `# vc-coredns: CoreDNS ${version} for ${formatPlatform(platform)}\n# ${formatCommand(cmd, dir, ctx)}\n\n`;
          progress(platform, 'start');
          const t0 = performance.now();
          const r = await run(cmd.file, cmd.args, {
            cwd: dir,
            env: cmd.env,
            logFile,
            header,
            signal: stop,
          });
          if (r.aborted) throw new Cancelled();
          const ok = r.exitCode === 0 && (await exists(built(platform)));
          if (!ok) {
            progress(platform, 'failed', secondsSince(t0));
            const where = formatPlatform(platform);
            throw await failure({ where, cmd, logFile, header, ...r }, req, ctx);
          }
          made.set(formatPlatform(platform), await makeInfo(cmd, ctx, logFile, platform));
          progress(platform, 'done', secondsSince(t0));
        },
        signal,
      );
    }
    if (signal?.aborted) throw aborted(version, signal);
    return await copyOut(req, platforms, built, signal, made);
  } catch (e) {
    await Promise.all(platforms.map((p) => rm(built(p), { force: true })));
    if (signal?.aborted) throw aborted(version, signal);
    throw e;
  } finally {
    await goTmp.remove();
  }
}

async function buildWithReleaseMakefile(
  req: CompileRequest,
  platforms: Platform[],
  ctx: CommandContext,
  run: Runner,
  signal: AbortSignal | undefined,
  built: (p: Platform) => string,
  progress: (platform: Platform, stage: CompileStage, seconds?: number) => void,
  made: Map<string, NonNullable<Binary['make']>>,
): Promise<void> {
  const { version } = req.checkout.release;
  const cmd = releaseCommand(platforms, ctx);
  const logFile = join(req.logDir, logFileName(version, 'release'));
  const header = `# vc-coredns: CoreDNS ${version} through Makefile.release\n# ${formatCommand(cmd, req.checkout.dir, ctx)}\n\n`;
  for (const p of platforms) progress(p, 'start');
  const t0 = performance.now();
  const r = await run(cmd.file, cmd.args, {
    cwd: req.checkout.dir,
    env: cmd.env,
    logFile,
    header,
    signal,
  });
  if (r.aborted) throw new Cancelled();
  const missing: Platform[] = [];
  for (const p of platforms) if (!(await exists(built(p)))) missing.push(p);
  if (r.exitCode !== 0 || missing.length > 0) {
    const seconds = secondsSince(t0);
    for (const p of platforms) progress(p, 'failed', seconds);
    // The rule that failed last names its platform: SYSTEM="GOOS=... GOARCH=...".
    const log = await readLog(logFile);
    const last = [...log.matchAll(/GOOS=(\w+) GOARCH=(\w+)/g)].pop();
    const at = last ? ` at ${last[1]}/${last[2]}` : '';
    const where = `${platforms.map(formatPlatform).join(', ')} with Makefile.release${at}`;
    throw await failure({ where, cmd, logFile, header, ...r }, req, ctx);
  }
  const seconds = secondsSince(t0);
  for (const p of platforms) made.set(formatPlatform(p), await makeInfo(cmd, ctx, logFile, p));
  for (const p of platforms) progress(p, 'done', seconds);
}

async function makeInfo(
  cmd: Command,
  ctx: CommandContext,
  logFile: string,
  platform: Platform,
): Promise<NonNullable<Binary['make']>> {
  const goBuild = goBuildCommandFromLog(await readLog(logFile), platform);
  return { command: formatMakeCommand(cmd, ctx), ldflags: goBuild?.ldflags ?? null };
}

/** Copies each built binary to outDir (temp + rename), hashing the bytes it writes. */
async function copyOut(
  req: CompileRequest,
  platforms: Platform[],
  built: (p: Platform) => string,
  signal: AbortSignal | undefined,
  made: ReadonlyMap<string, NonNullable<Binary['make']>>,
): Promise<Binary[]> {
  const written: string[] = [];
  try {
    const out: Binary[] = [];
    for (const platform of platforms) {
      if (signal?.aborted) throw aborted(req.checkout.release.version, signal);
      const bytes = await readFile(built(platform));
      const dest = join(req.outDir, binaryPath(platform).replace(/^build\//, ''));
      await makeFolder(join(dest, '..'));
      await writeFileAtomic(dest, bytes, 0o755);
      written.push(dest);
      const make = made.get(formatPlatform(platform));
      out.push({ platform, path: dest, sha256: sha256Hex(bytes), ...(make ? { make } : {}) });
    }
    return out;
  } catch (e) {
    await Promise.all(written.map((p) => rm(p, { force: true })));
    throw e;
  }
}

/**
 * The make command and -ldflags each platform's build uses, from `make -n` (make prints the recipe and
 * runs nothing): what an SBOM added to an image that is already current records, without compiling.
 */
export async function dryRunMake(
  req: Omit<CompileRequest, 'outDir' | 'jobs' | 'onProgress' | 'onWarning'>,
  run: Runner = execaRunner,
  signal?: AbortSignal,
): Promise<Map<string, NonNullable<Binary['make']>>> {
  const { version } = req.checkout.release;
  const { platforms, gitCommit } = validate({ ...req, outDir: '', jobs: 1 });
  const requirement = await checkGoRequirement(req.checkout.dir, req.go);
  const ctx = commandContext(req, gitCommit, requirement.minimum);
  await makeFolder(req.logDir);
  const made = new Map<string, NonNullable<Binary['make']>>();
  const cmds = req.releaseMakefile
    ? platforms.map((p) => ({ p, cmd: releaseCommand(platforms, ctx), what: 'release' as const }))
    : platforms.map((p) => ({ p, cmd: perArchCommand(p, ctx), what: p }));
  for (const { p, cmd, what } of cmds) {
    const logFile = join(req.logDir, logFileName(version, what).replace(/\.log$/, '-dry-run.log'));
    const header = `# vc-coredns: make -n of CoreDNS ${version} (nothing is built)\n\n`;
    const r = await run(cmd.file, ['-n', ...cmd.args], {
      cwd: req.checkout.dir,
      env: cmd.env,
      logFile,
      header,
      ...(signal ? { signal } : {}),
    });
    if (r.aborted && signal) throw aborted(version, signal);
    made.set(formatPlatform(p), await makeInfo(cmd, ctx, logFile, p));
  }
  return made;
}
