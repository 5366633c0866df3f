// A Go release as the module proxy serves it: the `golang.org/toolchain` module. The go command's
// toolchain switch downloads it for Go >= 1.21; the proxy has far older Gos as that module too, which
// no switch can run, so `go mod download` (of a go >= 1.21, which checks this module against the
// checksum database whatever GONOSUMDB or GOSUMDB=off say, as its switch does) fetches it into the
// module cache. Module zips carry no file modes: the commands get their execute bits here, as the go
// command's switch sets them on first use.
import { chmod, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VcError } from '../errors.js';
import { releaseName } from './go-installed.js';
import { toolchainModuleVersion } from './go-listings.js';
import type { Runner } from './runner.js';
import { type Env, findGo } from './tools.js';

export const TOOLCHAIN_MODULE = 'golang.org/toolchain';

/** `golang.org/toolchain@v0.0.1-go1.14.15.linux-amd64` */
export function toolchainModule(version: string, arch?: string): string {
  return `${TOOLCHAIN_MODULE}@${toolchainModuleVersion(version, arch)}`;
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
 * Makes a toolchain module's commands executable: pkg/tool first, then bin/gofmt and bin (bin/go last
 * of all), the go command's own order, so that a concurrent run that sees bin/go executable finds its
 * tools executable too.
 */
export async function allowExec(root: string): Promise<void> {
  await allowExecUnder(join(root, 'pkg', 'tool'));
  await allowExecUnder(join(root, 'bin', 'gofmt'));
  await allowExecUnder(join(root, 'bin'));
}

export interface ToolchainDownloadOptions {
  /** the environment go runs with (GOPROXY, GOMODCACHE, GOSUMDB, proxies...) */
  env: Env;
  arch?: string;
  run: Runner;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

interface ModDownload {
  Dir?: string;
  Error?: string;
}

/** The JSON object `go mod download -json` printed (stderr may be around it), or null. */
function parseDownload(output: string): ModDownload | null {
  const start = output.indexOf('{');
  const end = output.lastIndexOf('}');
  if (start < 0 || end < start) return null;
  try {
    return JSON.parse(output.slice(start, end + 1)) as ModDownload;
  } catch {
    return null;
  }
}

/**
 * The go of Go `version` from the module proxy's toolchain module: `bootstrap` (a go >= 1.21) downloads
 * and verifies it into the module cache (nothing is fetched when it is there), its commands are made
 * executable, and its go must say it is that version.
 */
export async function downloadToolchainModule(
  version: string,
  bootstrap: string,
  opts: ToolchainDownloadOptions,
): Promise<string> {
  const mod = toolchainModule(version, opts.arch);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  delete env.GOROOT;
  delete env.GOFLAGS;
  Object.assign(env, { GOTOOLCHAIN: 'local', GOENV: 'off' });
  opts.log?.(`downloading Go ${version} from the module proxy (${mod})`);
  const r = await opts.run(bootstrap, ['mod', 'download', '-json', mod], {
    cwd: tmpdir(),
    env,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (r.aborted) throw new VcError('interrupted', { code: 'ABORTED' });
  const got = parseDownload(r.output);
  if (r.exitCode !== 0 || !got?.Dir || got.Error) {
    const why = got?.Error ?? (r.spawnError || r.output.trim().split('\n').slice(-3).join(' / '));
    throw new VcError(`cannot download Go ${version} from the module proxy (${mod}): ${why}`, {
      code: 'GO_UNAVAILABLE',
      hint:
        `it comes through GOPROXY (${opts.env.GOPROXY ?? "Go's default"}) and is checked against the checksum ` +
        'database: check the network and GOPROXY, or pass --go-fallback installed',
    });
  }
  await allowExec(got.Dir);
  const path = join(got.Dir, 'bin', 'go');
  const go = await findGo({ goPath: path, env: opts.env }, opts.run);
  if (releaseName(go.version) !== version) {
    throw new VcError(`${mod} is not Go ${version}: its go says ${go.version}`, {
      code: 'GO_UNAVAILABLE',
      hint: "check GOPROXY: the module proxy must serve the Go project's toolchain modules",
    });
  }
  return path;
}
