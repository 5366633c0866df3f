// Assembly: per platform, the base's layers plus one layer holding /coredns, a config for the era, an OCI
// manifest; then one OCI index over them. Pure: bytes in, an immutable ImageIndex out, every digest
// computed from the bytes. Same inputs -> same digests on any machine.
import type { Blob, Era, ImageIndex, Platform, PlatformImage } from '../types.js';
import { formatPlatform, ociPlatform, samePlatform } from '../versions/platforms.js';
import { type BaseImage, type BasePlatformImage, basePlatform } from './base.js';
import { canonicalJsonBytes } from './canonical-json.js';
import { CAPABILITY_XATTR, netBindServiceCapability } from './capability.js';
import { blobOf } from './digest.js';
import { rfc3339 } from './labels.js';
import { buildLayer, type Layer } from './layer.js';
import { type HistoryEntry, MEDIA_TYPE, type OciConfig, type OciIndex, type OciManifest } from './oci.js';

/** A linux binary for one platform, as bytes (the pipeline reads the build's files). */
export interface PlatformBinary {
  platform: Platform;
  bytes: Uint8Array;
}

export type ImageEra = Pick<Era, 'user' | 'uid' | 'capability'>;

export interface AssembleRequest {
  /** One per platform, in the order the index lists them. */
  binaries: readonly PlatformBinary[];
  base: BaseImage;
  era: ImageEra;
  /** imageLabels(...) */
  labels: Readonly<Record<string, string>>;
  /** SOURCE_DATE_EPOCH (seconds): entry mtimes, config `created`, history. */
  sourceDateEpoch: number;
}

export const COREDNS_PATH = '/coredns';
export const EXPOSED_PORTS = ['53/tcp', '53/udp'] as const;

/** The image's user: "65532:65532" for nonroot eras, "" (root) otherwise. */
export function userFor(era: ImageEra): string {
  return era.user === 'nonroot' ? `${era.uid}:${era.uid}` : '';
}

/** The layer holding /coredns (mode 0755, 0:0), with `cap_net_bind_service=+ep` when the era needs it. */
export function coreDnsLayer(binary: Uint8Array, era: ImageEra, sourceDateEpoch: number): Layer {
  const xattrs =
    era.capability === 'cap_net_bind_service'
      ? { [CAPABILITY_XATTR]: netBindServiceCapability() }
      : undefined;
  return buildLayer(
    [
      {
        path: COREDNS_PATH,
        type: 'file',
        mode: 0o755,
        uid: 0,
        gid: 0,
        data: binary,
        ...(xattrs ? { xattrs } : {}),
      },
    ],
    sourceDateEpoch,
  );
}

function baseHistory(base: BaseImage, image: BasePlatformImage): HistoryEntry[] {
  if (image.history.filter((h) => !h.empty_layer).length === image.layers.length) return image.history;
  return image.layers.map((_, i) => ({ created_by: `base layer ${i + 1} of ${base.name}` }));
}

/** The config of one platform image (the canonical bytes are what gets digested). */
export function imageConfig(opts: {
  platform: Platform;
  era: ImageEra;
  base: BaseImage;
  baseImage: BasePlatformImage;
  layer: Layer;
  labels: Readonly<Record<string, string>>;
  sourceDateEpoch: number;
}): OciConfig {
  const { platform, era, base, baseImage, layer, labels, sourceDateEpoch } = opts;
  const created = rfc3339(sourceDateEpoch);
  const user = userFor(era);
  const env = baseImage.config.Env ?? [];
  const setcap =
    era.capability === 'cap_net_bind_service' ? ` && setcap cap_net_bind_service=+ep ${COREDNS_PATH}` : '';
  const config: OciConfig = {
    architecture: platform.arch,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created,
    config: {
      ...(user ? { User: user } : {}),
      ExposedPorts: Object.fromEntries(EXPOSED_PORTS.map((p) => [p, {}])),
      ...(env.length > 0 ? { Env: [...env] } : {}),
      Entrypoint: [COREDNS_PATH],
      ...(baseImage.config.WorkingDir ? { WorkingDir: baseImage.config.WorkingDir } : {}),
      Labels: { ...labels },
    },
    rootfs: { type: 'layers', diff_ids: [...baseImage.diffIds, layer.diffId] },
    history: [
      ...baseHistory(base, baseImage),
      { created, created_by: `vc-coredns: COPY coredns ${COREDNS_PATH}${setcap}` },
    ],
  };
  return config;
}

function freezeImage(image: PlatformImage): PlatformImage {
  Object.freeze(image.platform);
  Object.freeze(image.layers);
  return Object.freeze(image);
}

/** One platform's image: config and manifest blobs over the base layers and the /coredns layer. */
export function assemblePlatform(
  req: Omit<AssembleRequest, 'binaries'>,
  binary: PlatformBinary,
): PlatformImage {
  const baseImage = basePlatform(req.base, binary.platform);
  const layer = coreDnsLayer(binary.bytes, req.era, req.sourceDateEpoch);
  const config = imageConfig({
    platform: binary.platform,
    era: req.era,
    base: req.base,
    baseImage,
    layer,
    labels: req.labels,
    sourceDateEpoch: req.sourceDateEpoch,
  });
  const configBlob = blobOf(MEDIA_TYPE.config, canonicalJsonBytes(config));
  const layers: Blob[] = [...baseImage.layers, layer.blob];
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    config: configBlob.descriptor,
    layers: layers.map((l) => l.descriptor),
  };
  const platform = { ...binary.platform };
  return freezeImage({
    platform,
    config: configBlob,
    layers,
    manifest: blobOf(MEDIA_TYPE.manifest, canonicalJsonBytes(manifest), { platform: ociPlatform(platform) }),
  });
}

/** The OCI index over platform images, in the given order. */
export function indexOf(images: readonly PlatformImage[]): ImageIndex {
  const index: OciIndex = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: images.map((m) => m.manifest.descriptor),
  };
  const blob = blobOf(MEDIA_TYPE.index, canonicalJsonBytes(index));
  return Object.freeze({
    manifests: Object.freeze([...images]) as PlatformImage[],
    index: blob,
    digest: blob.descriptor.digest,
  });
}

/** The multi-platform image of one build. */
export function assembleImage(req: AssembleRequest): ImageIndex {
  if (req.binaries.length === 0) throw new Error('assembleImage: no binaries');
  req.binaries.forEach((b, i) => {
    if (req.binaries.findIndex((o) => samePlatform(o.platform, b.platform)) !== i) {
      throw new Error(`assembleImage: ${formatPlatform(b.platform)} given twice`);
    }
  });
  const frozenLabels = Object.freeze({ ...req.labels });
  return indexOf(req.binaries.map((b) => assemblePlatform({ ...req, labels: frozenLabels }, b)));
}

/** The platform image of an index, or undefined. */
export function platformImage(index: ImageIndex, platform: Platform): PlatformImage | undefined {
  return index.manifests.find((m) => samePlatform(m.platform, platform));
}
