// Which Go builds a release, and how it is had (issue 13, DESIGN.md "compile/"). Two steps:
// - chooseGo: the exact version and the means, from the installed Gos and, only when needed, a listing
//   (the module proxy's toolchains, then the official archives): never a download, so a build key can
//   be computed and a current image skipped at no cost;
// - obtainGo: makes it real (nothing for an installed Go; the module proxy's golang.org/toolchain
//   module through the go command's toolchain switch, which runs Gos far older than 1.21 too; a
//   verified archive download into the cache), or, with `--go-fallback installed`, falls back to an
//   installed Go.
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { badInput, redact, VcError } from '../errors.js';
import { knownHazards } from '../versions/eras.js';
import type { UpstreamGo } from '../versions/upstream-go.js';
import { downloadGo, useCachedGo } from './go-download.js';
import {
  allowExec,
  findInstalledGos,
  type GoSearch,
  type InstalledGo,
  releaseName,
  versionFile,
} from './go-installed.js';
import {
  DEFAULT_GO_DOWNLOAD_URL,
  type Fetch,
  firstProxyUrl,
  type GoArchive,
  hostGoArch,
  listArchives,
  listToolchainVersions,
  toolchainModuleVersion,
  toolchainName,
} from './go-listings.js';
import { compareGoVersions, parseGoVersion, satisfiesGoMinimum } from './go-version.js';
import { execaRunner, type Runner } from './runner.js';
import { type Env, findGo } from './tools.js';

/** `--go`: auto (upstream's Go), latest-patch (the newest patch of its minor), local, a PATH or a VERSION. */
export type GoRequest =
  | { kind: 'auto' }
  | { kind: 'latest-patch' }
  | { kind: 'local' }
  | { kind: 'path'; path: string }
  | { kind: 'version'; version: string };

export type GoSource = 'installed' | 'toolchain' | 'download' | 'fallback' | 'forced';

/** What `build --json` reports per build. */
export interface GoUsed {
  version: string;
  path: string;
  source: GoSource;
}

/** What a release asks: upstream's Go and go.mod's minimum (source/ reads them from the tag's files). */
export interface GoWant {
  /** the CoreDNS version, for messages and hazards */
  coredns: string;
  upstream: UpstreamGo | null;
  minimum: string | null;
}

/**
 * How the Go is had: at hand; the module proxy's golang.org/toolchain module through the go command's
 * toolchain switch (any release the proxy has, 1.12.17 as well as 1.26.6); an official archive.
 */
export type GoMeans =
  | { kind: 'installed'; go: InstalledGo }
  | { kind: 'toolchain'; bootstrap: InstalledGo }
  | { kind: 'download'; archive: GoArchive | null };

export interface GoChoice {
  /** the exact version that will build (`1.21.8`) */
  version: string;
  source: GoSource;
  means: GoMeans;
  /** one line: the choice and its reason */
  reason: string;
  /** what upstream asked, to fall back from */
  want: GoWant;
  /** set for a fallback: upstream's Go and the era's hazards */
  warning?: string;
}

/** Parses `--go`: exit 2 for a PATH that does not exist (checked before anything runs). */
export async function parseGoRequest(text: string | undefined, cwd: string): Promise<GoRequest> {
  const t = text?.trim() ?? 'auto';
  if (t === 'auto' || t === '') return { kind: 'auto' };
  if (t === 'latest-patch') return { kind: 'latest-patch' };
  if (t === 'local') return { kind: 'local' };
  // `1.22.12` is that release; `1.22` (and `1.20`) a line: its newest patch.
  if (/^(?:go)?\d+\.\d+(?:\.\d+)?$/.test(t)) return { kind: 'version', version: t.replace(/^go/, '') };
  const path = isAbsolute(t) ? t : resolve(cwd, t);
  if ((await stat(path).catch(() => null)) === null) {
    throw badInput(
      `--go ${t}: no such file or directory`,
      'BAD_GO',
      'give auto, latest-patch, local, a Go version (1.21.8) or the path of a go binary, its bin directory or its GOROOT',
    );
  }
  return { kind: 'path', path };
}

export interface GoChooserOptions {
  request: GoRequest;
  /** `--go-fallback installed` */
  fallback: boolean;
  search: GoSearch;
  /** the environment go runs with (the tool's build environment: GOPROXY, GOMODCACHE, proxies...) */
  env: Env;
  /** `--go-download-url` / VC_COREDNS_GO_URL */
  downloadUrl?: string;
  cacheDir: string;
  fetch?: Fetch;
  run?: Runner;
  signal?: AbortSignal;
  arch?: string;
  log?: (line: string) => void;
}

