// The attestations of one built image, from values the pipeline has after assembly: an SBOM per
// platform (from the binary that is in that platform's image) and the build's provenance, each as an
// in-toto statement (what signing wraps in DSSE) and as an OCI artifact referring to the index (what
// sinks publish). Pure.

import { createHash } from 'node:crypto';
import { samePlatform } from '../image/base.js';
import { rfc3339 } from '../image/labels.js';
import type { ImageIndex, Platform } from '../types.js';
import { formatPlatform } from '../versions/platforms.js';
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

export interface PlatformBuild {
  platform: Platform;
  /** the /coredns bytes in that platform's image */
  bytes: Uint8Array;
  /** the make command and the -ldflags it passed (compile stage), or null */
  make: { command: string; ldflags: string | null } | null;
}

export interface AttestRequest {
  toolVersion: string;
  index: ImageIndex;
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

export function attest(req: AttestRequest): Attestations {
  const subject = req.index.index.descriptor;
  const sboms: PlatformSbom[] = [];
  if (req.sbom) {
    for (const image of req.index.manifests) {
      const built = req.binaries.find((b) => samePlatform(b.platform, image.platform));
      if (!built) throw new Error(`attest: no binary for ${formatPlatform(image.platform)}`);
      const input: SbomInput = {
        toolVersion: req.toolVersion,
        version: req.release.version,
        commit: req.release.commit,
        sourceUrl: req.sourceUrl,
        platform: image.platform,
        image: { manifestDigest: image.manifest.descriptor.digest, indexDigest: req.index.digest },
        labels: req.labels,
        binary: {
          sha256: createHash('sha256').update(built.bytes).digest('hex'),
          size: built.bytes.byteLength,
          buildInfo: readGoBuildInfo(built.bytes),
        },
        make: built.make,
        patch: req.patch,
        base: req.base,
        sourceDateEpoch: req.sourceDateEpoch,
      };
      const bom = buildSbom(input);
      const name = req.provenance?.imageName ?? 'coredns';
      sboms.push({
        platform: image.platform,
        manifestDigest: image.manifest.descriptor.digest,
        bom,
        bytes: sbomBytes(bom),
        statement: sbomStatement(bom, name, image.manifest.descriptor.digest),
      });
    }
  }
  let provenance: Attestations['provenance'] = null;
  if (req.provenance) {
    const statement = buildProvenance({
      ...req.provenance,
      toolVersion: req.toolVersion,
      indexDigest: req.index.digest,
      images: req.index.manifests.map((m) => ({
        platform: m.platform,
        digest: m.manifest.descriptor.digest,
      })),
      patch: { id: req.patch.id, annotationKey: req.patch.annotationKey },
      sourceDateEpoch: req.sourceDateEpoch,
    });
    provenance = { statement, bytes: statementBytes(statement) };
  }
  const created = rfc3339(req.sourceDateEpoch);
  const artifacts: Artifact[] = sboms.map((s) =>
    sbomArtifact({ sbom: s.bytes, platform: s.platform, subject, created }),
  );
  if (provenance && req.provenance) {
    artifacts.push(
      provenanceArtifact({
        statement: provenance.bytes,
        subject,
        created: req.provenance.finishedOn.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      }),
    );
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
): AttestationFile[] {
  const files: AttestationFile[] = a.sboms.map((s) => {
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
