// gc of an OCI layout: a tag written again leaves the old image's blobs behind; gc removes them and
// keeps what the tags reach, with a hand-made artifact of every kind that refers to an image: an SBOM
// by `subject` (and a signature of the SBOM by `subject`), the tag schema's referrers index
// `sha256-<hex>`, cosign's `sha256-<hex>.sig` and `.att`, an untagged entry of another tool. skopeo
// reads what is left.

import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/image/canonical-json.js';
import { blobOf } from '../../src/image/digest.js';
import { assembleImage, builtinBase } from '../../src/image/index.js';
import { MEDIA_TYPE, REF_NAME_ANNOTATION } from '../../src/image/oci.js';
import { planLayoutGc, referredDigest } from '../../src/publish/oci-gc.js';
import {
  gcOciLayout,
  imageBlobs,
  readLayoutIndex,
  withTag,
  writeBlob,
  writeOciLayout,
} from '../../src/publish/oci-layout.js';
import type { Blob, Descriptor, ImageIndex } from '../../src/types.js';
import { writeFileAtomic } from '../../src/util/fs.js';
import { eraFor } from '../../src/versions/index.js';
import { AMD64, ARM64 } from '../image/tiny-binary.js';
import { json, runCli } from '../support/cli.js';
import { rejection } from '../support/errors.js';
import { skopeo } from '../support/registry.js';

const EMPTY = 'application/vnd.oci.empty.v1+json';
let work: string;

/** A real two-platform image whose binaries are `binary` (the base layer is shared by every such image). */
async function image(binary: string): Promise<ImageIndex> {
  const platforms = [AMD64, ARM64];
  const base = builtinBase(new TextEncoder().encode('a CA bundle\n'), platforms);
  return assembleImage({
    binaries: platforms.map((platform) => ({
      platform,
      bytes: new TextEncoder().encode(`${binary} ${platform.arch}`),
    })),
    base,
    era: eraFor('v1.9.3'),
    labels: { 'org.opencontainers.image.version': 'v1.9.3', 'io.vc-coredns.test': binary },
    sourceDateEpoch: 1653663600,
  });
}

const jsonBlob = (mediaType: string, doc: object): Blob =>
  blobOf(mediaType, new TextEncoder().encode(canonicalJson(doc)));
const emptyConfig = blobOf(EMPTY, new TextEncoder().encode('{}'));

/** An artifact manifest (one layer, the empty config), with `subject` when given. */
function artifact(
  artifactType: string,
  content: string,
  subject?: Descriptor,
): { manifest: Blob; layer: Blob } {
  const layer = blobOf('application/octet-stream', new TextEncoder().encode(content));
  const manifest = jsonBlob(MEDIA_TYPE.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.manifest,
    artifactType,
    config: emptyConfig.descriptor,
    layers: [layer.descriptor],
    ...(subject
      ? { subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size } }
      : {}),
  });
  return { manifest, layer };
}

/** A referrers index (the tag schema's `sha256-<hex>` tag) listing these manifests. */
const referrersIndex = (manifests: Blob[]): Blob =>
  jsonBlob(MEDIA_TYPE.index, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.index,
    manifests: manifests.map((m) => m.descriptor),
  });

const hex = (d: Descriptor | string) => (typeof d === 'string' ? d : d.digest).slice('sha256:'.length);

async function blobDigests(dir: string): Promise<Set<string>> {
  return new Set(
    (await readdir(join(dir, 'blobs/sha256')))
      .filter((n) => /^[0-9a-f]{64}$/.test(n))
      .map((n) => `sha256:${n}`),
  );
}

