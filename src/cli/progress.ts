import { redact } from '../errors.js';
import type { Io } from './io.js';

export type Stage =
  | 'resolve'
  | 'checkout'
  | 'patch'
  | 'build'
  | 'assemble'
  | 'publish'
  | 'skip-check'
  | 'attest';

/** What the pipeline tells about long work; the CLI decides how it looks. */
export interface Reporter {
  /** a stage of one version began (detail: e.g. the URL being cloned) */
  stage(version: string, stage: Stage, detail?: string): void;
  /** one platform's build or upload changed state */
  platform(version: string, platform: string, state: 'start' | 'done' | 'failed', detail?: string): void;
  /** the version finished: ok, skipped or failed */
  finish(version: string, outcome: 'built' | 'skipped' | 'failed', detail?: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** stops timers; call once at the end */
  close(): void;
}

export const silentReporter: Reporter = {
  stage() {},
  platform() {},
  finish() {},
  info() {},
  warn() {},
  close() {},
};

function clock(now: Date): string {
  return now.toISOString().slice(11, 19);
}

const STAGE_TEXT: Record<Stage, string> = {
  resolve: 'resolving versions',
  checkout: 'checking out',
  patch: 'patching service.go',
  build: 'building',
  assemble: 'assembling the image',
  publish: 'publishing',
  'skip-check': 'checking whether the target is current',
  attest: 'attesting',
};

/**
 * Plain timestamped lines on stderr (not a TTY, or CI set). Long steps print a heartbeat every
 * `heartbeatMs`, so a CI log never looks stuck.
 */
export function lineReporter(
  io: Io,
  opts: { quiet?: boolean; heartbeatMs?: number; now?: () => Date } = {},
): Reporter {
  const now = opts.now ?? (() => new Date());
  const started = new Map<string, { what: string; at: number }>();
  const line = (text: string) => io.err(`[${clock(now())}] ${redact(text)}\n`);
  const say = (text: string) => {
    if (!opts.quiet) line(text);
  };
  const timer =
    opts.quiet || opts.heartbeatMs === 0
      ? undefined
      : setInterval(() => {
          for (const { what, at } of started.values()) {
            line(`${what}: still working (${Math.round((now().getTime() - at) / 1000)} s)`);
          }
        }, opts.heartbeatMs ?? 15_000);
  timer?.unref();
  const begin = (key: string, what: string) => started.set(key, { what, at: now().getTime() });
  const end = (key: string) => {
    const s = started.get(key);
    started.delete(key);
    return s ? ` in ${((now().getTime() - s.at) / 1000).toFixed(1)} s` : '';
  };
  return {
    stage(version, stage, detail) {
      end(`${version}:stage`);
      begin(`${version}:stage`, `${version} ${STAGE_TEXT[stage]}`);
      say(`${version} ${STAGE_TEXT[stage]}${detail ? ` ${detail}` : ''}`);
    },
    platform(version, platform, state, detail) {
      const key = `${version}:${platform}`;
      if (state === 'start') {
        begin(key, `${version} ${platform}`);
        say(`${version} ${platform}: started${detail ? ` (${detail})` : ''}`);
      } else {
        const took = end(key);
        say(`${version} ${platform}: ${state}${took}${detail ? ` (${detail})` : ''}`);
      }
    },
    finish(version, outcome, detail) {
      for (const key of [...started.keys()]) if (key.startsWith(`${version}:`)) started.delete(key);
      say(`${version} ${outcome}${detail ? `: ${detail}` : ''}`);
    },
    info: (m) => say(m),
    warn: (m) => line(`warning: ${m}`),
    close() {
      if (timer) clearInterval(timer);
      started.clear();
    },
  };
}
