// The attestations of one built image, from values the pipeline has after assembly: an SBOM per
// platform (from the binary that is in that platform's image) and the build's provenance, each as an
// in-toto statement (what signing wraps in DSSE) and as an OCI artifact referring to the index (what
// sinks publish). Pure.

import { createHash } from 'node:crypto';
import { rfc3339 } from '../image/labels.js';
import type { Descriptor, ImageIndex, Platform } from '../types.js';
import { formatPlatform, samePlatform } from '../versions/platforms.js';
import { type Artifact, provenanceArtifact, sbomArtifact } from './artifact.js';
import { readGoBuildInfo } from './go-buildinfo.js';
import { buildProvenance, type ProvenanceInput, type SlsaProvenance } from './provenance.js';
import {
  type BaseContents,
  buildSbom,
  CYCLONEDX_PREDICATE_TYPE,
  type CycloneDxBom,
  type SbomInput,
  sbomBytes,
} from './sbom.js';
import { type InTotoStatement, inTotoStatement, ociSubject, statementBytes } from './statement.js';

/** What attestations need of an image index: its descriptor and its platform manifests. */
export interface AttestedIndex {
  descriptor: Descriptor;
  images: { platform: Platform; manifestDigest: string }[];
}

export function attestedIndex(index: ImageIndex): AttestedIndex {
  return {
    descriptor: index.index.descriptor,
    images: index.manifests.map((m) => ({
      platform: m.platform,
      manifestDigest: m.manifest.descriptor.digest,
    })),
  };
}

export interface PlatformBuild {
  platform: Platform;
  /** the /coredns bytes in that platform's image */
  bytes: Uint8Array;
  /** the make command and the -ldflags it passed (compile stage), or null */
  make: { command: string; ldflags: string | null } | null;
}

export interface AttestRequest {
  toolVersion: string;
  /** the image; null for bare binaries (`binaries:`): SBOMs of the binaries, no artifacts */
  index: AttestedIndex | null;
  binaries: readonly PlatformBuild[];
  release: { version: string; commit: string };
  sourceUrl: string;
  /** the images' config labels */
  labels: Readonly<Record<string, string>>;
  patch: { id: string; annotationKey: string; diff: string };
  base: BaseContents;
  sourceDateEpoch: number;
  sbom: boolean;
  /** everything provenance needs besides what is above; null: no provenance */
  provenance: Pick<
    ProvenanceInput,
    'imageName' | 'tag' | 'go' | 'base' | 'buildKey' | 'builder' | 'startedOn' | 'finishedOn' | 'source'
  > | null;
}

export interface PlatformSbom {
  platform: Platform;
  /** the platform manifest, or the binary's `sha256:<hex>` */
  manifestDigest: string;
  bom: CycloneDxBom;
  /** the SBOM's bytes: the artifact layer, `sbom.cdx.json` */
  bytes: Uint8Array;
  /** the SBOM as an in-toto statement about the platform manifest (predicate type https://cyclonedx.org/bom) */
  statement: InTotoStatement<CycloneDxBom>;
}

export interface Attestations {
  sboms: PlatformSbom[];
  provenance: { statement: InTotoStatement<SlsaProvenance>; bytes: Uint8Array } | null;
  /** one artifact per SBOM, then the provenance: all with the index as subject */
  artifacts: Artifact[];
}

/** The in-toto statement of an SBOM: its subject the platform manifest it describes. */
export function sbomStatement(
  bom: CycloneDxBom,
  subjectName: string,
  manifestDigest: string,
): InTotoStatement<CycloneDxBom> {
  return inTotoStatement([ociSubject(subjectName, manifestDigest)], CYCLONEDX_PREDICATE_TYPE, bom);
}

