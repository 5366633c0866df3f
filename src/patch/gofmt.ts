import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** gofmt as a value, so planning and verifying stay testable; null when gofmt is not on PATH. */
export interface GoFmt {
  /** Formats Go source; `ok: false` with gofmt's message when the source does not parse. */
  format(source: string): Promise<{ ok: true; output: string } | { ok: false; error: string }>;
}

export function gofmtAt(command = 'gofmt'): GoFmt {
  return {
    async format(source) {
      const r = await pipeThrough(command, ['-e'], source);
      if (r.code === 0) return { ok: true, output: r.stdout };
      const message = r.stderr || `gofmt exited ${r.code}`;
      return { ok: false, error: message.trim().split('\n').slice(0, 3).join('; ') };
    },
  };
}

/**
 * Pipes text through a command. node:child_process rather than execa here: `patch` runs gofmt on every
 * call and importing execa would cost it about 90 ms of start-up for one pipe.
 */
function pipeThrough(
  command: string,
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new GoFmtMissing(command) : e),
    );
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {}); // gofmt may exit before reading everything; close reports it
    child.stdin.end(input);
  });
}

export class GoFmtMissing extends Error {
  constructor(command: string) {
    super(`${command} is not on PATH`);
  }
}

/** The gofmt on PATH, or null when there is none (looked up without starting a process). */
export async function findGofmt(command = 'gofmt', path = process.env.PATH ?? ''): Promise<GoFmt | null> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return gofmtAt(candidate);
  }
  return null;
}

const lf = (s: string) => s.replace(/\r\n/g, '\n');

/** gofmt-clean, with CRLF compared as LF. */
export async function isGofmtClean(gofmt: GoFmt, source: string): Promise<boolean> {
  if (source === '') return true;
  const r = await gofmt.format(lf(source));
  return r.ok && r.output === lf(source);
}
