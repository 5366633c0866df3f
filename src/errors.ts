export type ExitCode = 1 | 2;

export interface VcErrorOptions {
  code: string;
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

/** An expected failure: printed as `error: message` and `hint: hint`, no stack trace. */
export class VcError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, opts: VcErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VcError';
    this.code = opts.code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Bad input: exit code 2. */
export function badInput(message: string, code: string, hint?: string): VcError {
  return new VcError(message, { code, hint, exitCode: 2 });
}

export function isVcError(e: unknown): e is VcError {
  return e instanceof VcError;
}

/** Query parameters whose values are secrets (`token`, `access_token`, `X-Amz-Signature`, `password`...). */
const SECRET_PARAM = /token|pass|pwd|secret|key|sig|auth|cred|session|code/i;

/**
 * `scheme://user:password@` (any userinfo) and `user:password@host` where a word starts; the words
 * `user:password@` themselves, as hints write them, are a placeholder, not a secret.
 */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s"'<>]+@/gi;
const BARE_USERINFO = /(^|[\s"'(=,<[])(?!user:password@)[^\s/@:"'(=,<[]+:[^\s/@"']+@(?!sha(?:256|512):)/gi;
/** A `?`/`&`/`#`/`;` then `name=value`. */
const PARAM = /([?&#;])([^=&#;\s"'/?]+)=([^&#;\s"'<>]*)/g;

/**
 * Removes credentials from text: URL user info (`https://user:pw@`, also `user:pw@host/repo` without a
 * scheme), the values of secret-looking query parameters (`?token=`, `&X-Amz-Signature=`) and
 * Authorization headers. Used on every line vc-coredns prints or logs.
 */
export function redact(text: string): string {
  return text
    .replace(URL_USERINFO, '$1***@')
    .replace(BARE_USERINFO, '$1***@')
    .replace(PARAM, (all, sep: string, name: string, value: string) =>
      SECRET_PARAM.test(name) && value !== '' && value !== '***' ? `${sep}${name}=***` : all,
    )
    .replace(/(authorization:\s*(?:basic|bearer)\s+)[^\s"']+/gi, '$1***');
}

/**
 * A URL fit to keep (image labels, cache folder names, files): without user info and without
 * secret-looking query parameters or fragment. Text that is not a URL is returned redacted.
 */
export function publicUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redact(url);
  }
  if (u.username === '' && u.password === '' && u.search === '' && u.hash === '') return url;
  u.username = '';
  u.password = '';
  for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.delete(name);
  u.hash = '';
  return u.toString();
}
