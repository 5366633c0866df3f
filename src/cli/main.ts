#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isVcError, VcError } from '../errors.js';
import { registerBuild } from './commands/build.js';
import { registerCache } from './commands/cache.js';
import { registerCompletion } from './commands/completion.js';
import { registerKeygen } from './commands/keygen.js';
import { registerManifest } from './commands/manifest.js';
import { registerMatrix } from './commands/matrix.js';
import { registerPatch } from './commands/patch.js';
import { registerPrepare } from './commands/prepare.js';
import { registerSbom } from './commands/sbom.js';
import type { CommandEnv } from './commands/shared.js';
import { registerSmoke } from './commands/smoke.js';
import { registerVerify } from './commands/verify.js';
import { registerVersions } from './commands/versions.js';
import { type Io, printError, processIo } from './io.js';
import { progressJsonInArgv } from './progress-mode.js';
import { packageVersion } from './version.js';

class Exit {
  constructor(readonly code: number) {}
}

export function buildProgram(io: Io, signal: AbortSignal, debug = false): Command {
  const program = new Command('vc-coredns');
  const env: CommandEnv = {
    io,
    signal,
    exit: (code: number) => {
      throw new Exit(code);
    },
    debug,
  };
  program
    .description('Patched CoreDNS images for Kubernetes VirtualCluster tenants, for every CoreDNS release')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'show stack traces for expected failures (anywhere on the command line)')
    // `build --version v1.9.3` is the subcommand's option, not the program's -V/--version.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns build --version v1.9.3 --push ghcr.io/acme/coredns
  $ vc-coredns build --kubernetes 1.30 --platforms linux/amd64,linux/arm64,linux/arm/v7
  $ vc-coredns versions --range '>=1.8.0'
  $ vc-coredns prepare --version v1.12.0 --dir ./coredns
  $ vc-coredns patch ./coredns --diff
  $ vc-coredns matrix --range '>=1.10.0' --format github
  $ vc-coredns verify ghcr.io/acme/coredns:v1.9.3
  $ vc-coredns smoke oci:./dist/oci:v1.9.3
  $ vc-coredns manifest --image ghcr.io/acme/coredns:v1.9.3 | kubectl apply -f -
  $ vc-coredns cache prune --older-than 30`,
    );
  registerVersions(program, env);
  registerPatch(program, env);
  registerPrepare(program, env);
  registerBuild(program, env);
  registerMatrix(program, env);
  registerVerify(program, env);
  registerSmoke(program, env);
  registerSbom(program, env);
  registerManifest(program, env);
  registerKeygen(program, env);
  registerCache(program, env);
  registerCompletion(program, env);
  const configure = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of c.commands) configure(sub);
  };
  for (const c of program.commands) configure(c);
  return program;
}

/** Runs the CLI and returns the exit code; the only place that turns errors into exit codes. */
export async function run(
  argv: string[],
  io: Io = processIo,
  signal = new AbortController().signal,
): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const progressJson = progressJsonInArgv(argv);
  try {
    await buildProgram(io, signal, debug).parseAsync(
      argv.filter((a) => a !== '--debug'),
      { from: 'user' },
    );
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (signal.aborted) {
      io.err('error: interrupted; stopped every process it started and removed partial output\n');
      return 130;
    }
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      // commander has printed its message already
      if (json)
        io.out(
          `${JSON.stringify({ error: { code: 'BAD_FLAG', message: e.message.replace(/^error: /, ''), hint: null } })}\n`,
        );
      return 2;
    }
    if (isVcError(e)) {
      printError(io, e, json, { progressJson });
      if (debug && e.stack) io.err(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    const wrapped = new VcError(`unexpected failure: ${err.message}`, {
      code: 'INTERNAL',
      hint: 'this is a bug in vc-coredns: please open an issue with the command and this output',
    });
    printError(io, wrapped, json, { progressJson });
    io.err(`${err.stack ?? ''}\n`);
    return 1;
  }
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // `vc-coredns ... | head` closes stdout early: that is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  // One AbortSignal from SIGINT/SIGTERM down to git, make, fetch and dockerode; a second Ctrl-C exits at once.
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping (Ctrl-C again to exit at once)...\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.exitCode = await run(process.argv.slice(2), processIo, controller.signal);
}
