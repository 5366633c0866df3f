// Garbage collection of an OCI image layout: the blobs no tag reaches any more (an image whose tag was
// written again, its SBOMs and signatures) are removed, and so are the referrer tags of digests the
// layout no longer holds. Planning is pure (index.json and the parsed JSON blobs in, the plan out);
// collectLayoutGarbage reads, plans and applies it under the layout lock.
//
// Kept: every blob reachable from an index.json entry (an image tag, or an entry without a ref name),
// and, until nothing more is added, every manifest whose `subject` is a kept digest and every entry
// named `sha256-<hex>`, `sha256-<hex>.sig` or `sha256-<hex>.att` (the referrers tag of the tag schema,
// cosign's signatures and attestations) of a kept digest, with all they reach.
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../image/canonical-json.js';
import { type OciIndex, REF_NAME_ANNOTATION } from '../image/oci.js';
import type { Descriptor } from '../types.js';
import { writeFileAtomic } from '../util/fs.js';

/** What gc needs to know of a JSON blob (an index, a manifest or an artifact manifest). */
export interface BlobLinks {
  /** the digests it refers to: manifests of an index, config and layers (or blobs) of a manifest */
  children: string[];
  /** the digest its `subject` names, if any */
  subject?: string;
}

export interface GcPlan {
  /** digests of blobs to keep */
  keep: Set<string>;
  /** digests of blobs to remove (present, not kept) */
  remove: string[];
  /** index.json without the referrer entries of digests that are not kept (== input when none) */
  index: OciIndex;
  /** ref names of the entries dropped from index.json */
  droppedTags: string[];
}

/** `sha256-<hex>`, `sha256-<hex>.sig`, `sha256-<hex>.att` -> `sha256:<hex>`; other names -> null. */
export function referredDigest(refName: string | undefined): string | null {
  const m = /^sha256-([0-9a-f]{64})(?:\.sig|\.att)?$/.exec(refName ?? '');
  return m ? `sha256:${m[1]}` : null;
}

const descriptorDigest = (d: unknown): string[] => {
  const digest = (d as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' ? [digest] : [];
};

/** The links of a JSON blob, or null when it is not an index or manifest (a config, a layer, junk). */
export function blobLinks(bytes: Uint8Array): BlobLinks | null {
  if (bytes[0] !== 0x7b) return null; // '{': layers are gzip or tar
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const d = doc as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.flatMap(descriptorDigest) : []);
  const children = [...list(d.manifests), ...descriptorDigest(d.config), ...list(d.layers), ...list(d.blobs)];
  const subject = descriptorDigest(d.subject)[0];
  if (children.length === 0 && subject === undefined) return null;
  return subject === undefined ? { children } : { children, subject };
}

/** The plan: what stays, what goes (pure). `present` are the blobs in the layout, `links` the JSON ones. */
export function planLayoutGc(
  index: OciIndex,
  present: Iterable<string>,
  links: Map<string, BlobLinks>,
): GcPlan {
  const keep = new Set<string>();
  const mark = (digest: string) => {
    const stack = [digest];
    for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
      if (keep.has(d)) continue;
      keep.add(d);
      stack.push(...(links.get(d)?.children ?? []));
    }
  };
  const refName = (d: Descriptor) => d.annotations?.[REF_NAME_ANNOTATION];
  const referrerEntries = index.manifests.filter((d) => referredDigest(refName(d)) !== null);
  for (const d of index.manifests) if (referredDigest(refName(d)) === null) mark(d.digest);

  const keptEntries = new Set<Descriptor>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of referrerEntries) {
      if (keptEntries.has(d) || !keep.has(referredDigest(refName(d)) as string)) continue;
      keptEntries.add(d);
      mark(d.digest);
      grew = true;
    }
    for (const [digest, l] of links) {
      if (l.subject === undefined || keep.has(digest) || !keep.has(l.subject)) continue;
      mark(digest);
      grew = true;
    }
  }
  const dropped = referrerEntries.filter((d) => !keptEntries.has(d));
  return {
    keep,
    remove: [...new Set(present)].filter((d) => !keep.has(d)).sort(),
    index: dropped.length
      ? { ...index, manifests: index.manifests.filter((d) => !dropped.includes(d)) }
      : index,
    droppedTags: dropped.map((d) => refName(d) as string),
  };
}

/** Manifests are at most 4 MiB (the distribution spec); larger blobs are layers, never read here. */
const MAX_JSON_BLOB = 4 * 1024 * 1024;
/** A blob temp file older than this was left by a killed write. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface GcResult {
  /** digests removed (or that would be, with dryRun) */
  removed: string[];
  freedBytes: number;
  droppedTags: string[];
  kept: number;
}

/**
 * Removes what no tag of the layout reaches. The caller holds the layout lock (writers must not add a
 * blob meanwhile). index.json is written first, blobs removed after: an interrupted gc leaves a valid
 * layout. Temp files of writes killed more than an hour ago go too.
 */
export async function collectLayoutGarbage(
  dir: string,
  readIndex: (dir: string) => Promise<OciIndex>,
  opts: { dryRun?: boolean; now?: number } = {},
): Promise<GcResult> {
  const blobsDir = join(dir, 'blobs', 'sha256');
  const names = await readdir(blobsDir).catch(() => [] as string[]);
  const sizes = new Map<string, number>();
  const links = new Map<string, BlobLinks>();
  const staleTemps: string[] = [];
  const now = opts.now ?? Date.now();
  for (const name of names) {
    const st = await lstat(join(blobsDir, name)).catch(() => null);
    if (!st?.isFile()) continue;
    if (/^[0-9a-f]{64}$/.test(name)) {
      const digest = `sha256:${name}`;
      sizes.set(digest, st.size);
      if (st.size <= MAX_JSON_BLOB) {
        const l = blobLinks(await readFile(join(blobsDir, name)));
        if (l) links.set(digest, l);
      }
    } else if (/^\..+\.tmp$/.test(name) && now - st.mtimeMs > STALE_TEMP_MS) {
      staleTemps.push(name);
    }
  }
  const index = await readIndex(dir);
  const plan = planLayoutGc(index, sizes.keys(), links);
  const freedBytes = plan.remove.reduce((n, d) => n + (sizes.get(d) ?? 0), 0);
  if (!opts.dryRun) {
    if (plan.index !== index)
      await writeFileAtomic(join(dir, 'index.json'), canonicalJson(plan.index), 0o644);
    for (const d of plan.remove) await rm(join(blobsDir, d.slice('sha256:'.length)), { force: true });
    for (const t of staleTemps) await rm(join(blobsDir, t), { force: true });
  }
  return { removed: plan.remove, freedBytes, droppedTags: plan.droppedTags, kept: plan.keep.size };
}
