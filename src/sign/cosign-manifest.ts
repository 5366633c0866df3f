// The manifests cosign attaches beside an image: `sha256-<hex>.sig` (simple-signing payloads, each layer
// signed in an annotation) and `sha256-<hex>.att` (DSSE envelopes). Built the way cosign builds them (an
// empty OCI image with one layer per signature, zero creation times), so cosign and policy engines read
// ours and we read theirs. Values only: sinks write them.
import { MEDIA_TYPE } from '../image/oci.js';
import type { Blob } from '../types.js';
import { sha256Digest } from '../util/digest.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const PREDICATE_TYPE_ANNOTATION = 'predicateType';

/** One signature (or attestation) as a layer: its bytes and the annotations on its descriptor. */
export interface SignatureLayer {
  mediaType: string;
  bytes: Uint8Array;
  annotations: Record<string, string>;
}

/** A manifest to publish under a tag, with the blobs it references. */
export interface Artifact {
  tag: string;
  manifest: Blob;
  /** config first, then the layers */
  blobs: Blob[];
}

function hexOf(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m?.[1]) throw new Error(`not a sha256 digest: ${digest}`);
  return m[1];
}

/** `sha256-<hex>.sig`: where cosign looks for the signatures of a manifest digest. */
export function signatureTag(digest: string): string {
  return `sha256-${hexOf(digest)}.sig`;
}

/** `sha256-<hex>.att`: where cosign looks for the attestations of a manifest digest. */
export function attestationTag(digest: string): string {
  return `sha256-${hexOf(digest)}.att`;
}

function blob(mediaType: string, bytes: Uint8Array, annotations?: Record<string, string>): Blob {
  return {
    descriptor: {
      mediaType,
      digest: sha256Digest(bytes),
      size: bytes.byteLength,
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    bytes,
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The manifest cosign writes for a list of signature layers (in order). The config is the empty
 * image's, one history entry and one diff id per layer (the layers are not compressed: diff id = digest).
 */
export function cosignArtifact(tag: string, signatures: SignatureLayer[]): Artifact {
  const layers = signatures.map((s) => blob(s.mediaType, s.bytes, s.annotations));
  const config = {
    architecture: '',
    created: ZERO_TIME,
    history: layers.map(() => ({ created: ZERO_TIME })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.descriptor.digest) },
    config: {},
  };
  const configBlob = blob(MEDIA_TYPE.config, new TextEncoder().encode(JSON.stringify(config)));
  const descriptor = (b: Blob) => ({
    mediaType: b.descriptor.mediaType,
    size: b.descriptor.size,
    digest: b.descriptor.digest,
    ...(b.descriptor.annotations ? { annotations: b.descriptor.annotations } : {}),
  });
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    config: descriptor(configBlob),
    layers: layers.map(descriptor),
  };
  return {
    tag,
    manifest: blob(MEDIA_TYPE.manifest, new TextEncoder().encode(JSON.stringify(manifest))),
    blobs: [configBlob, ...layers],
  };
}

/** The layer descriptors of a `.sig`/`.att` manifest (a fetched one may hold anything: checked here). */
export function signatureDescriptors(
  manifestBytes: Uint8Array,
): { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[] | null {
  try {
    const m = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as { layers?: unknown };
    if (!Array.isArray(m.layers)) return null;
    return m.layers
      .filter(
        (l): l is { mediaType: string; digest: string; size: number; annotations?: Record<string, string> } =>
          typeof l?.mediaType === 'string' && typeof l.digest === 'string' && typeof l.size === 'number',
      )
      .map((l) => ({
        mediaType: l.mediaType,
        digest: l.digest,
        size: l.size,
        annotations: l.annotations ?? {},
      }));
  } catch {
    return null;
  }
}
