// Which Go releases can be had, asked without downloading any: the Go module proxy's list of
// `golang.org/toolchain` versions (what the go command's toolchain switch, Go >= 1.21, downloads; the
// proxy has Gos far older than 1.21 as that module too), and the JSON listing of the official archives
// at a base URL (with each archive's SHA-256).

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { redact, VcError } from '../errors.js';
import { compareGoVersions, parseGoVersion } from './go-version.js';

export type Fetch = typeof fetch;

/** `go.dev/dl`'s default; `--go-download-url` or VC_COREDNS_GO_URL replace it. */
export const DEFAULT_GO_DOWNLOAD_URL = 'https://go.dev/dl/';

/** The Go name of this machine's architecture (`amd64`, `arm64`...). */
export function hostGoArch(arch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'armv6l',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
  };
  return map[arch] ?? arch;
}

/** The GOARCH of an archive's architecture name (`armv6l` -> `arm`): the toolchain module's suffix. */
export function toolchainArch(arch: string): string {
  return arch === 'armv6l' ? 'arm' : arch;
}

/** The Go project's name of a release: `1.14.15`; the first release of a line before 1.21 is `1.20`. */
export function toolchainName(version: string): string {
  const v = parseGoVersion(version);
  return v && v.patch === 0 && v.minor < 21 && v.major === 1 ? `${v.major}.${v.minor}` : version;
}

/**
 * The `golang.org/toolchain` module version of a Go release for linux/<arch>:
 * `v0.0.1-go1.14.15.linux-amd64`, `v0.0.1-go1.20.linux-amd64` (1.20.0).
 */
export function toolchainModuleVersion(version: string, arch: string = hostGoArch()): string {
  return `v0.0.1-go${toolchainName(version)}.linux-${toolchainArch(arch)}`;
}

/**
 * The first proxy URL of a GOPROXY list (`https://a,direct`, `https://a|https://b`); null when the list
 * starts with `direct` or `off`, which have no version list to ask.
 */
export function firstProxyUrl(goproxy: string): string | null {
  const first = goproxy.split(/[,|]/)[0]?.trim() ?? '';
  if (!/^https?:\/\//i.test(first) && !/^file:\/\//i.test(first)) return null;
  return first.replace(/\/+$/, '');
}

async function getText(url: string, what: string, fetchFn: Fetch, signal?: AbortSignal): Promise<string> {
  if (/^file:/i.test(url)) {
    // GOPROXY=file:///dir (a module proxy on disk): Node's fetch does not read files.
    return readFile(fileURLToPath(url), 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new VcError(`cannot read ${what} at ${redact(url)}: ${e.code ?? e.message}`, {
        code: 'GO_UNAVAILABLE',
      });
    });
  }
  let res: Response;
  try {
    res = await fetchFn(url, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw new VcError('interrupted', { code: 'ABORTED', cause: e });
    const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    throw new VcError(`cannot read ${what} at ${redact(url)}: ${cause}`, { code: 'GO_UNAVAILABLE' });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new VcError(`cannot read ${what} at ${redact(url)}: HTTP ${res.status}`, {
      code: 'GO_UNAVAILABLE',
    });
  }
  return res.text();
}

/**
 * The Go releases the module proxy lists as toolchains for linux/<arch>, oldest first (`1.12.17`, ...,
 * `1.20.0` (listed as `go1.20`), ..., `1.26.6`; no pre-releases). The list names the versions the proxy
 * has served, not every release: for an old line mostly a few patches, its last among them.
 */
export async function listToolchainVersions(
  proxyUrl: string,
  opts: { arch?: string; fetch?: Fetch; signal?: AbortSignal } = {},
): Promise<string[]> {
  const arch = opts.arch ?? hostGoArch();
  const text = await getText(
    `${proxyUrl}/golang.org/toolchain/@v/list`,
    'the list of Go toolchains',
    opts.fetch ?? fetch,
    opts.signal,
  );
  const suffix = `.linux-${toolchainArch(arch)}`;
  const versions = new Set<string>();
  for (const line of text.split('\n')) {
    // v0.0.1-go1.21.8.linux-amd64, v0.0.1-go1.20.linux-amd64 (1.20.0)
    const m = /^v0\.0\.1-go(\S+)$/.exec(line.trim());
    if (!m?.[1]?.endsWith(suffix)) continue;
    const v = parseGoVersion(m[1].slice(0, -suffix.length));
    if (!v || v.pre !== null) continue;
    if (v.patch !== null) versions.add(v.text);
    // Before 1.21 a line's first release is `go1.20`; from 1.21 on `go1.21` is no release.
    else if (v.major === 1 && v.minor < 21) versions.add(`${v.major}.${v.minor}.0`);
  }
  return [...versions].sort(compareGoVersions);
}

/** One archive of the official listing. */
export interface GoArchive {
  /** `1.21.8` */
  version: string;
  /** `go1.21.8.linux-amd64.tar.gz` */
  filename: string;
  /** where to download it */
  url: string;
  sha256: string;
  size: number | null;
}

interface ListingFile {
  filename?: unknown;
  os?: unknown;
  arch?: unknown;
  sha256?: unknown;
  size?: unknown;
  kind?: unknown;
  version?: unknown;
}

/** `<base>/?mode=json&include=all`, as go.dev/dl serves it. */
export function listingUrl(baseUrl: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return `${base}?mode=json&include=all`;
}

/**
 * The linux/<arch> archives of released Gos (no betas or rcs) the listing at baseUrl publishes, oldest
 * first. Each carries the SHA-256 the download is checked against.
 */
export async function listArchives(
  baseUrl: string,
  opts: { arch?: string; fetch?: Fetch; signal?: AbortSignal } = {},
): Promise<GoArchive[]> {
  const arch = opts.arch ?? hostGoArch();
  const url = listingUrl(baseUrl);
  const text = await getText(url, 'the listing of Go archives', opts.fetch ?? fetch, opts.signal);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new VcError(`the listing of Go archives at ${redact(url)} is not JSON`, {
      code: 'GO_UNAVAILABLE',
      hint: '--go-download-url must name a site that serves Go archives as go.dev/dl does',
    });
  }
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const out = new Map<string, GoArchive>();
  for (const release of Array.isArray(data) ? data : []) {
    const files: ListingFile[] = Array.isArray(release?.files) ? release.files : [];
    for (const f of files) {
      if (f.os !== 'linux' || f.arch !== arch || f.kind !== 'archive') continue;
      if (typeof f.filename !== 'string' || typeof f.sha256 !== 'string' || typeof f.version !== 'string')
        continue;
      if (!/^[0-9a-f]{64}$/.test(f.sha256) || !/^[\w.-]+\.tar\.gz$/.test(f.filename)) continue;
      const v = parseGoVersion(f.version);
      if (!v || v.pre !== null) continue;
      // Before Go 1.21 the first release of a line is named `go1.20`: that is 1.20.0.
      const version = v.patch === null ? `${v.major}.${v.minor}.0` : v.text;
      out.set(version, {
        version,
        filename: f.filename,
        url: new URL(f.filename, base).href,
        sha256: f.sha256,
        size: typeof f.size === 'number' ? f.size : null,
      });
    }
  }
  return [...out.values()].sort((a, b) => compareGoVersions(a.version, b.version));
}
