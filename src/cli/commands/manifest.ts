import type { Command } from 'commander';
import { badInput } from '../../errors.js';
import type { Io } from '../io.js';
import { parsePositiveInt } from '../options.js';
import type { CommandEnv } from './shared.js';

export interface ManifestCliOptions {
  image: string;
  replicas: string;
  clusterDomain: string;
  clusterIp?: string;
}

export async function runManifest(opts: ManifestCliOptions, io: Io): Promise<number> {
  const [{ tenantManifest, versionFromImage }, { parseRef }] = await Promise.all([
    import('../../kube/manifest.js'),
    import('../../registry/ref.js'),
  ]);
  if (!opts.image || /\s/.test(opts.image)) throw badInput('--image needs an image reference', 'BAD_FLAG');
  parseRef(opts.image);
  io.out(
    tenantManifest({
      image: opts.image,
      replicas: parsePositiveInt('--replicas', opts.replicas),
      clusterDomain: opts.clusterDomain,
      clusterIP: opts.clusterIp ?? null,
      version: versionFromImage(opts.image),
    }),
  );
  return 0;
}

export function registerManifest(program: Command, env: CommandEnv): void {
  program
    .command('manifest')
    .description('print the YAML that runs the patched CoreDNS in a tenant cluster as kube-system/kube-dns')
    .requiredOption('--image <ref>', 'the patched CoreDNS image')
    .option('--replicas <n>', 'CoreDNS replicas', '2')
    .option('--cluster-domain <domain>', 'the tenant cluster domain', 'cluster.local')
    .option('--cluster-ip <ip>', 'a fixed tenant cluster IP for kube-dns (default: allocated)')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns manifest --image ghcr.io/acme/coredns:v1.9.3 | kubectl --kubeconfig vc-1.kubeconfig apply -f -
  $ vc-coredns manifest --image 127.0.0.1:5000/coredns:v1.12.0 --replicas 1 > coredns.yaml`,
    )
    .action(async (opts: ManifestCliOptions) => env.exit(await runManifest(opts, env.io)));
}
