import { VcError } from '../errors.js';
import { GitCommandError, type GitOptions, runGit } from './git.js';

/** The committer time (seconds) of HEAD in a checkout: the build's SOURCE_DATE_EPOCH. */
export async function commitTime(dir: string, opts: GitOptions = {}): Promise<number> {
  let out: string;
  try {
    out = await runGit(['log', '-1', '--format=%ct', 'HEAD'], { cwd: dir, noDiscovery: true, ...opts });
  } catch (e) {
    if (!(e instanceof GitCommandError)) throw e;
    throw new VcError(`cannot read the commit time of ${dir}: ${e.message}`, {
      code: 'GIT_FAILED',
      cause: e,
    });
  }
  const seconds = Number(out.trim());
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new VcError(`cannot read the commit time of ${dir}`, { code: 'GIT_FAILED' });
  }
  return seconds;
}
