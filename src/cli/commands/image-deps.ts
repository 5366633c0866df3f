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
  // Not every spec is an image (smoke's binary:PATH); the pipeline reports one that is not valid.
  let source: ReturnType<typeof parseImageSource> | null;
  try {
    source = parseImageSource(spec);
  } catch {
    source = null;
  }
  const registryRef = source?.kind === 'registry' ? source.ref : null;
  const network = registryRef ? await networkFromCli(opts, env.io) : undefined;
  return {
    registry: () =>
      new RegistryClient({
        credentials: dockerCredentials({
          env: env.io.env,
          envRegistries: registryRef ? [registryRef.registry] : [],
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
