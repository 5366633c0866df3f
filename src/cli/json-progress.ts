// `--progress json`: one JSON object per line on stderr, for other CI systems and wrappers. The fields
// are DESIGN.md's: {time, event, version, stage, platform, state, message}; fields that do not apply are
// left out. A `result` event with a version is that version's outcome; one without is the run's.
import { redact } from '../errors.js';
import type { Reporter, Stage } from '../pipeline/context.js';
import type { Io } from './io.js';

export type ProgressEventName = 'stage' | 'platform' | 'info' | 'warn' | 'result';

export interface ProgressEvent {
  /** ISO 8601, UTC */
  time: string;
  event: ProgressEventName;
  version?: string;
  stage?: Stage;
  platform?: string;
  /** platform: start|done|failed; result: built|skipped|failed (a version) or ok|failed (the run) */
  state?: string;
  message?: string;
}

/** One event as its line: fields in the contract's order, undefined ones left out, secrets redacted. */
export function eventLine(e: ProgressEvent): string {
  const ordered: ProgressEvent = {
    time: e.time,
    event: e.event,
    ...(e.version !== undefined ? { version: e.version } : {}),
    ...(e.stage !== undefined ? { stage: e.stage } : {}),
    ...(e.platform !== undefined ? { platform: e.platform } : {}),
    ...(e.state !== undefined ? { state: e.state } : {}),
    ...(e.message !== undefined && e.message !== '' ? { message: redact(e.message) } : {}),
  };
  return `${JSON.stringify(ordered)}\n`;
}

/** The reporter of `--progress json`. `quiet` keeps warnings and results only. */
export function jsonReporter(io: Io, opts: { quiet?: boolean; now?: () => Date } = {}): Reporter {
  const now = opts.now ?? (() => new Date());
  const emit = (e: Omit<ProgressEvent, 'time'>) => io.err(eventLine({ time: now().toISOString(), ...e }));
  const chatty = (e: Omit<ProgressEvent, 'time'>) => {
    if (!opts.quiet) emit(e);
  };
  return {
    stage: (version, stage, detail) => chatty({ event: 'stage', version, stage, message: detail }),
    platform: (version, platform, state, detail) =>
      chatty({ event: 'platform', version, platform, state, message: detail }),
    finish: (version, outcome, detail) => emit({ event: 'result', version, state: outcome, message: detail }),
    info: (message) => chatty({ event: 'info', message }),
    warn: (message) => emit({ event: 'warn', message }),
    close() {},
  };
}

/** The run's own result event (no version): how a run that ended in an error says so in json mode. */
export function runResultLine(state: 'ok' | 'failed', message: string, now = new Date()): string {
  return eventLine({ time: now.toISOString(), event: 'result', state, message });
}
