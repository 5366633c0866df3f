// The docker-archive sink: one platform's image as a tar that `docker load` reads. The archive is laid
// out as Docker 25+ writes `docker save`: a `manifest.json` (Config, RepoTags, Layers) for older loaders,
// which is at the same time an OCI image layout (oci-layout, index.json, blobs/sha256/...). Layers stay
// gzipped, as in the registry: `docker load` decompresses them (checked against the config's diff_ids).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VcError } from '../errors.js';
import { platformImage } from '../image/assemble.js';
import { canonicalJson, canonicalJsonBytes } from '../image/canonical-json.js';
import { MEDIA_TYPE, REF_NAME_ANNOTATION } from '../image/oci.js';
import { parseConfig, parseIndex } from '../image/read.js';
import { type FetchBlob, type ReadImage, type ReadImageOptions, readImage } from '../image/read-image.js';
import { parseTar, type RawTarEntry, type TarEntry, writeTar } from '../image/tar.js';
import type { Blob, Descriptor, ImageIndex, Platform, PlatformImage, Published, Sink } from '../types.js';
import { throwIfAborted } from '../util/abort.js';
import { digestHex, sha256Digest } from '../util/digest.js';
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

function archiveError(file: string, message: string): VcError {
  return new VcError(`docker-archive:${file}: ${message}`, { code: 'BAD_DOCKER_ARCHIVE' });
}

interface LegacyManifest {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

/**
 * A docker-archive tar (this sink's output, `docker save`) read through the one image reader: through
 * its OCI layout part (index.json, blobs/sha256/...) when it has one (Docker 25+ and ours), else through
 * manifest.json (older `docker save`: the config named by its digest, uncompressed layers checked against
 * the config's diff_ids). `tag` picks an image of an archive holding several (default: the first).
 */
export async function readDockerArchive(
  file: string,
  opts: ReadImageOptions & { tag?: string } = {},
): Promise<ReadImage> {
  let entries: RawTarEntry[];
  try {
    entries = parseTar(new Uint8Array(await readFile(file)));
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') throw archiveError(file, 'no such file');
    throw archiveError(file, `not a tar archive (${(e as Error).message})`);
  }
  const files = new Map(
    entries
      .filter((e) => e.typeflag === '0' || e.typeflag === '\0')
      .map((e) => [e.path.replace(/^(\.\/)+/, ''), e.data] as const),
  );
  const name = opts.name ?? `docker-archive:${file}`;
  const text = (path: string) => (files.has(path) ? new TextDecoder().decode(files.get(path)) : null);
  const indexJson = text('index.json');
  if (indexJson !== null) {
    const index = parseIndex(new TextEncoder().encode(indexJson));
    const wanted = (d: Descriptor) => {
      const a = d.annotations ?? {};
      return a[REF_NAME_ANNOTATION] === opts.tag || a['io.containerd.image.name']?.endsWith(`:${opts.tag}`);
    };
    const top = opts.tag === undefined ? index.manifests[0] : index.manifests.find(wanted);
    if (!top)
      throw archiveError(
        file,
        opts.tag === undefined ? 'index.json lists no image' : `no image tagged ${opts.tag}`,
      );
    const fetchBlob: FetchBlob = async (d) => {
      const bytes = files.get(`blobs/sha256/${digestHex(d.digest)}`);
      if (!bytes) throw archiveError(file, `blob ${d.digest} is missing`);
      return bytes;
    };
    return readImage(top, fetchBlob, { ...opts, name });
  }
  return readLegacyArchive(file, files, text('manifest.json'), { ...opts, name });
}

/** An archive of older `docker save`: a manifest is made up from manifest.json, every part checked. */
async function readLegacyArchive(
  file: string,
  files: Map<string, Uint8Array>,
  manifestJson: string | null,
  opts: ReadImageOptions & { tag?: string },
): Promise<ReadImage> {
  if (manifestJson === null)
    throw archiveError(file, 'neither index.json nor manifest.json: not an image archive');
  let list: LegacyManifest[];
  try {
    list = JSON.parse(manifestJson) as LegacyManifest[];
    if (!Array.isArray(list)) throw new Error('not a list');
  } catch (e) {
    throw archiveError(file, `manifest.json is not a list of images (${(e as Error).message})`);
  }
  const entry =
    opts.tag === undefined
      ? list[0]
      : list.find(
          (m) => Array.isArray(m.RepoTags) && m.RepoTags.some((t) => String(t).endsWith(`:${opts.tag}`)),
        );
  if (!entry || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) {
    throw archiveError(
      file,
      opts.tag === undefined ? 'manifest.json lists no image' : `no image tagged ${opts.tag}`,
    );
  }
  const part = (path: string) => {
    const bytes = files.get(path);
    if (!bytes) throw archiveError(file, `${path} is missing`);
    return bytes;
  };
  const configBytes = part(entry.Config);
  const config = parseConfig(configBytes);
  // The config is named by its digest; each layer.tar is an uncompressed layer: its digest is the diff_id.
  const configHex = /([0-9a-f]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
  const configDescriptor = {
    mediaType: MEDIA_TYPE.dockerConfig,
    digest: `sha256:${configHex}`,
    size: configBytes.byteLength,
  };
  const layers = (entry.Layers as unknown[]).map((l, i) => ({
    mediaType: MEDIA_TYPE.layerTar,
    digest: config.rootfs.diff_ids[i] ?? '',
    size: part(String(l)).byteLength,
    path: String(l),
  }));
  if (configHex === undefined)
    throw archiveError(file, `the config ${entry.Config} is not named by its digest`);
  if (layers.length !== config.rootfs.diff_ids.length) {
    throw archiveError(
      file,
      `${layers.length} layers, but the config lists ${config.rootfs.diff_ids.length}`,
    );
  }
  const manifestBytes = canonicalJsonBytes({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.dockerManifest,
    config: configDescriptor,
    layers: layers.map(({ path: _, ...d }) => d),
  });
  const top: Descriptor = {
    mediaType: MEDIA_TYPE.dockerManifest,
    digest: sha256Digest(manifestBytes),
    size: manifestBytes.byteLength,
  };
  const byDigest = new Map<string, Uint8Array>([
    [top.digest, manifestBytes],
    [configDescriptor.digest, configBytes],
    ...layers.map((l) => [l.digest, part(l.path)] as const),
  ]);
  return readImage(
    top,
    async (d) => {
      const bytes = byDigest.get(d.digest);
      if (!bytes) throw archiveError(file, `blob ${d.digest} is missing`);
      return bytes;
    },
    opts,
  );
}
