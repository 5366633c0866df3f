// OCI image-spec shapes and media types, as vc-coredns writes and reads them.
import type { Descriptor } from '../types.js';

export const MEDIA_TYPE = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const INDEX_TYPES: readonly string[] = [MEDIA_TYPE.index, MEDIA_TYPE.dockerManifestList];
export const MANIFEST_TYPES: readonly string[] = [MEDIA_TYPE.manifest, MEDIA_TYPE.dockerManifest];
export const LAYER_TYPES: readonly string[] = [
  MEDIA_TYPE.layerGzip,
  MEDIA_TYPE.layerTar,
  MEDIA_TYPE.layerZstd,
  MEDIA_TYPE.dockerLayerGzip,
  MEDIA_TYPE.dockerForeignLayerGzip,
];

/** What a manifest GET accepts: indexes first, then single-platform manifests, OCI and Docker. */
export const MANIFEST_ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');

/** An OCI image index or a Docker manifest list (the same shape). */
export function isIndex(mediaType: string): boolean {
  return INDEX_TYPES.includes(mediaType);
}

/** An OCI image manifest or a Docker schema 2 manifest (the same shape). */
export function isManifest(mediaType: string): boolean {
  return MANIFEST_TYPES.includes(mediaType);
}

/** The annotation that names a tag in an OCI image layout's index.json. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** The platform as OCI spells it (versions/platforms.ts converts). */
export type { OciPlatform } from '../versions/platforms.js';

export interface OciIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  author?: string;
  empty_layer?: boolean;
}

/** The `config` member of an image config (Docker's capitalised names, as the spec keeps them). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Volumes?: Record<string, Record<string, never>>;
}

export interface OciConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}
