import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { badInput, VcError } from '../../errors.js';
import type { VerifyInput, VerifyResult } from '../../image/verify.js';
import { printJson } from '../io.js';
import type { CommandEnv } from './shared.js';

interface VerifyOptions {
  json?: boolean;
  insecure?: boolean;
  key?: string;
}

/** What a registry read leaves for the signature check: where the image is, and its digests. */
interface RegistrySource {
  store: import('../../sign/store.js').SignatureStore;
  image: import('../../sign/store.js').ImageDigests;
}

/** `oci:DIR:TAG` reads an OCI layout; anything else is a registry reference. */
async function fetchFromLayout(spec: string): Promise<VerifyInput> {
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

async function fetchFromRegistry(
  spec: string,
  opts: VerifyOptions,
  env: CommandEnv,
): Promise<VerifyInput & { source: RegistrySource }> {
  const [
    { RegistryClient },
    { dockerCredentials },
    { parseRef, formatRef },
    { readRemoteImage },
    { registrySignatureStore, remoteImageDigests },
  ] = await Promise.all([
    import('../../registry/client.js'),
    import('../../registry/credentials.js'),
    import('../../registry/ref.js'),
    import('../../registry/remote-image.js'),
    import('../../sign/registry-store.js'),
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
  const source: RegistrySource = {
    store: registrySignatureStore(image.repository),
    image: remoteImageDigests(ref, image),
  };
  return {
    source,
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

/** `--key FILE`: read (and checked) before anything is fetched. */
async function readKeyOption(file: string) {
  const { readPublicKey } = await import('../../sign/keys.js');
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

export async function runVerify(spec: string, opts: VerifyOptions, env: CommandEnv): Promise<number> {
  const { verifyImage } = await import('../../image/verify.js');
  const key = opts.key === undefined ? undefined : await readKeyOption(opts.key);
  if (key && spec.startsWith('oci:'))
    throw badInput(
      'verify --key reads signatures from a registry; OCI layouts are not supported yet',
      'BAD_FLAG',
    );
  const input: VerifyInput & { source?: RegistrySource } = spec.startsWith('oci:')
    ? await fetchFromLayout(spec)
    : await fetchFromRegistry(spec, opts, env);
  const base = verifyImage(input);
  let result: VerifyResult & { signature?: { present: boolean; ok: boolean; problems: string[] } } = base;
  if (key && input.source) {
    const { verifySignatures } = await import('../../sign/store.js');
    const report = await verifySignatures(input.source.store, input.source.image, key, env.signal);
    const signature = { present: report.present, ok: report.ok, problems: report.problems };
    result = { ...base, ok: base.ok && report.ok, signature };
  }
  if (opts.json) printJson(env.io, result);
  else printTable(result, env);
  for (const p of result.problems) env.io.err(`problem: ${p}\n`);
  for (const p of result.signature?.problems ?? []) env.io.err(`problem: signature: ${p}\n`);
  const count = result.problems.length + (result.signature?.problems.length ?? 0);
  if (!result.ok)
    env.io.err(`error: ${spec} failed verification (${count} problem${count > 1 ? 's' : ''})\n`);
  return result.ok ? 0 : 1;
}

export function registerVerify(program: Command, env: CommandEnv): void {
  program
    .command('verify')
    .description('check that an image is a vc-coredns build: platforms, labels, and the patch in each binary')
    .argument('<ref>', 'registry/repo:tag, registry/repo@sha256:..., or oci:DIR:TAG')
    .option('--insecure', 'plain http to a registry that is not on loopback')
    .option('--key <cosign.pub>', 'also check the cosign signatures and attestations against this public key')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns verify ghcr.io/acme/coredns:v1.9.3
  $ vc-coredns verify 127.0.0.1:5000/coredns:v1.12.0 --json
  $ vc-coredns verify ghcr.io/acme/coredns:v1.9.3 --key cosign.pub
  $ vc-coredns verify oci:./dist/oci:v1.9.3`,
    )
    .action(async (ref: string, opts: VerifyOptions) => env.exit(await runVerify(ref, opts, env)));
}
