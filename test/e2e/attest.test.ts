// SBOM and provenance attached by `build` to fixture images, end to end: pushed to Debian's registry
// (referrers tag) and written to an OCI layout, read back by skopeo, `vc-coredns sbom` and `verify`;
// modules equal to `go version -m` for binaries built with Go 1.19 and 1.23; a tampered SBOM fails
// verify; an image built without them gets them later without compiling; files beside binaries: and
// docker-archive: and in --attestations-dir.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referrersTag, sbomArtifact } from '../../src/attest/artifact.js';
import { formatGoVersionM } from '../../src/attest/go-buildinfo.js';
import type { CycloneDxBom } from '../../src/attest/sbom.js';
import { sbomGoBuildInfo } from '../../src/attest/sbom-read.js';
import { readOciLayoutTag } from '../../src/publish/oci-layout.js';
import { writeLayoutReferrers } from '../../src/publish/oci-referrers.js';
import { json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { sharedGoCache } from '../support/go-harness.js';
import { GO_119, GO_123, goVersionM } from '../support/go-modules.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-attest-e2e-'));
  [repo, registry] = await Promise.all([createFixtureRepo(join(work, 'repo')), startRegistry()]);
  env = {
    DOCKER_CONFIG: join(work, 'docker-config'),
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOCACHE: sharedGoCache(),
    CI: 'true',
    VC_COREDNS_CACHE: join(work, 'cache'),
  };
});
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface VerifyJson {
  ok: boolean;
  digest: string;
  platforms: { platform: string; digest: string }[];
  sbom: { present: boolean; ok: boolean; problems: string[] };
  provenance: { present: boolean; ok: boolean; problems: string[] };
}

interface BuildJson {
  builds: { digest: string; skipped: boolean; refs: string[] }[];
}

