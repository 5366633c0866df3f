import { badInput, VcError } from '../errors.js';
import { LABEL } from '../image/labels.js';
import type { RegistryClient } from '../registry/client.js';
import { type ImageRef, isValidTag, parseRef, refTag, repoName } from '../registry/ref.js';
import { pushReferrers, registryArtifactSource } from '../registry/referrers.js';
import { readRemoteImage } from '../registry/remote-image.js';
import type { Blob, Current, Held, ImageIndex, Published, Sink } from '../types.js';
import { shortDigest } from '../util/digest.js';
import { forEachLimit } from '../util/pool.js';

export interface RegistrySinkOptions {
  /** A repository of the same registry to mount blobs from instead of uploading them. */
  mountFrom?: string;
  /** Blob uploads at a time (default 3). */
  concurrency?: number;
}

/**
 * A sink that pushes an image index to a registry: every blob once (what the repository has is
 * skipped, layers shared between platforms go up once), each platform manifest by digest, then the
 * index by tag, last, so a run that fails leaves no tag behind. A REF with a tag pushes to that tag;
 * without one, to the tag passed to write().
 */
export function registrySink(
  ref: string | ImageRef,
  client: RegistryClient,
  opts: RegistrySinkOptions = {},
): Sink {
  const target = typeof ref === 'string' ? parseRef(ref) : ref;
  if (target.digest !== undefined)
    throw badInput(
      `cannot push to ${repoName(target)}@${target.digest}: a digest names content, not a place to push`,
      'BAD_REF',
      'name the repository, with or without a tag',
    );
  const name = repoName(target);
  const concurrency = opts.concurrency ?? 3;
  return {
    name: `registry ${name}`,
    current: (tag, signal) => registryCurrent(client, target, refTag(target, tag), signal),
    async attach(artifacts, signal) {
      await pushReferrers(client.repository(target, { push: true }), artifacts, signal);
    },
    artifacts: () => registryArtifactSource(client.repository(target)),
    async addTag(held: Held, tag: string, signal?: AbortSignal): Promise<Published> {
      const finalTag = refTag(target, tag);
      const { digest } = held.descriptor;
      const existing = await client.repository(target).headManifest(finalTag, signal);
      if (existing?.digest !== digest) {
        const repo = client.repository(target, { push: true });
        const manifest = await repo.getManifest(digest, signal);
        await repo.putManifest(finalTag, manifest.mediaType, manifest.bytes, signal);
      }
      return { refs: [`${name}:${finalTag}@${digest}`], digest };
    },
    async write(index: ImageIndex, tag: string, signal?: AbortSignal): Promise<Published> {
      const finalTag = refTag(target, tag);
      if (!isValidTag(finalTag)) throw badInput(`"${finalTag}" is not a valid image tag`, 'BAD_TAG');
      const repo = client.repository(target, {
        push: true,
        ...(opts.mountFrom ? { mountFrom: opts.mountFrom } : {}),
      });
      const blobs = new Map<string, Blob>();
      for (const m of index.manifests) {
        for (const b of [m.config, ...m.layers]) {
          if (!blobs.has(b.descriptor.digest)) blobs.set(b.descriptor.digest, b);
        }
      }
      await forEachLimit([...blobs.values()], concurrency, (b, s) => repo.pushBlob(b, s), signal);
      for (const m of index.manifests) {
        await repo.putManifest(
          m.manifest.descriptor.digest,
          m.manifest.descriptor.mediaType,
          m.manifest.bytes,
          signal,
        );
      }
      const digest = await repo.putManifest(
        finalTag,
        index.index.descriptor.mediaType,
        index.index.bytes,
        signal,
      );
      if (digest !== index.digest)
        throw new VcError(
          `the index pushed to ${name}:${finalTag} has digest ${digest}, not ${index.digest}`,
          {
            code: 'REGISTRY_DIGEST_MISMATCH',
            hint: 'this is a bug in the image assembly: please open an issue',
          },
        );
      return { refs: [`${name}:${finalTag}@${digest}`], digest };
    },
  };
}

/** Failures that mean "what the registry holds is damaged" (push it again), not "cannot work here". */
const DAMAGE = new Set(['DIGEST_MISMATCH', 'REGISTRY_DIGEST_MISMATCH', 'REGISTRY_NOT_FOUND', 'BAD_IMAGE']);

/**
 * What the registry holds under `tag`: index, manifests and configs read and checked, and every layer
 * HEADed, so that a blob lost from the registry's storage makes the image not current (it is pushed
 * again) instead of "skipped".
 */
async function registryCurrent(
  client: RegistryClient,
  target: ImageRef,
  tag: string,
  signal?: AbortSignal,
): Promise<Current> {
  const name = repoName(target);
  try {
    const image = await readRemoteImage(client, target, tag, {
      layers: false,
      ...(signal ? { signal } : {}),
    });
    if (!image) return { held: null, problems: [] };
    const layers = new Map(image.images.flatMap((i) => i.manifest.layers.map((l) => [l.digest, l] as const)));
    const problems: string[] = [];
    for (const digest of layers.keys()) {
      if (!(await image.repository.blobExists(digest, signal))) {
        problems.push(`${name}:${tag} names layer ${shortDigest(digest)}, which the registry no longer has`);
      }
    }
    if (problems.length > 0) return { held: null, problems };
    const held: Held = {
      descriptor: image.descriptor,
      buildKey: image.labels[LABEL.buildKey] ?? null,
      refs: [`${name}:${tag}@${image.digest}`],
      manifests: image.index ? image.images.map((i) => i.descriptor) : [],
    };
    return { held, problems: [] };
  } catch (e) {
    if (e instanceof VcError && DAMAGE.has(e.code)) return { held: null, problems: [e.message] };
    throw e;
  }
}
