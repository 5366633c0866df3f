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
import { isOciLayout, layoutTagNames, readLayoutIndex, readOciLayoutTag } from '../publish/oci-layout.js';
import type { RegistryClient } from '../registry/client.js';
import { formatRef, type ImageRef, parseRef, repoName } from '../registry/ref.js';
import { readRemoteImage } from '../registry/remote-image.js';
import type { Platform } from '../types.js';

export type ImageSource =
  | { kind: 'oci'; dir: string; tag: string }
  | { kind: 'docker-archive'; file: string }
  | { kind: 'registry'; ref: ImageRef };

const LAYOUT_HINT = 'write oci:DIR:TAG, e.g. oci:./dist/oci:v1.9.3';

/** A path given where a reference belongs: bad input suggesting `oci:` (a reference is never a path). */
function pathNotRef(spec: string, layout: boolean): VcError {
  const colon = spec.lastIndexOf(':');
  const hasTag = colon > 0 && !spec.slice(colon).includes('/');
  const path = hasTag ? spec.slice(0, colon) : spec;
  const tag = hasTag ? spec.slice(colon) : ':v1.9.3';
  return badInput(
    `${spec} is a path${layout ? ' to an OCI layout' : ''}, not an image reference`,
    'BAD_REF',
    `to name an OCI layout write oci:${path}${tag}${layout ? ` (for the Docker Hub image write docker.io/${spec})` : ''}`,
  );
}

/** `oci:DIR:TAG`, `docker-archive:FILE`, else a registry reference. Bad input (exit 2) otherwise. */
export function parseImageSource(spec: string): ImageSource {
  if (/^(\.{1,2}\/|\/|~)/.test(spec)) throw pathNotRef(spec, false);
  if (spec.startsWith('oci:')) {
    const rest = spec.slice('oci:'.length);
    const colon = rest.lastIndexOf(':');
    if (colon <= 0) throw badInput(`${spec} names no tag`, 'BAD_REF', LAYOUT_HINT);
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
      if (!(await isOciLayout(source.dir))) {
        throw badInput(
          `no OCI layout at ${source.dir}`,
          'NO_OCI_LAYOUT',
          `\`vc-coredns build --output oci:DIR\` writes one (./dist/oci by default); ${LAYOUT_HINT}`,
        );
      }
      const image = await readOciLayoutTag(source.dir, source.tag, opts);
      if (!image) {
        const tags = layoutTagNames(await readLayoutIndex(source.dir));
        throw new VcError(`the OCI layout ${source.dir} has no tag ${source.tag}`, {
          code: 'NOT_FOUND',
          hint: tags.length ? `its tags: ${tags.join(', ')}` : 'it has no tags yet',
        });
      }
      return { ref: spec, image };
    }
    case 'docker-archive':
      return { ref: spec, image: await readDockerArchive(source.file, opts) };
    case 'registry': {
      const { ref } = source;
      // `dist/oci:v1.9.3` where dist/oci is a layout here: more likely meant than Docker Hub's dist/oci
      const colon = spec.lastIndexOf(':');
      if (await isOciLayout(colon > 0 ? spec.slice(0, colon) : spec)) throw pathNotRef(spec, true);
      const reference = ref.digest ?? ref.tag ?? 'latest';
      const image = await readRemoteImage(deps.registry(), ref, reference, opts);
      if (!image) {
        const named = ref.digest !== undefined || ref.tag !== undefined;
        throw new VcError(`${formatRef(named ? ref : { ...ref, tag: reference })} does not exist`, {
          code: 'NOT_FOUND',
          hint: named
            ? 'check the tag'
            : `no tag was given, so ${reference} was tried: name the tag, e.g. ${formatRef({ ...ref, tag: 'v1.9.3' })}`,
        });
      }
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
