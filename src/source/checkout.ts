// Shallow single-tag checkouts in the cache, reused after reset + clean, one run at a time per entry.
import { mkdtemp, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { badInput, redact, VcError } from '../errors.js';
import type { Checkout, Release } from '../types.js';
import { acquireLock } from '../util/lock.js';
import { isReleaseTag } from '../versions/index.js';
import { checkoutsDir, defaultCacheDir } from './cache.js';
import { GitCommandError, type GitOptions, gitFailure, type Log, runGit } from './git.js';
import { repoKey, repoTransport } from './url.js';

export interface CheckoutOptions extends GitOptions {
  /** Default: defaultCacheDir(env). */
  cacheDir?: string;
  log?: Log;
  /** How long to wait for another run using the same checkout (default 30 minutes). */
  lockWaitMs?: number;
}

/** A checkout in the cache, locked for this run until dispose(). */
export interface HeldCheckout extends Checkout {
  /** Releases the cache lock (the directory stays for the next run). Idempotent, never throws. */
  dispose(): Promise<void>;
}

/**
 * Gives the release's tree at `<cache>/checkouts/<repo-key>/<version>`: a cached checkout reset to the
 * tag's commit and cleaned of everything untracked (a previous patch, build outputs), or a fresh shallow
 * fetch of exactly that tag, made in a temp folder and renamed into place only when complete. The
 * checkout stays locked until dispose(): hold it across patch and build; withCheckout() does that.
 */
export async function checkoutRelease(
  release: Release,
  url: string,
  opts: CheckoutOptions = {},
): Promise<HeldCheckout> {
  const { version, commit } = release;
  if (!isReleaseTag(version)) throw badInput(`invalid CoreDNS version "${version}"`, 'BAD_VERSION');
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) {
    throw new VcError(`invalid commit "${commit}" for ${version}`, { code: 'BAD_COMMIT' });
  }
  repoTransport(url);
  const log = opts.log ?? (() => {});
  const cacheDir = opts.cacheDir ?? defaultCacheDir(opts.env);
  const root = checkoutsDir(cacheDir, repoKey(url));
  const dir = join(root, version);
  const lock = await acquireLock(dir, {
    what: `the cached checkout of ${version}`,
    code: 'CACHE_LOCKED',
    log,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.lockWaitMs === undefined ? {} : { waitMs: opts.lockWaitMs }),
  });
  try {
    await removeStaleTemps(root, version);
    const why = await reuse(dir, commit, opts);
    if (why === null) {
      log(`reusing the cached checkout of ${version} (${dir})`);
    } else {
      if (why !== 'absent') log(`the cached checkout of ${version} is unusable (${why}); cloning it again`);
      await rm(dir, { recursive: true, force: true });
      log(`cloning ${version} (${commit.slice(0, 12)}) from ${redact(url)}`);
      await cloneTag(root, dir, release, url, opts);
    }
  } catch (e) {
    await lock.release();
    throw e;
  }
  return { dir, release, owned: true, dispose: () => lock.release() };
}

/** Runs fn with the checkout locked, and releases it however fn ends (error, abort). */
export async function withCheckout<T>(
  release: Release,
  url: string,
  opts: CheckoutOptions,
  fn: (checkout: HeldCheckout) => Promise<T>,
): Promise<T> {
  const checkout = await checkoutRelease(release, url, opts);
  try {
    return await fn(checkout);
  } finally {
    await checkout.dispose();
  }
}

/** Removes the temp folders of clones a killed run left (we hold this version's lock). */
async function removeStaleTemps(root: string, version: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const prefix = `.tmp-${version}-`;
  await Promise.all(
    entries
      .filter((e) => e.startsWith(prefix))
      .map((e) => rm(join(root, e), { recursive: true, force: true })),
  );
}

/** Brings a cached checkout to exactly `commit` with nothing else in it; null when done, else why not. */
async function reuse(dir: string, commit: string, opts: GitOptions): Promise<string | null> {
  if (!(await stat(join(dir, '.git', 'HEAD')).catch(() => null))) {
    return (await stat(dir).catch(() => null)) ? 'not a git checkout' : 'absent';
  }
  const git = (args: string[]) => runGit(args, { ...opts, cwd: dir });
  try {
    // Never reset or clean a repository around the cache folder.
    const top = (await git(['rev-parse', '--show-toplevel'])).trim();
    if ((await realpath(top)) !== (await realpath(dir))) return 'not a git checkout';
    // (Commands that print something: simple-git waits 50 ms more after a silent one.)
    await git(['rev-parse', '--verify', `${commit}^{commit}`]).catch(() => {
      throw new GitCommandError('cat-file', `it does not hold ${commit.slice(0, 12)}`);
    });
    await git(['reset', '--hard', commit]);
    await git(['clean', '-ffdx']);
    const head = (await git(['rev-parse', 'HEAD'])).trim();
    return head === commit ? null : `HEAD is ${head.slice(0, 12)}`;
  } catch (e) {
    if (e instanceof GitCommandError) return e.tail.split('\n')[0] || 'git failed';
    throw e;
  }
}

async function cloneTag(root: string, dir: string, release: Release, url: string, opts: GitOptions) {
  const { version, commit } = release;
  const tmp = await mkdtemp(join(root, `.tmp-${version}-`));
  const git = (args: string[]) => runGit(args, { ...opts, cwd: tmp, url });
  try {
    await git(['init']);
    // Fetch by URL, not through a configured remote: the URL (and any password in it) is never written
    // to the checkout's config. Not -q: simple-git waits 50 ms more after a silent command.
    // unpackLimit=1: keep the one pack instead of exploding a small fetch into loose objects.
    const fetchArgs = ['fetch', '--depth=1', '--no-tags', '--no-write-fetch-head', url];
    await runGit([...fetchArgs, `+refs/tags/${version}:refs/tags/${version}`], {
      ...opts,
      cwd: tmp,
      url,
      config: ['fetch.unpackLimit=1'],
    }).catch((e) => {
      const missing = e instanceof GitCommandError && /couldn't find remote ref/i.test(e.tail);
      throw gitFailure(e, {
        message: `cannot fetch ${version} from ${redact(url)}`,
        code: missing ? 'TAG_NOT_FOUND' : 'REMOTE_UNREACHABLE',
        hint: missing
          ? `the tag ${version} was removed from the remote after it was listed`
          : 'check the URL, the network and your git credentials (vc-coredns never falls back to another source)',
        url,
      });
    });
    const fetched = (await git(['rev-parse', `refs/tags/${version}^{commit}`])).trim();
    if (fetched !== commit) {
      throw new VcError(
        `${version} on ${redact(url)} is commit ${fetched.slice(0, 12)}, not ${commit.slice(0, 12)} as listed`,
        {
          code: 'HEAD_MISMATCH',
          hint: 'the tag was moved on the remote after it was listed; run again, and check the remote if it keeps moving',
        },
      );
    }
    await git(['checkout', '--detach', commit]);
    const head = (await git(['rev-parse', 'HEAD'])).trim();
    if (head !== commit) {
      throw new VcError(`the checkout of ${version} is at ${head.slice(0, 12)}, not ${commit.slice(0, 12)}`, {
        code: 'HEAD_MISMATCH',
      });
    }
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw gitFailure(e, {
      message: `cannot check out ${version} from ${redact(url)}`,
      code: 'CHECKOUT_FAILED',
      url,
    });
  }
}
