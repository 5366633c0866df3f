// `verify REF`: the image read through the one image reader (every blob's digest checked: a damaged one
// is DIGEST_MISMATCH naming it, exit 1), then checked by image/verify.ts; and its SBOMs and provenance,
// read from where the image is (referrers of the index) and checked against its binaries and labels;
// with --smoke, then the host platform's /coredns run against the fake Kubernetes API (pipeline/smoke.ts).
import type { ArtifactSource } from '../attest/read.js';
import { readAttestations } from '../attest/read.js';
import { type AttestationCheck, verifyProvenance, verifySboms } from '../attest/verify.js';
import { imageFile } from '../image/read-image.js';
import { type VerifyResult, verifyImage } from '../image/verify.js';
import { patchId } from '../patch/templates.js';
import { layoutArtifactSource } from '../publish/oci-referrers.js';
import { registryArtifactSource } from '../registry/referrers.js';
import { type SmokeDocument, smokeFailure } from '../smoke/document.js';
import { smokePlatform } from '../smoke/image-binary.js';
import type { Context } from './context.js';
import { type ImageSourceDeps, parseImageSource, readImageSource } from './image-source.js';
import { type SmokeContext, type SmokeOptions, smokeImage } from './smoke.js';

export interface VerifyReport extends VerifyResult {
  sbom: AttestationCheck;
  provenance: AttestationCheck;
  /** `--smoke`: the smoke document of the host platform's /coredns */
  smoke?: SmokeDocument;
}

/** Where the artifacts of an image source are: null for a docker-archive (its files lie beside it). */
export function artifactSourceOf(spec: string, deps: ImageSourceDeps): ArtifactSource | null {
  const source = parseImageSource(spec);
  switch (source.kind) {
    case 'oci':
      return layoutArtifactSource(source.dir);
    case 'registry':
      return registryArtifactSource(deps.registry().repository(source.ref));
    case 'docker-archive':
      return null;
  }
}

export async function verify(
  spec: string,
  deps: ImageSourceDeps,
  ctx: Pick<Context, 'signal'> & Partial<SmokeContext>,
  smoke?: SmokeOptions,
): Promise<VerifyReport> {
  // --smoke on a host that cannot run CoreDNS is bad input, found before anything is read.
  if (smoke) smokePlatform(smoke.platform);
  const { ref, image } = await readImageSource(spec, deps, { signal: ctx.signal });
  const result = verifyImage(ref, image, patchId);
  const artifacts = artifactSourceOf(spec, deps);
  const stored = artifacts
    ? await readAttestations(artifacts, image.digest, ctx.signal)
    : { sboms: [], provenance: [], problems: [] };
  const input = {
    indexDigest: image.digest,
    images: image.images.map((img) => ({
      platform: img.platform,
      manifestDigest: img.descriptor.digest,
      binary: imageFile(img, '/coredns')?.data ?? null,
    })),
    labels: result.labels,
    stored,
  };
  const sbom = verifySboms(input);
  const provenance = verifyProvenance(input);
  // Missing attestations are reported, not a failure (older images have none); wrong ones fail.
  const problems = [
    ...result.problems,
    ...(sbom.present ? sbom.problems.map((p) => `SBOM: ${p}`) : []),
    ...(provenance.present ? provenance.problems.map((p) => `provenance: ${p}`) : []),
  ];
  if (!smoke) return { ...result, ok: problems.length === 0, problems, sbom, provenance };
  // After the static checks: the host platform's binary against the fake Kubernetes API.
  const doc = await smokeImage(spec, image, smoke, { signal: ctx.signal, log: ctx.log ?? (() => {}) });
  const failure = smokeFailure(doc, spec);
  if (failure) problems.push(`smoke: ${failure.message}`);
  return { ...result, ok: problems.length === 0, problems, sbom, provenance, smoke: doc };
}
