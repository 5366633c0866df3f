import { redact, type VcError } from '../errors.js';

/** Where a command writes: results to out, everything else to err. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

/** The process's streams; every write is redacted, whoever made the text (a secret never reaches a CI log). */
export const processIo: Io = {
  out: (t) => process.stdout.write(redact(t)),
  err: (t) => process.stderr.write(redact(t)),
  env: process.env,
  isTTY: Boolean(process.stderr.isTTY),
};

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

export function printError(io: Io, e: VcError, json: boolean): void {
  const message = redact(e.message);
  const hint = e.hint === undefined ? undefined : redact(e.hint);
  io.err(`error: ${message}\n`);
  if (hint) io.err(`hint: ${hint}\n`);
  if (json) printJson(io, { error: { code: e.code, message, hint: hint ?? null } });
}
