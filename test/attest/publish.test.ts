// Attestations of a real image (Go binaries of our demo program on the built-in base) stored in an OCI
// layout and pushed to Debian's registry, and read back: by our reader, by `vc-coredns sbom`, and by
// skopeo through the referrers tag.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referrersTag } from '../../src/attest/artifact.js';
import { baseContents } from '../../src/attest/base-contents.js';
import { parseCaBundleSource } from '../../src/attest/ca-source.js';
import { type Attestations, attest, attestedIndex } from '../../src/attest/compose.js';
import { readAttestations } from '../../src/attest/read.js';
import { subjectDigests } from '../../src/attest/statement.js';
import { verifyProvenance, verifySboms } from '../../src/attest/verify.js';
import { assembleImage, buildKey, builtinBase, imageLabels } from '../../src/image/index.js';
import { patchId } from '../../src/patch/index.js';
import { CA_BUNDLE_PATH } from '../../src/pipeline/load.js';
import { writeOciLayout } from '../../src/publish/oci-layout.js';
import { layoutArtifactSource, writeLayoutReferrers } from '../../src/publish/oci-referrers.js';
import { registrySink } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { parseRef } from '../../src/registry/ref.js';
import { pushReferrers, registryArtifactSource } from '../../src/registry/referrers.js';
import type { ImageIndex, Platform } from '../../src/types.js';
import { eraFor } from '../../src/versions/index.js';
import { fast } from '../registry/helpers.js';
import { vc } from '../support/cli.js';
import { buildDemo, createDemoWorkspace, type DemoWorkspace, GO_123 } from '../support/go-modules.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

const PLATFORMS: Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
];
const EPOCH = 1653663600;

let ws: DemoWorkspace;
let registry: TestRegistry;
let index: ImageIndex;
let attestations: Attestations;
let work: string;

beforeAll(async () => {
  ws = await createDemoWorkspace();
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'vc-attest-publish-'));
  const binaries = await Promise.all(
    PLATFORMS.map(async (platform) => {
      const b = await buildDemo(ws, { go: GO_123, goarch: platform.arch });
      return {
        platform,
        bytes: new Uint8Array(await readFile(b.out)),
        make: { command: 'go build', ldflags: b.ldflags },
      };
    }),
  );
  const caBundle = new Uint8Array(await readFile(CA_BUNDLE_PATH));
  const base = builtinBase(caBundle, PLATFORMS);
  const release = { version: 'v1.9.3', commit: 'f'.repeat(40), era: eraFor('v1.9.3') };
  const labels = imageLabels({
    release,
    annotationKey: 'transparency.tenancy.x-k8s.io/clusterIP',
    repoUrl: 'https://github.com/coredns/coredns',
    goVersion: 'go1.23',
    patch: patchId('transparency.tenancy.x-k8s.io/clusterIP'),
    buildKey: buildKey({
      commit: release.commit,
      patch: patchId('transparency.tenancy.x-k8s.io/clusterIP'),
      platforms: PLATFORMS,
      baseDigest: base.digest,
      goVersion: 'go1.23',
    }),
    sourceDateEpoch: EPOCH,
  });
  index = assembleImage({ binaries, base, era: release.era, labels, sourceDateEpoch: EPOCH });
  attestations = attest({
    toolVersion: '0.1.0',
    index: attestedIndex(index),
    binaries,
    release,
    sourceUrl: 'https://github.com/coredns/coredns',
    labels,
    patch: {
      id: labels['io.vc-coredns.patch'] as string,
      annotationKey: 'transparency.tenancy.x-k8s.io/clusterIP',
      diff: '',
    },
    base: baseContents(
      base,
      caBundle,
      parseCaBundleSource(await readFile(CA_BUNDLE_PATH.replace(/\.crt$/, '.json'), 'utf8'), caBundle),
    ),
    sourceDateEpoch: EPOCH,
    sbom: true,
    provenance: {
      imageName: 'coredns',
      tag: 'v1.9.3',
      go: { version: 'go1.23.5', source: 'installed' },
      base: { name: 'builtin', digest: base.digest },
      buildKey: labels['io.vc-coredns.build-key'] as string,
      builder: { id: 'vc-coredns@0.1.0' },
      startedOn: new Date('2026-01-01T10:00:00Z'),
      finishedOn: new Date('2026-01-01T10:05:00Z'),
      source: { url: 'https://github.com/coredns/coredns', commit: release.commit, version: 'v1.9.3' },
    },
  });
});

