// The release tags of a remote, from one `git ls-remote`.
import { tmpdir } from 'node:os';
import { redact } from '../errors.js';
import { filterSemverTags } from '../versions/index.js';
import { type GitOptions, gitFailure, runGit } from './git.js';
import { repoTransport, unreachableHint } from './url.js';

export interface RemoteTag {
  /** `v1.9.3` */
  version: string;
  /** The commit the tag names: for an annotated tag the peeled `^{}` entry, never the tag object. */
  commit: string;
}

/** Parses `git ls-remote --tags` output into release tags (`^v\d+\.\d+\.\d+$`), oldest first. */
export function parseLsRemote(output: string): RemoteTag[] {
  const direct = new Map<string, string>();
  const peeled = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^([0-9a-f]{40,64})\t(refs\/tags\/.+?)(\^\{\})?$/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    const name = m[2].slice('refs/tags/'.length);
    (m[3] ? peeled : direct).set(name, m[1]);
  }
  const names = filterSemverTags([...direct.keys(), ...peeled.keys()]);
  return names.map((version) => ({
    version,
    commit: (peeled.get(version) ?? direct.get(version)) as string,
  }));
}

/**
 * `git ls-remote --tags URL`. An unreachable remote is an error (exit 1, REMOTE_UNREACHABLE) naming the
 * URL without credentials and git's stderr; there is never a fallback to another source.
 */
export async function listRemoteTags(url: string, opts: GitOptions = {}): Promise<RemoteTag[]> {
  repoTransport(url);
  let out: string;
  try {
    out = await runGit(['ls-remote', '--tags', url], { ...opts, url, cwd: tmpdir(), noDiscovery: true });
  } catch (e) {
    throw gitFailure(e, {
      message: `cannot list the tags of ${redact(url)}`,
      code: 'REMOTE_UNREACHABLE',
      hint: unreachableHint(url),
      url,
    });
  }
  return parseLsRemote(out);
}
