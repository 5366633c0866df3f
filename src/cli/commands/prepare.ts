import type { Command } from 'commander';
import { DEFAULT_ANNOTATION, parseAnnotationKey } from '../../patch/annotation-key.js';
import { resolveRepoUrl } from '../../source/url.js';
import { makeContext } from '../context.js';
import { printJson } from '../io.js';
import type { CommandEnv } from './shared.js';

interface PrepareOptions {
  version: string;
  repo?: string;
  dir?: string;
  annotation: string;
  json?: boolean;
  quiet?: boolean;
}

export async function runPrepare(opts: PrepareOptions, env: CommandEnv): Promise<number> {
  const { prepare } = await import('../../pipeline/prepare.js');
  const key = parseAnnotationKey(opts.annotation);
  const url = resolveRepoUrl(opts.repo, env.io.env);
  const ctx = makeContext(env.io, opts, env.signal);
  try {
    const r = await prepare(url, opts.version, { key, ...(opts.dir ? { dir: opts.dir } : {}) }, ctx);
    if (opts.json) printJson(env.io, r);
    else env.io.out(`${r.dir}\n`);
    return 0;
  } finally {
    ctx.reporter.close();
  }
}

export function registerPrepare(program: Command, env: CommandEnv): void {
  program
    .command('prepare')
    .description('check out a CoreDNS release and patch it; prints the directory')
    .requiredOption('--version <version>', 'the CoreDNS release: v1.9.3, 1.9.3 or latest')
    .option('--repo <url>', 'CoreDNS git repository: URL or local path (default: $VC_COREDNS_REPO or GitHub)')
    .option(
      '--dir <dir>',
      'copy the checkout here (a new or empty directory) instead of patching it in the cache',
    )
    .option(
      '--annotation <key>',
      'the Service annotation that carries the super cluster IP',
      DEFAULT_ANNOTATION,
    )
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns prepare --version v1.9.3
  $ vc-coredns prepare --version 1.12.0 --dir ./coredns-1.12.0 && cd coredns-1.12.0 && git diff
  $ vc-coredns prepare --version v1.8.6 --repo file:///srv/mirrors/coredns.git --json`,
    )
    .action(async (opts: PrepareOptions) => env.exit(await runPrepare(opts, env)));
}
