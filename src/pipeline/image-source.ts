// Where an image is read from, as commands name it: `oci:DIR:TAG`, `docker-archive:FILE`, or a registry
// reference; and the read itself, through the one image reader and its adapters. verify reads with it;
// so do smoke (the host's /coredns) and sbom.
import { badInput, VcError } from '../errors.js';
import {
  imageFile,
  type ReadImage,
  type ReadImageOptions,
  type ReadPlatformImage,
} from '../image/read-image.js';
import type { RawTarEntry } from '../image/tar.js';
import { readDockerArchive } from '../publish/docker-archive.js';
import { readOciLayoutTag } from '../publish/oci-layout.js';
import type { RegistryClient } from '../registry/client.js';
import { formatRef, type ImageRef, parseRef, repoName } from '../registry/ref.js';
import { readRemoteImage } from '../registry/remote-image.js';
import type { Platform } from '../types.js';

export type ImageSource =
  | { kind: 'oci'; dir: string; tag: string }
  | { kind: 'docker-archive'; file: string }
  | { kind: 'registry'; ref: ImageRef };

/** `oci:DIR:TAG`, `docker-archive:FILE`, else a registry reference. Bad input (exit 2) otherwise. */
export function parseImageSource(spec: string): ImageSource {
  if (spec.startsWith('oci:')) {
    const rest = spec.slice('oci:'.length);
    const colon = rest.lastIndexOf(':');
    if (colon <= 0)
      throw badInput(`${spec} names no tag`, 'BAD_REF', 'write oci:DIR:TAG, e.g. oci:./dist/oci:v1.9.3');
    return { kind: 'oci', dir: rest.slice(0, colon), tag: rest.slice(colon + 1) };
  }
  if (spec.startsWith('docker-archive:')) {
    const file = spec.slice('docker-archive:'.length);
    if (file === '') throw badInput(`${spec} names no file`, 'BAD_REF', 'write docker-archive:FILE');
    return { kind: 'docker-archive', file };
  }
  return { kind: 'registry', ref: parseRef(spec) };
}

export interface ImageSourceDeps {
  /** the registry client (made on first use: layouts and archives need none) */
  registry: () => RegistryClient;
}

/**
 * Reads the image a source names, every blob checked (layers too unless `layers: false`). `ref` names
 * what was read: the spec as given for layouts and archives, `registry/repo:tag@digest` for a registry.
 * Absent: NOT_FOUND (exit 1).
 */
export async function readImageSource(
  spec: string,
  deps: ImageSourceDeps,
  opts: ReadImageOptions = {},
): Promise<{ ref: string; image: ReadImage }> {
  const source = parseImageSource(spec);
  switch (source.kind) {
    case 'oci': {
      const image = await readOciLayoutTag(source.dir, source.tag, opts);
      if (!image)
        throw new VcError(`the OCI layout ${source.dir} has no tag ${source.tag}`, { code: 'NOT_FOUND' });
      return { ref: spec, image };
    }
    case 'docker-archive':
      return { ref: spec, image: await readDockerArchive(source.file, opts) };
    case 'registry': {
      const { ref } = source;
      const reference = ref.digest ?? ref.tag ?? 'latest';
      const image = await readRemoteImage(deps.registry(), ref, reference, opts);
      if (!image)
        throw new VcError(`${formatRef(ref)} does not exist`, { code: 'NOT_FOUND', hint: 'check the tag' });
      return { ref: `${repoName(ref)}:${ref.tag ?? reference}@${image.digest}`, image };
    }
  }
}

/**
 * One file of one platform's image, wherever the image is (`/coredns` of the host's platform for smoke,
 * of each platform for an SBOM): that platform's image read with its layers, every blob checked, and the
 * file as image/read-image.ts imageFile finds it (null when no layer has it).
 */
export async function readFileFromImageSource(
  spec: string,
  deps: ImageSourceDeps,
  opts: { platform: Platform; path: string; signal?: AbortSignal },
): Promise<{ ref: string; image: ReadPlatformImage; file: RawTarEntry | null }> {
  const { ref, image } = await readImageSource(spec, deps, {
    platform: opts.platform,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const platformImage = image.images[0] as ReadPlatformImage;
  return { ref, image: platformImage, file: imageFile(platformImage, opts.path) };
}
