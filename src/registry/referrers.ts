// Artifacts that refer to an image (OCI distribution 1.1): pushed as manifests with a `subject`; listed
// through the referrers API when the registry has it, else through the referrers tag `sha256-<hex>`,
// an index the pusher keeps (the spec's fallback; Debian's registry 2.8 has no referrers API).
import { type Artifact, type ReferrerDescriptor, referrersIndex, referrersTag } from '../attest/artifact.js';
import type { ArtifactSource } from '../attest/read.js';
import { isIndex, isManifest, MEDIA_TYPE } from '../image/oci.js';
import { parseIndex } from '../image/read.js';
import type { Repository } from './client.js';

export interface PushedReferrers {
  /** the artifact manifests' digests */
  digests: string[];
  /** 'api' when the registry indexed every subject itself, 'tag' when the referrers tag was written */
  via: 'api' | 'tag';
}

/**
 * Pushes the artifacts (each refers to the same subject): blobs, then each manifest by digest. When
 * the registry does not confirm a subject (no `OCI-Subject` header), the referrers tag of that subject
 * is updated once with every artifact pushed, keeping what it listed.
 */
export async function pushReferrers(
  repo: Repository,
  artifacts: readonly Artifact[],
  signal?: AbortSignal,
): Promise<PushedReferrers> {
  const bySubject = new Map<string, ReferrerDescriptor[]>();
  const digests: string[] = [];
  for (const a of artifacts) {
    for (const b of [a.config, a.layer]) await repo.pushBlob(b, signal);
    const put = await repo.putManifestWithSubject(
      a.manifest.descriptor.digest,
      a.manifest.descriptor.mediaType,
      a.manifest.bytes,
      signal,
    );
    digests.push(put.digest);
    if (put.subject !== a.subject.digest) {
      const list = bySubject.get(a.subject.digest) ?? [];
      list.push(a.manifest.descriptor);
      bySubject.set(a.subject.digest, list);
    }
  }
  for (const [subject, added] of bySubject) {
    const tag = referrersTag(subject);
    const current = await readReferrersTag(repo, subject, signal);
    const index = referrersIndex(current, added);
    await repo.putManifest(tag, MEDIA_TYPE.index, index.bytes, signal);
  }
  return { digests, via: bySubject.size === 0 ? 'api' : 'tag' };
}

async function readReferrersTag(
  repo: Repository,
  subject: string,
  signal?: AbortSignal,
): Promise<ReferrerDescriptor[]> {
  const tag = referrersTag(subject);
  if ((await repo.headManifest(tag, signal)) === null) return [];
  const m = await repo.getManifest(tag, signal);
  return parseIndex(m.bytes).manifests as ReferrerDescriptor[];
}

/**
 * The referrers of `subject`: from the referrers API when the registry has one, else from the referrers
 * tag (empty when neither lists any). With the API, the tag is read too: a registry may have gained the
 * API after artifacts were pushed under the tag.
 */
export async function listReferrers(
  repo: Repository,
  subject: string,
  signal?: AbortSignal,
): Promise<{ referrers: ReferrerDescriptor[]; via: 'api' | 'tag' }> {
  const api = await repo.referrers(subject, signal);
  const tagged = await readReferrersTag(repo, subject, signal);
  if (api === null) return { referrers: tagged, via: 'tag' };
  const listed = parseIndex(api).manifests as ReferrerDescriptor[];
  const seen = new Set(listed.map((d) => d.digest));
  return { referrers: [...listed, ...tagged.filter((d) => !seen.has(d.digest))], via: 'api' };
}

/** A registry repository as a source of artifacts for readAttestations. */
export function registryArtifactSource(repo: Repository): ArtifactSource {
  return {
    referrers: async (digest, signal) => (await listReferrers(repo, digest, signal)).referrers,
    fetch: async (d, signal) =>
      isIndex(d.mediaType) || isManifest(d.mediaType)
        ? (await repo.getManifest(d.digest, signal)).bytes
        : repo.getBlob(d.digest, signal, d.size),
  };
}
