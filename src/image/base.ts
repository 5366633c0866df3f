// The base an image is assembled on: the built-in minimal layer, or a registry image's layers (pulled by
// registry/ and handed over as values through basePlatformImage).
import { VcError } from '../errors.js';
import type { Blob, Platform } from '../types.js';
import { formatPlatform, platformOf, samePlatform } from '../versions/platforms.js';
import { blobOf, matchesDescriptor } from './digest.js';
import { buildLayer } from './layer.js';
import { type ContainerConfig, type HistoryEntry, MEDIA_TYPE } from './oci.js';
import { parseConfig, parseManifest } from './read.js';
import type { TarEntry } from './tar.js';

/** One platform of a base image. */
export interface BasePlatformImage {
  platform: Platform;
  /** Compressed layers in order, with OCI media types. */
  layers: Blob[];
  /** The uncompressed digests of `layers` (the base config's rootfs.diff_ids), same order. */
  diffIds: string[];
  /** The base config's `config` member: Env and WorkingDir carry over; User comes from the era. */
  config: ContainerConfig;
  /** The base config's history, kept ahead of ours. */
  history: HistoryEntry[];
}

export interface BaseImage {
  /** `builtin`, or the reference the base was pulled from (for history and messages). */
  name: string;
  /**
   * What the build key names: `builtin:sha256:<layer digest>` for the built-in base, else the pulled
   * image's digest (its index, or its manifest for a single-platform base).
   */
  digest: string;
  images: BasePlatformImage[];
}

export const BUILTIN_BASE_NAME = 'builtin';
export const NONROOT_UID = 65532;

/**
 * Every built-in base layer entry has this mtime, whatever the release: the layer is then one blob shared
 * by all versions (pushed and stored once) and its digest is known before anything is built.
 */
export const BUILTIN_BASE_MTIME = 0;

export const BUILTIN_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
];

const PASSWD = `root:x:0:0:root:/root:/sbin/nologin
nonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin
`;

const GROUP = `root:x:0:
nonroot:x:${NONROOT_UID}:
`;

/** The entries of the built-in base layer, given the CA bundle's bytes. */
export function builtinBaseEntries(caBundle: Uint8Array): TarEntry[] {
  const enc = new TextEncoder();
  const file = (path: string, data: Uint8Array): TarEntry => ({
    path,
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    data,
  });
  const dir = (path: string, mode: number, owner = 0): TarEntry => ({
    path,
    type: 'directory',
    mode,
    uid: owner,
    gid: owner,
  });
  return [
    dir('etc', 0o755),
    file('etc/group', enc.encode(GROUP)),
    file('etc/passwd', enc.encode(PASSWD)),
    dir('etc/ssl', 0o755),
    dir('etc/ssl/certs', 0o755),
    file('etc/ssl/certs/ca-certificates.crt', caBundle),
    dir('home', 0o755),
    dir('home/nonroot', 0o700, NONROOT_UID),
    dir('root', 0o700),
    dir('tmp', 0o1777),
  ];
}

/**
 * The built-in base for the given platforms: one architecture-independent layer (CA bundle, passwd and
 * group with root and nonroot 65532, /tmp 1777, /home/nonroot owned by 65532), PATH and SSL_CERT_FILE.
 */
export function builtinBase(caBundle: Uint8Array, platforms: readonly Platform[]): BaseImage {
  if (caBundle.length === 0) {
    throw new VcError('the built-in CA bundle is empty', {
      code: 'BAD_CA_BUNDLE',
      hint: 'run scripts/refresh-ca-bundle.sh or reinstall vc-coredns',
    });
  }
  const layer = buildLayer(builtinBaseEntries(caBundle), BUILTIN_BASE_MTIME);
  const history: HistoryEntry[] = [
    {
      created: new Date(BUILTIN_BASE_MTIME * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      created_by: 'vc-coredns: built-in base (CA bundle, /etc/passwd, /etc/group, /tmp, /home/nonroot)',
    },
  ];
  return Object.freeze({
    name: BUILTIN_BASE_NAME,
    digest: `builtin:${layer.blob.descriptor.digest}`,
    images: Object.freeze(
      platforms.map((platform) =>
        Object.freeze({
          platform: { ...platform },
          layers: Object.freeze([layer.blob]) as Blob[],
          diffIds: Object.freeze([layer.diffId]) as string[],
          config: Object.freeze({ Env: [...BUILTIN_ENV] }),
          history,
        }),
      ),
    ) as BasePlatformImage[],
  });
}

export function basePlatform(base: BaseImage, platform: Platform): BasePlatformImage {
  const found = base.images.find((i) => samePlatform(i.platform, platform));
  if (!found) {
    const offered = base.images.map((i) => formatPlatform(i.platform)).join(', ') || 'none';
    throw new VcError(`the base image ${base.name} has no ${formatPlatform(platform)} image`, {
      code: 'BASE_PLATFORM_MISSING',
      hint: `it offers ${offered}; choose another --base or fewer --platforms`,
    });
  }
  return found;
}

const LAYER_MEDIA_TYPES: Record<string, string> = {
  [MEDIA_TYPE.layerGzip]: MEDIA_TYPE.layerGzip,
  [MEDIA_TYPE.dockerLayerGzip]: MEDIA_TYPE.layerGzip,
  [MEDIA_TYPE.layerTar]: MEDIA_TYPE.layerTar,
  [MEDIA_TYPE.layerZstd]: MEDIA_TYPE.layerZstd,
};

function badBase(name: string, message: string): VcError {
  return new VcError(`base image ${name}: ${message}`, { code: 'BAD_BASE_IMAGE' });
}

/**
 * One platform of a pulled base image from its raw manifest, config and layer bytes (in manifest order),
 * each checked against its digest. Docker media types become their OCI equivalents (same bytes), so the
 * assembled manifest stays all-OCI.
 */
export function basePlatformImage(
  name: string,
  manifestBytes: Uint8Array,
  configBytes: Uint8Array,
  layerBytes: readonly Uint8Array[],
): BasePlatformImage {
  const manifest = parseManifest(manifestBytes);
  if (!matchesDescriptor(configBytes, manifest.config)) {
    throw badBase(name, `config does not match ${manifest.config.digest}`);
  }
  const config = parseConfig(configBytes);
  if (layerBytes.length !== manifest.layers.length) {
    throw badBase(name, `${manifest.layers.length} layers in the manifest, ${layerBytes.length} given`);
  }
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw badBase(name, 'the config lists a different number of layers than the manifest');
  }
  const layers = manifest.layers.map((d, i) => {
    const bytes = layerBytes[i] as Uint8Array;
    if (!matchesDescriptor(bytes, d)) throw badBase(name, `layer ${i} does not match ${d.digest}`);
    const mediaType = LAYER_MEDIA_TYPES[d.mediaType];
    if (mediaType === undefined) throw badBase(name, `layer ${i} has unsupported media type ${d.mediaType}`);
    return blobOf(mediaType, bytes, d.annotations ? { annotations: d.annotations } : {});
  });
  const platform = platformOf(config);
  const history = config.history ?? [];
  const nonEmpty = history.filter((h) => !h.empty_layer).length;
  return Object.freeze({
    platform,
    layers,
    diffIds: [...config.rootfs.diff_ids],
    config: { ...(config.config ?? {}) },
    // A history that does not match the layers would make the assembled config inconsistent: drop it.
    history: nonEmpty === layers.length ? history : [],
  });
}
