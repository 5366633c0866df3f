import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { badInput, type VcError } from '../../errors.js';
import type { VerifyInput } from '../../image/verify.js';
import { DEFAULT_ANNOTATION, parseAnnotationKey } from '../../patch/annotation-key.js';
import type { SmokeRun } from '../../smoke/run.js';
import { type Io, printJson } from '../io.js';
import { parsePositiveInt } from '../options.js';
import type { CommandEnv } from './shared.js';

export interface SmokeOptions {
  annotation?: string;
  platform?: string;
  timeout?: string;
  keep?: boolean;
  insecure?: boolean;
  json?: boolean;
}

/** The `smoke --json` document (DESIGN.md), plus `kubernetes`, `seconds`, `error` and `log`. */
export interface SmokeDocument {
  ref: string;
  platform: string;
  coredns: string | null;
  annotation: string;
  ok: boolean;
  verdict: SmokeRun['verdict'];
  cases: {
    name: string;
    question: string;
    type: string;
    transport: string;
    want: string;
    got: string;
    ok: boolean;
  }[];
  kubernetes: string;
  seconds: number;
  error: string | null;
  log: string[];
}

export async function smokeDocument(
  ref: string,
  platform: string,
  annotation: string,
  run: SmokeRun,
): Promise<SmokeDocument> {
  const { formatAnswer } = await import('../../smoke/cases.js');
  return {
    ref,
    platform,
    coredns: run.coredns,
    annotation,
    ok: run.ok,
    verdict: run.verdict,
    cases: run.cases.map((r) => ({
      name: r.case.name,
      question: r.case.question,
      type: r.case.type,
      transport: r.case.transport,
      want: formatAnswer(r.case.want),
      got: r.got === null ? `no reply (${r.error ?? 'timeout'})` : formatAnswer(r.got),
      ok: r.ok,
    })),
    kubernetes: run.kubernetes,
    seconds: run.seconds,
    error: run.error,
    log: run.logTail,
  };
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

/** `--annotation` against the image's label: both given and different is bad input. */
export function smokeKey(flag: string | undefined, label: string | null): string {
  const given = flag === undefined ? null : parseAnnotationKey(flag);
  if (given !== null && label !== null && given !== label) {
    throw badInput(
      `--annotation ${given} differs from the key the image was patched for (${label})`,
      'ANNOTATION_MISMATCH',
      'leave out --annotation: smoke reads the image label io.vc-coredns.annotation-key',
    );
  }
  return given ?? label ?? DEFAULT_ANNOTATION;
}

/**
 * Runs the smoke test of `spec` and returns its document and the failure to report (null when it
 * passed). `input`: the image already read (verify --smoke), else it is read here.
 */
export async function smokeRef(
  spec: string,
  opts: SmokeOptions,
  env: CommandEnv,
  input?: VerifyInput,
): Promise<{ doc: SmokeDocument; failure: VcError | null }> {
  const timeoutSeconds =
    opts.timeout === undefined ? undefined : parsePositiveInt('--timeout', String(opts.timeout));
  const [{ smokeBinary, smokeFailure, DEFAULT_TIMEOUT_SECONDS }, { smokePlatform, imageCoreDns }, platforms] =
    await Promise.all([
      import('../../smoke/run.js'),
      import('../../smoke/image-binary.js'),
      import('../../versions/platforms.js'),
    ]);
  // Bad input first: the host, the platform, the key, a binary that is not there.
  const platform = smokePlatform(opts.platform);
  if (opts.annotation !== undefined) parseAnnotationKey(opts.annotation);
  let binary: string | Uint8Array;
  let key: string;
  if (spec.startsWith('binary:')) {
    const path = spec.slice('binary:'.length);
    const s = await stat(path).catch(() => null);
    if (!s?.isFile())
      throw badInput(`${path} is not a file`, 'NOT_FOUND', 'binary:PATH names a CoreDNS executable');
    binary = path;
    key = smokeKey(opts.annotation, null);
  } else {
    const { readSmokeImage } = await import('./smoke-input.js');
    const image = imageCoreDns(
      (input ?? (await readSmokeImage(spec, { insecure: opts.insecure }, env))).images,
      platform,
    );
    key = smokeKey(opts.annotation, image.key);
    binary = image.binary;
  }
  const run = await smokeBinary({
    binary,
    key,
    timeoutMs: (timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    keep: Boolean(opts.keep),
    signal: env.signal,
    log: (l) => env.io.err(`${l}\n`),
    ...(env.debug ? { onRequest: (l: string) => env.io.err(`api: ${l}\n`) } : {}),
  });
  if (run.dir) env.io.err(`kept ${run.dir} (Corefile, coredns.log, api-requests.log)\n`);
  const doc = await smokeDocument(spec, platforms.formatPlatform(platform), key, run);
  return { doc, failure: smokeFailure(run, spec) };
}

export async function runSmoke(spec: string, opts: SmokeOptions, env: CommandEnv): Promise<number> {
  const { doc, failure } = await smokeRef(spec, opts, env);
  if (opts.json) printJson(env.io, doc);
  else printSmoke(doc, env.io);
  if (failure) {
    env.io.err(`error: ${failure.message}\n`);
    if (failure.hint) env.io.err(`hint: ${failure.hint}\n`);
    return failure.exitCode;
  }
  return 0;
}

export function registerSmoke(program: Command, env: CommandEnv): void {
  program
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
    .option('--insecure', 'plain http to a registry that is not on loopback')
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
    .action(async (ref: string, opts: SmokeOptions) => env.exit(await runSmoke(ref, opts, env)));
}
