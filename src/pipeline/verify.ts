// `verify REF [--key cosign.pub]`: the image read through the one image reader (every blob's digest
// checked: a damaged one is DIGEST_MISMATCH naming it, exit 1), then checked by image/verify.ts; with a
// key, the cosign signatures and attestations beside it too (registry or OCI layout).
import type { KeyObject } from 'node:crypto';
import { badInput } from '../errors.js';
import { type VerifyResult, verifyImage } from '../image/verify.js';
import { patchId } from '../patch/templates.js';
import { LAYOUT_IDENTITY, layoutSignatureStore } from '../publish/oci-signatures.js';
import { registrySignatureStore } from '../sign/registry-store.js';
import { dockerReference } from '../sign/simple-signing.js';
import { imageDigests, verifySignatures } from '../sign/store.js';
import type { Context } from './context.js';
import { type ImageSourceDeps, parseImageSource, readImageSource } from './image-source.js';

/** What `--json` shows of the signature check. */
export interface SignatureCheck {
  present: boolean;
  ok: boolean;
  problems: string[];
}

export interface VerifyOutcome extends VerifyResult {
  /** with a key only */
  signature?: SignatureCheck;
}

export async function verify(
  spec: string,
  deps: ImageSourceDeps,
  ctx: Pick<Context, 'signal'>,
  opts: { key?: KeyObject } = {},
): Promise<VerifyOutcome> {
  const source = parseImageSource(spec);
  if (opts.key && source.kind === 'docker-archive')
    throw badInput(
      'verify --key reads signatures from a registry or an OCI layout; a docker-archive carries none',
      'BAD_FLAG',
    );
  const { ref, image } = await readImageSource(spec, deps, { signal: ctx.signal });
  const result = verifyImage(ref, image, patchId);
  if (!opts.key || source.kind === 'docker-archive') return result;
  // A layout has no repository: its signatures are checked for the digest alone.
  const [store, reference] =
    source.kind === 'oci'
      ? [layoutSignatureStore(source.dir), null]
      : [registrySignatureStore(deps.registry().repository(source.ref)), dockerReference(source.ref)];
  const report = await verifySignatures(
    store,
    imageDigests(reference ?? LAYOUT_IDENTITY, image),
    opts.key,
    ctx.signal,
    {
      anyRepository: reference === null,
    },
  );
  const signature: SignatureCheck = { present: report.present, ok: report.ok, problems: report.problems };
  return { ...result, ok: result.ok && report.ok, signature };
}
