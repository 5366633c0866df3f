// The OCI image layout sink: `oci-layout`, `index.json`, `blobs/sha256/<hex>`. Several tags (versions)
// share one layout: index.json holds one descriptor of our image index per tag, named by the annotation
// org.opencontainers.image.ref.name; writing a tag again replaces its entry. Blobs are written through a
// temp file and a rename, index.json last and the same way: an interrupted write leaves the previous
// state plus unreferenced blobs, never a half-written file.
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { VcError } from '../errors.js';
import { canonicalJson } from '../image/canonical-json.js';
import { digestHex, matchesDescriptor } from '../image/digest.js';
import {
  MEDIA_TYPE,
  type OciConfig,
  type OciIndex,
  type OciManifest,
  REF_NAME_ANNOTATION,
} from '../image/oci.js';
import { parseConfig, parseIndex, parseManifest } from '../image/read.js';
import type { Blob, Descriptor, ImageIndex, Platform, Published, Sink } from '../types.js';
import { writeFileAtomic } from '../util/fs.js';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_LAYOUT_VERSION = '1.0.0';
const LOCK_NAME = '.vc-coredns.lock';

function layoutError(dir: string, message: string, cause?: unknown): VcError {
  return new VcError(`OCI layout ${dir}: ${message}`, { code: 'BAD_OCI_LAYOUT', cause });
}

function abortError(signal: AbortSignal): VcError {
  return new VcError('interrupted', { code: 'ABORTED', cause: signal.reason });
}

export function blobPath(dir: string, digest: string): string {
  return join(dir, 'blobs', 'sha256', digestHex(digest));
}

/** Every blob of an image index (layers shared between platforms once), index blob last. */
export function imageBlobs(index: ImageIndex): Blob[] {
  const seen = new Set<string>();
  const out: Blob[] = [];
  const add = (b: Blob) => {
    if (seen.has(b.descriptor.digest)) return;
    seen.add(b.descriptor.digest);
    out.push(b);
  };
  for (const m of index.manifests) {
    for (const l of m.layers) add(l);
    add(m.config);
    add(m.manifest);
  }
  add(index.index);
  return out;
}

async function fileSize(path: string): Promise<number | null> {
  return stat(path).then(
    (s) => (s.isFile() ? s.size : null),
    () => null,
  );
}

/**
 * Writes a blob unless the file is already there with the right bytes (blobs are written atomically, but
 * a file of another tool may be damaged: it is checked, and replaced when it does not match).
 */
export async function writeBlob(dir: string, blob: Blob): Promise<boolean> {
  const path = blobPath(dir, blob.descriptor.digest);
  if ((await fileSize(path)) === blob.descriptor.size) {
    const existing = await readFile(path).catch(() => null);
    if (existing && matchesDescriptor(existing, blob.descriptor)) return false;
  }
  await writeFileAtomic(path, blob.bytes, 0o644);
  return true;
}

/** Creates the layout's folders and `oci-layout`; refuses a non-empty folder that is not a layout. */
async function ensureLayout(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const layoutFile = join(dir, OCI_LAYOUT_FILE);
  let text: string | null = null;
  try {
    text = await readFile(layoutFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw layoutError(dir, 'cannot read oci-layout', e);
  }
  if (text === null) {
    const others = (await readdir(dir)).filter((n) => n !== 'blobs' && n !== LOCK_NAME && !n.startsWith('.'));
    if (others.length > 0) {
      throw new VcError(`${dir} is not empty and is not an OCI image layout (no oci-layout file)`, {
        code: 'BAD_OCI_LAYOUT',
        hint: 'give --output oci: a new folder or an existing layout',
        exitCode: 2,
      });
    }
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    await writeFileAtomic(layoutFile, canonicalJson({ imageLayoutVersion: OCI_LAYOUT_VERSION }), 0o644);
    return;
  }
  let version: unknown;
  try {
    version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch (e) {
    throw layoutError(dir, 'oci-layout is not JSON', e);
  }
  if (version !== OCI_LAYOUT_VERSION)
    throw layoutError(dir, `unsupported imageLayoutVersion ${String(version)}`);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
}

/** The layout's index.json, or an empty index when there is none yet. */
export async function readLayoutIndex(dir: string): Promise<OciIndex> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, 'index.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return { schemaVersion: 2, mediaType: MEDIA_TYPE.index, manifests: [] };
    }
    throw layoutError(dir, 'cannot read index.json', e);
  }
  try {
    return parseIndex(bytes);
  } catch (e) {
    throw layoutError(dir, `index.json: ${(e as Error).message}`, e);
  }
}

function refName(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME_ANNOTATION];
}

/**
 * index.json with `descriptor` under `tag`: an older entry of the same tag is dropped, other entries
 * kept; entries sorted by tag (untagged ones first, in their order) so the file does not depend on the
 * order in which versions were written.
 */