export interface GoChooser {
  choose(want: GoWant): Promise<GoChoice>;
  /** Obtains the chosen Go (downloading it if needed); with fallback, an installed one when it cannot be had. */
  obtain(choice: GoChoice): Promise<GoUsed & { warning?: string }>;
}

function minorOfVersion(v: string): string {
  const p = parseGoVersion(v);
  return p ? `${p.major}.${p.minor}` : v;
}

function sameMinor(a: string, b: string): boolean {
  return minorOfVersion(a) === minorOfVersion(b);
}

function describeUpstream(u: UpstreamGo): string {
  return `upstream's Go ${u.version} (${u.from})`;
}

/**
 * The go that switches toolchains: a go >= 1.21 (the switch came with it; it checks golang.org/toolchain
 * against the checksum database whatever GONOSUMDB says). It switches to older Gos too: the old go it
 * runs ignores GOTOOLCHAIN. One installed on the machine first (a module cache's may lack its execute
 * bits).
 */
function bootstrapFor(installed: InstalledGo[]): InstalledGo | undefined {
  const able = installed.filter((g) => satisfiesGoMinimum(g.version, '1.21.0'));
  return able.find((g) => g.where !== 'module cache') ?? able[0];
}

/** What an installed Go is reported as: where it came from (a toolchain module, an archive) or `installed`. */
function installedSource(go: InstalledGo, source: GoSource): GoSource {
  if (source === 'forced') return 'forced';
  if (go.where === 'module cache') return 'toolchain';
  if (go.where === 'cache') return 'download';
  return 'installed';
}

/** `Go 1.20.14 (installed at ROOT)`, or where a toolchain module or an archive put it. */
function describeInstalled(go: InstalledGo): string {
  if (go.where === 'module cache') {
    return `Go ${go.version} (the module proxy's golang.org/toolchain module, in the module cache at ${go.root})`;
  }
  if (go.where === 'cache')
    return `Go ${go.version} (an official archive, in vc-coredns's cache at ${go.root})`;
  return `Go ${go.version} (installed at ${go.root})`;
}