for (const [label, go] of [
  ['Go 1.19', GO_119],
  ['Go 1.23', GO_123],
] as const) {
  describe(`v1.9.3 built with ${label}`, () => {
    const repoName = `vc/attest-${label.replace(/\W/g, '').toLowerCase()}`;
    let oci: string;
    let bin: string;
    let built: BuildJson['builds'][number];
    beforeAll(async () => {
      oci = join(work, `oci-${label.replace(/\W/g, '')}`);
      bin = join(work, `bin-${label.replace(/\W/g, '')}`);
      const r = await vc(
        [
          'build',
          '--repo',
          repo.url,
          '--version',
          'v1.9.3',
          '--go',
          go,
          '--push',
          `${registry.host}/${repoName}`,
          '--output',
          `oci:${oci}`,
          '--output',
          `binaries:${bin}`,
          '--attestations-dir',
          join(work, `att-${label.replace(/\W/g, '')}`),
          '--json',
        ],
        { env },
      );
      expect(r.exitCode, r.stderr).toBe(0);
      built = json<BuildJson>(r).builds[0] as BuildJson['builds'][number];
    });

    it('verify finds SBOM and provenance in the registry and the layout, and both hold', async () => {
      for (const ref of [`${registry.host}/${repoName}:v1.9.3`, `oci:${oci}:v1.9.3`]) {
        const r = await vc(['verify', ref, '--json'], { env });
        expect(r.exitCode, r.stderr).toBe(0);
        const v = json<VerifyJson>(r);
        expect([v.ok, v.sbom, v.provenance]).toEqual([
          true,
          { present: true, ok: true, problems: [] },
          { present: true, ok: true, problems: [] },
        ]);
      }
    });

    it('the SBOM lists the modules and Go version exactly as go version -m prints them', async () => {
      for (const arch of ['amd64', 'arm64']) {
        const r = await vc(['sbom', `${registry.host}/${repoName}:v1.9.3`, '--platform', `linux/${arch}`], {
          env,
        });
        expect(r.exitCode, r.stderr).toBe(0);
        const bom = JSON.parse(r.stdout) as CycloneDxBom;
        const file = join(bin, 'linux', arch, 'coredns');
        const info = sbomGoBuildInfo(bom);
        expect(info?.goVersion).toMatch(label === 'Go 1.19' ? /^go1\.19\./ : /^go1\.23\./);
        expect(formatGoVersionM(file, info as NonNullable<typeof info>)).toBe(await goVersionM(go, file));
        // the same SBOM through the layout
        const fromLayout = await vc(['sbom', `oci:${oci}:v1.9.3`, '--platform', `linux/${arch}`], { env });
        expect(fromLayout.stdout).toBe(r.stdout);
      }
    });

    it('the provenance subjects are the pushed digests; skopeo reads the referrers tag', async () => {
      const tag = referrersTag(built.digest);
      const list = await skopeo(['inspect', '--raw', `docker://${registry.host}/${repoName}:${tag}`]);
      expect(list.exitCode, list.stderr).toBe(0);
      const referrers = (JSON.parse(list.stdout) as { manifests: { digest: string; artifactType: string }[] })
        .manifests;
      expect(referrers.map((m) => m.artifactType)).toEqual([
        'application/vnd.cyclonedx+json',
        'application/vnd.cyclonedx+json',
        'application/vnd.in-toto+json',
      ]);
      const out = join(work, `skopeo-${label.replace(/\W/g, '')}`);
      const prov = referrers[2]?.digest as string;
      const copied = await skopeo(['copy', `docker://${registry.host}/${repoName}@${prov}`, `dir:${out}`]);
      expect(copied.exitCode, copied.stderr).toBe(0);
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
        layers: { digest: string }[];
      };
      const statement = JSON.parse(
        await readFile(join(out, String(manifest.layers[0]?.digest).slice(7)), 'utf8'),
      ) as {
        subject: { digest: { sha256: string } }[];
        predicate: { buildDefinition: { internalParameters: { commit: string } } };
      };
      const index = JSON.parse(
        (await skopeo(['inspect', '--raw', `docker://${registry.host}/${repoName}:v1.9.3`])).stdout,
      ) as { manifests: { digest: string }[] };
      expect(statement.subject.map((s) => `sha256:${s.digest.sha256}`)).toEqual([
        built.digest,
        ...index.manifests.map((m) => m.digest),
      ]);
      const v193 = repo.tags.find((t) => t.version === 'v1.9.3');
      expect(statement.predicate.buildDefinition.internalParameters.commit).toBe(v193?.commit);
      // the layout's entry under the same name, through skopeo
      const layoutList = await skopeo(['inspect', '--raw', `oci:${oci}:${tag}`]);
      expect(JSON.parse(layoutList.stdout).manifests).toHaveLength(3);
    });

    it('writes the files beside binaries: and in --attestations-dir', async () => {
      expect((await readdir(join(bin, 'linux/amd64'))).sort()).toEqual(['coredns', 'sbom.cdx.json']);
      expect(await readdir(bin)).toContain('provenance.intoto.json');
      const att = join(work, `att-${label.replace(/\W/g, '')}`, 'v1.9.3');
      expect((await readdir(att)).sort()).toEqual([
        'provenance.intoto.json',
        'sbom-linux-amd64.cdx.json',
        'sbom-linux-arm64.cdx.json',
      ]);
      const bare = JSON.parse(await readFile(join(bin, 'linux/amd64/sbom.cdx.json'), 'utf8')) as CycloneDxBom;
      const file = join(bin, 'linux/amd64/coredns');
      expect(
        formatGoVersionM(file, sbomGoBuildInfo(bare) as NonNullable<ReturnType<typeof sbomGoBuildInfo>>),
      ).toBe(await goVersionM(go, file));
    });
  });
}

