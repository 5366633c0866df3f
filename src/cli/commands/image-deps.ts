import type { ImageSourceDeps } from '../../pipeline/image-source.js';
import { type NetworkCliOptions, networkFromCli } from '../network.js';
import type { CommandEnv } from './shared.js';

/**
 * What reading the image `spec` names needs from the CLI: a registry client with the user's
 * credentials, proxies and CAs, made only when a registry is read (the proxy variables and CA files are
 * read, and bad ones refused, only then).
 */
export async function imageSourceDeps(
  spec: string,
  opts: NetworkCliOptions,
  env: CommandEnv,
): Promise<ImageSourceDeps> {
  const [{ RegistryClient }, { dockerCredentials }, { parseImageSource }] = loaded;
  const source = parseImageSource(spec);
  const network = source.kind === 'registry' ? await networkFromCli(opts, env.io) : undefined;
  return {
    registry: () =>
      new RegistryClient({
        credentials: dockerCredentials({
          env: env.io.env,
          envRegistries: source.kind === 'registry' ? [source.ref.registry] : [],
        }),
        insecure: Boolean(opts.insecure),
        ...(network ? { network } : {}),
      }),
  };
}

// Loaded with this module: only the commands that read images import it.
const loaded = await Promise.all([
  import('../../registry/client.js'),
  import('../../registry/credentials.js'),
  import('../../pipeline/image-source.js'),
]);