afterAll(async () => {
  await ws?.dispose();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

it('the provenance names the index and every platform manifest', () => {
  const statement = attestations.provenance?.statement;
  expect(statement && subjectDigests(statement)).toEqual([
    index.digest,
    ...index.manifests.map((m) => m.manifest.descriptor.digest),
  ]);
  expect(attestations.artifacts.map((a) => [a.kind, a.subject.digest])).toEqual([
    ['sbom', index.digest],
    ['sbom', index.digest],
    ['provenance', index.digest],
  ]);
});

describe('in an OCI layout', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(work, 'oci');
    await writeOciLayout(dir, index, 'v1.9.3');
    await writeLayoutReferrers(dir, attestations.artifacts);
  });

  it('lists them under the referrers tag in index.json, and our reader reads them back', async () => {
    const top = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(top.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name'])).toEqual([
      referrersTag(index.digest),
      'v1.9.3',
    ]);
    const read = await readAttestations(layoutArtifactSource(dir), index.digest);
    expect(read.problems).toEqual([]);
    expect(read.sboms.map((s) => [s.platform?.arch, sha256(s.bytes)])).toEqual(
      attestations.sboms.map((s) => [s.platform.arch, sha256(s.bytes)]),
    );
    expect(read.provenance.map((p) => sha256(p.bytes))).toEqual([
      sha256(attestations.provenance?.bytes ?? new Uint8Array()),
    ]);
  });

  it('skopeo reads the referrers tag and copies the artifacts', async () => {
    const tag = referrersTag(index.digest);
    const raw = await skopeo(['inspect', '--raw', `oci:${dir}:${tag}`]);
    expect(raw.stderr).toBe('');
    expect(
      (JSON.parse(raw.stdout) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
    ).toEqual(attestations.artifacts.map((a) => a.manifest.descriptor.digest));
    const out = join(work, 'skopeo-layout');
    const copied = await skopeo(['copy', '--all', `oci:${dir}:${tag}`, `dir:${out}`]);
    expect(copied.stderr).toBe('');
    for (const a of attestations.artifacts) {
      expect(sha256(await readFile(join(out, a.layer.descriptor.digest.slice(7))))).toBe(
        sha256(a.layer.bytes),
      );
    }
  });

  it('vc-coredns sbom prints the SBOM of the platform asked for', async () => {
    const r = await vc(['sbom', `oci:${dir}:v1.9.3`, '--platform', 'linux/arm64']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(sha256(new TextEncoder().encode(r.stdout))).toBe(
      sha256(attestations.sboms[1]?.bytes ?? new Uint8Array()),
    );
    const bad = await vc(['sbom', `oci:${dir}:v1.9.3`, '--platform', 'linux/s390x']);
    expect([bad.exitCode, bad.stderr]).toEqual([
      2,
      `error: oci:${dir}:v1.9.3 has no SBOM for linux/s390x\nhint: it has SBOMs for linux/amd64, linux/arm64: name one with --platform\n`,
    ]);
  });

  it('an image without attestations has no SBOM to print', async () => {
    const bare = join(work, 'bare');
    await writeOciLayout(bare, index, 'v1.9.3');
    const r = await vc(['sbom', `oci:${bare}:v1.9.3`, '--platform', 'linux/amd64']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: oci:.* \(sha256:[0-9a-f]{64}\) has no SBOM attached\n/);
  });
});

