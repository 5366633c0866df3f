// Which Go and make build CoreDNS, and whether that Go is new enough for the checkout (ERAS.md
// section 2: the go.mod `go` line is the hard minimum, `.go-version` upstream's preferred Go).
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { VcError } from '../errors.js';
import { parseGoVersion, sameGoRelease, satisfiesGoMinimum } from './go-version.js';
import { execaRunner, type Runner } from './runner.js';

export type Env = Record<string, string | undefined>;

export interface GoInfo {
  /** the go executable that builds: `<GOROOT>/bin/go` of the chosen Go */
  path: string;
  /** `1.23.5` (no `go` prefix) */
  version: string;
}

const GET_GO = 'install Go (scripts/setup.sh does), put it on PATH, or pass --go PATH';

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on env.PATH, or null. */
export async function findOnPath(name: string, env: Env): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return resolve(candidate);
  }
  return null;
}

/** The environment for asking a Go about itself: its own GOROOT, never a toolchain switch. */
function queryEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'GOROOT') out[k] = v;
  out.GOTOOLCHAIN = 'local';
  // Go refuses a GOFLAGS it cannot parse even for `go env`; the build sets its own.
  delete out.GOFLAGS;
  return out;
}

/**
 * `--go PATH` (the go executable, its bin directory or a GOROOT) or the first `go` on PATH, with its
 * version from `go env GOVERSION`. Missing or broken -> VcError MISSING_TOOL (exit 1).
 */
export async function findGo(
  opts: { goPath?: string; env: Env },
  run: Runner = execaRunner,
): Promise<GoInfo> {
  let exe: string | null;
  if (opts.goPath !== undefined) {
    const given = isAbsolute(opts.goPath) ? opts.goPath : resolve(opts.goPath);
    const st = await stat(given).catch(() => null);
    exe = null;
    if (st?.isDirectory()) {
      for (const c of [join(given, 'go'), join(given, 'bin', 'go')]) {
        if (await isExecutableFile(c)) {
          exe = c;
          break;
        }
      }
    } else if (st && (await isExecutableFile(given))) {
      exe = given;
    }
    if (exe === null) {
      throw new VcError(`--go ${opts.goPath}: no go executable there`, {
        code: 'MISSING_TOOL',
        hint: 'give the path of a go binary (e.g. /usr/lib/go-1.23/bin/go), its bin directory or its GOROOT',
      });
    }
  } else {
    exe = await findOnPath('go', opts.env);
    if (exe === null) {
      throw new VcError('go is not on PATH', { code: 'MISSING_TOOL', hint: GET_GO });
    }
  }

  // GOROOT locates the `go` that make will find first on PATH, also when exe is a wrapper such as
  // golang.org/dl's go1.22.7 or a symlink in /usr/local/bin.
  const r = await run(exe, ['env', 'GOROOT', 'GOVERSION'], { cwd: tmpdir(), env: queryEnv(opts.env) });
  const [goroot = '', goversion = ''] = r.output.split('\n').map((l) => l.trim());
  if (r.exitCode !== 0 || goroot === '') {
    const why = r.spawnError ?? r.output.trim().split('\n').slice(-3).join(' / ');
    throw new VcError(`${exe} does not work as a Go toolchain: ${why}`, {
      code: 'MISSING_TOOL',
      hint: GET_GO,
    });
  }
  let version = goversion.replace(/^go/, '');
  if (!parseGoVersion(version)) {
    // Go before 1.16 has no GOVERSION: `go version go1.15.15 linux/amd64`.
    const v = await run(exe, ['version'], { cwd: tmpdir(), env: queryEnv(opts.env) });
    version = /\bgo(\d+\.\d+(?:\.\d+|(?:beta|rc)\d+)?)\b/.exec(v.output)?.[1] ?? '';
  }
  if (!parseGoVersion(version)) {
    throw new VcError(`cannot tell the version of the Go at ${exe} (${goversion || 'no GOVERSION'})`, {
      code: 'MISSING_TOOL',
      hint: 'use a released Go: --go PATH',
    });
  }
  const inRoot = join(goroot, 'bin', 'go');
  return { path: (await isExecutableFile(inRoot)) ? inRoot : exe, version };
}

/**
 * What a build needs besides Go (go-choice.ts finds or fetches that one), checked before anything
 * starts: make, and for `--release-makefile` curl. Reports all that is missing.
 */
export async function checkMakeTools(opts: {
  env: Env;
  releaseMakefile?: boolean;
}): Promise<{ make: string }> {
  const make = await findOnPath('make', opts.env);
  const missing: string[] = [];
  const hints: string[] = [];
  if (make === null) {
    missing.push('make');
    hints.push('install make (apt-get install make)');
  }
  if (opts.releaseMakefile && (await findOnPath('curl', opts.env)) === null) {
    missing.push('curl');
    hints.push('Makefile.release refuses to parse without curl: install curl, or drop --release-makefile');
  }
  if (make === null || missing.length > 0) {
    throw new VcError(
      `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} needed to build CoreDNS but not found`,
      {
        code: 'MISSING_TOOL',
        hint: hints.join('; '),
      },
    );
  }
  return { make };
}

export interface GoRequirement {
  /** the go.mod `go` line, null without go.mod (GOPATH era) */
  minimum: string | null;
  /** `.go-version` (v1.11.3+), null without one */
  preferred: string | null;
  /** a Go other than `.go-version`'s (or an older one with GOTOOLCHAIN auto): say it, do not fail */
  warning: string | null;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The `go` directive of a go.mod text, e.g. `1.13`, `1.22.7`; null when there is none. */
export function goModMinimum(goMod: string): string | null {
  const m = /^go[ \t]+(\S+)[ \t]*(?:\/\/.*)?$/m.exec(goMod);
  return m ? (m[1] as string) : null;
}

/**
 * Checks the chosen Go against the checkout: older than the go.mod `go` line -> VcError GO_TOO_OLD
 * (exit 1), unless `toolchain` is 'auto' (Go then downloads a newer one: a warning); another Go than
 * `.go-version` names -> a warning.
 */
export async function checkGoRequirement(checkoutDir: string, go: GoInfo): Promise<GoRequirement> {
  const goMod = await readIfExists(join(checkoutDir, 'go.mod'));
  const minimum = goMod === null ? null : goModMinimum(goMod);
  const preferredText = (await readIfExists(join(checkoutDir, '.go-version')))?.trim() || null;
  const preferred = preferredText?.replace(/^go/, '') ?? null;
  const warnings: string[] = [];

  if (minimum !== null && parseGoVersion(minimum) && !satisfiesGoMinimum(go.version, minimum)) {
    const want = preferred && parseGoVersion(preferred) ? preferred : minimum;
    throw new VcError(`this CoreDNS needs Go >= ${minimum} (go.mod), the chosen Go is ${go.version}`, {
      code: 'GO_TOO_OLD',
      hint: `build with --go auto (upstream's Go, ${want} or newer), or pass --go with a Go >= ${minimum}`,
    });
  }
  if (preferred !== null && parseGoVersion(preferred) && !sameGoRelease(preferred, go.version)) {
    warnings.push(
      `upstream builds this CoreDNS with Go ${preferred} (.go-version); building with Go ${go.version} ` +
        "(--go auto takes upstream's)",
    );
  }
  return { minimum, preferred, warning: warnings.length > 0 ? warnings.join('; ') : null };
}
