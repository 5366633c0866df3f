// The minimum Go of each tag (its go.mod `go` line) without cloning the tags: a throwaway bare repo gets
// the tag commits at depth 1 without blobs (commits and trees only), then exactly the go.mod blobs in
// one batched fetch. Results are cached by commit (tags are immutable), so a later `versions` only
// runs ls-remote.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact, VcError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import { writeFileAtomic } from '../util/fs.js';
import { goMinimumFile } from './cache.js';
import { GitCommandError, type GitOptions, gitFailure, type Log, runGit } from './git.js';
import type { RemoteTag } from './tags.js';
import { repoTransport } from './url.js';

export interface GoMinimumOptions extends GitOptions {
  cacheDir: string;
  log?: Log;
}

interface CacheFile {
  format: 1;
  /** commit -> go.mod `go` line (`1.22.7`), or null when the commit has no go.mod or no go line. */
  commits: Record<string, string | null>;
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * A file:// remote is served by an upload-pack on this machine, which reads only the source repository's
 * config: `-c` given to our fetch does not reach it (git clears GIT_CONFIG_PARAMETERS for local
 * transports, tried with git 2.39). Without allowFilter it would ignore `--filter` and send every blob.
 */
const LOCAL_UPLOAD_PACK =
  'git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true upload-pack';

/** version -> minimum Go (`1.13`), null for tags without go.mod (before v1.5.0). */
export async function goMinimumForTags(
  url: string,
  tags: RemoteTag[],
  opts: GoMinimumOptions,
): Promise<Map<string, string | null>> {
  const transport = repoTransport(url);
  const file = goMinimumFile(opts.cacheDir);
  const known = (await readCache(file)).commits;
  const missing = tags.filter((t) => !Object.hasOwn(known, t.commit));
  if (missing.length > 0) {
    const found = await readGoLines(url, missing, opts, transport === 'file' ? LOCAL_UPLOAD_PACK : undefined);
    // Merge with what another run may have written meanwhile; losing a race only costs a refetch.
    const onDisk = (await readCache(file)).commits;
    const merged: CacheFile = { format: 1, commits: { ...onDisk, ...Object.fromEntries(found) } };
    await mkdir(opts.cacheDir, { recursive: true });
    await writeFileAtomic(file, `${JSON.stringify(merged, null, 1)}\n`);
    for (const [commit, go] of found) known[commit] = go;
  }
  return new Map(tags.map((t) => [t.version, known[t.commit] ?? null]));
}

async function readCache(file: string): Promise<CacheFile> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>;
    if (data.format === 1 && data.commits && typeof data.commits === 'object') {
      return { format: 1, commits: { ...data.commits } };
    }
  } catch {
    // absent or damaged: it is only a cache
  }
  return { format: 1, commits: {} };
}

/** The blob fetch by object id failed: the server may not serve partial clones. */
class BlobFetchRefused extends Error {
  constructor(readonly git: GitCommandError) {
    super(git.message);
  }
}

async function readGoLines(
  url: string,
  tags: RemoteTag[],
  opts: GoMinimumOptions,
  uploadPack: string | undefined,
): Promise<Map<string, string | null>> {
  const log = opts.log ?? (() => {});
  const failure = (e: unknown) =>
    gitFailure(e, {
      message: `cannot read go.mod of the tags of ${redact(url)}`,
      code: 'REMOTE_UNREACHABLE',
      hint: 'check the URL, the network and your git credentials (vc-coredns never falls back to another source)',
      url,
    });
  try {
    return await inThrowawayRepo(opts, (cwd) => fetchGoLines(cwd, url, tags, opts, uploadPack, true));
  } catch (e) {
    if (!(e instanceof BlobFetchRefused)) throw failure(e);
    // The same remote, the tag trees with their blobs: slower, never another source.
    log(
      `${redact(url)} refused the go.mod blobs by id (${e.git.tail.split('\n').pop()}); fetching the tag trees in full`,
    );
  }
  try {
    return await inThrowawayRepo(opts, (cwd) => fetchGoLines(cwd, url, tags, opts, undefined, false));
  } catch (e) {
    throw failure(e);
  }
}

