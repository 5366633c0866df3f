// The OCI image layout sink: `oci-layout`, `index.json`, `blobs/sha256/<hex>`. Several tags (versions)
// share one layout: index.json holds one descriptor of our image index per tag, named by the annotation
// org.opencontainers.image.ref.name; writing a tag again replaces its entry. Blobs are written through a
// temp file and a rename, index.json last and the same way: an interrupted write leaves the previous
// state plus unreferenced blobs, never a half-written file.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VcError } from '../errors.js';
import { canonicalJson } from '../image/canonical-json.js';
import { matchesDescriptor } from '../image/digest.js';
import { LABEL } from '../image/labels.js';
import { MEDIA_TYPE, type OciIndex, REF_NAME_ANNOTATION } from '../image/oci.js';
import { parseIndex } from '../image/read.js';
import { type FetchBlob, type ReadImage, type ReadImageOptions, readImage } from '../image/read-image.js';
import type { Blob, Current, Descriptor, ImageIndex, Published, Sink } from '../types.js';
import { abortError } from '../util/abort.js';
import { digestHex } from '../util/digest.js';
import { makeFolder, writeFileAtomic } from '../util/fs.js';
import { acquireLock } from '../util/lock.js';
import { collectLayoutGarbage, type GcResult, referredDigest } from './oci-gc.js';
import { layoutArtifactSource, writeLayoutReferrers } from './oci-referrers.js';

export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_LAYOUT_VERSION = '1.0.0';
/** The lock directory is `.vc-coredns.lock` (hidden: tools that read the layout skip it). */
const LOCK_BASENAME = '.vc-coredns';

