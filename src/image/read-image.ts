// The one image reader: index -> manifests -> configs -> layers, each blob's size and digest checked
// against its descriptor as it is read. Pure but for the fetchBlob callback that adapters give: the OCI
// layout (publish/oci-layout.ts), the registry (registry/remote-image.ts, and the `--base` pull in
// registry/client.ts), a docker-archive tar (publish/docker-archive.ts). A blob whose bytes do not match
// is VcError DIGEST_MISMATCH naming the blob, never a value.
import { VcError } from '../errors.js';
import type { Descriptor, Platform } from '../types.js';
import { sha256Digest, shortDigest } from '../util/digest.js';
import { choosePlatform, formatPlatform, ociPlatform, platformOf } from '../versions/platforms.js';
import { matchesDescriptor } from './digest.js';
import { isIndex, isManifest, type OciConfig, type OciIndex, type OciManifest } from './oci.js';
import { parseConfig, parseIndex, parseManifest, readLayerEntries } from './read.js';
import type { RawTarEntry } from './tar.js';

/** What a blob is to the image: registries serve index and manifest from another endpoint than the rest. */
export type BlobRole = 'index' | 'manifest' | 'config' | 'layer';

/** The bytes of a blob (unchecked: readImage checks them); absent -> the adapter's own error. */
export type FetchBlob = (descriptor: Descriptor, role: BlobRole, signal?: AbortSignal) => Promise<Uint8Array>;

export interface ReadImageOptions {
  /** Read (and check) every layer too (default). false stops at the configs; layers stay []. */
  layers?: boolean;
  /** Only the image of this platform, chosen from an index as container tools choose (choosePlatform). */
  platform?: Platform;
  signal?: AbortSignal;
  /** Names the image in errors: `oci:DIR:TAG`, `registry/repo:tag`, `docker-archive:FILE`. */
  name?: string;
}

export interface ReadPlatformImage {
  /** the platform its config names */
  platform: Platform;
  /** the manifest's descriptor: its index entry, or the descriptor read from */
  descriptor: Descriptor;
  manifest: OciManifest;
  manifestBytes: Uint8Array;
  config: OciConfig;
  configBytes: Uint8Array;
  /** the compressed layers in manifest order (base first), each checked; [] when read without layers */
  layers: Uint8Array[];
}

export interface ReadImage {
  /** what was read: an index, or a single image manifest */
  descriptor: Descriptor;
  digest: string;
  /** null when the descriptor names a single image manifest */
  index: OciIndex | null;
  /** the images of the index in its order (only the chosen one with `platform`) */
  images: ReadPlatformImage[];
  /** the config labels of the first image (one build gives every platform the same labels) */
  labels: Record<string, string>;
}

function prefix(name: string | undefined): string {
  return name ? `${name}: ` : '';
}

/** The error of a blob whose bytes are not what its descriptor says. */
export function blobMismatch(
  name: string | undefined,
  what: string,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  bytes: Uint8Array,
): VcError {
  const got =
    bytes.byteLength !== descriptor.size
      ? `${bytes.byteLength} bytes, not ${descriptor.size}`
      : `its bytes hash to ${shortDigest(sha256Digest(bytes))}`;
  return new VcError(`${prefix(name)}${what} ${descriptor.digest} does not match its digest (${got})`, {
    code: 'DIGEST_MISMATCH',
    hint: 'the blob was damaged in storage or on the way: write or push the image again',
  });
}

async function fetchChecked(
  fetchBlob: FetchBlob,
  descriptor: Descriptor,
  role: BlobRole,
  what: string,
  opts: ReadImageOptions,
): Promise<Uint8Array> {
  const bytes = await fetchBlob(descriptor, role, opts.signal);
  if (!matchesDescriptor(bytes, descriptor)) throw blobMismatch(opts.name, what, descriptor, bytes);
  return bytes;
}

function platformNotFound(name: string | undefined, want: Platform, has: string[], single: boolean): VcError {
  return new VcError(
    single
      ? `${prefix(name)}a single-platform image for ${has[0]}, not ${formatPlatform(want)}`
      : `${prefix(name)}no image for ${formatPlatform(want)}`,
    {
      code: 'PLATFORM_NOT_FOUND',
      hint: single
        ? 'use a multi-platform image, or one built for the platform asked for'
        : `it has: ${has.join(', ')}`,
    },
  );
}

/** One image manifest and its config (and layers, unless opts.layers is false). */
async function readPlatformImage(
  descriptor: Descriptor,
  fetchBlob: FetchBlob,
  opts: ReadImageOptions,
  known?: Uint8Array,
): Promise<ReadPlatformImage> {
  const where = descriptor.platform ? ` of ${formatPlatform(platformOf(descriptor.platform))}` : '';
  const manifestBytes = known ?? (await fetchChecked(fetchBlob, descriptor, 'manifest', `manifest`, opts));
  const manifest = parseManifest(manifestBytes);
  const configBytes = await fetchChecked(fetchBlob, manifest.config, 'config', `config${where}`, opts);
  const config = parseConfig(configBytes);
  const image: ReadPlatformImage = {
    platform: platformOf(config),
    descriptor,
    manifest,
    manifestBytes,
    config,
    configBytes,
    layers: [],
  };
  if (opts.layers !== false) image.layers = await readLayers(image, fetchBlob, opts);
  return image;
}

