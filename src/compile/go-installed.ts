// The Gos installed on this machine: on PATH, in GOROOT, /usr/local/go, /usr/lib/go-* (Debian),
// ~/sdk/go* (golang.org/dl), the cache's downloads, the module cache's toolchains and `--go-search DIR`
// (a GOROOT, or a folder of them). Each is a GOROOT whose version comes from its VERSION file, or from
// asking its go when it has none.
import { chmod, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { VcError } from '../errors.js';
import { goCacheDir } from './go-download.js';
import { hostGoArch, toolchainArch } from './go-listings.js';
import { compareGoVersions, parseGoVersion } from './go-version.js';
import type { Runner } from './runner.js';
import { type Env, findGo } from './tools.js';

export interface InstalledGo {
  /** `1.23.5` (a first release before 1.21 as `1.20.0`) */
  version: string;
  /** the GOROOT */
  root: string;
  /** `<root>/bin/go` */
  path: string;
  /** where it was found: `PATH`, `GOROOT`, `/usr/lib/go-*`, `cache`, `--go-search`... */
  where: string;
}

export interface GoSearch {
  env: Env;
  cacheDir: string;
  /** `--go-search DIR`s */
  dirs?: string[];
  /** the machine's usual places (default /usr/local/go and /usr/lib/go-*); tests narrow them */
  system?: string[];
  home?: string;
}

export const SYSTEM_GO_DIRS = ['/usr/local/go', '/usr/lib/go-*'];

/** `1.20` (the old name of the first release of a line) -> `1.20.0`; others unchanged. */
export function releaseName(version: string): string {
  const v = parseGoVersion(version);
  if (v && v.patch === null && v.pre === null && v.minor < 21) return `${v.major}.${v.minor}.0`;
  return v ? v.text : version;
}

/** GOMODCACHE as the go command would use it: set, else the first GOPATH entry's pkg/mod, else ~/go/pkg/mod. */
export function moduleCache(env: Env, home: string): string {
  if (env.GOMODCACHE) return env.GOMODCACHE;
  const gopath = (env.GOPATH ?? '').split(delimiter).find((p) => p !== '');
  return join(gopath ?? join(home, 'go'), 'pkg', 'mod');
}

/** Expands a trailing `*` in the last path element (`/usr/lib/go-*`); other paths as they are. */
async function expand(pattern: string): Promise<string[]> {
  const star = pattern.lastIndexOf('*');
  if (star < 0) return [pattern];
  const dir = dirname(pattern);
  const prefix = pattern.slice(dir.length + 1, star);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix)).map((n) => join(dir, n));
}

/** The version a GOROOT's VERSION file names (`1.14.15`), null without one. */
export async function versionFile(root: string): Promise<string | null> {
  const text = await readFile(join(root, 'VERSION'), 'utf8').catch(() => null);
  const first = text?.split('\n')[0]?.trim() ?? '';
  return parseGoVersion(first) ? releaseName(first.replace(/^go/, '')) : null;
}

/** The Gos installed, newest first, one entry per GOROOT (the first place that named it). */
export async function findInstalledGos(search: GoSearch, run?: Runner): Promise<InstalledGo[]> {
  const home = search.home ?? search.env.HOME ?? homedir();
  const candidates: { root: string; where: string; exe?: string }[] = [];
  for (const dir of (search.env.PATH ?? '').split(delimiter)) {
    if (dir !== '') candidates.push({ root: dirname(dir), where: 'PATH', exe: join(dir, 'go') });
  }
  if (search.env.GOROOT) candidates.push({ root: search.env.GOROOT, where: 'GOROOT' });
  for (const pattern of search.system ?? SYSTEM_GO_DIRS) {
    for (const root of await expand(pattern)) candidates.push({ root, where: pattern });
  }
  for (const root of await expand(join(home, 'sdk', 'go*'))) candidates.push({ root, where: '~/sdk' });
  for (const root of await expand(join(goCacheDir(search.cacheDir), '*'))) {
    if (!/\/\.tmp-/.test(root)) candidates.push({ root, where: 'cache' });
  }
  // Toolchains the module proxy served before (golang.org/toolchain in the module cache, of any age:
  // the go command's switch, or a `go mod download`, whose files lack the execute bits: allowExec).
  for (const root of await expand(
    join(moduleCache(search.env, home), 'golang.org', 'toolchain@v0.0.1-go*'),
  )) {
    if (root.endsWith(`.linux-${toolchainArch(hostGoArch())}`)) {
      candidates.push({ root, where: 'module cache' });
    }
  }
  for (const dir of search.dirs ?? []) {
    candidates.push({ root: dir, where: '--go-search' });
    for (const root of await expand(join(dir, '*'))) candidates.push({ root, where: '--go-search' });
  }

  const seen = new Set<string>();
  const found: InstalledGo[] = [];
  for (const c of candidates) {
    const exe = c.exe ?? join(c.root, 'bin', 'go');
    const real = await realpath(exe).catch(() => null);
    if (real === null) continue;
    const root = dirname(dirname(real));
    if (seen.has(root)) continue;
    seen.add(root);
    let version = await versionFile(root);
    let path = join(root, 'bin', 'go');
    if (version === null) {
      // No VERSION beside it (a wrapper on PATH, a Go built from source): ask it.
      const info = await findGo({ goPath: exe, env: search.env }, run).catch(() => null);
      if (info === null) continue;
      version = releaseName(info.version);
      path = info.path;
      const infoRoot = dirname(dirname(info.path));
      if (seen.has(infoRoot) && infoRoot !== root) continue;
      seen.add(infoRoot);
    }
    found.push({ version, root: dirname(dirname(path)), path, where: c.where });
  }
  return found.sort((a, b) => compareGoVersions(b.version, a.version));
}

async function allowExecFile(path: string, mode: number): Promise<void> {
  if ((mode & 0o111) === 0o111) return;
  try {
    await chmod(path, (mode & 0o777) | 0o111);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new VcError(`cannot make ${path} executable: ${why}`, {
      code: 'GO_UNAVAILABLE',
      hint: 'the module cache holding this Go is not yours: set GOMODCACHE to a folder of your own',
    });
  }
}

/** Sets the execute bits of path, or of every file under it (nothing when it does not exist). */
async function allowExecUnder(path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st === null) return;
  if (st.isFile()) return allowExecFile(path, st.mode);
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    await allowExecFile(file, (await stat(file)).mode);
  }
}

/**
 * Makes the commands of a toolchain module in the module cache executable, as the go command's switch
 * does on first use (module zips carry no file modes; `go mod download` leaves them 0444): pkg/tool
 * first, then bin/gofmt and bin, so that a concurrent run that sees bin/go executable finds its tools
 * executable too.
 */
export async function allowExec(root: string): Promise<void> {
  await allowExecUnder(join(root, 'pkg', 'tool'));
  await allowExecUnder(join(root, 'bin', 'gofmt'));
  await allowExecUnder(join(root, 'bin'));
}
