// Artifacts referring to an image index, both ways the distribution spec allows: the referrers tag
// `sha256-<hex>` on Debian's registry 2.8 (no referrers API; read back with skopeo too), and the
// referrers API on a small registry of ours that has it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Artifact,
  artifactKind,
  EMPTY_CONFIG,
  provenanceArtifact,
  referrersTag,
  sbomArtifact,
} from '../../src/attest/artifact.js';
import { registrySink } from '../../src/publish/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { anonymous } from '../../src/registry/credentials.js';
import { parseRef } from '../../src/registry/ref.js';
import { listReferrers, pushReferrers } from '../../src/registry/referrers.js';
import type { ImageIndex } from '../../src/types.js';
import { type ReferrersRegistry, startReferrersRegistry } from '../support/referrers-registry.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';
import { makeTestIndex } from '../support/test-image.js';
import { fast } from './helpers.js';

const enc = new TextEncoder();

function artifactsFor(index: ImageIndex): Artifact[] {
  const subject = index.index.descriptor;
  return [
    ...index.manifests.map((m) =>
      sbomArtifact({
        sbom: enc.encode(`{"bomFormat":"CycloneDX","specVersion":"1.6","platform":"${m.platform.arch}"}\n`),
        platform: m.platform,
        subject,
        created: '2022-05-27T15:00:00Z',
      }),
    ),
    provenanceArtifact({
      statement: enc.encode(`{"_type":"https://in-toto.io/Statement/v1","index":"${index.digest}"}`),
      subject,
      created: '2026-01-01T00:00:00Z',
    }),
  ];
}

function client(): RegistryClient {
  return new RegistryClient({ credentials: anonymous, retry: fast });
}

describe('on Debian registry 2.8: the referrers tag', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes the artifacts, lists them under sha256-<hex>, and skopeo reads them back', async () => {
    const c = client();
    const ref = parseRef(`${registry.host}/vc/referrers-tag`);
    const index = makeTestIndex();
    await registrySink(ref, c).write(index, 'v1.9.3');
    const repo = c.repository(ref, { push: true });
    const artifacts = artifactsFor(index);

    const pushed = await pushReferrers(repo, artifacts);
    expect(pushed.via).toBe('tag');
    expect(pushed.digests).toEqual(artifacts.map((a) => a.manifest.descriptor.digest));

    const listed = await listReferrers(repo, index.digest);
    expect(listed.via).toBe('tag');
    expect(listed.referrers.map((d) => [d.digest, d.artifactType, artifactKind(d)])).toEqual(
      artifacts.map((a) => [a.manifest.descriptor.digest, a.artifactType, a.kind]),
    );
    expect(listed.referrers[0]?.annotations?.['io.vc-coredns.platform']).toBe('linux/amd64');

    // skopeo, independently: the tag holds an index of the artifacts; each artifact manifest names the
    // index as its subject and holds the layer we pushed.
    const tag = referrersTag(index.digest);
    const raw = await skopeo(['inspect', '--raw', `docker://${registry.host}/vc/referrers-tag:${tag}`]);
    expect(raw.stderr).toBe('');
    const tagIndex = JSON.parse(raw.stdout) as { manifests: { digest: string; artifactType: string }[] };
    expect(tagIndex.manifests.map((m) => m.digest)).toEqual(pushed.digests);
    for (const a of artifacts) {
      const r = await skopeo([
        'inspect',
        '--raw',
        `docker://${registry.host}/vc/referrers-tag@${a.manifest.descriptor.digest}`,
      ]);
      const m = JSON.parse(r.stdout) as {
        subject: { digest: string };
        artifactType: string;
        config: { digest: string };
      };
      expect([m.subject.digest, m.artifactType, m.config.digest]).toEqual([
        index.digest,
        a.artifactType,
        EMPTY_CONFIG.descriptor.digest,
      ]);
      expect(Buffer.from(await repo.getBlob(a.layer.descriptor.digest))).toEqual(Buffer.from(a.layer.bytes));
    }
    const out = await mkdtemp(join(tmpdir(), 'vc-skopeo-referrers-'));
    try {
      const sbom = artifacts[0] as Artifact;
      const copied = await skopeo([
        'copy',
        `docker://${registry.host}/vc/referrers-tag@${sbom.manifest.descriptor.digest}`,
        `dir:${out}`,
      ]);
      expect(copied.stderr).toBe('');
      const layer = await readFile(join(out, sbom.layer.descriptor.digest.slice('sha256:'.length)));
      expect(Buffer.from(layer)).toEqual(Buffer.from(sbom.layer.bytes));
    } finally {
      await rm(out, { recursive: true, force: true });
    }

    // A later push adds to the tag and keeps what it listed.
    const later = provenanceArtifact({
      statement: enc.encode('{"_type":"https://in-toto.io/Statement/v1","later":true}'),
      subject: index.index.descriptor,
      created: '2026-01-02T00:00:00Z',
    });
    await pushReferrers(repo, [later]);
    const again = await listReferrers(repo, index.digest);
    expect(again.referrers.map((d) => d.digest)).toEqual([
      ...pushed.digests,
      later.manifest.descriptor.digest,
    ]);
  });

  it('lists nothing for an image without artifacts', async () => {
    const c = client();
    const ref = parseRef(`${registry.host}/vc/no-referrers`);
    const index = makeTestIndex();
    await registrySink(ref, c).write(index, 'v1');
    expect(await listReferrers(c.repository(ref), index.digest)).toEqual({ referrers: [], via: 'tag' });
  });
});

describe('on a registry with the referrers API', () => {
  let registry: ReferrersRegistry;
  beforeAll(async () => {
    registry = await startReferrersRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes without a referrers tag and lists through the API', async () => {
    const c = client();
    const ref = parseRef(`${registry.host}/vc/api`);
    const index = makeTestIndex();
    await registrySink(ref, c).write(index, 'v1.9.3');
    const repo = c.repository(ref, { push: true });
    const artifacts = artifactsFor(index);

    const pushed = await pushReferrers(repo, artifacts);
    expect(pushed.via).toBe('api');
    const tag = referrersTag(index.digest);
    expect(registry.requests.filter((r) => r.includes(tag) && r.startsWith('PUT'))).toEqual([]);
    expect(await repo.headManifest(tag)).toBeNull();

    const listed = await listReferrers(repo, index.digest);
    expect(listed.via).toBe('api');
    expect(listed.referrers.map((d) => [d.digest, artifactKind(d)])).toEqual(
      artifacts.map((a) => [a.manifest.descriptor.digest, a.kind]),
    );
    expect(registry.requests).toContain(`GET /v2/vc/api/referrers/${index.digest}`);
  });
});