async function inThrowawayRepo<T>(opts: GitOptions, fn: (dir: string) => Promise<T>): Promise<T> {
  throwIfAborted(opts.signal);
  const dir = await mkdtemp(join(tmpdir(), 'vc-coredns-meta-'));
  try {
    await runGit(['init', '--bare'], { ...opts, cwd: dir });
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fetchGoLines(
  cwd: string,
  url: string,
  tags: RemoteTag[],
  opts: GitOptions,
  uploadPack: string | undefined,
  partial: boolean,
): Promise<Map<string, string | null>> {
  const remote = {
    ...opts,
    cwd,
    url,
    config: ['fetch.unpackLimit=1'],
    ...(uploadPack === undefined ? {} : { uploadPack }),
  };
  const local = { ...opts, cwd };
  const filter = partial ? ['--filter=blob:none'] : [];
  const fetch = ['fetch', '--no-tags', '--no-write-fetch-head', ...filter];
  await runGit(
    [...fetch, '--depth=1', url, ...tags.map((t) => `+refs/tags/${t.version}:refs/tags/${t.version}`)],
    remote,
  );
  // One rev-parse: each tag's commit (checked against the listing) and tree.
  const ids = (
    await runGit(
      [
        'rev-parse',
        ...tags.map((t) => `refs/tags/${t.version}^{commit}`),
        ...tags.map((t) => `refs/tags/${t.version}^{tree}`),
      ],
      local,
    )
  )
    .trim()
    .split('\n');
  const treeOf = new Map<string, string>();
  tags.forEach((t, i) => {
    if (ids[i] !== t.commit) {
      throw new VcError(`${t.version} on ${redact(url)} moved while its go.mod was read`, {
        code: 'HEAD_MISMATCH',
        hint: 'the tag was moved on the remote after it was listed; run again',
      });
    }
    treeOf.set(t.commit, ids[tags.length + i] as string);
  });
  // The trees are here, the blobs not: which blob is each tag's go.mod? One diff-tree of every tree
  // against the empty tree (not against the parent: a parent may be here too, as another tag).
  const diff = await runGit(['diff-tree', '--stdin', '-r', '--no-renames', '--', 'go.mod'], {
    ...local,
    input: [...new Set(treeOf.values())].map((tree) => `${EMPTY_TREE} ${tree}\n`).join(''),
  });
  const blobOfTree = new Map<string, string>();
  let tree = '';
  for (const line of diff.split('\n')) {
    const header = /^[0-9a-f]+ ([0-9a-f]+)$/.exec(line);
    if (header?.[1]) tree = header[1];
    const raw = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) A\tgo\.mod$/.exec(line);
    if (raw?.[1] && tree) blobOfTree.set(tree, raw[1]);
  }
  const blobs = new Map<string, string>();
  for (const [commit, t] of treeOf) {
    const blob = blobOfTree.get(t);
    if (blob) blobs.set(commit, blob);
  }
  if (partial && blobs.size > 0) {
    // As git's own lazy fetch does: no negotiation, or the server, told we have the tag commits, would
    // count their blobs as ours and send none. Blobs asked for by id come despite blob:none.
    await runGit([...fetch, url, ...new Set(blobs.values())], {
      ...remote,
      config: [...remote.config, 'fetch.negotiationAlgorithm=noop'],
    }).catch((e) => {
      throw e instanceof GitCommandError ? new BlobFetchRefused(e) : e;
    });
  }
  const result = new Map<string, string | null>(tags.map((t) => [t.commit, null]));
  if (blobs.size === 0) return result;
  let out = '';
  try {
    out = await runGit(
      ['grep', '-z', '-E', '-e', '^go[[:space:]]+[0-9]', ...blobs.keys(), '--', 'go.mod'],
      local,
    );
  } catch (e) {
    // grep exits 1 when nothing matched
    if (!(e instanceof GitCommandError) || e.tail !== '') throw e;
  }
  for (const line of out.split('\n')) {
    const [where, text] = line.split('\0');
    const commit = where?.replace(/:go\.mod$/, '');
    const go = text === undefined ? undefined : /^go\s+([0-9][0-9A-Za-z.+-]*)/.exec(text)?.[1];
    if (commit && go && result.get(commit) === null) result.set(commit, go);
  }
  return result;
}