describe('in a registry without referrers API', () => {
  it('pushes them under the referrers tag; sbom and our reader read them back', async () => {
    const client = new RegistryClient({ credentials: anonymous, retry: fast });
    const ref = parseRef(`${registry.host}/vc/attested`);
    await registrySink(ref, client).write(index, 'v1.9.3');
    const repo = client.repository(ref, { push: true });
    expect((await pushReferrers(repo, attestations.artifacts)).via).toBe('tag');
    const read = await readAttestations(registryArtifactSource(repo), index.digest);
    expect(read.sboms.map((s) => sha256(s.bytes))).toEqual(attestations.sboms.map((s) => sha256(s.bytes)));
    const r = await vc(['sbom', `${registry.host}/vc/attested:v1.9.3`, '--platform', 'linux/amd64']);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(sha256(new TextEncoder().encode(r.stdout))).toBe(
      sha256(attestations.sboms[0]?.bytes ?? new Uint8Array()),
    );
  });
});

describe('verify: the attestations against the image', () => {
  function imagesOf(binaries: Map<string, Uint8Array>) {
    return index.manifests.map((m) => ({
      platform: m.platform,
      manifestDigest: m.manifest.descriptor.digest,
      binary: binaries.get(m.platform.arch) ?? null,
    }));
  }
  async function demoBinaries(): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const p of PLATFORMS)
      out.set(
        p.arch,
        new Uint8Array(await readFile((await buildDemo(ws, { go: GO_123, goarch: p.arch })).out)),
      );
    return out;
  }
  const labels = () =>
    JSON.parse(new TextDecoder().decode(index.manifests[0]?.config.bytes)).config.Labels as Record<
      string,
      string
    >;

  it('holds for what was attached', async () => {
    const dir = join(work, 'oci');
    const stored = await readAttestations(layoutArtifactSource(dir), index.digest);
    const input = {
      indexDigest: index.digest,
      images: imagesOf(await demoBinaries()),
      labels: labels(),
      stored,
    };
    expect(verifySboms(input)).toEqual({ present: true, ok: true, problems: [] });
    expect(verifyProvenance(input)).toEqual({ present: true, ok: true, problems: [] });
  });

  it('a tampered SBOM, a provenance of another image, and none at all fail', async () => {
    const dir = join(work, 'oci');
    const stored = await readAttestations(layoutArtifactSource(dir), index.digest);
    const arm = stored.sboms[1];
    if (!arm) throw new Error('no arm64 SBOM');
    const text = new TextDecoder().decode(arm.bytes).replace('"version": "v1.2.0"', '"version": "v1.2.1"');
    const tampered = {
      ...stored,
      sboms: [stored.sboms[0], { ...arm, bytes: new TextEncoder().encode(text) }],
    } as typeof stored;
    const input = {
      indexDigest: index.digest,
      images: imagesOf(await demoBinaries()),
      labels: labels(),
      stored: tampered,
    };
    const sbom = verifySboms(input);
    expect(sbom.ok).toBe(false);
    expect(
      sbom.problems.some((p) => p.startsWith('linux/arm64: SBOM sha256:') && p.includes('vcdep\\tv1.2.0')),
    ).toBe(true);

    const other = `sha256:${'9'.repeat(64)}`;
    const prov = verifyProvenance({
      ...input,
      indexDigest: other,
      labels: { ...labels(), 'org.opencontainers.image.revision': '0'.repeat(40) },
    });
    expect(prov.ok).toBe(false);
    expect(prov.problems).toContain(
      `provenance ${stored.provenance[0]?.digest.slice(0, 19)} does not name ${other} as a subject`,
    );
    expect(prov.problems.some((p) => p.includes('names the commit'))).toBe(true);

    const none = { ...input, stored: { sboms: [], provenance: [], problems: [] } };
    expect(verifySboms(none)).toEqual({ present: false, ok: false, problems: ['no SBOM is attached'] });
    expect(verifyProvenance(none)).toEqual({
      present: false,
      ok: false,
      problems: ['no provenance is attached'],
    });
  });
});
