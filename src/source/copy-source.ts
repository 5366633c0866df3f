// `--source DIR`: a copy of the user's tree to patch and build, so DIR itself is never written.
import { createHash } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { badInput } from '../errors.js';
import { abortError } from '../util/abort.js';
import { sha256Hex } from '../util/digest.js';
import { GitCommandError, type GitOptions, type Log, runGit } from './git.js';

export interface CopySourceOptions extends GitOptions {
  log?: Log;
  /** Where the temp folder goes (default os.tmpdir()). */
  tmpRoot?: string;
}

export interface SourceCopy {
  /** The copy: patch and build here. */
  dir: string;
  /** sha256 over the sorted (path, mode, content) list: the build key's stand-in for a commit. */
  treeHash: string;
  /** HEAD of DIR when DIR is the top of a git work tree with a commit (for labels), else null. */
  commit: string | null;
  /**
   * HEAD's committer time in seconds when commit is not null, else null. The copy has no .git (nothing
   * there to run git on): this is the stand-in for the tag commit time (SOURCE_DATE_EPOCH).
   */
  commitTime: number | null;
  /** The files copied, sorted (paths relative to dir, `/`-separated). */
  files: string[];
  /** Removes the copy. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Copies DIR's tracked and untracked-but-not-ignored files (`git ls-files -co --exclude-standard`) when
 * DIR is in a git work tree, else every file; never `.git` or the top-level `build/` (build outputs).
 * Symlinks are copied as links; file modes are reduced to git's (executable or not).
 */
export async function copySource(source: string, opts: CopySourceOptions = {}): Promise<SourceCopy> {
  const st = await lstat(source).catch(() => null);
  if (!st?.isDirectory()) {
    throw badInput(`--source ${source} is not a directory`, 'NO_SUCH_PATH', 'give the top of a CoreDNS tree');
  }
  const root = await realpath(source);
  const listed = await gitListing(root, opts);
  const paths = listed ? listed.paths : await walk(root, opts.signal);
  const files = [...new Set(paths.filter(included))].sort(compareBytes);

  const tmp = await mkdtemp(join(opts.tmpRoot ?? tmpdir(), 'vc-coredns-source-'));
  const dir = join(tmp, 'coredns');
  const dispose = () => rm(tmp, { recursive: true, force: true });
  try {
    const tree = createHash('sha256');
    const copied: string[] = [];
    for (const path of files) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const from = join(root, ...path.split('/'));
      const info = await lstat(from).catch(() => null);
      if (!info) continue; // tracked but deleted in the work tree
      const to = join(dir, ...path.split('/'));
      await mkdir(dirname(to), { recursive: true });
      let mode: string;
      let digest: string;
      if (info.isSymbolicLink()) {
        const target = await readlink(from);
        await symlink(target, to);
        mode = '120000';
        digest = sha256Hex(Buffer.from(target));
      } else if (info.isFile()) {
        const data = await readFile(from);
        const exec = (info.mode & 0o111) !== 0;
        await writeFile(to, data, { mode: exec ? 0o755 : 0o644 });
        mode = exec ? '100755' : '100644';
        digest = sha256Hex(data);
      } else {
        opts.log?.(`--source: skipping ${path} (not a file: a submodule or special file)`);
        continue;
      }
      tree.update(`${mode} ${path}\0${digest}\n`);
      copied.push(path);
    }
    return {
      dir,
      treeHash: `sha256:${tree.digest('hex')}`,
      commit: listed?.commit ?? null,
      commitTime: listed?.commitTime ?? null,
      files: copied,
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** `.git` anywhere and the top-level `build/` never travel. */
function included(path: string): boolean {
  if (path === 'build' || path.startsWith('build/')) return false;
  return !path.split('/').includes('.git');
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The files git would show (tracked + untracked, not ignored), or null when root is in no work tree. */
async function gitListing(
  root: string,
  opts: GitOptions,
): Promise<{ paths: string[]; commit: string | null; commitTime: number | null } | null> {
  const git = (args: string[]) => runGit(args, { ...opts, cwd: root });
  let top: string;
  try {
    if ((await git(['rev-parse', '--is-inside-work-tree'])).trim() !== 'true') return null;
    top = await realpath((await git(['rev-parse', '--show-toplevel'])).trim());
  } catch (e) {
    if (e instanceof GitCommandError) return null;
    throw e;
  }
  // ls-files reads the index and never writes it (unlike status), so DIR stays untouched.
  const out = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const paths = out.split('\0').filter((p) => p !== '');
  let commit: string | null = null;
  let commitTime: number | null = null;
  if (top === root) {
    const head = await git(['log', '-1', '--format=%H %ct', 'HEAD']).then(
      (s) => s.trim(),
      (e) => {
        if (e instanceof GitCommandError) return ''; // no commit yet
        throw e;
      },
    );
    const m = /^([0-9a-f]{40,64}) (\d+)$/.exec(head);
    if (m?.[1] && m[2]) {
      commit = m[1];
      commitTime = Number(m[2]);
    }
  }
  return { paths, commit, commitTime };
}

async function walk(root: string, signal: AbortSignal | undefined): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    if (signal?.aborted) throw abortError(signal);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split(sep).join('/');
      if (!included(rel)) continue;
      if (entry.isDirectory()) await visit(full);
      else out.push(rel);
    }
  };
  await visit(root);
  return out;
}
