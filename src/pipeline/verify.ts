// `verify REF [--key cosign.pub] [--smoke]`: the image read through the one image reader (every blob's
// digest checked: a damaged one is DIGEST_MISMATCH naming it, exit 1), then checked by image/verify.ts;
// its SBOMs and provenance, read from where the image is (referrers of the index) and checked against
// its binaries and labels; with a key, the cosign signatures and attestations beside it (registry or
// layout); with --smoke, then the host platform's /coredns run against the fake Kubernetes API
// (pipeline/smoke.ts).
import type { KeyObject } from 'node:crypto';
import type { ArtifactSource } from '../attest/read.js';
import { readAttestations } from '../attest/read.js';
import { type AttestationCheck, verifyProvenance, verifySboms } from '../attest/verify.js';
import { badInput } from '../errors.js';
import { imageFile } from '../image/read-image.js';
import { type VerifyResult, verifyImage } from '../image/verify.js';
import { patchId } from '../patch/templates.js';
import { layoutArtifactSource } from '../publish/oci-referrers.js';
import { LAYOUT_IDENTITY, layoutSignatureStore } from '../publish/oci-signatures.js';
import { registryArtifactSource } from '../registry/referrers.js';
import { registrySignatureStore } from '../sign/registry-store.js';
import { dockerReference } from '../sign/simple-signing.js';
import { imageDigests, verifySignatures } from '../sign/store.js';
import { type SmokeDocument, smokeFailure } from '../smoke/document.js';
import { smokePlatform } from '../smoke/image-binary.js';
import type { Context } from './context.js';
import { type ImageSourceDeps, parseImageSource, readImageSource } from './image-source.js';
import { type SmokeContext, type SmokeOptions, smokeImage } from './smoke.js';

/** What `--json` shows of the signature check (with `--key` only). */
export interface SignatureCheck {
  present: boolean;
  ok: boolean;
  problems: string[];
}

export interface VerifyReport extends VerifyResult {
  sbom: AttestationCheck;
  provenance: AttestationCheck;
  /** `--smoke`: the smoke document of the host platform's /coredns */
  smoke?: SmokeDocument;
  signature?: SignatureCheck;
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
  opts: { key?: KeyObject; smoke?: SmokeOptions } = {},
): Promise<VerifyReport> {
  const source = parseImageSource(spec);
  if (opts.key && source.kind === 'docker-archive')
    throw badInput(
      'verify --key reads signatures from a registry or an OCI layout; a docker-archive carries none',
      'BAD_FLAG',
    );
  // --smoke on a host that cannot run CoreDNS is bad input, found before anything is read.
  if (opts.smoke) smokePlatform(opts.smoke.platform);
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
  let report: VerifyReport = { ...result, ok: problems.length === 0, problems, sbom, provenance };
  if (opts.key && source.kind !== 'docker-archive') {
    // A layout has no repository: its signatures are checked for the digests alone.
    const [store, reference] =
      source.kind === 'oci'
        ? [layoutSignatureStore(source.dir), null]
        : [registrySignatureStore(deps.registry().repository(source.ref)), dockerReference(source.ref)];
    const checked = await verifySignatures(
      store,
      imageDigests(reference ?? LAYOUT_IDENTITY, image),
      opts.key,
      ctx.signal,
      { anyRepository: reference === null },
    );
    const signature: SignatureCheck = {
      present: checked.present,
      ok: checked.ok,
      problems: checked.problems,
    };
    report = { ...report, ok: report.ok && checked.ok, signature };
  }
  if (!opts.smoke) return report;
  // After the static checks: the host platform's binary against the fake Kubernetes API.
  const doc = await smokeImage(spec, image, opts.smoke, { signal: ctx.signal, log: ctx.log ?? (() => {}) });
  const failure = smokeFailure(doc, spec);
  if (failure) report.problems.push(`smoke: ${failure.message}`);
  return { ...report, ok: report.ok && !failure, smoke: doc };
}
