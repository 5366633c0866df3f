import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Io } from '../../src/cli/io.js';
import { sharedGoCache } from './go-harness.js';

/** The compiled CLI, as users run it (test/global-setup.ts builds it first). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Not a GitHub Actions step, even when the suite runs in one (ci.yml): tests that want the workflow
 * commands and the step summary set these themselves.
 */
const NOT_IN_ACTIONS = { GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '' };

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function vc(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { NO_COLOR: '1', ...NOT_IN_ACTIONS, ...opts.env },
    reject: false,
    stripFinalNewline: false,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * The CLI in this process, from src (no build needed): run() with an Io that records what it prints.
 * For commands that neither change the working directory's meaning nor need a separate process.
 */
export async function runCli(
  args: string[],
  opts: { env?: Record<string, string> } = {},
): Promise<CliResult> {
  const { run } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const exitCode = await run(args, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    env: { ...process.env, NO_COLOR: '1', ...NOT_IN_ACTIONS, ...opts.env },
    isTTY: false,
  });
  return { exitCode, stdout, stderr };
}

/** The one JSON document a --json run prints on stdout. */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  return JSON.parse(r.stdout) as T;
}

/**
 * The environment of a CLI build in tests: a cache and Docker config under `work`, the fixture's Go
 * modules from its replace directives (no proxy), the shared Go build cache, no TTY task list.
 */
export function buildEnv(work: string): Record<string, string> {
  return {
    VC_COREDNS_CACHE: join(work, 'cache'),
    DOCKER_CONFIG: join(work, 'docker-config'),
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOCACHE: sharedGoCache(),
    CI: 'true',
  };
}

/** An Io that keeps what goes to stderr (stdout is dropped), for reporters and printers under test. */
export function recordingIo(
  env: NodeJS.ProcessEnv = {},
  isTTY = false,
): Io & { text(): string; lines(): string[] } {
  let err = '';
  return {
    out: () => {},
    err: (t) => {
      err += t;
    },
    env,
    isTTY,
    text: () => err,
    lines: () => err.split('\n').filter(Boolean),
  };
}
