import type { Command } from 'commander';
import type { ArtifactSource } from '../../attest/read.js';
import { badInput, VcError } from '../../errors.js';
import type { Platform } from '../../types.js';
import type { CommandEnv } from './shared.js';

interface SbomOptions {
  platform?: string;
  insecure?: boolean;
}

interface Located {
  /** how messages name the image */
  name: string;
  digest: string;
  source: ArtifactSource;
}

async function locateLayout(spec: string): Promise<Located> {
  const [{ readOciLayoutTag }, { layoutArtifactSource }] = await Promise.all([
    import('../../publish/oci-layout.js'),
    import('../../publish/oci-referrers.js'),
  ]);
  const rest = spec.slice('oci:'.length);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0)
    throw badInput(`${spec} names no tag`, 'BAD_REF', 'write oci:DIR:TAG, e.g. oci:./dist/oci:v1.9.3');
  const dir = rest.slice(0, colon);
  const tag = rest.slice(colon + 1);
  const found = await readOciLayoutTag(dir, tag);
  if (!found) throw new VcError(`the OCI layout ${dir} has no tag ${tag}`, { code: 'NOT_FOUND' });
  return { name: spec, digest: found.digest, source: layoutArtifactSource(dir) };
}

async function locateRemote(spec: string, opts: SbomOptions, env: CommandEnv): Promise<Located> {
  const [{ RegistryClient }, { dockerCredentials }, { parseRef, formatRef }, { registryArtifactSource }] =
    await Promise.all([
      import('../../registry/client.js'),
      import('../../registry/credentials.js'),
      import('../../registry/ref.js'),
      import('../../registry/referrers.js'),
    ]);
  const ref = parseRef(spec);
  const client = new RegistryClient({
    credentials: dockerCredentials({ env: env.io.env, envRegistries: [ref.registry] }),
    insecure: Boolean(opts.insecure),
  });
  const repo = client.repository(ref);
  const head = await repo.headManifest(ref.digest ?? ref.tag ?? 'latest', env.signal);
  if (!head)
    throw new VcError(`${formatRef(ref)} does not exist`, { code: 'NOT_FOUND', hint: 'check the tag' });
  return { name: formatRef(ref), digest: head.digest, source: registryArtifactSource(repo) };
}

function hostPlatform(): Platform {
  const arch = (
    { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>
  )[process.arch];
  return { os: 'linux', arch: arch ?? process.arch };
}

/** `sbom REF [--platform P]`: prints the SBOM attached to one platform of the image, as stored. */
export async function runSbom(spec: string, opts: SbomOptions, env: CommandEnv): Promise<number> {
  const [{ readAttestations }, { formatPlatform, parsePlatform }, { samePlatform }] = await Promise.all([
    import('../../attest/read.js'),
    import('../../versions/platforms.js'),
    import('../../image/base.js'),
  ]);
  const wanted = opts.platform === undefined ? undefined : parsePlatform(opts.platform);
  const located = spec.startsWith('oci:') ? await locateLayout(spec) : await locateRemote(spec, opts, env);
  const found = await readAttestations(located.source, located.digest, env.signal);
  for (const p of found.problems) env.io.err(`warning: ${p}\n`);
  if (found.sboms.length === 0) {
    throw new VcError(`${located.name} (${located.digest}) has no SBOM attached`, {
      code: 'NO_SBOM',
      hint: 'vc-coredns attaches one to every image it builds unless --no-sbom was given; rebuild to add it',
    });
  }
  const offered = found.sboms.map((s) => (s.platform ? formatPlatform(s.platform) : '?')).join(', ');
  const pick = wanted ?? hostPlatform();
  const match = found.sboms.find((s) => s.platform && samePlatform(s.platform, pick));
  const chosen = match ?? (wanted === undefined && found.sboms.length === 1 ? found.sboms[0] : undefined);
  if (!chosen) {
    throw badInput(
      `${located.name} has no SBOM for ${formatPlatform(pick)}`,
      'UNKNOWN_PLATFORM',
      `it has SBOMs for ${offered}: name one with --platform`,
    );
  }
  env.io.out(new TextDecoder().decode(chosen.bytes));
  return 0;
}

export function registerSbom(program: Command, env: CommandEnv): void {
  program
    .command('sbom')
    .description("print the CycloneDX SBOM attached to an image's platform (the host's unless --platform)")
    .argument('<ref>', 'registry/repo:tag, registry/repo@sha256:..., or oci:DIR:TAG')
    .option('--platform <platform>', 'which platform image, e.g. linux/arm64 (default: the host platform)')
    .option('--insecure', 'plain http to a registry that is not on loopback')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns sbom ghcr.io/acme/coredns:v1.9.3 --platform linux/arm64
  $ vc-coredns sbom oci:./dist/oci:v1.12.0 | jq '.components[] | select(.type == "library") | .name + " " + .version'`,
    )
    .action(async (ref: string, opts: SbomOptions) => env.exit(await runSbom(ref, opts, env)));
}
