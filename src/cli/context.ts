import type { Context, Reporter } from '../pipeline/context.js';
import { defaultCacheDir } from '../source/cache.js';
import type { Io } from './io.js';
import { lineReporter } from './progress.js';

export interface ContextOptions {
  quiet?: boolean;
  json?: boolean;
}

/** The one place that reads the environment for a command run; stages get values. */
export function makeContext(io: Io, opts: ContextOptions, signal: AbortSignal, reporter?: Reporter): Context {
  return {
    env: io.env,
    cwd: process.cwd(),
    cacheDir: defaultCacheDir(io.env),
    signal,
    reporter: reporter ?? lineReporter(io, { quiet: Boolean(opts.quiet) }),
  };
}
