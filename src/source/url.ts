// Which repository vc-coredns reads CoreDNS from, and the URL forms it lets git open.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { badInput, publicUrl, redact } from '../errors.js';

export const DEFAULT_REPO_URL = 'https://github.com/coredns/coredns.git';

const URL_HINT =
  'use an https://, ssh://, git:// or file:// URL, git@host:path, or a local path (http:// only to localhost)';

/** `scheme://...`; `git+ssh` and `ssh+git` are git's own aliases of ssh. */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** `<transport>::<address>`: a remote helper (`ext::` runs any command it is given). */
const REMOTE_HELPER = /^([A-Za-z0-9][A-Za-z0-9+.-]*)::/;
/** git's scp-like form `[user@]host:path`: a colon before any slash. */
const SCP_LIKE = /^(?:([^@/\s]+)@)?(\[[^\]/\s]+\]|[^:/\s]+):(.*)$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export type RepoTransport = 'https' | 'http-loopback' | 'ssh' | 'git' | 'file';

/**
 * The repository to read: `--repo` when given, else `VC_COREDNS_REPO`, else upstream CoreDNS on GitHub.
 * Local paths (which must exist) become absolute `file://` URLs: git ignores `--depth` for plain
 * paths. Anything git could open through another transport is bad input (exit 2).
 */
export function resolveRepoUrl(
  input: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const given = input?.trim() || env.VC_COREDNS_REPO?.trim() || DEFAULT_REPO_URL;
  const local = localPath(given);
  if (local === null) {
    repoTransport(given);
    return given;
  }
  const abs = resolvePath(cwd, local);
  if (!statSync(abs, { throwIfNoEntry: false })) {
    throw badInput(
      `repository ${given} does not exist`,
      'REPO_NOT_FOUND',
      `a local repository is a path to a git directory; ${URL_HINT}`,
    );
  }
  return pathToFileURL(abs).href;
}

/** The path when input is a local path in git's sense (no scheme, no remote helper, not scp-like). */
function localPath(input: string): string | null {
  if (SCHEME.test(input) || REMOTE_HELPER.test(input)) return null;
  const colon = input.indexOf(':');
  const slash = input.indexOf('/');
  if (colon > 0 && (slash < 0 || colon < slash)) return null; // scp-like, as git reads it
  return input;
}

/**
 * Checks a URL before any git command sees it and says how git will reach it; throws bad input (exit
 * 2) for every other form. Every function that runs git on a URL calls it, whoever resolved the URL.
 */
export function repoTransport(url: string): RepoTransport {
  const shown = redact(url);
  const refuse = (why: string, hint = URL_HINT) =>
    badInput(`repository URL ${shown} is not allowed: ${why}`, 'BAD_REPO_URL', hint);
  const helper = REMOTE_HELPER.exec(url);
  if (helper) {
    throw refuse(
      `"${helper[1]}::" is a git remote helper, which can run arbitrary commands`,
      `remote helpers are never used; ${URL_HINT}`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\s\x00-\x1f\x7f]/.test(url)) throw refuse('it contains white space or control characters');
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const scp = SCP_LIKE.exec(url);
    if (!scp) {
      throw refuse('it is not a URL; local paths are turned into file:// URLs by --repo');
    }
    const [, user, host, path] = scp;
    if (host === undefined || host.startsWith('-') || user?.startsWith('-') || path?.startsWith('-')) {
      throw refuse('a host, user or path starting with "-" would be read as an ssh option');
    }
    return 'ssh';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse('it is not a valid URL');
  }
  if (parsed.hostname.startsWith('-') || parsed.username.startsWith('-')) {
    throw refuse('a host or user starting with "-" would be read as an ssh option');
  }
  switch (scheme) {
    case 'https':
      return 'https';
    case 'ssh':
    case 'git+ssh':
    case 'ssh+git':
      return 'ssh';
    case 'git':
      return 'git';
    case 'file':
      if (parsed.hostname !== '' && parsed.hostname !== 'localhost') {
        throw refuse('a file:// URL names a path on this machine (file:///path)');
      }
      return 'file';
    case 'http':
      if (LOOPBACK.has(parsed.hostname)) return 'http-loopback';
      throw refuse('plain http is allowed only to localhost', 'use https://');
    default:
      throw refuse(`the scheme ${scheme}:// is not one git should use here`);
  }
}

/**
 * The hint for a remote that cannot be reached. With the default repository (GitHub, when neither
 * --repo nor VC_COREDNS_REPO was given), how to name another one.
 */
export function unreachableHint(url: string): string {
  const never = 'vc-coredns never falls back to another source';
  return url === DEFAULT_REPO_URL
    ? `GitHub, the default repository, cannot be reached from here: give another with --repo URL or VC_COREDNS_REPO (a mirror or a local clone; ${never})`
    : `check the URL, the network and your git credentials (${never})`;
}

/** The URL without user, password or token: what the cache is keyed on and what may be written to disk. */
export const withoutCredentials = publicUrl;

/** A cache folder name for a repository: readable slug + hash of the URL without credentials. */
export function repoKey(url: string): string {
  const clean = withoutCredentials(url).replace(/\/+$/, '');
  const hash = createHash('sha256').update(clean).digest('hex').slice(0, 16);
  const last = clean.split(/[/:]/).pop() ?? '';
  const slug = last
    .replace(/\.git$/, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 40);
  return slug ? `${slug}-${hash}` : hash;
}
