import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

/** gofmt as a value, so planning and verifying stay testable; null when gofmt is not on PATH. */
export interface GoFmt {
  /** Formats Go source; `ok: false` with gofmt's message when the source does not parse. */
  format(source: string): Promise<{ ok: true; output: string } | { ok: false; error: string }>;
}

export function gofmtAt(command = 'gofmt'): GoFmt {
  return {
    async format(source) {
      const r = await execa(command, ['-e'], { input: source, reject: false, stripFinalNewline: false });
      if ((r as { code?: string }).code === 'ENOENT') throw new GoFmtMissing(command);
      if (r.exitCode === 0) return { ok: true, output: r.stdout };
      const message = String(r.stderr || r.message || 'gofmt failed');
      return { ok: false, error: message.trim().split('\n').slice(0, 3).join('; ') };
    },
  };
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
