// Which Go releases can be had, asked without downloading any: the Go module proxy's list of
// `golang.org/toolchain` versions (what the go command's toolchain switch, Go >= 1.21, downloads), and
// the JSON listing of the official archives at a base URL (with each archive's SHA-256).

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
 * The Go releases the module proxy has as toolchains for linux/<arch>, oldest first (`1.12.17`, ...,
 * `1.26.6`; no pre-releases). Every release from 1.21.0 is one; older ones are served too (the list
 * names those someone asked for).
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
  const suffix = `.linux-${arch}`;
  const versions = new Set<string>();
  for (const line of text.split('\n')) {
    // v0.0.1-go1.21.8.linux-amd64
    const m = /^v0\.0\.1-go(\S+)$/.exec(line.trim());
    if (!m?.[1]?.endsWith(suffix)) continue;
    const v = parseGoVersion(m[1].slice(0, -suffix.length));
    if (v && v.patch !== null) versions.add(v.text);
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