function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function attest(req: AttestRequest): Attestations {
  const { index } = req;
  // What each SBOM describes: a platform image of the index, or a bare binary.
  const targets = index
    ? index.images.map((image) => {
        const built = req.binaries.find((b) => samePlatform(b.platform, image.platform));
        if (!built) throw new Error(`attest: no binary for ${formatPlatform(image.platform)}`);
        return { platform: image.platform, digest: image.manifestDigest, built };
      })
    : req.binaries.map((built) => ({ platform: built.platform, digest: sha256Digest(built.bytes), built }));
  const name = req.provenance?.imageName ?? 'coredns';
  const sboms: PlatformSbom[] = [];
  if (req.sbom) {
    for (const t of targets) {
      const input: SbomInput = {
        toolVersion: req.toolVersion,
        version: req.release.version,
        commit: req.release.commit,
        sourceUrl: req.sourceUrl,
        platform: t.platform,
        image: index ? { manifestDigest: t.digest, indexDigest: index.descriptor.digest } : null,
        labels: req.labels,
        binary: {
          sha256: sha256Digest(t.built.bytes).slice('sha256:'.length),
          size: t.built.bytes.byteLength,
          buildInfo: readGoBuildInfo(t.built.bytes),
        },
        make: t.built.make,
        patch: req.patch,
        base: index ? req.base : null,
        sourceDateEpoch: req.sourceDateEpoch,
      };
      const bom = buildSbom(input);
      sboms.push({
        platform: t.platform,
        manifestDigest: t.digest,
        bom,
        bytes: sbomBytes(bom),
        statement: sbomStatement(bom, name, t.digest),
      });
    }
  }
  let provenance: Attestations['provenance'] = null;
  if (req.provenance) {
    const statement = buildProvenance({
      ...req.provenance,
      toolVersion: req.toolVersion,
      indexDigest: index?.descriptor.digest ?? null,
      images: targets.map((t) => ({ platform: t.platform, digest: t.digest })),
      patch: { id: req.patch.id, annotationKey: req.patch.annotationKey },
      sourceDateEpoch: req.sourceDateEpoch,
    });
    provenance = { statement, bytes: statementBytes(statement) };
  }
  const artifacts: Artifact[] = [];
  if (index) {
    const subject = index.descriptor;
    const created = rfc3339(req.sourceDateEpoch);
    for (const s of sboms)
      artifacts.push(sbomArtifact({ sbom: s.bytes, platform: s.platform, subject, created }));
    if (provenance && req.provenance) {
      artifacts.push(
        provenanceArtifact({
          statement: provenance.bytes,
          subject,
          created: req.provenance.finishedOn.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        }),
      );
    }
  }
  return { sboms, provenance, artifacts };
}

export interface AttestationFile {
  /** relative to the folder it goes in */
  path: string;
  bytes: Uint8Array;
}

/**
 * The files of the attestations, laid out for one kind of output:
 * - `per-platform`: `linux/amd64/sbom.cdx.json` beside each binary of `binaries:DIR`, `provenance.intoto.json` at the top;
 * - `single`: `sbom.cdx.json` and `provenance.intoto.json` (beside a docker-archive: one platform);
 * - `named`: `sbom-linux-amd64.cdx.json`, ..., `provenance.intoto.json` (one folder per version of --attestations-dir).
 */
export function attestationFiles(
  a: Attestations,
  layout: 'per-platform' | 'single' | 'named',
  /** `single`: the platform whose SBOM goes beside the output */
  platform?: Platform,
): AttestationFile[] {
  const sboms =
    layout === 'single' && platform ? a.sboms.filter((s) => samePlatform(s.platform, platform)) : a.sboms;
  const files: AttestationFile[] = sboms.map((s) => {
    const p = formatPlatform(s.platform);
    const path =
      layout === 'per-platform'
        ? `${p}/sbom.cdx.json`
        : layout === 'single'
          ? 'sbom.cdx.json'
          : `sbom-${p.replaceAll('/', '-')}.cdx.json`;
    return { path, bytes: s.bytes };
  });
  if (layout === 'single' && files.length > 1) throw new Error('attestationFiles: one platform expected');
  if (a.provenance) files.push({ path: 'provenance.intoto.json', bytes: a.provenance.bytes });
  return files;
}
