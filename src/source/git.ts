// The one way vc-coredns runs git: simple-git with a fixed transport policy, a cleaned environment,
// the caller's AbortSignal, and errors whose text never carries a credential.
import { dirname } from 'node:path';
import { type SimpleGitOptions, simpleGit } from 'simple-git';
import { redact, VcError } from '../errors.js';
import { abortError, throwIfAborted } from '../util/abort.js';
import { repoTransport } from './url.js';

export interface GitOptions {
  /** Kills the running git and rejects with ABORTED. */
  signal?: AbortSignal;
  /** The environment git runs with (default process.env): the CLI reads it once and passes it down. */
  env?: NodeJS.ProcessEnv;
}

export type Log = (line: string) => void;

export interface GitRun extends GitOptions {
  cwd: string;
  /** The remote this command talks to; checked by repoTransport first. */
  url?: string;
  /** A custom upload-pack for a file:// remote (it runs on this machine, as git's own would). */
  uploadPack?: string;
  /** Stops git from looking for a repository above cwd (for commands that need none). */
  noDiscovery?: boolean;
  /** More `-c` settings for this command. */
  config?: string[];
  /** Written to git's stdin. */
  input?: string;
}

/** A failed git command: its exit code and the end of its stderr, already redacted. */
export class GitCommandError extends Error {
  constructor(
    readonly args: string,
    readonly tail: string,
  ) {
    super(tail || `git ${args} failed`);
    this.name = 'GitCommandError';
  }
}

/**
 * Environment variables git may see from the caller's environment. simple-git strips every other GIT_*
 * variable (and EDITOR, PAGER...) inherited from the environment, which also keeps the GIT_DIR of a
 * surrounding git hook from redirecting our commands. These are the user's own choices of how to
 * reach and trust a server (ssh command, askpass, CA bundle, which config files) and stay.
 */
const PASS_THROUGH = new Set([
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_SSH_VARIANT',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_SSL_CERT',
  'GIT_SSL_KEY',
  'GIT_SSL_CERT_PASSWORD_PROTECTED',
  'GIT_HTTP_USER_AGENT',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_NOSYSTEM',
]);
/** Set by us on every command. */
const OURS = ['GIT_TERMINAL_PROMPT', 'GIT_CEILING_DIRECTORIES'];
/** Non-GIT_ names simple-git guards. */
const GUARDED_PLAIN = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

function isGuarded(key: string): boolean {
  const k = key.toUpperCase();
  return k.startsWith('GIT_') || GUARDED_PLAIN.has(k);
}

export function gitEnv(base: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (isGuarded(key) && !PASS_THROUGH.has(key.toUpperCase())) continue;
    env[key] = value;
  }
  // Never wait for a password on a terminal: a CI job would hang. Credential helpers still answer.
  env.GIT_TERMINAL_PROMPT = '0';
  // English messages: they end up in our errors, next to our English text.
  env.LC_ALL = 'C';
  return { ...env, ...extra };
}

/**
 * `-c` settings of every command. The user's global and system config stay (credential helpers, proxies,
 * CA bundles and insteadOf mirrors are how real users reach their servers); these override what would
 * make a run unsafe or not reproducible:
 * - only the transports resolveRepoUrl accepts: `protocol.allow=never` does not cover a protocol the
 *   user's config allows by name, so `ext` and `fd` are named too (an insteadOf rewriting a URL to
 *   `ext::...` is refused by git itself);
 * - checkouts byte-for-byte as committed (no CRLF conversion), no background gc in the cache.
 */
export function gitConfig(url: string | undefined): string[] {
  const http = url !== undefined && repoTransport(url) === 'http-loopback' ? 'always' : 'never';
  return [
    'protocol.allow=never',
    'protocol.https.allow=always',
    'protocol.ssh.allow=always',
    'protocol.git.allow=always',
    'protocol.file.allow=always',
    `protocol.http.allow=${http}`,
    'protocol.ext.allow=never',
    'protocol.fd.allow=never',
    'core.autocrlf=false',
    'gc.auto=0',
    'maintenance.auto=false',
    'advice.detachedHead=false',
  ];
}

