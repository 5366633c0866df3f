// The Go facts of each tag without cloning the tags: its minimum (go.mod's `go` line) and upstream's Go
// (versions/upstream-go.ts: `.go-version`, workflows, `.travis.yml`, go.mod). A throwaway bare repo gets
// the tag commits at depth 1 without blobs (commits and trees only), then exactly the blobs of those
// files in one batched fetch. Results are cached by commit (tags are immutable), so a later `versions`
// or `build` only runs ls-remote.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact, VcError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import { writeFileAtomic } from '../util/fs.js';
import { type GoFiles, goModGoLine, type UpstreamGo, upstreamGo } from '../versions/upstream-go.js';
import { goMinimumFile } from './cache.js';
import { GitCommandError, type GitOptions, type GitRun, gitFailure, type Log, runGit } from './git.js';
import type { RemoteTag } from './tags.js';
import { repoTransport } from './url.js';

export interface GoMinimumOptions extends GitOptions {
  cacheDir: string;
  log?: Log;
}

/** What a tag's files say about Go. */
export interface TagGo {
  /** go.mod's `go` line (`1.22.7`), null before go.mod existed or without a go line */
  minimum: string | null;
  /** upstream's Go, null when no file names one */
  upstream: UpstreamGo | null;
}

// 2: upstream's Go beside the minimum (format 1 held only the minimum: read again).
const FORMAT = 2;

interface CacheFile {
  format: typeof FORMAT;
  commits: Record<string, TagGo>;
}

/** The files a tag's Go is read from (pathspecs for diff-tree and grep). */
const GO_PATHS = ['go.mod', '.go-version', '.travis.yml', '.github/workflows'];
const WORKFLOW = /^\.github\/workflows\/[^/]+\.ya?ml$/;

function wanted(path: string): boolean {
  return path === 'go.mod' || path === '.go-version' || path === '.travis.yml' || WORKFLOW.test(path);
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * A file:// remote is served by an upload-pack on this machine, which reads only the source repository's
 * config: `-c` given to our fetch does not reach it (git clears GIT_CONFIG_PARAMETERS for local
 * transports, tried with git 2.39). Without allowFilter it would ignore `--filter` and send every blob.
 */
const LOCAL_UPLOAD_PACK =
  'git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true upload-pack';

/** version -> what its files say about Go (see TagGo). */
export async function goForTags(
  url: string,
  tags: RemoteTag[],
  opts: GoMinimumOptions,
): Promise<Map<string, TagGo>> {
  const transport = repoTransport(url);
  const file = goMinimumFile(opts.cacheDir);
  const known = (await readCache(file)).commits;
  const missing = tags.filter((t) => !Object.hasOwn(known, t.commit));
  if (missing.length > 0) {
    const found = await readGoFiles(url, missing, opts, transport === 'file' ? LOCAL_UPLOAD_PACK : undefined);
    // Merge with what another run may have written meanwhile; losing a race only costs a refetch.
    const onDisk = (await readCache(file)).commits;
    const merged: CacheFile = { format: FORMAT, commits: { ...onDisk, ...Object.fromEntries(found) } };
    await mkdir(opts.cacheDir, { recursive: true });
    await writeFileAtomic(file, `${JSON.stringify(merged, null, 1)}\n`);
    for (const [commit, go] of found) known[commit] = go;
  }
  return new Map(tags.map((t) => [t.version, known[t.commit] ?? { minimum: null, upstream: null }]));
}

/** version -> minimum Go (`1.13`), null for tags without go.mod (before v1.5.0). */
export async function goMinimumForTags(
  url: string,
  tags: RemoteTag[],
  opts: GoMinimumOptions,
): Promise<Map<string, string | null>> {
  const go = await goForTags(url, tags, opts);
  return new Map([...go].map(([version, g]) => [version, g.minimum]));
}

/** TagGo of a tree on disk (a `--source` copy): the same files, read from dir. */
export async function goOfTree(dir: string): Promise<TagGo> {
  const read = (path: string) => readFile(join(dir, path), 'utf8').catch(() => null);
  const workflowDir = join(dir, '.github', 'workflows');
  const names = (await readdir(workflowDir).catch(() => [] as string[])).filter((n) =>
    WORKFLOW.test(`.github/workflows/${n}`),
  );
  const workflows = (await Promise.all(names.sort().map((n) => read(`.github/workflows/${n}`)))).filter(
    (t): t is string => t !== null,
  );
  return tagGoFromFiles({
    goVersion: await read('.go-version'),
    workflows,
    travis: await read('.travis.yml'),
    goMod: await read('go.mod'),
  });
}

/** TagGo from the texts of a tag's files (also for a `--source` tree read from disk). */
export function tagGoFromFiles(files: GoFiles): TagGo {
  return { minimum: files.goMod === null ? null : goModGoLine(files.goMod), upstream: upstreamGo(files) };
}

async function readCache(file: string): Promise<CacheFile> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>;
    if (data.format === FORMAT && data.commits && typeof data.commits === 'object') {
      return { format: FORMAT, commits: { ...data.commits } };
    }
  } catch {
    // absent or damaged: it is only a cache
  }
  return { format: FORMAT, commits: {} };
}

