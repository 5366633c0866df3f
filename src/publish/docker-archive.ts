// The docker-archive sink: one platform's image as a tar that `docker load` reads. The archive is laid
// out as Docker 25+ writes `docker save`: a `manifest.json` (Config, RepoTags, Layers) for older loaders,
// which is at the same time an OCI image layout (oci-layout, index.json, blobs/sha256/...). Layers stay
// gzipped, as in the registry: `docker load` decompresses them (checked against the config's diff_ids).
import { resolve } from 'node:path';
import { VcError } from '../errors.js';
import { platformImage } from '../image/assemble.js';
import { canonicalJson } from '../image/canonical-json.js';
import { MEDIA_TYPE, REF_NAME_ANNOTATION } from '../image/oci.js';
import { type TarEntry, writeTar } from '../image/tar.js';
import type { Blob, ImageIndex, Platform, PlatformImage, Published, Sink } from '../types.js';
import { throwIfAborted } from '../util/abort.js';
import { digestHex } from '../util/digest.js';
import { writeFileAtomic } from '../util/fs.js';
import { formatPlatform } from '../versions/platforms.js';

export const DEFAULT_REPOSITORY = 'coredns';

/** `coredns` -> `docker.io/library/coredns`, `ghcr.io/x/y` unchanged (as containerd names images). */
export function fullyQualifiedName(name: string): string {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost')) return name;
  return slash === -1 ? `docker.io/library/${name}` : `docker.io/${name}`;
}

export function repoTagFor(repository: string, tag: string): string {
  return `${repository}:${tag}`;
}

export function selectPlatform(index: ImageIndex, platform: Platform): PlatformImage {
  const image = platformImage(index, platform);
  if (!image) {
    const built = index.manifests.map((m) => formatPlatform(m.platform)).join(', ');
    throw new VcError(`the image has no ${formatPlatform(platform)} build`, {
      code: 'PLATFORM_NOT_BUILT',
      hint: `it was built for ${built}`,
      exitCode: 2,
    });
  }
  return image;
}

/**
 * The bytes of a `docker load`-able archive of one platform image, tagged `repoTag` (e.g.
 * `coredns:v1.9.3`). Deterministic: same image and name -> same bytes.
 */
export function dockerArchiveBytes(image: PlatformImage, repoTag: string): Uint8Array {
  const path = (b: Blob) => `blobs/sha256/${digestHex(b.descriptor.digest)}`;
  const blobs = new Map<string, Blob>();
  for (const b of [...image.layers, image.config, image.manifest]) blobs.set(path(b), b);
  const tagPart = repoTag.slice(repoTag.lastIndexOf(':') + 1);
  const manifestJson = [{ Config: path(image.config), RepoTags: [repoTag], Layers: image.layers.map(path) }];
  const indexJson = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: [
      {
        ...image.manifest.descriptor,
        annotations: {
          'io.containerd.image.name': fullyQualifiedName(repoTag),
          [REF_NAME_ANNOTATION]: tagPart,
        },
      },
    ],
  };
  const enc = new TextEncoder();
  const file = (p: string, data: Uint8Array): TarEntry => ({
    path: p,
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    data,
  });
  const entries: TarEntry[] = [
    ...[...blobs].map(([p, b]) => file(p, b.bytes)),
    file('index.json', enc.encode(canonicalJson(indexJson))),
    file('manifest.json', enc.encode(canonicalJson(manifestJson))),
    file('oci-layout', enc.encode(canonicalJson({ imageLayoutVersion: '1.0.0' }))),
  ];
  return writeTar(entries, { mtime: 0 });
}

export interface DockerArchiveOptions {
  /** The repository of RepoTags (default `coredns`): the image loads as `<repository>:<tag>`. */
  repository?: string;
}

/** `--output docker-archive:FILE`: one platform, written atomically. */
export function dockerArchiveSink(file: string, platform: Platform, opts: DockerArchiveOptions = {}): Sink {
  const repository = opts.repository ?? DEFAULT_REPOSITORY;
  return {
    name: `docker-archive:${file}`,
    async write(index: ImageIndex, tag: string, signal?: AbortSignal): Promise<Published> {
      const image = selectPlatform(index, platform);
      const bytes = dockerArchiveBytes(image, repoTagFor(repository, tag));
      throwIfAborted(signal);
      await writeFileAtomic(file, bytes, 0o644);
      return { refs: [resolve(file)], digest: index.digest };
    },
  };
}
