import type { Command } from 'commander';
import type { AttestationCheck } from '../../attest/verify.js';
import { badInput } from '../../errors.js';
import type { VerifyReport } from '../../pipeline/verify.js';
import { printJson } from '../io.js';
import { addNetworkOptions, type NetworkCliOptions } from '../network.js';
import { parsePositiveInt } from '../options.js';
import type { CommandEnv } from './shared.js';

interface VerifyOptions extends NetworkCliOptions {
  json?: boolean;
  smoke?: boolean;
  timeout?: string;
  key?: string;
}

/** `--key FILE`: read and checked before anything is fetched. */
async function readKeyOption(file: string) {
  const [{ readFile }, { readPublicKey }] = await Promise.all([
    import('node:fs/promises'),
    import('../../sign/keys.js'),
  ]);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw badInput(
      `cannot read --key ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      'BAD_KEY',
      'pass the cosign.pub of the signing key',
    );
  }
  return readPublicKey(text, file);
}

function describeCheck(what: string, c: AttestationCheck): string {
  return `${what}: ${!c.present ? 'none attached' : c.ok ? 'ok' : 'MISMATCH'}\n`;
}

function printTable(r: VerifyReport, env: CommandEnv): void {
  const rows = [
    ['PLATFORM', 'MANIFEST', 'ANNOTATION KEY', 'PATCHED'],
    ...r.platforms.map((p) => [
      p.platform,
      p.digest.slice(0, 19),
      p.annotationKey ?? '-',
      p.patched ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  env.io.out(`${r.ref}\n`);
  for (const row of rows)
    env.io.out(
      `${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  if (r.signature)
    env.io.out(
      `signature: ${r.signature.ok ? 'ok' : r.signature.present ? 'does not verify with the key' : 'none'}\n`,
    );
  const version = r.labels['org.opencontainers.image.version'];
  if (version)
    env.io.out(`CoreDNS ${version}, commit ${r.labels['org.opencontainers.image.revision'] ?? '?'}\n`);
  env.io.out(describeCheck('SBOM', r.sbom));
  env.io.out(describeCheck('provenance', r.provenance));
  env.io.out(r.ok ? 'ok\n' : '');
}

export async function runVerify(spec: string, opts: VerifyOptions, env: CommandEnv): Promise<number> {
  const timeoutSeconds =
    opts.timeout === undefined ? undefined : parsePositiveInt('--timeout', String(opts.timeout));
  const [{ verify }, { imageSourceDeps }] = await Promise.all([
    import('../../pipeline/verify.js'),
    import('./image-deps.js'),
  ]);
  const key = opts.key === undefined ? undefined : await readKeyOption(opts.key);
  const smoke = opts.smoke
    ? timeoutSeconds === undefined
      ? {}
      : { timeoutMs: timeoutSeconds * 1000 }
    : undefined;
  const result = await verify(
    spec,
    await imageSourceDeps(spec, opts, env),
    { signal: env.signal, log: (l) => env.io.err(`${l}\n`) },
    { ...(key ? { key } : {}), ...(smoke ? { smoke } : {}) },
  );
  if (opts.json) printJson(env.io, result);
  else {
    printTable(result, env);
    if (result.smoke) (await import('./smoke.js')).printSmoke(result.smoke, env.io);
  }
  for (const p of result.problems) env.io.err(`problem: ${p}\n`);
  for (const [what, c] of [['SBOM', result.sbom] as const, ['provenance', result.provenance] as const]) {
    if (!c.present) env.io.err(`warning: ${spec} has no ${what} attached\n`);
  }
  for (const p of result.signature?.problems ?? []) env.io.err(`problem: signature: ${p}\n`);
  const count = result.problems.length + (result.signature?.problems.length ?? 0);
  if (!result.ok)
    env.io.err(`error: ${spec} failed verification (${count} problem${count > 1 ? 's' : ''})\n`);
  return result.ok ? 0 : 1;
}

export function registerVerify(program: Command, env: CommandEnv): void {
  const command = program
    .command('verify')
    .description('check that an image is a vc-coredns build: platforms, labels, and the patch in each binary')
    .argument('<ref>', 'registry/repo:tag, registry/repo@sha256:..., oci:DIR:TAG or docker-archive:FILE')
    .option(
      '--smoke',
      "after the static checks, run the host platform's CoreDNS against a fake Kubernetes API",
    )
    .option('--timeout <seconds>', 'with --smoke: give up after this long (default: 60)')
    .option('--key <cosign.pub>', 'also check the cosign signatures and attestations against this public key')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns verify ghcr.io/acme/coredns:v1.9.3
  $ vc-coredns verify 127.0.0.1:5000/coredns:v1.12.0 --json
  $ vc-coredns verify oci:./dist/oci:v1.9.3
  $ vc-coredns verify oci:./dist/oci:v1.9.3 --smoke
  $ vc-coredns verify ghcr.io/acme/coredns:v1.9.3 --key cosign.pub`,
    )
    .action(async (ref: string, opts: VerifyOptions) => env.exit(await runVerify(ref, opts, env)));
  addNetworkOptions(command);
}
