// The make command lines and the environment of a build (ERAS.md section 2, DESIGN.md "The pipeline").
// Pure: values in, argv and env out.
import { delimiter, dirname } from 'node:path';
import type { Platform } from '../types.js';
import { goEnvFor } from '../versions/index.js';
import { inheritedEnv } from './environment.js';
import { firstProxyUrl } from './go-listings.js';
import { goModFlags, satisfiesGoMinimum } from './go-version.js';

/** GOPROXY's default from Go 1.13 on (the go command's own, and go.env's from 1.21). */
const GO_DEFAULT_PROXY = 'https://proxy.golang.org,direct';

export interface CommandContext {
  go: { path: string; version: string };
  /** first 7 hex of the tag commit */
  gitCommit: string;
  sourceDateEpoch: number;
  env: Record<string, string | undefined>;
  /** `--build-env KEY=VALUE`: passed on top of what the caller's environment may give (environment.ts) */
  extraEnv?: Record<string, string>;
  /** the checkout's go.mod `go` line (null: none); an old one builds with -mod=mod (goModFlags) */
  goModLine?: string | null;
  /** GOTMPDIR for go's work dirs, removed by the caller after the build (go leaves them when interrupted) */
  goTmpDir?: string;
}

export interface Command {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** `build/linux/arm/v7/coredns`: where the per-arch rule writes, relative to the checkout. */
export function binaryPath(p: Platform): string {
  return ['build', p.os, p.arch, ...(p.variant ? [p.variant] : []), 'coredns'].join('/');
}

function appendFlags(existing: string | undefined, flags: string[]): string {
  const have = (existing ?? '').split(/\s+/).filter((f) => f !== '');
  const names = new Set(have.map((f) => f.replace(/=.*$/, '')));
  for (const f of flags) if (!names.has(f.replace(/=.*$/, ''))) have.push(f);
  return have.join(' ');
}

/**
 * The build environment, the tool's own (environment.ts): the caller's locations, module proxy settings,
 * proxies and CAs, plus --build-env; then CGO_ENABLED=0, GOFLAGS `-trimpath -buildvcs=false` (after
 * --build-env's GOFLAGS, the caller's are not read; `-mod=mod` for a go.mod older than Go 1.16: see
 * goModFlags), SOURCE_DATE_EPOCH, the chosen Go first on PATH, GOTOOLCHAIN=local and GOENV=off (a
 * `go env -w` file of the user changes nothing). No GOROOT, GOOS, GOAMD64...: the chosen Go finds its
 * own root and the platform alone decides the target.
 */
export function buildEnv(ctx: CommandContext): Record<string, string> {
  const env = inheritedEnv(ctx.env, ctx.extraEnv);
  env.CGO_ENABLED = '0';
  // Go refuses GOFLAGS it does not know: -trimpath exists from Go 1.13 (upstream's Go of CoreDNS
  // v1.5.0 - v1.6.3 is 1.12), -buildvcs from 1.18.
  const flags = [
    ...goModFlags(ctx.goModLine ?? null, ctx.go.version),
    ...(satisfiesGoMinimum(ctx.go.version, '1.13') ? ['-trimpath'] : []),
    ...(satisfiesGoMinimum(ctx.go.version, '1.18') ? ['-buildvcs=false'] : []),
  ];
  env.GOFLAGS = appendFlags(ctx.extraEnv?.GOFLAGS, flags);
  if (!satisfiesGoMinimum(ctx.go.version, '1.13')) {
    // Go 1.12 has no default module proxy (it fetches modules from their origins with git) and reads
    // GOPROXY as one URL: give it the first of the caller's, else the proxy later Gos default to.
    const proxy = env.GOPROXY ?? GO_DEFAULT_PROXY;
    env.GOPROXY = firstProxyUrl(proxy) ?? proxy;
  }
  env.SOURCE_DATE_EPOCH = String(ctx.sourceDateEpoch);
  env.PATH = [dirname(ctx.go.path), ...(env.PATH ? [env.PATH] : [])].join(delimiter);
  env.GOTOOLCHAIN = 'local';
  env.GOENV = 'off';
  if (ctx.goTmpDir !== undefined) env.GOTMPDIR = ctx.goTmpDir;
  return env;
}

/**
 * On the make command line, where they beat the Makefile's own assignments and exports (v1.11.3+
 * `export GOTOOLCHAIN = go$(GOLANG_VERSION)`) and anything a parent make put in MAKEFLAGS.
 */
function commonVars(ctx: CommandContext): string[] {
  return [`GITCOMMIT=${ctx.gitCommit}`, 'CGO_ENABLED=0', 'GOTOOLCHAIN=local'];
}

/** `make coredns BINARY=build/linux/<arch>[/<variant>]/coredns SYSTEM="GOOS=linux GOARCH=<arch> [GOARM=7]" ...` */
export function perArchCommand(platform: Platform, ctx: CommandContext): Command {
  const g = goEnvFor(platform);
  const system = [`GOOS=${g.GOOS}`, `GOARCH=${g.GOARCH}`, ...(g.GOARM ? [`GOARM=${g.GOARM}`] : [])].join(' ');
  return {
    file: 'make',
    args: [
      'coredns',
      `BINARY=${binaryPath(platform)}`,
      `SYSTEM=${system}`,
      'CHECKS=',
      'BUILDOPTS=',
      ...commonVars(ctx),
    ],
    env: buildEnv(ctx),
  };
}

/**
 * `make -f Makefile.release build LINUX_ARCH="<arches>"`: upstream's target, which also builds darwin
 * and windows. DOCKER is set because v1.2.0-v1.8.0 refuse to parse without it (only docker targets use it).
 */
export function releaseCommand(platforms: Platform[], ctx: CommandContext): Command {
  const arches = [...new Set(platforms.map((p) => p.arch))];
  const env = buildEnv(ctx);
  // Makefile.release passes only GOOS/GOARCH; linux/arm/v7 is Go's cross-compiling default, made explicit.
  const arm = platforms.find((p) => p.arch === 'arm');
  if (arm) env.GOARM = goEnvFor(arm).GOARM ?? '7';
  return {
    file: 'make',
    args: [
      '-f',
      'Makefile.release',
      'build',
      `LINUX_ARCH=${arches.join(' ')}`,
      'DOCKER=vc-coredns',
      ...commonVars(ctx),
    ],
    env,
  };
}

function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function quoteArg(arg: string): string {
  const eq = arg.indexOf('=');
  if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(arg.slice(0, eq))) {
    const value = arg.slice(eq + 1);
    return `${arg.slice(0, eq)}=${value === '' ? '""' : shellQuote(value)}`;
  }
  return shellQuote(arg);
}

