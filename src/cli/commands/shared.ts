import type { Io } from '../io.js';

/** What every command's action gets from main. */
export interface CommandEnv {
  io: Io;
  /** aborted on SIGINT/SIGTERM */
  signal: AbortSignal;
  exit: (code: number) => never;
  /** `--debug` anywhere on the command line */
  debug?: boolean;
}
