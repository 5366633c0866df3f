// `verify REF`: the image read through the one image reader (every blob's digest checked: a damaged one
// is DIGEST_MISMATCH naming it, exit 1), then checked by image/verify.ts; with --smoke, then the host
// platform's /coredns run against the fake Kubernetes API (pipeline/smoke.ts).
import { type VerifyResult, verifyImage } from '../image/verify.js';
import { patchId } from '../patch/templates.js';
import { type SmokeDocument, smokeFailure } from '../smoke/document.js';
import { smokePlatform } from '../smoke/image-binary.js';
import type { Context } from './context.js';
import { type ImageSourceDeps, readImageSource } from './image-source.js';
import { type SmokeContext, type SmokeOptions, smokeImage } from './smoke.js';

export async function verify(
  spec: string,
  deps: ImageSourceDeps,
  ctx: Pick<Context, 'signal'> & Partial<SmokeContext>,
  smoke?: SmokeOptions,
): Promise<VerifyResult & { smoke?: SmokeDocument }> {
  // --smoke on a host that cannot run CoreDNS is bad input, found before anything is read.
  if (smoke) smokePlatform(smoke.platform);
  const { ref, image } = await readImageSource(spec, deps, { signal: ctx.signal });
  const result: VerifyResult & { smoke?: SmokeDocument } = verifyImage(ref, image, patchId);
  if (smoke) {
    result.smoke = await smokeImage(spec, image, smoke, { signal: ctx.signal, log: ctx.log ?? (() => {}) });
    const failure = smokeFailure(result.smoke, spec);
    if (failure) {
      result.problems.push(`smoke: ${failure.message}`);
      result.ok = false;
    }
  }
  return result;
}