function layoutError(dir: string, message: string, cause?: unknown): VcError {
  return new VcError(`OCI layout ${dir}: ${message}`, { code: 'BAD_OCI_LAYOUT', cause });
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
  await makeFolder(dir);
  const layoutFile = join(dir, OCI_LAYOUT_FILE);
  let text: string | null = null;
  try {
    text = await readFile(layoutFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw layoutError(dir, 'cannot read oci-layout', e);
  }
  if (text === null) {
    const others = (await readdir(dir)).filter((n) => n !== 'blobs' && !n.startsWith('.'));
    if (others.length > 0) {
      throw new VcError(`${dir} is not empty and is not an OCI image layout (no oci-layout file)`, {
        code: 'BAD_OCI_LAYOUT',
        hint: 'give --output oci: a new folder or an existing layout',
        exitCode: 2,
      });
    }
    await makeFolder(join(dir, 'blobs', 'sha256'));
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
  await makeFolder(join(dir, 'blobs', 'sha256'));
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

/** The image tags of a layout's index.json, in its order (not the referrer tags `sha256-<hex>[.sig|.att]`). */
export function layoutTagNames(index: OciIndex): string[] {
  return index.manifests.flatMap((d) => {
    const name = refName(d);
    return name === undefined || referredDigest(name) !== null ? [] : [name];
  });
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

/**
 * Writers of a layout take turns, in this process and across processes (util/lock.ts): blobs and
 * index.json are written under the lock, so gc (also under it) never removes a blob a writer is about
 * to name. Every writer of a layout (artifacts beside images too) holds it.
 */
export async function withLayoutLock<T>(
  dir: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(join(resolve(dir), LOCK_BASENAME), {
    what: `the OCI layout ${dir}`,
    code: 'OCI_LAYOUT_LOCKED',
    waitMs: 10 * 60_000,
    pollMaxMs: 100,
    ...(signal ? { signal } : {}),
  });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/**
 * Writes the image under `tag` into the layout at `dir` (created if needed), under the layout lock:
 * blobs, then index.json. A write that fails (disk full, Ctrl-C) removes the blobs it added, which
 * nothing names; a tag that moved to another image takes the blobs only the old one used with it
 * (collectLayoutGarbage: its SBOMs and signatures too).
 */
export async function writeOciLayout(
  dir: string,
  index: ImageIndex,
  tag: string,
  signal?: AbortSignal,
): Promise<Published> {
  if (tag === '' || /[\s]/.test(tag)) throw new Error(`bad tag ${JSON.stringify(tag)}`);
  await withLayoutLock(dir, signal, async () => {
    // under the lock: a writer that made the layout a moment ago is not taken for a foreign folder
    await ensureLayout(dir);
    const before = await readLayoutIndex(dir);
    const added: string[] = [];
    try {
      for (const blob of imageBlobs(index)) {
        if (signal?.aborted) throw abortError(signal);
        if (await writeBlob(dir, blob)) added.push(blob.descriptor.digest);
      }
      if (signal?.aborted) throw abortError(signal);
      await writeFileAtomic(
        join(dir, 'index.json'),
        canonicalJson(withTag(before, index.index.descriptor, tag)),
        0o644,
      );
    } catch (e) {
      await Promise.all(added.map((d) => rm(blobPath(dir, d), { force: true })));
      throw e;
    }
    const replaced = before.manifests.some((d) => refName(d) === tag && d.digest !== index.digest);
    // the image is written: a gc that fails leaves garbage for `vc-coredns gc`, not a failed build
    if (replaced) await collectLayoutGarbage(dir, readLayoutIndex).catch(() => undefined);
  });
  return { refs: [`oci:${dir}:${tag}`], digest: index.digest };
}

/** `vc-coredns gc oci:DIR`: removes what no tag of the layout reaches, under the layout lock. */
export async function gcOciLayout(
  dir: string,
  opts: { dryRun?: boolean; signal?: AbortSignal } = {},
): Promise<GcResult> {
  if (!(await isOciLayout(dir))) {
    throw new VcError(`no OCI layout at ${dir}`, {
      code: 'NO_OCI_LAYOUT',
      hint: 'give the folder that holds oci-layout and index.json, e.g. oci:./dist/oci',
      exitCode: 2,
    });
  }
  return withLayoutLock(dir, opts.signal, () =>
    collectLayoutGarbage(dir, readLayoutIndex, opts.dryRun ? { dryRun: true } : {}),
  );
}

/**
 * Writes manifests (with their blobs) under tags of an existing layout: index.json is updated once,
 * under the layout lock. For what lives beside an image (cosign's `sha256-<hex>.sig` and `.att`).
 */
export async function writeTaggedManifests(
  dir: string,
  entries: readonly { tag: string; manifest: Blob; blobs: readonly Blob[] }[],
  signal?: AbortSignal,
): Promise<string[]> {
  // blobs under the lock too: a gc (tag replaced, `vc-coredns gc`) never sees them unnamed
  await withLayoutLock(dir, signal, async () => {
    await ensureLayout(dir);
    for (const e of entries)
      for (const blob of [...e.blobs, e.manifest]) {
        if (signal?.aborted) throw abortError(signal);
        await writeBlob(dir, blob);
      }
    if (signal?.aborted) throw abortError(signal);
    let next = await readLayoutIndex(dir);
    for (const e of entries) next = withTag(next, e.manifest.descriptor, e.tag);
    await writeFileAtomic(join(dir, 'index.json'), canonicalJson(next), 0o644);
  });
  return entries.map((e) => `oci:${dir}:${e.tag}`);
}

/** Failures that mean "what the layout holds is damaged" (rebuild over it), not "cannot work here". */
const DAMAGE = new Set(['DIGEST_MISMATCH', 'BAD_OCI_LAYOUT', 'BAD_IMAGE', 'UNSUPPORTED_MEDIA_TYPE']);

/**
 * The OCI layout sink (`--output oci:DIR`). current() reads the tag's image with every blob, layers
 * included, checked: a damaged or missing blob is a problem (the image is built and written again,
 * which replaces the damaged files), not an error.
 */
export function ociLayoutSink(dir: string): Sink {
  return {
    name: `oci:${dir}`,
    write: (index, tag, signal) => writeOciLayout(dir, index, tag, signal),
    async current(tag, signal): Promise<Current> {
      let image: ReadImage | null;
      try {
        image = await readOciLayoutTag(dir, tag, signal ? { signal } : {});
      } catch (e) {
        if (e instanceof VcError && DAMAGE.has(e.code)) return { held: null, problems: [e.message] };
        throw e;
      }
      if (!image) return { held: null, problems: [] };
      const held = {
        descriptor: image.descriptor,
        buildKey: image.labels[LABEL.buildKey] ?? null,
        refs: [`oci:${dir}:${tag}`],
        manifests: image.index ? image.images.map((i) => i.descriptor) : [],
      };
      return { held, problems: [] };
    },
    async addTag(held, tag, signal): Promise<Published> {
      await withLayoutLock(dir, signal, async () => {
        const index = await readLayoutIndex(dir);
        if (index.manifests.some((d) => refName(d) === tag && d.digest === held.descriptor.digest)) return;
        await writeFileAtomic(
          join(dir, 'index.json'),
          canonicalJson(withTag(index, held.descriptor, tag)),
          0o644,
        );
      });
      return { refs: [`oci:${dir}:${tag}`], digest: held.descriptor.digest };
    },
    attach: (artifacts, signal) => writeLayoutReferrers(dir, artifacts, signal),
    artifacts: () => layoutArtifactSource(dir),
  };
}

/** The layout's blobs for readImage; a missing file is BAD_OCI_LAYOUT naming it. */
export function layoutBlobs(dir: string): FetchBlob {
  return async (d, role) => {
    try {
      return new Uint8Array(await readFile(blobPath(dir, d.digest)));
    } catch (e) {
      throw layoutError(dir, `${role === 'layer' ? 'layer' : role} ${d.digest} is missing`, e);
    }
  };
}

/** The descriptor under `tag` in the layout's index.json; null when there is no layout or no such tag. */
/** Whether dir is an OCI image layout (it has the oci-layout file). */
export async function isOciLayout(dir: string): Promise<boolean> {
  return (await fileSize(join(dir, OCI_LAYOUT_FILE))) !== null;
}

export async function layoutTag(dir: string, tag: string): Promise<Descriptor | null> {
  if (!(await isOciLayout(dir))) return null;
  const top = await readLayoutIndex(dir);
  return top.manifests.find((d) => refName(d) === tag) ?? null;
}

/**
 * What the layout at `dir` holds under `tag`, read through readImage (every blob checked against its
 * digest; layers too unless `layers: false`), or null when there is no layout or no such tag. A damaged
 * blob is DIGEST_MISMATCH and a missing one BAD_OCI_LAYOUT, never "absent".
 */
export async function readOciLayoutTag(
  dir: string,
  tag: string,
  opts: ReadImageOptions = {},
): Promise<ReadImage | null> {
  const descriptor = await layoutTag(dir, tag);
  if (!descriptor) return null;
  return readImage(descriptor, layoutBlobs(dir), { name: `oci:${dir}:${tag}`, ...opts });
}
