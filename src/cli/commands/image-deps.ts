import type { ImageSourceDeps } from '../../pipeline/image-source.js';
import type { CommandEnv } from './shared.js';

/**
 * What reading the image `spec` names needs from the CLI: a registry client with the user's
 * credentials, made only when a registry is read.
 */
export function imageSourceDeps(
  spec: string,
  opts: { insecure?: boolean },
  env: CommandEnv,
): ImageSourceDeps {
  return {
    registry: () => {
      const [{ RegistryClient }, { dockerCredentials }, { parseImageSource }] = loaded;
      const source = parseImageSource(spec);
      return new RegistryClient({
        credentials: dockerCredentials({
          env: env.io.env,
          envRegistries: source.kind === 'registry' ? [source.ref.registry] : [],
        }),
        insecure: Boolean(opts.insecure),
      });
    },
  };
}

// Loaded with this module: only the commands that read images import it.
const loaded = await Promise.all([
  import('../../registry/client.js'),
  import('../../registry/credentials.js'),
  import('../../pipeline/image-source.js'),
]);
