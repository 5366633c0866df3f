import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { badInput, VcError } from '../../errors.js';
import type { VerifyInput, VerifyResult } from '../../image/verify.js';
import { printJson } from '../io.js';
import type { CommandEnv } from './shared.js';
import type { SmokeDocument } from './smoke.js';

interface VerifyOptions {
  json?: boolean;
  insecure?: boolean;
  smoke?: boolean;
  timeout?: string;
}

/** `oci:DIR:TAG` reads an OCI layout; anything else is a registry reference. */
export async function fetchFromLayout(spec: string): Promise<VerifyInput> {
  const { blobPath, readOciLayoutTag } = await import('../../publish/oci-layout.js');
  const rest = spec.slice('oci:'.length);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0)
    throw badInput(`${spec} names no tag`, 'BAD_REF', 'write oci:DIR:TAG, e.g. oci:./dist/oci:v1.9.3');
  const dir = rest.slice(0, colon);
  const tag = rest.slice(colon + 1);
  const found = await readOciLayoutTag(dir, tag);
  if (!found) throw new VcError(`the OCI layout ${dir} has no tag ${tag}`, { code: 'NOT_FOUND' });
  return {
    ref: spec,
    digest: found.digest,
    isIndex: found.index !== null,
    images: await Promise.all(
      found.images.map(async (img) => ({
        platform: img.platform,
        manifestDigest: img.manifestDescriptor.digest,
        config: img.config,
        layers: await Promise.all(
          img.manifest.layers.map(async (l) => new Uint8Array(await readFile(blobPath(dir, l.digest)))),
        ),
      })),
    ),
  };
}

export async function fetchFromRegistry(
  spec: string,
  opts: { insecure?: boolean },
  env: CommandEnv,
): Promise<VerifyInput> {
  const [{ RegistryClient }, { dockerCredentials }, { parseRef, formatRef }, { readRemoteImage }] =
    await Promise.all([
      import('../../registry/client.js'),
      import('../../registry/credentials.js'),
      import('../../registry/ref.js'),
      import('../../registry/remote-image.js'),
    ]);
  const ref = parseRef(spec);
  const client = new RegistryClient({
    credentials: dockerCredentials({ env: env.io.env, envRegistries: [ref.registry] }),
    insecure: Boolean(opts.insecure),
  });
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const image = await readRemoteImage(client, ref, reference, env.signal);
  if (!image)
    throw new VcError(`${formatRef(ref)} does not exist`, { code: 'NOT_FOUND', hint: 'check the tag' });
  const name = `${ref.registry}/${ref.repository}`;
  return {
    ref: `${name}:${ref.tag ?? reference}@${image.digest}`,
    digest: image.digest,
    isIndex: image.index !== null,
    images: await Promise.all(
      image.images.map(async (img) => ({
        platform: img.platform,
        manifestDigest: img.manifestDigest,
        config: img.config,
        layers: await Promise.all(
          img.manifest.layers.map((l) => image.repository.getBlob(l.digest, env.signal, l.size)),
        ),
      })),
    ),
  };
}

function printTable(r: VerifyResult, env: CommandEnv): void {
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
  const version = r.labels['org.opencontainers.image.version'];
  if (version)
    env.io.out(`CoreDNS ${version}, commit ${r.labels['org.opencontainers.image.revision'] ?? '?'}\n`);
  env.io.out(r.ok ? 'ok\n' : '');
}

export async function runVerify(spec: string, opts: VerifyOptions, env: CommandEnv): Promise<number> {
  const { verifyImage } = await import('../../image/verify.js');
  // --smoke on a host that cannot run CoreDNS is bad input, found before anything is fetched.
  if (opts.smoke) (await import('../../smoke/image-binary.js')).assertCanSmoke();
  const input = spec.startsWith('oci:')
    ? await fetchFromLayout(spec)
    : await fetchFromRegistry(spec, opts, env);
  const result: VerifyResult & { smoke?: SmokeDocument } = verifyImage(input);
  if (opts.smoke) {
    // After the static checks: the host platform's /coredns against the fake Kubernetes API.
    const { smokeRef } = await import('./smoke.js');
    const { doc, failure } = await smokeRef(spec, { timeout: opts.timeout }, env, input);
    result.smoke = doc;
    if (failure) {
      result.problems.push(`smoke: ${failure.message}`);
      result.ok = false;
    }
  }
  if (opts.json) printJson(env.io, result);
  else {
    printTable(result, env);
    if (result.smoke) (await import('./smoke.js')).printSmoke(result.smoke, env.io);
  }
  for (const p of result.problems) env.io.err(`problem: ${p}\n`);
  if (!result.ok)
    env.io.err(
      `error: ${spec} failed verification (${result.problems.length} problem${result.problems.length > 1 ? 's' : ''})\n`,
    );
  return result.ok ? 0 : 1;
}

export function registerVerify(program: Command, env: CommandEnv): void {
  program
    .command('verify')
    .description('check that an image is a vc-coredns build: platforms, labels, and the patch in each binary')
    .argument('<ref>', 'registry/repo:tag, registry/repo@sha256:..., or oci:DIR:TAG')
    .option('--insecure', 'plain http to a registry that is not on loopback')
    .option(
      '--smoke',
      "after the static checks, run the host platform's CoreDNS against a fake Kubernetes API",
    )
    .option('--timeout <seconds>', 'with --smoke: give up after this long (default: 60)')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns verify ghcr.io/acme/coredns:v1.9.3
  $ vc-coredns verify oci:./dist/oci:v1.9.3 --smoke
  $ vc-coredns verify 127.0.0.1:5000/coredns:v1.12.0 --json
  $ vc-coredns verify oci:./dist/oci:v1.9.3`,
    )
    .action(async (ref: string, opts: VerifyOptions) => env.exit(await runVerify(ref, opts, env)));
}
