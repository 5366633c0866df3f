import { badInput, VcError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import { type ImageRef, isValidTag, parseRef, repoName } from '../registry/ref.js';
import type { Blob, ImageIndex, Published, Sink } from '../types.js';
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
    async write(index: ImageIndex, tag: string, signal?: AbortSignal): Promise<Published> {
      const finalTag = target.tag ?? tag;
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
