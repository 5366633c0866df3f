import { basename, dirname } from 'node:path';
import { GitCommandError, type GitOptions, runGit } from './git.js';

/** A file as the HEAD commit of its git work tree has it, or why that cannot be had. */
export type CommittedFile = { content: string } | { missing: string };

/** `git show HEAD:./NAME` in the file's folder: the committed version of a file in a work tree. */
export async function readCommittedFile(file: string, opts: GitOptions = {}): Promise<CommittedFile> {
  try {
    const content = await runGit(['show', `HEAD:./${basename(file)}`], { cwd: dirname(file), ...opts });
    return { content };
  } catch (e) {
    if (!(e instanceof GitCommandError)) throw e;
    const tail = e.tail;
    if (/not a git repository/i.test(tail)) return { missing: 'it is not in a git work tree' };
    if (/invalid object name 'HEAD'|bad revision 'HEAD'|unknown revision/i.test(tail))
      return { missing: 'its git repository has no commit yet' };
    if (/does not exist in 'HEAD'|exists on disk, but not in 'HEAD'/i.test(tail))
      return { missing: 'git HEAD does not have the file' };
    return { missing: `git cannot show it: ${tail.split('\n').at(-1) ?? 'git failed'}` };
  }
}