/** The layers of an image read without them, each checked (in manifest order). */
export async function readLayers(
  image: Pick<ReadPlatformImage, 'manifest' | 'platform'>,
  fetchBlob: FetchBlob,
  opts: Pick<ReadImageOptions, 'signal' | 'name'> = {},
): Promise<Uint8Array[]> {
  const layers: Uint8Array[] = [];
  const n = image.manifest.layers.length;
  for (const [i, d] of image.manifest.layers.entries()) {
    const what = `layer ${i + 1} of ${n} (${formatPlatform(image.platform)})`;
    layers.push(await fetchChecked(fetchBlob, d, 'layer', what, opts));
  }
  return layers;
}

/**
 * Reads the image `top` names: an index and each of its image manifests (or a single manifest), their
 * configs, and their layers unless `layers: false`. Every blob is checked against its descriptor.
 */
export async function readImage(
  top: Descriptor,
  fetchBlob: FetchBlob,
  opts: ReadImageOptions = {},
): Promise<ReadImage> {
  const images: ReadPlatformImage[] = [];
  let index: OciIndex | null = null;
  if (isIndex(top.mediaType)) {
    index = parseIndex(await fetchChecked(fetchBlob, top, 'index', 'image index', opts));
    let entries = index.manifests;
    if (opts.platform) {
      const chosen = choosePlatform(entries, opts.platform);
      if (!chosen) {
        const has = entries.flatMap((d) => (d.platform ? [formatPlatform(platformOf(d.platform))] : []));
        throw platformNotFound(opts.name, opts.platform, has, false);
      }
      entries = [chosen];
    }
    for (const d of entries) {
      if (!isManifest(d.mediaType)) {
        throw new VcError(`${prefix(opts.name)}the index lists a ${d.mediaType}, not an image manifest`, {
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
      images.push(await readPlatformImage(d, fetchBlob, opts));
    }
  } else if (isManifest(top.mediaType)) {
    const bytes = await fetchChecked(fetchBlob, top, 'manifest', 'image manifest', opts);
    const image = await readPlatformImage(top, fetchBlob, { ...opts, layers: false }, bytes);
    if (opts.platform && !choosePlatform([{ platform: ociPlatform(image.platform) }], opts.platform)) {
      throw platformNotFound(opts.name, opts.platform, [formatPlatform(image.platform)], true);
    }
    if (opts.layers !== false) image.layers = await readLayers(image, fetchBlob, opts);
    images.push(image);
  } else {
    throw new VcError(`${prefix(opts.name)}a ${top.mediaType}, which vc-coredns cannot read`, {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      hint: 'use an image with an OCI or Docker v2 schema 2 manifest or index',
    });
  }
  return {
    descriptor: top,
    digest: top.digest,
    index,
    images,
    labels: { ...(images[0]?.config.config?.Labels ?? {}) },
  };
}

/** A layer entry's path as `a/b` (layers write `./a/b`, `/a/b` or `a/b`). */
function entryPath(path: string): string {
  return path
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

/** The whiteout entries that hide `path` (OCI image-spec layer changesets): of it, of a folder above it, or an opaque folder. */
function whiteoutsOf(path: string): Set<string> {
  const parts = path.split('/');
  const out = new Set<string>();
  for (let i = 0; i < parts.length; i++) {
    const above = parts.slice(0, i);
    out.add([...above, `.wh.${parts[i]}`].join('/'));
    if (i > 0) out.add([...above, '.wh..wh..opq'].join('/'));
  }
  return out;
}

/**
 * The regular file at `path` (`/coredns`, `etc/passwd`) of an image read with its layers: the last
 * layer that has it wins; a whiteout of it (or of a folder above it) in a later layer means it is not
 * there. null when no layer has it.
 */
export function imageFile(image: Pick<ReadPlatformImage, 'layers'>, path: string): RawTarEntry | null {
  const want = entryPath(path);
  const whiteouts = whiteoutsOf(want);
  for (let i = image.layers.length - 1; i >= 0; i--) {
    const entries = readLayerEntries(image.layers[i] as Uint8Array);
    const entry = entries.find(
      (e) => entryPath(e.path) === want && (e.typeflag === '0' || e.typeflag === '\0'),
    );
    if (entry) return entry;
    if (entries.some((e) => whiteouts.has(entryPath(e.path)))) return null;
  }
  return null;
}

/**
 * One file out of an image: the image of `platform` (the host's for smoke, the one an SBOM describes),
 * its layers read and checked, and the file as imageFile finds it (null when absent).
 */
export async function readImageFile(
  top: Descriptor,
  fetchBlob: FetchBlob,
  opts: ReadImageOptions & { platform: Platform; path: string },
): Promise<{ image: ReadPlatformImage; file: RawTarEntry | null }> {
  const read = await readImage(top, fetchBlob, { ...opts, layers: true });
  const image = read.images[0] as ReadPlatformImage;
  return { image, file: imageFile(image, opts.path) };
}
