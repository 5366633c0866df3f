// `smoke REF`, `verify REF --smoke` and `build --smoke`: which binary to run (a file, or /coredns of the
// host's platform read through the one image reader), under which annotation key, then src/smoke/.
import { stat } from 'node:fs/promises';
import { badInput } from '../errors.js';
import type { ReadImage } from '../image/read-image.js';
import { DEFAULT_ANNOTATION, parseAnnotationKey } from '../patch/annotation-key.js';
import { type SmokeDocument, smokeDocument } from '../smoke/document.js';
import { imageCoreDns, smokePlatform } from '../smoke/image-binary.js';
import { DEFAULT_TIMEOUT_SECONDS, smokeBinary } from '../smoke/run.js';
import { formatPlatform } from '../versions/platforms.js';
import type { Context } from './context.js';
import { type ImageSourceDeps, readImageSource } from './image-source.js';

export interface SmokeOptions {
  /** `--annotation`: the key to check (must agree with the image's label) */
  annotation?: string;
  /** `--platform`: one the host runs natively (default: the host's) */
  platform?: string;
  /** the whole run (default 60 s) */
  timeoutMs?: number;
  keep?: boolean;
  /** each API request as one line (`--debug`) */
  onRequest?: (line: string) => void;
  /** where the work dir is made (default: the OS temp dir) */
  tmpDir?: string;
}

export type SmokeContext = Pick<Context, 'signal'> & { log: (line: string) => void };

/** `--annotation` against the image's label: both given and different is bad input. */
export function smokeKey(flag: string | undefined, label: string | null): string {
  const given = flag === undefined ? null : parseAnnotationKey(flag);
  if (given !== null && label !== null && given !== label) {
    throw badInput(
      `--annotation ${given} differs from the key the image was patched for (${label})`,
      'ANNOTATION_MISMATCH',
      'leave out --annotation: smoke reads the image label io.vc-coredns.annotation-key',
    );
  }
  return given ?? label ?? DEFAULT_ANNOTATION;
}

/** Runs one binary (a path or its bytes) and turns the run into the document users see. */
export async function smokeRun(
  ref: string,
  binary: string | Uint8Array,
  platform: string,
  key: string,
  opts: SmokeOptions,
  ctx: SmokeContext,
): Promise<SmokeDocument> {
  const run = await smokeBinary({
    binary,
    key,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000,
    keep: Boolean(opts.keep),
    signal: ctx.signal,
    log: ctx.log,
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
    ...(opts.tmpDir ? { tmpDir: opts.tmpDir } : {}),
  });
  if (run.dir) ctx.log(`kept ${run.dir} (Corefile, coredns.log, api-requests.log)`);
  return smokeDocument(ref, platform, key, run);
}

/** The smoke test of an image already read with its layers (verify --smoke). */
export async function smokeImage(
  ref: string,
  image: ReadImage,
  opts: SmokeOptions,
  ctx: SmokeContext,
): Promise<SmokeDocument> {
  const platform = smokePlatform(opts.platform);
  const found = imageCoreDns(image.images, platform);
  const key = smokeKey(opts.annotation, found.key);
  return smokeRun(ref, found.binary, found.platform, key, opts, ctx);
}

/** `smoke REF`: `binary:PATH`, or an image (`oci:`, `docker-archive:`, a registry reference). */
export async function smoke(
  spec: string,
  opts: SmokeOptions,
  deps: ImageSourceDeps,
  ctx: SmokeContext,
): Promise<SmokeDocument> {
  // Bad input first: the host, the platform, the key, a binary that is not there.
  const platform = smokePlatform(opts.platform);
  if (opts.annotation !== undefined) parseAnnotationKey(opts.annotation);
  if (spec.startsWith('binary:')) {
    const path = spec.slice('binary:'.length);
    const s = await stat(path).catch(() => null);
    if (!s?.isFile())
      throw badInput(`${path} is not a file`, 'NOT_FOUND', 'binary:PATH names a CoreDNS executable');
    return smokeRun(spec, path, formatPlatform(platform), smokeKey(opts.annotation, null), opts, ctx);
  }
  const { image } = await readImageSource(spec, deps, { platform, signal: ctx.signal });
  return smokeImage(spec, image, opts, ctx);
}