/**
 * The command without the machine's paths (no `cd`, no PATH): what an SBOM records of how a binary was
 * built, the same on every machine for the same build.
 */
export function formatMakeCommand(cmd: Command, ctx: CommandContext): string {
  return `env ${shownEnv(cmd, ctx).join(' ')} ${[cmd.file, ...cmd.args].map(quoteArg).join(' ')}`;
}

/** The variables the build sets (not those it passes on from the caller), as VAR=value words. */
function shownEnv(cmd: Command, ctx: CommandContext): string[] {
  const shown: string[] = [];
  for (const k of ['CGO_ENABLED', 'GOFLAGS', 'GOARM', 'GOTOOLCHAIN', 'GOENV', 'SOURCE_DATE_EPOCH']) {
    const v = cmd.env[k];
    if (v !== undefined && v !== ctx.env[k]) shown.push(quoteArg(`${k}=${v}`));
  }
  return shown;
}

/**
 * The command as a shell line someone can paste to run it again: `cd DIR && env VAR=... make ...`,
 * naming only the variables the build sets (PATH as `<go bin>:$PATH`).
 */
export function formatCommand(cmd: Command, cwd: string, ctx: CommandContext): string {
  const shown = shownEnv(cmd, ctx);
  shown.push(`PATH=${shellQuote(dirname(ctx.go.path))}:"$PATH"`);
  return `cd ${shellQuote(cwd)} && env ${shown.join(' ')} ${[cmd.file, ...cmd.args].map(quoteArg).join(' ')}`;
}
