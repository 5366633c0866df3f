import type { Command } from 'commander';
import { DEFAULT_ANNOTATION } from '../../patch/annotation-key.js';
import type { SmokeDocument } from '../../smoke/document.js';
import { type Io, printJson } from '../io.js';
import { addNetworkOptions, type NetworkCliOptions } from '../network.js';
import { parsePositiveInt } from '../options.js';
import type { CommandEnv } from './shared.js';

export interface SmokeCliOptions extends NetworkCliOptions {
  annotation?: string;
  platform?: string;
  timeout?: string;
  keep?: boolean;
  json?: boolean;
}

/** The table on stdout; the binary's log tail on stderr when it failed. */
export function printSmoke(doc: SmokeDocument, io: Io): void {
  io.out(`${doc.ref} (${doc.platform}, annotation ${doc.annotation})\n`);
  if (doc.coredns) io.out(`${doc.coredns}; fake Kubernetes ${doc.kubernetes} API\n`);
  if (doc.cases.length > 0) {
    const rows = [
      ['CASE', 'QUESTION', 'WANT', 'GOT', 'OK'],
      ...doc.cases.map((c) => [
        c.name,
        `${c.type} ${c.question}${c.transport === 'tcp' ? ' (tcp)' : ''}`,
        c.want,
        c.got,
        c.ok ? 'yes' : 'NO',
      ]),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows) {
      io.out(
        `${row
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      );
    }
  }
  const passed = doc.cases.filter((c) => c.ok).length;
  io.out(`${doc.verdict} (${passed}/${doc.cases.length} cases, ${doc.seconds} s)\n`);
  if (doc.log.length > 0 && !doc.ok) {
    io.err(`coredns log (last ${doc.log.length} lines):\n${doc.log.map((l) => `  ${l}\n`).join('')}`);
  }
}

export async function runSmoke(spec: string, opts: SmokeCliOptions, env: CommandEnv): Promise<number> {
  const timeoutSeconds =
    opts.timeout === undefined ? undefined : parsePositiveInt('--timeout', String(opts.timeout));
  const [{ smoke }, { smokeFailure }, { imageSourceDeps }] = await Promise.all([
    import('../../pipeline/smoke.js'),
    import('../../smoke/document.js'),
    import('./image-deps.js'),
  ]);
  const doc = await smoke(
    spec,
    {
      ...(opts.annotation === undefined ? {} : { annotation: opts.annotation }),
      ...(opts.platform === undefined ? {} : { platform: opts.platform }),
      ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutSeconds * 1000 }),
      keep: Boolean(opts.keep),
      ...(env.debug ? { onRequest: (l: string) => env.io.err(`api: ${l}\n`) } : {}),
    },
    await imageSourceDeps(spec, opts, env),
    { signal: env.signal, log: (l) => env.io.err(`${l}\n`) },
  );
  if (opts.json) printJson(env.io, doc);
  else printSmoke(doc, env.io);
  const failure = smokeFailure(doc, spec);
  if (failure) {
    env.io.err(`error: ${failure.message}\n`);
    if (failure.hint) env.io.err(`hint: ${failure.hint}\n`);
    return failure.exitCode;
  }
  return 0;
}

export function registerSmoke(program: Command, env: CommandEnv): void {
  const command = program
    .command('smoke')
    .description(
      'run a CoreDNS binary or image against a fake Kubernetes API and check its DNS answers (patched or not)',
    )
    .argument('<ref>', 'registry/repo:tag, oci:DIR:TAG, docker-archive:FILE or binary:PATH')
    .option(
      '--annotation <key>',
      `the annotation key to check (default: the image's label, else ${DEFAULT_ANNOTATION})`,
    )
    .option(
      '--platform <platform>',
      "the image's platform to run (default: the host's; only one the host runs)",
    )
    .option('--timeout <seconds>', 'give up after this long, start to stop (default: 60)')
    .option('--keep', 'keep the work dir (Corefile, the binary log, the API request log) and print its path')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      `
Exit codes: 0 every case holds; 1 a case fails (verdict not-patched or failed) or the binary does not
start; 2 bad input.

Examples:
  $ vc-coredns smoke oci:./dist/oci:v1.9.3
  $ vc-coredns smoke ghcr.io/acme/coredns:v1.12.0 --json
  $ vc-coredns smoke binary:./coredns --annotation transparency.tenancy.x-k8s.io/clusterIP --keep`,
    )
    .action(async (ref: string, opts: SmokeCliOptions) => env.exit(await runSmoke(ref, opts, env)));
  addNetworkOptions(command);
}