/** The blob fetch by object id failed: the server may not serve partial clones. */
class BlobFetchRefused extends Error {
  constructor(readonly git: GitCommandError) {
    super(git.message);
  }
}

async function readGoFiles(
  url: string,
  tags: RemoteTag[],
  opts: GoMinimumOptions,
  uploadPack: string | undefined,
): Promise<Map<string, TagGo>> {
  const log = opts.log ?? (() => {});
  const failure = (e: unknown) =>
    gitFailure(e, {
      message: `cannot read go.mod and the Go files of the tags of ${redact(url)}`,
      code: 'REMOTE_UNREACHABLE',
      hint: 'check the URL, the network and your git credentials (vc-coredns never falls back to another source)',
      url,
    });
  try {
    return await inThrowawayRepo(opts, (cwd) => fetchGoFiles(cwd, url, tags, opts, uploadPack, true));
  } catch (e) {
    if (!(e instanceof BlobFetchRefused)) throw failure(e);
    // The same remote, the tag trees with their blobs: slower, never another source.
    log(
      `${redact(url)} refused the Go file blobs by id (${e.git.tail.split('\n').pop()}); fetching the tag trees in full`,
    );
  }
  try {
    return await inThrowawayRepo(opts, (cwd) => fetchGoFiles(cwd, url, tags, opts, undefined, false));
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

async function fetchGoFiles(
  cwd: string,
  url: string,
  tags: RemoteTag[],
  opts: GitOptions,
  uploadPack: string | undefined,
  partial: boolean,
): Promise<Map<string, TagGo>> {
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
  // The trees are here, the blobs not: which blobs are each tag's Go files? One diff-tree of every tree
  // against the empty tree (not against the parent: a parent may be here too, as another tag).
  const diff = await runGit(['diff-tree', '--stdin', '-r', '--no-renames', '--', ...GO_PATHS], {
    ...local,
    input: [...new Set(treeOf.values())].map((tree) => `${EMPTY_TREE} ${tree}\n`).join(''),
  });
  const treesWithFiles = new Set<string>();
  const blobs = new Set<string>();
  let tree = '';
  for (const line of diff.split('\n')) {
    const header = /^[0-9a-f]+ ([0-9a-f]+)$/.exec(line);
    if (header?.[1]) tree = header[1];
    const raw = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) A\t(.+)$/.exec(line);
    if (raw?.[1] && raw[2] && tree && wanted(raw[2])) {
      blobs.add(raw[1]);
      treesWithFiles.add(tree);
    }
  }
  if (partial && blobs.size > 0) {
    // As git's own lazy fetch does: no negotiation, or the server, told we have the tag commits, would
    // count their blobs as ours and send none. Blobs asked for by id come despite blob:none.
    await runGit([...fetch, url, ...blobs], {
      ...remote,
      config: [...remote.config, 'fetch.negotiationAlgorithm=noop'],
    }).catch((e) => {
      throw e instanceof GitCommandError ? new BlobFetchRefused(e) : e;
    });
  }
  const files = new Map<string, GoFiles>(
    tags.map((t) => [t.commit, { goVersion: null, workflows: [], travis: null, goMod: null }]),
  );
  const withFiles = [...treeOf].filter(([, t]) => treesWithFiles.has(t)).map(([commit]) => commit);
  if (withFiles.length > 0) {
    for (const [where, text] of await readTexts(local, withFiles)) {
      const commit = where.slice(0, 40);
      const path = where.slice(41);
      const f = files.get(commit);
      if (!f || !wanted(path)) continue;
      if (path === 'go.mod') f.goMod = text;
      else if (path === '.go-version') f.goVersion = text;
      else if (path === '.travis.yml') f.travis = text;
      else f.workflows.push(text);
    }
  }
  return new Map([...files].map(([commit, f]) => [commit, tagGoFromFiles(f)]));
}

/** `<commit>:<path>` -> text of the Go files of the given commits (their blobs are here): one git grep. */
async function readTexts(local: GitRun, commits: string[]): Promise<Map<string, string>> {
  let out = '';
  try {
    // Every line (the empty pattern matches all), each prefixed with `<commit>:<path>` and a NUL.
    out = await runGit(['grep', '-z', '-I', '--no-color', '-e', '', ...commits, '--', ...GO_PATHS], local);
  } catch (e) {
    // grep exits 1 when nothing matched (only empty files)
    if (!(e instanceof GitCommandError) || e.tail !== '') throw e;
  }
  const lines = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const nul = line.indexOf('\0');
    if (nul < 0) continue;
    const where = line.slice(0, nul);
    const text = lines.get(where) ?? [];
    if (text.length === 0) lines.set(where, text);
    text.push(line.slice(nul + 1));
  }
  return new Map([...lines].map(([where, text]) => [where, `${text.join('\n')}\n`]));
}
