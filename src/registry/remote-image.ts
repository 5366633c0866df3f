// Reads an image the registry holds under a tag or digest: the index (or a single manifest), each
// platform's manifest and config; layers on request. Used to skip builds that are current and by verify.
import type { OciConfig, OciIndex, OciManifest } from '../image/oci.js';
import { parseConfig, parseIndex, parseManifest } from '../image/read.js';
import type { Platform } from '../types.js';
import type { RegistryClient, Repository } from './client.js';
import type { ImageRef } from './ref.js';

export interface RemotePlatformImage {
  platform: Platform;
  manifestDigest: string;
  manifest: OciManifest;
  config: OciConfig;
}

export interface RemoteImage {
  /** the digest of what the reference names (the index, or a single manifest) */
  digest: string;
  /** null when the reference names a single image manifest */
  index: OciIndex | null;
  images: RemotePlatformImage[];
  /** the config labels of the first image (one build gives every platform the same labels) */
  labels: Record<string, string>;
  repository: Repository;
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** The image under `reference` (a tag or a digest), or null when the registry has no such tag. */
export async function readRemoteImage(
  client: RegistryClient,
  ref: ImageRef,
  reference: string,
  signal?: AbortSignal,
): Promise<RemoteImage | null> {
  const repository = client.repository(ref);
  const head = await repository.headManifest(reference, signal);
  if (!head) return null;
  const top = await repository.getManifest(reference, signal);
  const platformImage = async (digest: string, bytes?: Uint8Array): Promise<RemotePlatformImage> => {
    const manifest = parseManifest(bytes ?? (await repository.getManifest(digest, signal)).bytes);
    const config = parseConfig(
      await repository.getBlob(manifest.config.digest, signal, manifest.config.size),
    );
    const platform: Platform = { os: config.os, arch: config.architecture };
    if (config.variant) platform.variant = config.variant;
    return { platform, manifestDigest: digest, manifest, config };
  };
  let index: OciIndex | null = null;
  const images: RemotePlatformImage[] = [];
  if (INDEX_TYPES.has(top.mediaType)) {
    index = parseIndex(top.bytes);
    for (const d of index.manifests) images.push(await platformImage(d.digest));
  } else {
    images.push(await platformImage(top.digest, top.bytes));
  }
  return { digest: top.digest, index, images, labels: images[0]?.config.config?.Labels ?? {}, repository };
}
