import type { Command } from 'commander';
import { badInput, VcError } from '../../errors.js';
import { addNetworkOptions, type NetworkCliOptions, networkFromCli } from '../network.js';
import type { CommandEnv } from './shared.js';

interface SbomOptions extends NetworkCliOptions {
  platform?: string;
}

/** `sbom REF [--platform P]`: prints the SBOM attached to one platform of the image, as stored. */
export async function runSbom(spec: string, opts: SbomOptions, env: CommandEnv): Promise<number> {
  const [
    { readAttestations },
    { formatPlatform, hostPlatform, parsePlatform, samePlatform },
    { parseImageSource },
    { artifactSourceOf },
    { RegistryClient },
    { dockerCredentials },
  ] = await Promise.all([
    import('../../attest/read.js'),
    import('../../versions/platforms.js'),
    import('../../pipeline/image-source.js'),
    import('../../pipeline/verify.js'),
    import('../../registry/client.js'),
    import('../../registry/credentials.js'),
  ]);
  const wanted = opts.platform === undefined ? undefined : parsePlatform(opts.platform);
  const source = parseImageSource(spec);
  if (source.kind === 'docker-archive') {
    throw badInput(
      'a docker-archive carries no attestations inside',
      'BAD_REF',
      'build writes sbom.cdx.json beside the archive: read that file',
    );
  }
  const network = source.kind === 'registry' ? await networkFromCli(opts, env.io) : undefined;
  let client: InstanceType<typeof RegistryClient> | undefined;
  const registry = () => {
    client ??= new RegistryClient({
      credentials: dockerCredentials({
        env: env.io.env,
        envRegistries: source.kind === 'registry' ? [source.ref.registry] : [],
      }),
      insecure: Boolean(opts.insecure),
      ...(network ? { network } : {}),
    });
    return client;
  };
  const digest = await topDigest(source, registry, env.signal);
  const artifacts = artifactSourceOf(spec, { registry });
  if (!artifacts) throw new Error('sbom: no artifact source');
  const found = await readAttestations(artifacts, digest, env.signal);
  for (const p of found.problems) env.io.err(`warning: ${p}\n`);
  if (found.sboms.length === 0) {
    throw new VcError(`${spec} (${digest}) has no SBOM attached`, {
      code: 'NO_SBOM',
      hint: 'vc-coredns attaches one to every image it builds unless --no-sbom was given; build again to add it',
    });
  }
  const offered = found.sboms.map((s) => (s.platform ? formatPlatform(s.platform) : '?')).join(', ');
  const pick = wanted ?? hostPlatform(process.arch);
  const match = found.sboms.find((s) => s.platform && samePlatform(s.platform, pick));
  const chosen = match ?? (wanted === undefined && found.sboms.length === 1 ? found.sboms[0] : undefined);
  if (!chosen) {
    throw badInput(
      `${spec} has no SBOM for ${formatPlatform(pick)}`,
      'UNKNOWN_PLATFORM',
      `it has SBOMs for ${offered}: name one with --platform`,
    );
  }
  env.io.out(new TextDecoder().decode(chosen.bytes));
  return 0;
}

/** The digest of what the reference names (the index), without reading the image. */
async function topDigest(
  source: Exclude<import('../../pipeline/image-source.js').ImageSource, { kind: 'docker-archive' }>,
  registry: () => import('../../registry/client.js').RegistryClient,
  signal: AbortSignal,
): Promise<string> {
  if (source.kind === 'oci') {
    const { layoutTag } = await import('../../publish/oci-layout.js');
    const d = await layoutTag(source.dir, source.tag);
    if (!d) throw new VcError(`the OCI layout ${source.dir} has no tag ${source.tag}`, { code: 'NOT_FOUND' });
    return d.digest;
  }
  const { formatRef } = await import('../../registry/ref.js');
  const head = await registry()
    .repository(source.ref)
    .headManifest(source.ref.digest ?? source.ref.tag ?? 'latest', signal);
  if (!head)
    throw new VcError(`${formatRef(source.ref)} does not exist`, {
      code: 'NOT_FOUND',
      hint: 'check the tag',
    });
  return head.digest;
}

export function registerSbom(program: Command, env: CommandEnv): void {
  const command = program
    .command('sbom')
    .description("print the CycloneDX SBOM attached to an image's platform (the host's unless --platform)")
    .argument('<ref>', 'registry/repo:tag, registry/repo@sha256:..., or oci:DIR:TAG')
    .option('--platform <platform>', 'which platform image, e.g. linux/arm64 (default: the host platform)')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns sbom ghcr.io/acme/coredns:v1.9.3 --platform linux/arm64
  $ vc-coredns sbom oci:./dist/oci:v1.12.0 | jq '.components[] | select(.type == "library") | .name + " " + .version'`,
    )
    .action(async (ref: string, opts: SbomOptions) => env.exit(await runSbom(ref, opts, env)));
  addNetworkOptions(command);
}
