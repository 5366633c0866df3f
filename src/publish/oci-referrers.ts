// Artifacts referring to an image in an OCI image layout: their blobs beside the image's, and the
// referrers tag of the distribution spec's tag schema in index.json (ref name `sha256-<hex>` of the
// subject), an index listing them, as a registry without referrers API keeps it. skopeo reads it as
// any tag; the layout's gc keeps it while its subject is kept.
import { join } from 'node:path';
import { type Artifact, type ReferrerDescriptor, referrersIndex, referrersTag } from '../attest/artifact.js';
import type { ArtifactSource } from '../attest/read.js';
import { canonicalJson } from '../image/canonical-json.js';
import { matchesDescriptor } from '../image/digest.js';
import { REF_NAME_ANNOTATION } from '../image/oci.js';
import { parseIndex } from '../image/read.js';
import { blobMismatch } from '../image/read-image.js';
import type { Descriptor } from '../types.js';
import { writeFileAtomic } from '../util/fs.js';
import { layoutBlobs, readLayoutIndex, withLayoutLock, withTag, writeBlob } from './oci-layout.js';

/** A blob of the layout, checked against its descriptor (DIGEST_MISMATCH naming it otherwise). */
async function readBlob(dir: string, d: Descriptor, what: string): Promise<Uint8Array> {
  const bytes = await layoutBlobs(dir)(d, 'manifest');
  if (!matchesDescriptor(bytes, d)) throw blobMismatch(`oci:${dir}`, what, d, bytes);
  return bytes;
}

/** The referrers the layout lists for `subject` (none: empty). */
export async function readLayoutReferrers(dir: string, subject: string): Promise<ReferrerDescriptor[]> {
  const tag = referrersTag(subject);
  const entry = (await readLayoutIndex(dir)).manifests.find(
    (d) => d.annotations?.[REF_NAME_ANNOTATION] === tag,
  );
  if (!entry) return [];
  return parseIndex(await readBlob(dir, entry, 'referrers index')).manifests as ReferrerDescriptor[];
}

/**
 * Stores the artifacts (blobs first, then under the layout lock the referrers tag of each subject,
 * keeping what it listed). The layout must hold the subject already.
 */
export async function writeLayoutReferrers(
  dir: string,
  artifacts: readonly Artifact[],
  signal?: AbortSignal,
): Promise<void> {
  for (const a of artifacts) {
    for (const b of [a.config, a.layer, a.manifest]) await writeBlob(dir, b);
  }
  const subjects = [...new Set(artifacts.map((a) => a.subject.digest))];
  await withLayoutLock(dir, signal, async () => {
    let top = await readLayoutIndex(dir);
    for (const subject of subjects) {
      const added = artifacts.filter((a) => a.subject.digest === subject).map((a) => a.manifest.descriptor);
      const index = referrersIndex(await readLayoutReferrers(dir, subject), added);
      await writeBlob(dir, index);
      top = withTag(top, index.descriptor, referrersTag(subject));
    }
    await writeFileAtomic(join(dir, 'index.json'), canonicalJson(top), 0o644);
  });
}

/** The layout as a source of artifacts for readAttestations. */
export function layoutArtifactSource(dir: string): ArtifactSource {
  return {
    referrers: (digest) => readLayoutReferrers(dir, digest),
    fetch: (d: Descriptor) => readBlob(dir, d, 'blob'),
  };
}
