import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { sharedGoCache } from './go-harness.js';

/** The compiled CLI, as users run it (test/global-setup.ts builds it first). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function vc(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { NO_COLOR: '1', ...opts.env },
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
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
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
