// The attestations stored beside an image, read through whatever holds them (a registry, an OCI
// layout): its referrers of the index, each artifact manifest checked (it must name the index as its
// subject) and its one layer read. The source comes in as a parameter; its reads check digests.
import { VcError } from '../errors.js';
import type { Descriptor, Platform } from '../types.js';
import { parsePlatform } from '../versions/platforms.js';
import { ANNOTATION, type ArtifactKind, artifactKind, type ReferrerDescriptor } from './artifact.js';

export interface ArtifactSource {
  /** descriptors of the manifests whose subject is `digest` (none: empty) */
  referrers(digest: string, signal?: AbortSignal): Promise<ReferrerDescriptor[]>;
  /** the bytes of a manifest or blob, checked against the descriptor */
  fetch(descriptor: Descriptor, signal?: AbortSignal): Promise<Uint8Array>;
}

export interface StoredAttestation {
  kind: ArtifactKind;
  /** the SBOM's platform (from the artifact's annotation) */
  platform?: Platform;
  /** the artifact manifest's digest */
  digest: string;
  /** the layer: the SBOM or the statement */
  bytes: Uint8Array;
}

export interface StoredAttestations {
  sboms: StoredAttestation[];
  provenance: StoredAttestation[];
  /** artifacts that claim to be ours but are malformed */
  problems: string[];
}

interface ArtifactManifestJson {
  artifactType?: string;
  subject?: { digest?: string };
  layers?: Descriptor[];
  annotations?: Record<string, string>;
}

/** Every SBOM and provenance artifact that refers to `indexDigest`. */
export async function readAttestations(
  source: ArtifactSource,
  indexDigest: string,
  signal?: AbortSignal,
): Promise<StoredAttestations> {
  const out: StoredAttestations = { sboms: [], provenance: [], problems: [] };
  for (const d of await source.referrers(indexDigest, signal)) {
    const kind = artifactKind(d);
    if (!kind) continue;
    let m: ArtifactManifestJson;
    try {
      m = JSON.parse(new TextDecoder().decode(await source.fetch(d, signal))) as ArtifactManifestJson;
    } catch (e) {
      if (e instanceof VcError) {
        out.problems.push(`${kind} artifact ${d.digest}: ${e.message}`);
        continue;
      }
      out.problems.push(`${kind} artifact ${d.digest} is not JSON`);
      continue;
    }
    if (m.subject?.digest !== indexDigest) {
      out.problems.push(
        `${kind} artifact ${d.digest} names ${m.subject?.digest ?? 'no subject'}, not ${indexDigest}`,
      );
      continue;
    }
    const layer = m.layers?.[0];
    if (!layer || m.layers?.length !== 1) {
      out.problems.push(`${kind} artifact ${d.digest} does not have exactly one layer`);
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await source.fetch(layer, signal);
    } catch (e) {
      if (!(e instanceof VcError)) throw e;
      out.problems.push(`${kind} artifact ${d.digest}: ${e.message}`);
      continue;
    }
    const platformText = m.annotations?.[ANNOTATION.platform] ?? d.annotations?.[ANNOTATION.platform];
    const entry: StoredAttestation = { kind, digest: d.digest, bytes };
    if (kind === 'sbom' && platformText) {
      try {
        entry.platform = parsePlatform(platformText);
      } catch {
        out.problems.push(`sbom artifact ${d.digest} names the platform ${JSON.stringify(platformText)}`);
        continue;
      }
    }
    (kind === 'sbom' ? out.sboms : out.provenance).push(entry);
  }
  return out;
}