export function withTag(current: OciIndex, descriptor: Descriptor, tag: string): OciIndex {
  const kept = current.manifests.filter((d) => refName(d) !== tag);
  const entry: Descriptor = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
    annotations: { [REF_NAME_ANNOTATION]: tag },
  };
  const untagged = kept.filter((d) => refName(d) === undefined);
  const byTag = (a: Descriptor, b: Descriptor) => {
    const [x, y] = [refName(a) as string, refName(b) as string];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const tagged = [...kept.filter((d) => refName(d) !== undefined), entry].sort(byTag);
  return { ...current, schemaVersion: 2, mediaType: MEDIA_TYPE.index, manifests: [...untagged, ...tagged] };
}

// Writers of one process to one layout take turns; other processes are kept out by a lock directory.
const queues = new Map<string, Promise<unknown>>();

export async function withLayoutLock<T>(
  dir: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const key = resolve(dir);
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(async () => {
      let release: (() => Promise<void>) | null = null;
      for (let delay = 20; release === null; delay = Math.min(delay * 2, 250)) {
        if (signal?.aborted) throw abortError(signal);
        try {
          release = await lockfile.lock(key, {
            realpath: false,
            stale: 20_000,
            retries: 0,
            lockfilePath: join(key, LOCK_NAME),
            onCompromised: () => {},
          });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
          await sleep(delay);
        }
      }
      try {
        return await fn();
      } finally {
        await release().catch(() => {});
      }
    });
  queues.set(key, run);
  try {
    return await run;
  } finally {
    if (queues.get(key) === run) queues.delete(key);
  }
}

/** Writes the image under `tag` into the layout at `dir` (created if needed). */
export async function writeOciLayout(
  dir: string,
  index: ImageIndex,
  tag: string,
  signal?: AbortSignal,
): Promise<Published> {
  if (tag === '' || /[\s]/.test(tag)) throw new Error(`bad tag ${JSON.stringify(tag)}`);
  await ensureLayout(dir);
  for (const blob of imageBlobs(index)) {
    if (signal?.aborted) throw abortError(signal);
    await writeBlob(dir, blob);
  }
  if (signal?.aborted) throw abortError(signal);
  await withLayoutLock(dir, signal, async () => {
    const next = withTag(await readLayoutIndex(dir), index.index.descriptor, tag);
    await writeFileAtomic(join(dir, 'index.json'), canonicalJson(next), 0o644);
  });
  return { refs: [`oci:${dir}:${tag}`], digest: index.digest };
}

/** The OCI layout sink (`--output oci:DIR`). */
export function ociLayoutSink(dir: string): Sink {
  return {
    name: `oci:${dir}`,
    write: (index, tag, signal) => writeOciLayout(dir, index, tag, signal),
  };
}

export interface LayoutPlatformImage {
  platform: Platform;
  manifestDescriptor: Descriptor;
  manifest: OciManifest;
  config: OciConfig;
}

export interface LayoutTag {
  tag: string;
  /** The descriptor under the tag in index.json. */
  descriptor: Descriptor;
  digest: string;
  /** The image index under the tag; null when the tag names a single image manifest (not one of ours). */
  index: OciIndex | null;
  images: LayoutPlatformImage[];
  /** The config labels of the first platform image (all platforms of one build share them). */
  labels: Record<string, string>;
}

export async function readBlob(dir: string, d: Descriptor, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(blobPath(dir, d.digest));
  } catch (e) {
    throw layoutError(dir, `${what} ${d.digest} is missing`, e);
  }
  if (!matchesDescriptor(bytes, d)) throw layoutError(dir, `${what} ${d.digest} does not match its digest`);
  return bytes;
}

async function readPlatformImage(dir: string, d: Descriptor): Promise<LayoutPlatformImage> {
  const manifest = parseManifest(await readBlob(dir, d, 'manifest'));
  const config = parseConfig(await readBlob(dir, manifest.config, 'config'));
  const platform: Platform = { os: config.os, arch: config.architecture };
  if (config.variant) platform.variant = config.variant;
  return { platform, manifestDescriptor: d, manifest, config };
}

/**
 * What the layout at `dir` holds under `tag` (index, manifests and configs read and checked against
 * their digests; layers are not read), or null when there is no layout or no such tag. A damaged or
 * missing blob is an error (BAD_OCI_LAYOUT), never "absent".
 */
export async function readOciLayoutTag(dir: string, tag: string): Promise<LayoutTag | null> {
  if ((await fileSize(join(dir, OCI_LAYOUT_FILE))) === null) return null;
  const top = await readLayoutIndex(dir);
  const descriptor = top.manifests.find((d) => refName(d) === tag);
  if (!descriptor) return null;
  let index: OciIndex | null = null;
  const images: LayoutPlatformImage[] = [];
  try {
    if (descriptor.mediaType === MEDIA_TYPE.index || descriptor.mediaType === MEDIA_TYPE.dockerManifestList) {
      index = parseIndex(await readBlob(dir, descriptor, 'image index'));
      for (const d of index.manifests) images.push(await readPlatformImage(dir, d));
    } else {
      images.push(await readPlatformImage(dir, descriptor));
    }
  } catch (e) {
    if (e instanceof VcError && e.code === 'BAD_OCI_LAYOUT') throw e;
    throw layoutError(dir, `tag ${tag}: ${(e as Error).message}`, e);
  }
  return {
    tag,
    descriptor,
    digest: descriptor.digest,
    index,
    images,
    labels: { ...(images[0]?.config.config?.Labels ?? {}) },
  };
}