/**
 * Removes the URL's secret wherever it appears (the password, or a user part without one: a token), then
 * the generic URL and header shapes. Secrets shorter than 4 characters are left to redact()'s URL rule.
 */
export function scrub(text: string, url?: string): string {
  let out = text;
  const userinfo = url === undefined ? undefined : /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url)?.[1];
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const secret = colon >= 0 ? userinfo.slice(colon + 1) : userinfo;
    let decoded = secret;
    try {
      decoded = decodeURIComponent(secret);
    } catch {
      // not percent-encoded text
    }
    for (const s of new Set([secret, decoded])) if (s.length >= 4) out = out.split(s).join('***');
  }
  return redact(out);
}

/** The last lines of git's stderr, credentials removed before anything is cut. */
export function stderrTail(text: string, url?: string, lines = 8, chars = 1500): string {
  const clean = scrub(text, url).trim();
  const tail = clean.split('\n').slice(-lines).join('\n');
  return tail.length > chars ? `...${tail.slice(-chars)}` : tail;
}

/** Runs `git args` and returns its stdout; throws GitCommandError, or ABORTED when the signal fired. */
export async function runGit(args: string[], run: GitRun): Promise<string> {
  throwIfAborted(run.signal);
  const base = run.env ?? process.env;
  const extra: Record<string, string> = {};
  if (run.noDiscovery) extra.GIT_CEILING_DIRECTORIES = dirname(run.cwd);
  const env = gitEnv(base, extra);
  const has = (k: string) => k in env;
  const options: Partial<SimpleGitOptions> = {
    baseDir: run.cwd,
    config: [...gitConfig(run.url), ...(run.config ?? [])],
    allowEnvironment: [...PASS_THROUGH, ...OURS],
    unsafe: {
      // Our own -c protocol.* settings restrict transports; simple-git guards any protocol setting.
      allowUnsafeProtocolOverride: true,
      allowUnsafePack: run.uploadPack !== undefined,
      allowUnsafeSshCommand: has('GIT_SSH') || has('GIT_SSH_COMMAND'),
      allowUnsafeAskPass: has('GIT_ASKPASS') || has('SSH_ASKPASS'),
      allowUnsafeConfigPaths: has('GIT_CONFIG_GLOBAL') || has('GIT_CONFIG_SYSTEM'),
    },
    maxConcurrentProcesses: 4,
  };
  if (run.signal) options.abort = run.signal;
  const input = run.input;
  if (input !== undefined) options.input = () => input;
  const fullArgs = run.uploadPack === undefined ? args : withUploadPack(args, run.uploadPack);
  try {
    return await simpleGit(options).env(env).raw(fullArgs);
  } catch (e) {
    if (run.signal?.aborted) throw abortError(run.signal);
    const text = e instanceof Error ? e.message : String(e);
    throw new GitCommandError(scrub(args.slice(0, 2).join(' '), run.url), stderrTail(text, run.url));
  }
}

function withUploadPack(args: string[], uploadPack: string): string[] {
  const [command, ...rest] = args;
  if (command !== 'fetch' && command !== 'clone' && command !== 'ls-remote') return args;
  return [command, `--upload-pack=${uploadPack}`, ...rest];
}

/** Wraps a git failure into the error users see: what failed, where (redacted), git's own words. */
export function gitFailure(
  e: unknown,
  what: { message: string; code: string; hint?: string; url?: string },
): unknown {
  if (!(e instanceof GitCommandError)) return e;
  const tail = e.tail ? `: ${e.tail}` : '';
  return new VcError(`${scrub(what.message, what.url)}${tail}`, {
    code: what.code,
    ...(what.hint === undefined ? {} : { hint: scrub(what.hint, what.url) }),
  });
}