/** A run's Go chooser: listings are asked at most once per run. */
export function goChooser(opts: GoChooserOptions): GoChooser {
  const run = opts.run ?? execaRunner;
  const arch = opts.arch ?? hostGoArch();
  const baseUrl = opts.downloadUrl ?? DEFAULT_GO_DOWNLOAD_URL;
  const fetchOpts = {
    arch,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  let installed: Promise<InstalledGo[]> | undefined;
  let toolchains: Promise<string[]> | undefined;
  let archives: Promise<GoArchive[]> | undefined;
  let proxy: Promise<string | null> | undefined;

  const getInstalled = () => {
    installed ??= findInstalledGos(opts.search, run);
    return installed;
  };
  const getArchives = () => {
    archives ??= listArchives(baseUrl, fetchOpts);
    return archives;
  };
  // A go of a module cache may lack its execute bits: module zips carry no modes, and a
  // `go mod download` of a toolchain (unlike the switch) does not set them.
  const runnable = async (go: InstalledGo): Promise<string> => {
    if (go.where === 'module cache') await allowExec(go.root);
    return go.path;
  };
  // GOPROXY as the go command sees it (the variable, else its GOROOT's go.env default).
  const getProxy = (bootstrap: InstalledGo) => {
    proxy ??= (async () => {
      if (opts.env.GOPROXY !== undefined) return firstProxyUrl(opts.env.GOPROXY);
      const r = await run(await runnable(bootstrap), ['env', 'GOPROXY'], {
        cwd: tmpdir(),
        env: { ...definedEnv(opts.env), GOTOOLCHAIN: 'local', GOENV: 'off' },
      });
      return r.exitCode === 0 ? firstProxyUrl(r.output.trim()) : null;
    })();
    return proxy;
  };
  const getToolchains = (bootstrap: InstalledGo) => {
    toolchains ??= getProxy(bootstrap).then((url) => {
      if (url === null) {
        throw new VcError('GOPROXY names no module proxy to list Go toolchains from', {
          code: 'GO_UNAVAILABLE',
          hint: 'set GOPROXY to a module proxy URL',
        });
      }
      return listToolchainVersions(url, fetchOpts);
    });
    return toolchains;
  };

  /** An installed Go (or one a toolchain module or an archive left at hand), chosen. */
  function atHand(go: InstalledGo, want: GoWant, source: GoSource, why: string): GoChoice {
    return {
      version: go.version,
      source: installedSource(go, source),
      means: { kind: 'installed', go },
      reason: `${describeInstalled(go)}: ${why}`,
      want,
    };
  }

  /** The exact version of a minor: installed (newest patch), else the newest the listings have. */
  async function resolveMinor(
    minor: string,
    want: GoWant,
    source: GoSource,
    why: string,
    preferNewest: boolean,
  ): Promise<GoChoice> {
    const all = await getInstalled();
    const local = all.filter((g) => sameMinor(g.version, minor));
    if (local[0] && !preferNewest)
      return atHand(local[0], want, source, `${why}, its newest installed patch`);
    const listed = await listedVersions(minor, all);
    // latest-patch must know the newest patch: an unreachable listing is an error, not the installed one.
    if (preferNewest && listed.versions.length === 0 && listed.error !== undefined) {
      throw cannotHave(`The newest patch of Go ${minor}`, listed.where, listed.error);
    }
    const newest = [...listed.versions, ...local.map((g) => g.version)]
      .filter((v) => sameMinor(v, minor))
      .sort(compareGoVersions)
      .pop();
    if (newest === undefined) throw cannotHave(`Go ${minor}`, listed.where, listed.error);
    const have = local.find((g) => g.version === newest);
    if (have) return atHand(have, want, source, `${why}, the newest patch (${listed.where})`);
    const lister = listed.onProxy ? 'the module proxy lists' : 'listed there';
    return remote(newest, want, source, `${why}, the newest patch ${lister}`, all, listed);
  }

  interface Listed {
    versions: string[];
    /** what was asked, for messages */
    where: string;
    /** the versions are the module proxy's toolchains (else the archives') */
    onProxy: boolean;
    error?: unknown;
    archives: GoArchive[];
  }

  /**
   * The versions of a minor the module proxy lists as toolchains (when a go >= 1.21 can fetch them),
   * else those the official archives list.
   */
  async function listedVersions(minor: string, all: InstalledGo[]): Promise<Listed> {
    const bootstrap = bootstrapFor(all);
    const errors: unknown[] = [];
    if (bootstrap) {
      try {
        const versions = (await getToolchains(bootstrap)).filter((v) => sameMinor(v, minor));
        if (versions.length > 0) return { versions, where: 'the module proxy', onProxy: true, archives: [] };
      } catch (e) {
        errors.push(e);
      }
    }
    const both = bootstrap ? `the module proxy or ${redact(baseUrl)}` : redact(baseUrl);
    try {
      const list = (await getArchives()).filter((a) => sameMinor(a.version, minor));
      return {
        versions: list.map((a) => a.version),
        where: list.length > 0 ? redact(baseUrl) : both,
        onProxy: false,
        archives: list,
        ...(errors[0] === undefined ? {} : { error: errors[0] }),
      };
    } catch (e) {
      errors.push(e);
      const message = errors.map((x) => (x instanceof Error ? x.message : String(x))).join('; ');
      return { versions: [], where: both, onProxy: false, error: new Error(message), archives: [] };
    }
  }

  function remote(
    version: string,
    want: GoWant,
    source: GoSource,
    why: string,
    all: InstalledGo[],
    listed?: Listed,
    onProxy = listed?.onProxy ?? false,
  ): GoChoice {
    const bootstrap = bootstrapFor(all);
    const archive = listed?.archives.find((a) => a.version === version) ?? null;
    const forced = source === 'forced';
    // Every release from 1.21 is a toolchain module; an older one when the module proxy lists it.
    if (bootstrap && archive === null && (satisfiesGoMinimum(version, '1.21.0') || onProxy)) {
      return {
        version,
        source: forced ? 'forced' : 'toolchain',
        means: { kind: 'toolchain', bootstrap },
        reason: `Go ${version} from the module proxy (golang.org/toolchain@${toolchainModuleVersion(version, arch)}) through the go command's toolchain switch (GOTOOLCHAIN=go${toolchainName(version)}, downloaded through GOPROXY unless in the module cache): ${why}`,
        want,
      };
    }
    return {
      version,
      source: forced ? 'forced' : 'download',
      means: { kind: 'download', archive },
      reason: `Go ${version} from the official archives (${redact(baseUrl)}): ${why}`,
      want,
    };
  }

  async function resolveExact(
    version: string,
    want: GoWant,
    source: GoSource,
    why: string,
  ): Promise<GoChoice> {
    const all = await getInstalled();
    const have = all.find((g) => g.version === version);
    if (have) return atHand(have, want, source, why);
    // The version is known: the means are settled without a download. A Go older than 1.21 comes from
    // the module proxy when its list names it (it lacks many old patches), else from the archives.
    const bootstrap = bootstrapFor(all);
    const onProxy =
      bootstrap !== undefined &&
      !satisfiesGoMinimum(version, '1.21.0') &&
      (await getToolchains(bootstrap).then(
        (list) => list.includes(version),
        () => false,
      ));
    return remote(version, want, source, why, all, undefined, onProxy);
  }

  function cannotHave(what: string, where: string, cause: unknown): VcError {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new VcError(`${what} cannot be had: not installed, and not found at ${where}${detail}`, {
      code: 'GO_UNAVAILABLE',
      hint:
        'install it (its GOROOT under /usr/local/go, /usr/lib/go-*, ~/sdk or --go-search DIR), make the archives reachable ' +
        '(--go-download-url, VC_COREDNS_GO_URL), or build with an installed Go: --go-fallback installed',
    });
  }

  async function choose(want: GoWant): Promise<GoChoice> {
    const req = opts.request;
    if (req.kind === 'local' || req.kind === 'path') {
      const go = await findGo(
        req.kind === 'path' ? { goPath: req.path, env: opts.env } : { env: opts.env },
        run,
      );
      const version = releaseName(go.version);
      const root = go.path.replace(/\/bin\/go$/, '');
      return {
        version,
        source: 'forced',
        means: {
          kind: 'installed',
          go: { version, root, path: go.path, where: req.kind === 'local' ? 'PATH' : '--go' },
        },
        reason: `Go ${version} at ${go.path} (--go ${req.kind === 'local' ? 'local' : req.path})`,
        want,
      };
    }
    if (req.kind === 'version') {
      const v = parseGoVersion(req.version);
      if (v && v.patch !== null) return resolveExact(req.version, want, 'forced', `--go ${req.version}`);
      return resolveMinor(req.version, want, 'forced', `--go ${req.version}`, false);
    }
    const upstream =
      want.upstream ??
      (want.minimum
        ? { version: minorOfVersion(want.minimum), exact: false, from: 'go.mod' as const }
        : null);
    if (upstream === null) {
      // GOPATH-era trees name no Go; they are not built, but say something useful if asked.
      throw new VcError(
        `CoreDNS ${want.coredns} names no Go (no .go-version, workflow, .travis.yml or go.mod)`,
        {
          code: 'GO_UNAVAILABLE',
          hint: 'pass --go PATH or --go VERSION',
        },
      );
    }
    const why = describeUpstream(upstream);
    if (req.kind === 'latest-patch') {
      return resolveMinor(
        minorOfVersion(upstream.version),
        want,
        'installed',
        `${why}, --go latest-patch`,
        true,
      );
    }
    if (upstream.exact) return resolveExact(upstream.version, want, 'installed', why);
    return resolveMinor(upstream.version, want, 'installed', why, false);
  }

  async function obtainRemote(choice: GoChoice): Promise<string> {
    const { means, version } = choice;
    if (means.kind === 'installed' && means.go.where === 'cache') {
      // Claimed for this run, so that a `cache prune` meanwhile leaves it; gone since: download again.
      if (await useCachedGo(opts.cacheDir, version, opts)) return means.go.path;
      return obtainRemote({ ...choice, means: { kind: 'download', archive: null } });
    }
    if (means.kind === 'installed') return runnable(means.go);
    if (means.kind === 'toolchain') return switchToolchain(version, means.bootstrap);
    let archive = means.archive;
    if (archive === null) {
      let list: GoArchive[];
      try {
        list = await getArchives();
      } catch (e) {
        throw cannotHave(`Go ${version}`, redact(baseUrl), e);
      }
      archive = list.find((a) => a.version === version) ?? null;
      if (archive === null) throw cannotHave(`Go ${version}`, redact(baseUrl), null);
    }
    const root = await downloadGo(archive, {
      cacheDir: opts.cacheDir,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    });
    return `${root}/bin/go`;
  }

  /**
   * `GOTOOLCHAIN=go<version> go env GOROOT GOVERSION`: the go command fetches the toolchain module (or
   * finds it in GOMODCACHE), verifies it, sets its execute bits and runs it.
   */
  async function switchToolchain(version: string, bootstrap: InstalledGo): Promise<string> {
    const name = `go${toolchainName(version)}`;
    opts.log?.(
      `Go ${version}: the go command's toolchain switch fetches golang.org/toolchain@${toolchainModuleVersion(version, arch)} from the module proxy`,
    );
    const env: Record<string, string> = {
      ...definedEnv(opts.env),
      GOTOOLCHAIN: name,
      GOENV: 'off',
    };
    delete env.GOROOT;
    delete env.GOFLAGS;
    const r = await run(await runnable(bootstrap), ['env', 'GOROOT', 'GOVERSION'], {
      cwd: tmpdir(),
      env,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (r.aborted) throw new VcError('interrupted', { code: 'ABORTED' });
    // The last two lines (`go: downloading go1.14.15 (linux/amd64)` may come first). A Go before 1.16
    // has no GOVERSION and prints an empty line for it: its VERSION file says.
    const [goroot = '', named = ''] = r.output
      .replace(/\n$/, '')
      .split('\n')
      .slice(-2)
      .map((l) => l.trim());
    const said = named !== '' ? releaseName(named.replace(/^go/, '')) : goroot && (await versionFile(goroot));
    if (r.exitCode !== 0 || said !== version) {
      const tail = r.output.trim().split('\n').slice(-3).join(' / ');
      throw new VcError(`the go command could not switch to Go ${version} (GOTOOLCHAIN=${name}): ${tail}`, {
        code: 'GO_UNAVAILABLE',
        hint: `the toolchain comes through GOPROXY (${opts.env.GOPROXY ?? "Go's default"}): check the network and GOPROXY/GONOSUMDB, or pass --go-fallback installed`,
      });
    }
    return `${goroot}/bin/go`;
  }

  async function fallbackFor(choice: GoChoice, why: unknown): Promise<GoUsed & { warning: string }> {
    const { want } = choice;
    const floor = want.upstream ? `${minorOfVersion(want.upstream.version)}.0` : null;
    const all = (await getInstalled()).filter(
      (g) =>
        (want.minimum === null || satisfiesGoMinimum(g.version, want.minimum)) &&
        (floor === null || satisfiesGoMinimum(g.version, floor)),
    );
    const oldest = all.at(-1);
    if (!oldest) {
      const need = [
        want.minimum && `go.mod's ${want.minimum}`,
        floor && `upstream's ${minorOfVersion(floor)}`,
      ]
        .filter(Boolean)
        .join(' and ');
      throw new VcError(
        `${why instanceof Error ? why.message : String(why)}; and no installed Go meets ${need}`,
        {
          code: 'GO_UNAVAILABLE',
          hint: 'install a Go of that line or newer, or pass --go PATH',
        },
      );
    }
    const hazards = knownHazards(want.coredns);
    const warning =
      `${want.upstream ? describeUpstream(want.upstream) : `Go ${choice.version}`} cannot be had ` +
      `(${why instanceof Error ? why.message : String(why)}); building CoreDNS ${want.coredns} with the installed Go ${oldest.version} ` +
      `(--go-fallback installed). The image differs from upstream's by more than the patch` +
      (hazards.length > 0
        ? `; known hazards: ${hazards.join('; ')}`
        : '; run it (vc-coredns smoke) before shipping it');
    return { version: oldest.version, path: oldest.path, source: 'fallback', warning };
  }

  async function obtain(choice: GoChoice): Promise<GoUsed & { warning?: string }> {
    try {
      const path = await obtainRemote(choice);
      return {
        version: choice.version,
        path,
        source: choice.source,
        ...(choice.warning ? { warning: choice.warning } : {}),
      };
    } catch (e) {
      if (opts.signal?.aborted || !opts.fallback || !(e instanceof VcError) || e.code === 'ABORTED') throw e;
      if (opts.request.kind !== 'auto' && opts.request.kind !== 'latest-patch') throw e;
      return fallbackFor(choice, e);
    }
  }

  return {
    async choose(want) {
      try {
        return await choose(want);
      } catch (e) {
        // A minor whose newest patch no listing could name: the fallback applies here already.
        if (!opts.fallback || !(e instanceof VcError) || e.code !== 'GO_UNAVAILABLE') throw e;
        if (opts.request.kind !== 'auto' && opts.request.kind !== 'latest-patch') throw e;
        const placeholder: GoChoice = {
          version: want.upstream?.version ?? want.minimum ?? '?',
          source: 'fallback',
          means: { kind: 'download', archive: null },
          reason: '',
          want,
        };
        const used = await fallbackFor(placeholder, e);
        const go = (await getInstalled()).find((g) => g.path === used.path) as InstalledGo;
        return {
          version: used.version,
          source: 'fallback',
          means: { kind: 'installed', go },
          reason: `Go ${used.version} (installed at ${go.root}): --go-fallback installed`,
          want,
          warning: used.warning,
        };
      }
    },
    obtain,
  };
}

function definedEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
