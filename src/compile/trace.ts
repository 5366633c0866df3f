// `--verbose`: each process compile/ starts (make, go), told before it starts, as a shell line that
// shows the variables that decide the build. Behaviour added by wrapping the runner.
import { redact } from '../errors.js';
import { quoteArg } from './commands.js';
import type { Runner } from './runner.js';

/** The variables of a process's environment that a verbose line shows (when set). */
const SHOWN = [
  'GOOS',
  'GOARCH',
  'GOARM',
  'CGO_ENABLED',
  'GOFLAGS',
  'GOTOOLCHAIN',
  'GOPROXY',
  'SOURCE_DATE_EPOCH',
] as const;

/** `cd DIR && env K=V ... file args` with credentials in URLs redacted. */
export function traceLine(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): string {
  const vars = SHOWN.flatMap((k) => (env[k] === undefined ? [] : [quoteArg(`${k}=${env[k]}`)]));
  const command = [file, ...args].map(quoteArg).join(' ');
  return redact(`run: cd ${quoteArg(cwd)} && ${vars.length ? `env ${vars.join(' ')} ` : ''}${command}`);
}

/** A runner that tells `trace` each command before running it with `run`. */
export function tracedRunner(run: Runner, trace: (line: string) => void): Runner {
  return (file, args, opts) => {
    trace(traceLine(file, args, opts.cwd, opts.env));
    return run(file, args, opts);
  };
}
