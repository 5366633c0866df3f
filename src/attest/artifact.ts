// OCI 1.1 artifacts that refer to an image index: an image manifest with the empty config, an
// artifactType, one layer (the SBOM or the provenance) and `subject` = the index. Also the referrers
// index of the distribution spec's tag schema (`sha256-<hex>`), for registries and layouts without a
// referrers API. Pure: bytes in, blobs out, digests from the bytes.
import { canonicalJsonBytes } from '../image/canonical-json.js';
import { blobOf } from '../image/digest.js';
import { MEDIA_TYPE } from '../image/oci.js';
import type { Blob, Descriptor, Platform } from '../types.js';
import { digestHex } from '../util/digest.js';
import { formatPlatform } from '../versions/platforms.js';
import { CYCLONEDX_PREDICATE_TYPE, SBOM_MEDIA_TYPE } from './media-types.js';
import { SLSA_PROVENANCE_PREDICATE_TYPE } from './provenance.js';
import { IN_TOTO_MEDIA_TYPE } from './statement.js';

/** The empty descriptor's content, `{}` (image-spec 1.1). */
export const EMPTY_CONFIG: Blob = blobOf('application/vnd.oci.empty.v1+json', new TextEncoder().encode('{}'));

export const ANNOTATION = {
  created: 'org.opencontainers.image.created',
  title: 'org.opencontainers.image.title',
  platform: 'io.vc-coredns.platform',
  predicateType: 'in-toto.io/predicate-type',
} as const;

export type ArtifactKind = 'sbom' | 'provenance';

/** A descriptor as OCI 1.1 allows it in a referrers list: with the artifact's type. */
export interface ReferrerDescriptor extends Descriptor {
  artifactType?: string;
}

export interface Artifact {
  kind: ArtifactKind;
  /** the platform an SBOM describes; none for provenance */
  platform?: Platform;
  artifactType: string;
  /** the manifest; its descriptor carries artifactType and the manifest's annotations */
  manifest: Blob & { descriptor: ReferrerDescriptor };
  /** the one layer: the SBOM or the statement */
  layer: Blob;
  config: Blob;
  /** the index it refers to */
  subject: Descriptor;
}

export interface OciArtifactManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType: string;
  config: Descriptor;
  layers: Descriptor[];
  subject: Descriptor;
  annotations?: Record<string, string>;
}

/** The subject descriptor: media type, digest and size only. */
function subjectOf(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

export function artifactManifest(opts: {
  kind: ArtifactKind;
  artifactType: string;
  layer: Blob;
  subject: Descriptor;
  annotations: Record<string, string>;
  platform?: Platform;
}): Artifact {
  const subject = subjectOf(opts.subject);
  const manifest: OciArtifactManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    artifactType: opts.artifactType,
    config: EMPTY_CONFIG.descriptor,
    layers: [opts.layer.descriptor],
    subject,
    annotations: opts.annotations,
  };
  const blob = blobOf(MEDIA_TYPE.manifest, canonicalJsonBytes(manifest), { annotations: opts.annotations });
  const descriptor: ReferrerDescriptor = Object.freeze({
    ...blob.descriptor,
    artifactType: opts.artifactType,
  });
  return Object.freeze({
    kind: opts.kind,
    ...(opts.platform ? { platform: { ...opts.platform } } : {}),
    artifactType: opts.artifactType,
    manifest: Object.freeze({ descriptor, bytes: blob.bytes }),
    layer: opts.layer,
    config: EMPTY_CONFIG,
    subject,
  });
}

/** The SBOM of one platform image as an artifact referring to the index. */
export function sbomArtifact(opts: {
  sbom: Uint8Array;
  platform: Platform;
  subject: Descriptor;
  /** RFC 3339 (SOURCE_DATE_EPOCH: the artifact is as reproducible as the image) */
  created: string;
}): Artifact {
  const name = `sbom-${formatPlatform(opts.platform).replaceAll('/', '-')}.cdx.json`;
  const layer = blobOf(SBOM_MEDIA_TYPE, opts.sbom, { annotations: { [ANNOTATION.title]: name } });
  return artifactManifest({
    kind: 'sbom',
    artifactType: SBOM_MEDIA_TYPE,
    layer,
    subject: opts.subject,
    platform: opts.platform,
    annotations: {
      [ANNOTATION.created]: opts.created,
      [ANNOTATION.platform]: formatPlatform(opts.platform),
      [ANNOTATION.predicateType]: CYCLONEDX_PREDICATE_TYPE,
    },
  });
}

/** The provenance statement as an artifact referring to the index. */
export function provenanceArtifact(opts: {
  statement: Uint8Array;
  subject: Descriptor;
  created: string;
}): Artifact {
  const layer = blobOf(IN_TOTO_MEDIA_TYPE, opts.statement, {
    annotations: { [ANNOTATION.title]: 'provenance.intoto.json' },
  });
  return artifactManifest({
    kind: 'provenance',
    artifactType: IN_TOTO_MEDIA_TYPE,
    layer,
    subject: opts.subject,
    annotations: {
      [ANNOTATION.created]: opts.created,
      [ANNOTATION.predicateType]: SLSA_PROVENANCE_PREDICATE_TYPE,
    },
  });
}

/** `sha256-<hex>`: the tag under which the tag schema keeps the referrers of a digest. */
export function referrersTag(digest: string): string {
  return `sha256-${digestHex(digest)}`;
}

/**
 * The referrers index of the tag schema: `current` (what the tag held, or empty) with the given
 * descriptors added; a descriptor already listed (same digest) is kept once. Order: as first listed.
 */
export function referrersIndex(
  current: readonly ReferrerDescriptor[],
  add: readonly ReferrerDescriptor[],
): Blob {
  const seen = new Set<string>();
  const manifests: ReferrerDescriptor[] = [];
  for (const d of [...current, ...add]) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    manifests.push(d);
  }
  return blobOf(
    MEDIA_TYPE.index,
    canonicalJsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPE.index, manifests }),
  );
}

/** What kind of artifact a referrer descriptor (or manifest) is, by its artifactType and predicate. */
export function artifactKind(d: {
  artifactType?: string;
  annotations?: Record<string, string>;
}): ArtifactKind | null {
  if (d.artifactType === SBOM_MEDIA_TYPE) return 'sbom';
  if (
    d.artifactType === IN_TOTO_MEDIA_TYPE &&
    d.annotations?.[ANNOTATION.predicateType] === SLSA_PROVENANCE_PREDICATE_TYPE
  ) {
    return 'provenance';
  }
  return null;
}
