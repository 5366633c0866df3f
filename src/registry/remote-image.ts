// The registry adapter of the one image reader (image/read-image.ts): an image the registry holds under
// a tag or digest, every blob checked as it is read. Used by verify, the skip-if-current check of the
// registry sink and the `--base` pull (RegistryClient.pullImage).
import { type FetchBlob, type ReadImage, type ReadImageOptions, readImage } from '../image/read-image.js';
import type { Descriptor } from '../types.js';
import type { RegistryClient, Repository } from './client.js';
import { type ImageRef, repoName } from './ref.js';

/** A repository's blobs for readImage: index and manifests from /manifests/, configs and layers from /blobs/. */
export function registryBlobs(
  repository: Repository,
  known?: { digest: string; bytes: Uint8Array },
): FetchBlob {
  return async (d, role, signal) => {
    if (known && d.digest === known.digest) return known.bytes;
    if (role === 'index' || role === 'manifest')
      return (await repository.getManifest(d.digest, signal)).bytes;
    return repository.getBlob(d.digest, signal, d.size);
  };
}

export interface RemoteImage extends ReadImage {
  repository: Repository;
}

/**
 * The image under `reference` (a tag or a digest), read through readImage (layers too unless `layers:
 * false`), or null when the registry has no such tag.
 */
export async function readRemoteImage(
  client: RegistryClient,
  ref: ImageRef,
  reference: string,
  opts: ReadImageOptions = {},
): Promise<RemoteImage | null> {
  const repository = client.repository(ref);
  const head = await repository.headManifest(reference, opts.signal);
  if (!head) return null;
  const top = await repository.getManifest(reference, opts.signal);
  const descriptor: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength };
  const name = `${repoName(ref)}${reference.includes(':') ? '@' : ':'}${reference}`;
  const image = await readImage(descriptor, registryBlobs(repository, top), { name, ...opts });
  return { ...image, repository };
}
