import {
  type DefaultRenderer,
  Listr,
  ListrLogger,
  type ListrTaskWrapper,
  PRESET_TIMER,
  ProcessOutput,
} from 'listr2';
import { redact } from '../errors.js';
import type { Reporter, Stage } from '../pipeline/context.js';
import type { Io } from './io.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const STAGE_TITLE: Record<Stage, string> = {
  resolve: 'resolving',
  'skip-check': 'checking the target',
  checkout: 'checking out',
  patch: 'patching',
  build: 'building',
  assemble: 'assembling',
  publish: 'publishing',
  smoke: 'smoke-testing',
  sign: 'signing',
  attest: 'attesting',
};

/**
 * A task list on a TTY (listr2): one task per version showing its stage, with a line per platform.
 * Versions are known before the work starts; events from the pipeline drive the tasks.
 */
export function ttyReporter(io: Io, versions: string[]): Reporter & { done: Promise<void> } {
  const finished = new Map(versions.map((v) => [v, deferred()]));
  const tasks = new Map<string, ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>>();
  const platforms = new Map<string, Map<string, string>>();
  const pendingTitle = new Map<string, string>();
  const notes: string[] = [];
  const starts = new Map<string, number>();

  const stageText = new Map<string, string>();
  /** `v1.9.3: building  linux/amd64 done 12.1 s · linux/arm64 building` on one line. */
  const title = (version: string, text?: string) => {
    if (text !== undefined) stageText.set(version, text);
    const states = [...(platforms.get(version)?.entries() ?? [])].map(([p, st]) => `${p} ${st}`).join(' · ');
    const line = `${version}: ${stageText.get(version) ?? ''}${states ? `  ${states}` : ''}`;
    const t = tasks.get(version);
    if (t) t.title = line;
    else pendingTitle.set(version, line);
  };

  // Progress goes to stderr, as every other line that is not a result (listr2 draws on stdout by default).
  const rendererOptions = {
    timer: PRESET_TIMER,
    logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }),
  };
  const list = new Listr(
    versions.map((version) => ({
      title: version,
      task: async (
        _: unknown,
        task: ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>,
      ) => {
        tasks.set(version, task);
        const t = pendingTitle.get(version);
        if (t) task.title = t;
        await finished.get(version)?.promise;
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      // Ctrl-C is ours (main.ts): exit 130 after every process is stopped and partial output removed.
      // listr2's own SIGINT listener would end the process with 127 first.
      registerSignalListeners: false,
      // We chose the task list because stderr is a TTY; listr2 asks whether stdout is one, and would
      // fall back to a renderer that writes progress among the results on stdout.
      renderer: 'default',
      rendererOptions,
      fallbackRenderer: 'default',
      fallbackRendererOptions: rendererOptions,
    },
  );
  // Our Io is only for the plain reporter and tests; the task list draws on the process's stderr.
  void io;
  const done = list.run().then(
    () => {},
    () => {},
  );

  return {
    done,
    stage(version, stage, detail) {
      title(
        version,
        stage === 'build' ? STAGE_TITLE[stage] : `${STAGE_TITLE[stage]}${detail ? ` ${redact(detail)}` : ''}`,
      );
    },
    platform(version, platform, state, detail) {
      const m = platforms.get(version) ?? new Map<string, string>();
      platforms.set(version, m);
      const started = starts.get(`${version} ${platform}`);
      if (state === 'start') starts.set(`${version} ${platform}`, Date.now());
      const took = started && state !== 'start' ? ` ${((Date.now() - started) / 1000).toFixed(1)} s` : '';
      m.set(
        platform,
        state === 'start' ? '…' : `${state === 'done' ? '✔' : '✖'}${took}${detail ? ` ${detail}` : ''}`,
      );
      title(version);
    },
    finish(version, outcome, detail) {
      const d = finished.get(version);
      if (!d) return;
      if (outcome === 'failed') {
        title(version, 'failed');
        d.reject(new Error(redact(detail ?? 'failed')));
      } else {
        const t = tasks.get(version);
        if (outcome === 'skipped') t?.skip(`${version}: skipped${detail ? ` (${detail})` : ''}`);
        else
          title(
            version,
            `${outcome}${detail ? ` ${redact(detail).replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1')}` : ''}`,
          );
        d.resolve();
      }
    },
    info() {},
    warn(message) {
      notes.push(message);
    },
    close() {
      for (const d of finished.values()) d.resolve();
      for (const n of notes) io.err(`warning: ${redact(n)}\n`);
    },
  };
}
