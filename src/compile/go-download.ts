// An official Go archive, downloaded into the cache: checked against the SHA-256 its listing publishes,
// unpacked in a temp folder beside its place and renamed into `<cache>/go/<version>` (a GOROOT) only
// when complete. A wrong checksum, a short body or an interrupt leaves nothing there. Reused later.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { x as untar } from 'tar';
import { redact, VcError } from '../errors.js';
import { acquireLock, type Lock, markInUse } from '../util/lock.js';
import type { Fetch, GoArchive } from './go-listings.js';

/** `<cache>/go`: one GOROOT per downloaded version (source/cache.ts has the whole layout). */
export function goCacheDir(cacheDir: string): string {
  return join(cacheDir, 'go');
}

export function cachedGoRoot(cacheDir: string, version: string): string {
  return join(goCacheDir(cacheDir), version);
}

export interface DownloadOptions {
  cacheDir: string;
  fetch?: Fetch;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

function aborted(signal: AbortSignal | undefined, cause?: unknown): VcError {
  return new VcError('interrupted', {
    code: 'ABORTED',
    ...(cause === undefined ? {} : { cause: signal?.reason ?? cause }),
  });
}

async function isGoRoot(dir: string): Promise<boolean> {
  return stat(join(dir, 'bin', 'go')).then(
    (s) => s.isFile(),
    () => false,
  );
}

// Marks of the Gos this run builds with: held until it exits, so `cache prune` leaves them alone.
const marks: Lock[] = [];

function lockGo(root: string, version: string, opts: Pick<DownloadOptions, 'signal' | 'log'>): Promise<Lock> {
  return acquireLock(root, {
    what: `Go ${version} in the cache`,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
}

/** Marks a Go of the cache as used by this run (under its lock, so a prune cannot remove it meanwhile). */
async function use(root: string): Promise<void> {
  marks.push(await markInUse(root));
  const now = new Date();
  await utimes(root, now, now).catch(() => {});
}

/**
 * Claims the cached GOROOT of version for this run: true when it is there (and now marked in use),
 * false when a prune removed it meanwhile.
 */
export async function useCachedGo(
  cacheDir: string,
  version: string,
  opts: Pick<DownloadOptions, 'signal' | 'log'> = {},
): Promise<boolean> {
  const root = cachedGoRoot(cacheDir, version);
  const lock = await lockGo(root, version, opts);
  try {
    if (!(await isGoRoot(root))) return false;
    await use(root);
    return true;
  } finally {
    await lock.release();
  }
}

/** The GOROOT of `archive` in the cache, downloading and unpacking it first when it is not there. */
export async function downloadGo(archive: GoArchive, opts: DownloadOptions): Promise<string> {
  const root = cachedGoRoot(opts.cacheDir, archive.version);
  if (await useCachedGo(opts.cacheDir, archive.version, opts)) return root;
  const lock = await lockGo(root, archive.version, opts);
  const tmp = join(goCacheDir(opts.cacheDir), `.tmp-${archive.version}-${randomBytes(4).toString('hex')}`);
  try {
    // Another run may have written it while we waited for the lock.
    if (await isGoRoot(root)) {
      await use(root);
      return root;
    }
    await mkdir(tmp, { recursive: true });
    const file = join(tmp, archive.filename);
    await fetchVerified(archive, file, opts);
    const unpacked = join(tmp, 'go');
    await mkdir(unpacked);
    // The archive holds one folder, go/; strip it. node-tar refuses paths that leave the folder.
    await untar({ file, cwd: unpacked, strip: 1, preserveOwner: false });
    if (opts.signal?.aborted) throw aborted(opts.signal);
    const reported = (await readFile(join(unpacked, 'VERSION'), 'utf8').catch(() => ''))
      .split('\n')[0]
      ?.trim();
    if (!(await isGoRoot(unpacked)) || reported !== archive.filename.replace(/\.linux-.*$/, '')) {
      throw new VcError(
        `${redact(archive.url)} is not the Go ${archive.version} it was listed as (VERSION: ${reported || 'none'})`,
        {
          code: 'GO_DOWNLOAD_FAILED',
          hint: 'check --go-download-url / VC_COREDNS_GO_URL: the site must serve the official archives',
        },
      );
    }
    // A leftover of a damaged entry (no bin/go) must not block the rename.
    await rm(root, { recursive: true, force: true });
    await rename(unpacked, root);
    await use(root);
    return root;
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await lock.release();
  }
}

/** Streams the archive to file while hashing it; throws (and the caller removes file) unless the SHA-256 matches. */
async function fetchVerified(archive: GoArchive, file: string, opts: DownloadOptions): Promise<void> {
  const { signal } = opts;
  const fetchFn = opts.fetch ?? fetch;
  const failed = (why: string) =>
    new VcError(`cannot download Go ${archive.version} from ${redact(archive.url)}: ${why}`, {
      code: 'GO_DOWNLOAD_FAILED',
      hint: 'check the network, or name a reachable copy of the official archives with --go-download-url (VC_COREDNS_GO_URL)',
    });
  opts.log?.(`downloading Go ${archive.version} from ${redact(archive.url)}`);
  let res: Response;
  try {
    res = await fetchFn(archive.url, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw aborted(signal, e);
    throw failed(e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e));
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw failed(`HTTP ${res.status}`);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      tap,
      createWriteStream(file),
      {
        ...(signal ? { signal } : {}),
      },
    );
  } catch (e) {
    if (signal?.aborted) throw aborted(signal, e);
    throw failed(
      `the transfer broke off after ${bytes} bytes (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (archive.size !== null && bytes !== archive.size) {
    throw failed(`got ${bytes} bytes, the listing says ${archive.size}`);
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== archive.sha256) {
    throw new VcError(
      `the download of Go ${archive.version} from ${redact(archive.url)} has SHA-256 ${sha256}, the listing says ${archive.sha256}`,
      {
        code: 'GO_CHECKSUM_MISMATCH',
        hint: 'nothing was kept; the archive or the listing was altered on the way: check --go-download-url (VC_COREDNS_GO_URL) and any proxy',
      },
    );
  }
}
