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

/** Removes credentials from URLs (user:password@) and from common token shapes. */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
    .replace(/(authorization:\s*(?:basic|bearer)\s+)[^\s"']+/gi, '$1***');
}
