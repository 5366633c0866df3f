#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isVcError, VcError } from '../errors.js';
import { registerManifest } from './commands/manifest.js';
import { registerPatch } from './commands/patch.js';
import { type Io, printError, processIo } from './io.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

class Exit {
  constructor(readonly code: number) {}
}

export function buildProgram(io: Io): Command {
  const program = new Command('vc-coredns');
  const exit = (code: number) => {
    throw new Exit(code);
  };
  program
    .description('Patched CoreDNS images for Kubernetes VirtualCluster tenants, for every CoreDNS release')
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'show stack traces for expected failures')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns patch ./coredns --diff`,
    );
  registerPatch(program, io, exit);
  registerManifest(program, io, exit);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  return program;
}

/** Runs the CLI and returns the exit code; the only place that turns errors into exit codes. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
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
      printError(io, e, json);
      if (debug && e.stack) io.err(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    const wrapped = new VcError(`unexpected failure: ${err.message}`, {
      code: 'INTERNAL',
      hint: 'this is a bug in vc-coredns: please open an issue with the command and this output',
    });
    printError(io, wrapped, json);
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
  const code = await run(process.argv.slice(2));
  process.exitCode = code;
}
