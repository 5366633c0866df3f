// The one way compile/ starts processes. make starts go, which starts compile and link: each process
// runs in its own process group (detached: setsid), and stopping it signals the whole group, so an
// abort leaves nothing running behind. The signal is SIGINT, as a terminal's Ctrl-C sends it to its
// foreground group (make then deletes the target it was making), SIGKILL for whatever outlives it.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { execa, type Options } from 'execa';
import { redact } from '../errors.js';
import { killAtExit, killGroup } from '../util/cleanup.js';

export interface RunOptions {
  cwd: string;
  /** The whole environment of the process (not merged with process.env). */
  env: Record<string, string>;
  /**
   * stdout and stderr, interleaved, go to this file (created or truncated; `header` is written first).
   * Without it they are captured into `RunResult.output`.
   */
  logFile?: string;
  header?: string;
  /** Aborting stops the process group: SIGINT, then SIGKILL after `killAfterMs`. */
  signal?: AbortSignal;
  killAfterMs?: number;
  /** Called with the pid (= the process group id) once the process has started. */
  onSpawn?: (pid: number) => void;
  /** Run as this user and group (e.g. nobody, when vc-coredns runs as root). */
  uid?: number;
  gid?: number;
}

export interface RunResult {
  /** null when the process was ended by a signal (or did not start) */
  exitCode: number | null;
  signal: string | null;
  /** true when opts.signal stopped it */
  aborted: boolean;
  /** stdout and stderr when no logFile was given, else '' */
  output: string;
  /** why the process could not start (ENOENT...), else null */
  spawnError: string | null;
}

export type Runner = (file: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;

/** Whether any process of the group is still alive (zombies do not count: they run nothing). */
async function groupAlive(pgid: number): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    // No procfs: ask the kernel (zombies count there).
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    // After `pid (comm)`: state ppid pgrp ...
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (state !== 'Z' && Number(pgrp) === pgid) return true;
  }
  return false;
}

/** Waits (up to timeoutMs) until no process of the group is left. */
async function waitGroupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await groupAlive(pgid)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A log written by a child (go may print a GOPROXY or proxy URL with its password) is redacted after. */
async function redactFile(file: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const clean = redact(text);
  if (clean !== text) await writeFile(file, clean);
}

export const execaRunner: Runner = async (file, args, opts) => {
  const { signal } = opts;
  if (signal?.aborted) return { exitCode: null, signal: null, aborted: true, output: '', spawnError: null };

  // Both streams append to the same file (O_APPEND): lines stay in the order they were written.
  const logFile = opts.logFile;
  if (logFile !== undefined) await writeFile(logFile, opts.header ?? '');
  const sink = logFile === undefined ? ('pipe' as const) : { file: logFile, append: true };
  const options: Options = {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    detached: true,
    reject: false,
    stdin: 'ignore',
    stdout: sink,
    stderr: sink,
    all: logFile === undefined,
    stripFinalNewline: false,
    ...(opts.uid === undefined ? {} : { uid: opts.uid }),
    ...(opts.gid === undefined ? {} : { gid: opts.gid }),
  };
  const child = execa(file, [...args], options);
  const pgid = child.pid;
  const state = { stopped: false, timer: undefined as NodeJS.Timeout | undefined };
  const stop = () => {
    if (pgid === undefined) return;
    state.stopped = true;
    killGroup(pgid, 'SIGINT');
    state.timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), opts.killAfterMs ?? 3000);
    state.timer.unref();
  };
  // a run that exits at once (a second Ctrl-C) kills the group on its way out
  const forget = pgid === undefined ? () => {} : killAtExit(pgid);
  if (pgid !== undefined) opts.onSpawn?.(pgid);
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  try {
    const r = await child;
    if (logFile !== undefined) await redactFile(logFile);
    const cause: unknown = r.cause;
    const spawnError =
      pgid === undefined || (r.exitCode === undefined && r.signal === undefined && r.failed)
        ? cause instanceof Error
          ? cause.message
          : (r.shortMessage ?? 'could not start')
        : null;
    return {
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      aborted: state.stopped,
      output: logFile === undefined ? String(r.all ?? '') : '',
      spawnError,
    };
  } finally {
    signal?.removeEventListener('abort', stop);
    if (state.timer) clearTimeout(state.timer);
    if (pgid !== undefined) {
      // The leader is gone; when it was stopped, make sure no go/compile/link child stays behind,
      // and return only when they are gone: the caller removes their files next.
      if (state.stopped) {
        killGroup(pgid, 'SIGKILL');
        await waitGroupGone(pgid, 5000);
      }
      forget();
    }
  }
};
