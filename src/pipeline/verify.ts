// `verify REF`: the image read through the one image reader (every blob's digest checked: a damaged one
// is DIGEST_MISMATCH naming it, exit 1), then checked by image/verify.ts.
import { type VerifyResult, verifyImage } from '../image/verify.js';
import { patchId } from '../patch/templates.js';
import type { Context } from './context.js';
import { type ImageSourceDeps, readImageSource } from './image-source.js';

export async function verify(
  spec: string,
  deps: ImageSourceDeps,
  ctx: Pick<Context, 'signal'>,
): Promise<VerifyResult> {
  const { ref, image } = await readImageSource(spec, deps, { signal: ctx.signal });
  return verifyImage(ref, image, patchId);
}
