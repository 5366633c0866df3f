// The attest stage of a build: after assembly (or, for an image that is already current, from the image
// the target holds), the SBOM of each platform and the provenance of the build, as statements, artifacts
// for the sinks and files. Reads the CA bundle's record (assets/) and the clock; the rest is attest/.
import { readFile } from 'node:fs/promises';
import type { ArtifactKind } from '../attest/artifact.js';
import { baseContents } from '../attest/base-contents.js';
import { parseCaBundleSource } from '../attest/ca-source.js';
import {
  type AttestationFile,
  type Attestations,
  type AttestedIndex,
  attest,
  attestationFiles,
  type PlatformBuild,
} from '../attest/compose.js';
import { builderFromEnv } from '../attest/provenance.js';
import { type ArtifactSource, readAttestations } from '../attest/read.js';
import type { BaseImage } from '../image/index.js';
import { writeAttestationFiles } from '../publish/attestation-files.js';
import type { Platform } from '../types.js';
import { CA_BUNDLE_PATH, readCaBundle } from './load.js';

export interface AttestOptions {
  /** attach an SBOM per platform (`--no-sbom` turns it off) */
  sbom: boolean;
  /** attach the provenance (`--no-provenance`) */
  provenance: boolean;
  /** `--attestations-dir DIR`: also write both there, per version */
  attestationsDir?: string;
  /** vc-coredns's own version */
  toolVersion: string;
}

export function wantedKinds(opts: Pick<AttestOptions, 'sbom' | 'provenance'>): ArtifactKind[] {
  return [...(opts.sbom ? (['sbom'] as const) : []), ...(opts.provenance ? (['provenance'] as const) : [])];
}

/** The wanted kinds the target does not hold for `digest`. */
export async function missingKinds(
  source: ArtifactSource,
  digest: string,
  wanted: readonly ArtifactKind[],
  signal?: AbortSignal,
): Promise<ArtifactKind[]> {
  if (wanted.length === 0) return [];
  const stored = await readAttestations(source, digest, signal);
  const have = new Set<ArtifactKind>([
    ...(stored.sboms.length > 0 ? (['sbom'] as const) : []),
    ...(stored.provenance.length > 0 ? (['provenance'] as const) : []),
  ]);
  return wanted.filter((k) => !have.has(k));
}

export interface AttestStageInput {
  opts: AttestOptions;
  env: NodeJS.ProcessEnv;
  index: AttestedIndex | null;
  binaries: readonly PlatformBuild[];
  release: { version: string; commit: string };
  sourceUrl: string;
  sourceTreeHash?: string | undefined;
  labels: Readonly<Record<string, string>>;
  patch: { id: string; annotationKey: string; diff: string };
  base: BaseImage | null;
  sourceDateEpoch: number;
  tag: string;
  goVersion: string;
  goSource: string;
  buildKey: string;
  startedOn: Date;
}

/** The CA bundle's record, trusted only when it matches the shipped bundle. */
async function caSource(bundle: Uint8Array) {
  const text = await readFile(CA_BUNDLE_PATH.replace(/\.crt$/, '.json'), 'utf8').catch(() => null);
  return parseCaBundleSource(text, bundle);
}

export async function makeAttestations(input: AttestStageInput): Promise<Attestations> {
  const builtin = input.base?.digest.startsWith('builtin:') ?? false;
  const bundle = builtin ? await readCaBundle() : null;
  const base = input.base ? baseContents(input.base, bundle, bundle ? await caSource(bundle) : null) : null;
  return attest({
    toolVersion: input.opts.toolVersion,
    index: input.index,
    binaries: input.binaries,
    release: input.release,
    sourceUrl: input.sourceUrl,
    labels: input.labels,
    patch: input.patch,
    base: base ?? { kind: 'image', name: 'none', digest: 'none' },
    sourceDateEpoch: input.sourceDateEpoch,
    sbom: input.opts.sbom,
    provenance: input.opts.provenance
      ? {
          imageName: 'coredns',
          tag: input.tag,
          go: { version: input.goVersion, source: input.goSource },
          base: { name: input.base?.name ?? 'none', digest: input.base?.digest ?? 'none' },
          buildKey: input.buildKey,
          builder: builderFromEnv(input.env, input.opts.toolVersion),
          startedOn: input.startedOn,
          finishedOn: new Date(),
          source: {
            url: input.sourceUrl,
            commit: input.release.commit,
            version: input.release.version,
            treeSha256: input.sourceTreeHash,
          },
        }
      : null,
  });
}

/** Writes the attestation files in `dir` laid out for the output kind; returns the paths. */
export async function writeFiles(
  dir: string,
  attestations: Attestations,
  layout: Parameters<typeof attestationFiles>[1],
  platform?: Platform,
): Promise<string[]> {
  const files: AttestationFile[] = attestationFiles(attestations, layout, platform);
  return writeAttestationFiles(dir, files);
}