async function tag(dir: string, descriptor: Descriptor, name: string): Promise<void> {
  await writeFileAtomic(
    join(dir, 'index.json'),
    canonicalJson(withTag(await readLayoutIndex(dir), descriptor, name)),
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-oci-gc-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('referredDigest', () => {
  it('reads the tag schema and cosign names, nothing else', () => {
    const h = 'a'.repeat(64);
    expect(referredDigest(`sha256-${h}`)).toBe(`sha256:${h}`);
    expect(referredDigest(`sha256-${h}.sig`)).toBe(`sha256:${h}`);
    expect(referredDigest(`sha256-${h}.att`)).toBe(`sha256:${h}`);
    for (const other of ['v1.9.3', `sha256-${h}.sbom`, `sha512-${h}`, `sha256-${h.slice(1)}`, undefined]) {
      expect(referredDigest(other)).toBeNull();
    }
  });
});

describe('gc of an OCI layout', () => {
  it('gc oci:DIR removes what only a replaced tag used, keeps every kind of referrer of what stays', async () => {
    const dir = join(work, 'layout');
    const old = await image('old coredns');
    const cur = await image('new coredns');
    await writeOciLayout(dir, old, 'v1.9.3');
    const oldBlobs = await blobDigests(dir);
    // the tag replaced as an older vc-coredns did it: the new image's blobs and the entry, no gc
    for (const blob of imageBlobs(cur)) await writeBlob(dir, blob);
    await tag(dir, cur.index.descriptor, 'v1.9.3');
    const curIndex = cur.index.descriptor;
    const curManifest = cur.manifests[0]?.manifest.descriptor as Descriptor;
    const oldIndex = old.index.descriptor;

    // kept: an SBOM by subject (not in index.json), a signature of the SBOM by subject, the referrers
    // tag of the current index, cosign's .sig of the index and of one platform manifest
    const sbom = artifact('application/vnd.cyclonedx+json', '{"bomFormat":"CycloneDX"}', curIndex);
    const sbomSig = artifact(
      'application/vnd.dev.cosign.simplesigning.v1+json',
      'sig of sbom',
      sbom.manifest.descriptor,
    );
    const curReferrers = referrersIndex([sbom.manifest]);
    const curSig = artifact('application/vnd.dev.cosign.simplesigning.v1+json', 'sig of index');
    const manifestSig = artifact('application/vnd.dev.cosign.simplesigning.v1+json', 'sig of amd64');
    // removed: the same for the old image
    const oldSbom = artifact('application/vnd.cyclonedx+json', '{"bomFormat":"old"}', oldIndex);
    const oldReferrers = referrersIndex([oldSbom.manifest]);
    const oldAtt = artifact('application/vnd.dsse.envelope.v1+json', 'old attestation');
    // kept: another tool's untagged entry; removed: a stray blob
    const foreign = artifact('application/x-other', 'another tool');
    const stray = blobOf('application/octet-stream', new TextEncoder().encode('stray'));
    for (const a of [sbom, sbomSig, curSig, manifestSig, oldSbom, oldAtt, foreign]) {
      await writeBlob(dir, a.layer);
      await writeBlob(dir, a.manifest);
    }
    for (const b of [emptyConfig, curReferrers, oldReferrers, stray]) await writeBlob(dir, b);
    await tag(dir, curReferrers.descriptor, `sha256-${hex(curIndex)}`);
    await tag(dir, curSig.manifest.descriptor, `sha256-${hex(curIndex)}.sig`);
    await tag(dir, manifestSig.manifest.descriptor, `sha256-${hex(curManifest)}.sig`);
    await tag(dir, oldReferrers.descriptor, `sha256-${hex(oldIndex)}`);
    await tag(dir, oldAtt.manifest.descriptor, `sha256-${hex(oldIndex)}.att`);
    const index = await readLayoutIndex(dir);
    await writeFileAtomic(
      join(dir, 'index.json'),
      canonicalJson({ ...index, manifests: [foreign.manifest.descriptor, ...index.manifests] }),
    );
    // temp files of killed writes: one old, one that may still be written
    const oldTemp = join(dir, 'blobs/sha256', '.deadbeef.111.tmp');
    const freshTemp = join(dir, 'blobs/sha256', '.deadbeef.222.tmp');
    await writeFile(oldTemp, 'x');
    await writeFile(freshTemp, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(oldTemp, twoHoursAgo, twoHoursAgo);

    const before = await blobDigests(dir);
    const onlyOld = [...oldBlobs].filter(
      (d) =>
        !cur.manifests.some((m) =>
          [m.manifest, m.config, ...m.layers].some((b) => b.descriptor.digest === d),
        ) && d !== curIndex.digest,
    );
    expect(onlyOld.length).toBeGreaterThan(3); // index, manifests, configs, binary layers

    const dry = await runCli(['gc', `oci:${dir}`, '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(await blobDigests(dir)).toEqual(before);

    const r = await runCli(['gc', `oci:${dir}`, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const result = json<{ removed: string[]; droppedTags: string[]; freedBytes: number }>(r);
    expect(json<{ removed: string[] }>(dry).removed).toEqual(result.removed);
    const wantRemoved = [
      ...onlyOld,
      oldSbom.manifest.descriptor.digest,
      oldSbom.layer.descriptor.digest,
      oldReferrers.descriptor.digest,
      oldAtt.manifest.descriptor.digest,
      oldAtt.layer.descriptor.digest,
      stray.descriptor.digest,
    ].sort();
    expect(result.removed).toEqual(wantRemoved);
    expect(result.droppedTags.sort()).toEqual(
      [`sha256-${hex(oldIndex)}`, `sha256-${hex(oldIndex)}.att`].sort(),
    );
    expect(result.freedBytes).toBeGreaterThan(0);

    const after = await blobDigests(dir);
    expect([...after].sort()).toEqual([...before].filter((d) => !wantRemoved.includes(d)).sort());
    for (const kept of [sbom, sbomSig, curSig, manifestSig, foreign]) {
      expect(after.has(kept.manifest.descriptor.digest)).toBe(true);
      expect(after.has(kept.layer.descriptor.digest)).toBe(true);
    }
    expect(after.has(emptyConfig.descriptor.digest)).toBe(true);
    await expect(stat(oldTemp)).rejects.toThrow();
    expect((await stat(freshTemp)).isFile()).toBe(true);
    const names = (await readLayoutIndex(dir)).manifests.map(
      (d) => d.annotations?.[REF_NAME_ANNOTATION] ?? null,
    );
    expect(names.sort()).toEqual(
      [
        null,
        'v1.9.3',
        `sha256-${hex(curIndex)}`,
        `sha256-${hex(curIndex)}.sig`,
        `sha256-${hex(curManifest)}.sig`,
      ].sort(),
    );

    // skopeo, an independent reader, checks every digest of what is left
    const copy = await skopeo(['copy', '--all', `oci:${dir}:v1.9.3`, `dir:${join(work, 'copied')}`]);
    expect(copy.exitCode, copy.stderr).toBe(0);
    const sig = await skopeo(['inspect', '--raw', `oci:${dir}:sha256-${hex(curIndex)}.sig`]);
    expect(sig.exitCode, sig.stderr).toBe(0);

    // a second gc finds nothing
    const again = await gcOciLayout(dir);
    expect(again.removed).toEqual([]);
    expect(again.droppedTags).toEqual([]);
  });

  it('writing a tag again removes at once what only the old image used, its referrers with it', async () => {
    const dir = join(work, 'replace');
    const old = await image('old');
    const cur = await image('new');
    await writeOciLayout(dir, old, 'v1.9.3');
    await writeOciLayout(dir, await image('another version'), 'v1.12.0');
    // the old image's SBOM (by subject) and cosign signature (by tag), as the attest and sign stages add them
    const sbom = artifact('application/vnd.cyclonedx+json', 'old sbom', old.index.descriptor);
    const sig = artifact('application/vnd.dev.cosign.simplesigning.v1+json', 'old sig');
    for (const a of [sbom, sig]) for (const b of [a.layer, a.manifest, emptyConfig]) await writeBlob(dir, b);
    await tag(dir, sig.manifest.descriptor, `sha256-${hex(old.index.descriptor)}.sig`);
    const withOld = await blobDigests(dir);

    await writeOciLayout(dir, cur, 'v1.9.3');
    const after = await blobDigests(dir);
    const curDigests = new Set(imageBlobs(cur).map((b) => b.descriptor.digest));
    const gone = [...withOld].filter((d) => !after.has(d));
    // everything only the old image and its referrers used is gone; what the new one shares stays
    expect(gone.length).toBeGreaterThan(4);
    for (const d of gone) expect(curDigests.has(d)).toBe(false);
    for (const d of [sbom.manifest, sbom.layer, sig.manifest, sig.layer])
      expect(after.has(d.descriptor.digest)).toBe(false);
    for (const d of curDigests) expect(after.has(d)).toBe(true);
    const names = (await readLayoutIndex(dir)).manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]);
    expect(names).toEqual(['v1.12.0', 'v1.9.3']);
    // nothing unreferenced is left for gc, and v1.12.0 still reads with every blob checked
    expect((await gcOciLayout(dir, { dryRun: true })).removed).toEqual([]);
    const copy = await skopeo(['copy', '--all', `oci:${dir}:v1.12.0`, `dir:${join(work, 'copied-1120')}`]);
    expect(copy.exitCode, copy.stderr).toBe(0);
  });

  it('a write that fails removes the blobs it added: the layout is as before', async () => {
    const dir = join(work, 'failed');
    await writeOciLayout(dir, await image('first'), 'v1.9.3');
    const before = await blobDigests(dir);
    const cur = await image('second');
    // the index blob, written last, cannot be: a folder stands where it goes
    const last = join(dir, 'blobs/sha256', hex(cur.index.descriptor));
    await mkdir(join(last, 'in-the-way'), { recursive: true });
    const e = await rejection(writeOciLayout(dir, cur, 'v1.9.4'));
    expect(e.message).toBe(`cannot write ${last}: it is a folder`);
    await rm(last, { recursive: true });
    expect([...(await blobDigests(dir))].sort()).toEqual([...before].sort());
    const names = (await readLayoutIndex(dir)).manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]);
    expect(names).toEqual(['v1.9.3']);
  });

  it('planLayoutGc follows chains of subjects until nothing is added', () => {
    const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
    const index = {
      schemaVersion: 2 as const,
      mediaType: MEDIA_TYPE.index,
      manifests: [
        { mediaType: MEDIA_TYPE.index, digest: d(1), size: 1, annotations: { [REF_NAME_ANNOTATION]: 'v1' } },
      ],
    };
    const links = new Map([
      [d(1), { children: [d(2)] }],
      [d(3), { children: [d(4)], subject: d(2) }], // refers to a manifest of the index
      [d(5), { children: [d(6)], subject: d(3) }], // refers to the referrer
      [d(7), { children: [d(8)], subject: d(9) }], // refers to something gone
    ]);
    const plan = planLayoutGc(index, [1, 2, 3, 4, 5, 6, 7, 8].map(d), links);
    expect(plan.remove).toEqual([d(7), d(8)]);
    expect(plan.index).toBe(index);
  });

  it('refuses a folder that is not a layout (exit 2) and a target that is not oci:', async () => {
    const r = await runCli(['gc', `oci:${join(work, 'nothing')}`]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: no OCI layout at ${join(work, 'nothing')}`);
    const bare = await runCli(['gc', join(work, 'nothing')]);
    expect(bare.exitCode).toBe(2);
  });
});
