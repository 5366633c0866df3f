import { redact } from '../errors.js';
import type { Reporter, Stage } from '../pipeline/context.js';
import type { Io } from './io.js';

export type { Reporter, Stage };

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
  smoke: 'smoke-testing',
  sign: 'signing',
  attest: 'attaching the SBOM and provenance',
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
