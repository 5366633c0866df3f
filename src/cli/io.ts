import { redact, type VcError } from '../errors.js';
import { annotateError, inGitHubActions } from './github.js';
import { runResultLine } from './json-progress.js';

/** Where a command writes: results to out, everything else to err. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  isTTY: Boolean(process.stderr.isTTY),
};

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A run's final error: `error:` and `hint:` lines on stderr (with `--progress json` one `result` event
 * instead, so that every stderr line stays JSON; in GitHub Actions also an `::error` annotation), and
 * with --json the error document on stdout.
 */
export function printError(io: Io, e: VcError, json: boolean, opts: { progressJson?: boolean } = {}): void {
  const message = redact(e.message);
  const hint = e.hint === undefined ? undefined : redact(e.hint);
  if (opts.progressJson) {
    io.err(runResultLine('failed', `error: ${message}${hint ? `\nhint: ${hint}` : ''}`));
  } else {
    io.err(`error: ${message}\n`);
    if (hint) io.err(`hint: ${hint}\n`);
    if (inGitHubActions(io.env)) annotateError(io, 'vc-coredns', `${message}${hint ? `\n${hint}` : ''}`);
  }
  if (json) printJson(io, { error: { code: e.code, message, hint: hint ?? null } });
}
