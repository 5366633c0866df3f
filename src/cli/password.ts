// The password of a cosign key: COSIGN_PASSWORD (as cosign reads it; set and empty means an empty
// password), else a prompt on the controlling terminal that echoes nothing. Never logged.
import { openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { badInput, VcError } from '../errors.js';
import type { Io } from './io.js';

export const PASSWORD_ENV = 'COSIGN_PASSWORD';

export interface PasswordRequest {
  /** what the password is for, e.g. `the private key cosign.key` */
  what: string;
  /** ask twice and compare (a new key) */
  confirm?: boolean;
}

/** Reads one line from the terminal with echo off; Ctrl-C aborts, backspace edits. */
export type TerminalPrompt = (prompt: string, signal?: AbortSignal) => Promise<string>;

function openTerminal(): { input: ReadStream; write: (s: string) => void } | null {
  try {
    const fd = openSync('/dev/tty', 'r+');
    const input = new ReadStream(fd);
    if (!input.isTTY) {
      input.destroy();
      return null;
    }
    return { input, write: (s) => void writeSync(fd, s) };
  } catch {
    return null;
  }
}

export const terminalPrompt: TerminalPrompt = (prompt, signal) =>
  new Promise((resolve, reject) => {
    const tty = openTerminal();
    if (!tty)
      return reject(
        badInput('no terminal to ask for the key password on', 'NO_PASSWORD', `set ${PASSWORD_ENV}`),
      );
    const { input } = tty;
    const chars: string[] = [];
    const done = (err: Error | null) => {
      input.setRawMode(false);
      input.removeAllListeners('data');
      signal?.removeEventListener('abort', onAbort);
      tty.write('\n');
      input.destroy();
      if (err) reject(err);
      else resolve(chars.join(''));
    };
    const onAbort = () =>
      done(new VcError('interrupted while asking for the password', { code: 'INTERRUPTED' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    // Echo off before the prompt shows: what is typed from then on never reaches the screen.
    input.setRawMode(true);
    tty.write(prompt);
    input.setEncoding('utf8');
    input.on('data', (data: string) => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n') return done(null);
        // Raw mode turns Ctrl-C into a byte: hand it back to the process as the signal it would have been.
        if (ch === '\u0003') return void process.kill(process.pid, 'SIGINT');
        if (ch === '\u0004' && chars.length === 0)
          return done(badInput('no password given', 'NO_PASSWORD', `type it, or set ${PASSWORD_ENV}`));
        if (ch === '\u007f' || ch === '\b') chars.pop();
        else if (ch >= ' ') chars.push(ch);
      }
    });
  });

/** The password: from COSIGN_PASSWORD when set, else asked on the terminal; bad input when neither. */
export async function readPassword(
  io: Io,
  req: PasswordRequest,
  prompt: TerminalPrompt = terminalPrompt,
  signal?: AbortSignal,
): Promise<string> {
  const fromEnv = io.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  const first = await prompt(`Enter password for ${req.what}: `, signal);
  if (!req.confirm) return first;
  const again = await prompt(`Enter password for ${req.what} again: `, signal);
  if (again !== first)
    throw badInput(
      'the two passwords differ',
      'BAD_PASSWORD',
      'run it again and type the same password twice',
    );
  return first;
}

/** The CLI's password source for `--sign-key`: COSIGN_PASSWORD, else the terminal. */
export function passwordSource(io: Io, signal?: AbortSignal, prompt: TerminalPrompt = terminalPrompt) {
  return (what: string): Promise<string> => readPassword(io, { what }, prompt, signal);
}