describe('tampering and attaching later', () => {
  it('a tampered SBOM fails verify', async () => {
    const oci = join(work, 'oci-Go123');
    const held = await readOciLayoutTag(oci, 'v1.9.3');
    if (!held) throw new Error('no v1.9.3 in the layout');
    const amd = await vc(['sbom', `oci:${oci}:v1.9.3`, '--platform', 'linux/amd64'], { env });
    const bom = JSON.parse(amd.stdout) as { components: { name: string; version?: string }[] };
    const dep = bom.components.find((c) => c.name === 'k8s.io/api');
    if (!dep) throw new Error('no k8s.io/api in the SBOM');
    dep.version = 'v0.99.0';
    // A well-formed artifact with a consistent digest, whose content lies.
    await writeLayoutReferrers(oci, [
      sbomArtifact({
        sbom: new TextEncoder().encode(JSON.stringify(bom)),
        platform: { os: 'linux', arch: 'amd64' },
        subject: held.descriptor,
        created: '2022-05-27T15:00:00Z',
      }),
    ]);
    const r = await vc(['verify', `oci:${oci}:v1.9.3`, '--json'], { env });
    expect(r.exitCode).toBe(1);
    const v = json<VerifyJson>(r);
    expect(v.ok).toBe(false);
    expect(v.sbom.ok).toBe(false);
    expect(v.sbom.problems.some((p) => p.includes('k8s.io/api\\tv0.99.0'))).toBe(true);
    expect(v.provenance.ok).toBe(true);
  });

  it('--no-sbom --no-provenance attaches nothing; a later build adds both without compiling', async () => {
    const oci = join(work, 'oci-later');
    const pushed = `${registry.host}/vc/later`;
    const args = [
      'build',
      '--repo',
      repo.url,
      '--version',
      'v1.6.8',
      '--output',
      `oci:${oci}`,
      '--push',
      pushed,
      '--json',
    ];
    const first = await vc([...args, '--no-sbom', '--no-provenance'], { env });
    expect(first.exitCode, first.stderr).toBe(0);
    const bare = json<VerifyJson>(await vc(['verify', `oci:${oci}:v1.6.8`, '--json'], { env }));
    expect([bare.ok, bare.sbom.present, bare.provenance.present]).toEqual([true, false, false]);

    const second = await vc(args, { env });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(json<BuildJson>(second).builds[0]).toMatchObject({
      skipped: true,
      digest: json<BuildJson>(first).builds[0]?.digest,
    });
    expect(second.stderr).not.toMatch(/ building /);
    expect(second.stderr).toContain('added its SBOM and provenance');
    for (const ref of [`oci:${oci}:v1.6.8`, `${pushed}:v1.6.8`]) {
      const after = json<VerifyJson>(await vc(['verify', ref, '--json'], { env }));
      expect([after.ok, after.sbom, after.provenance]).toEqual([
        true,
        { present: true, ok: true, problems: [] },
        { present: true, ok: true, problems: [] },
      ]);
    }
    // The SBOM added later is the one a fresh build attaches: the same bytes, down to the make command
    // (v1.6.8's go.mod is older than Go 1.16: both give GOFLAGS -mod=mod).
    const later = await vc(['sbom', `${pushed}:v1.6.8`, '--platform', 'linux/arm64'], { env });
    const fresh = join(work, 'oci-fresh');
    expect(
      (await vc(['build', '--repo', repo.url, '--version', 'v1.6.8', '--output', `oci:${fresh}`], { env }))
        .exitCode,
    ).toBe(0);
    const direct = await vc(['sbom', `oci:${fresh}:v1.6.8`, '--platform', 'linux/arm64'], { env });
    expect(later.stdout).toContain('-mod=mod');
    expect(later.stdout).toBe(direct.stdout);
    // Now current with both: nothing to add.
    const third = await vc(args, { env });
    expect(third.stderr).not.toContain('added its SBOM');
    expect(json<BuildJson>(third).builds[0]?.skipped).toBe(true);
  });

  it('docker-archive: writes sbom.cdx.json and provenance.intoto.json beside the archive', async () => {
    const dir = join(work, 'archive');
    const file = join(dir, 'coredns.tar');
    await mkdir(dir);
    const r = await vc(
      [
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/amd64',
        '--output',
        `docker-archive:${file}`,
      ],
      { env },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['coredns.tar', 'provenance.intoto.json', 'sbom.cdx.json']);
  });
});
