// `--progress auto|tty|plain|json`: which reporter a command's progress goes to (all on stderr).
import type { Reporter } from '../pipeline/context.js';
import { githubReporter, inGitHubActions } from './github.js';
import type { Io } from './io.js';
import { jsonReporter } from './json-progress.js';
import { parseChoice } from './options.js';
import { lineReporter } from './progress.js';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'json'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
export type ProgressKind = Exclude<ProgressMode, 'auto'>;

export function parseProgress(value: string | undefined): ProgressMode {
  return parseChoice('--progress', value ?? 'auto', PROGRESS_MODES);
}

/**
 * What `auto` means here: a task list on a terminal (not in CI, not with --json or --quiet, not for a
 * dry run, which prints no progress worth a list), else plain lines.
 */
export function progressKind(
  mode: ProgressMode,
  io: Io,
  opts: { quiet?: boolean; json?: boolean; dryRun?: boolean } = {},
): ProgressKind {
  if (mode !== 'auto') return mode === 'tty' && opts.quiet ? 'plain' : mode;
  const tty = io.isTTY && !io.env.CI && !opts.quiet && !opts.json && !opts.dryRun;
  return tty ? 'tty' : 'plain';
}

/**
 * The reporter for plain or json progress (the TTY list is made once the versions are known). Plain
 * lines in GitHub Actions are grouped per version and warnings annotated; json lines never carry
 * workflow commands (every stderr line stays one JSON object).
 */
export function streamReporter(kind: 'plain' | 'json', io: Io, opts: { quiet?: boolean } = {}): Reporter {
  if (kind === 'json') return jsonReporter(io, opts);
  const plain = lineReporter(io, opts);
  return inGitHubActions(io.env) && !opts.quiet ? githubReporter(plain, io) : plain;
}

/**
 * `--progress json` (or `--progress=json`) anywhere on a command line: main prints a run's final error
 * as a JSON event then, not as text.
 */
export function progressJsonInArgv(argv: readonly string[]): boolean {
  return argv.some((a, i) => a === '--progress=json' || (a === '--progress' && argv[i + 1] === 'json'));
}
