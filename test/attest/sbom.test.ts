// The SBOM of a platform image: valid CycloneDX 1.6 (the schema the library ships), the binary's Go
// build info exactly as `go version -m` prints it (Go 1.19 and 1.23, amd64 and arm64), the patch as
// pedigree, the base layer's files, and the same bytes for the same input.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseContents } from '../../src/attest/base-contents.js';
import { parseCaBundleSource } from '../../src/attest/ca-source.js';
import { formatGoVersionM, readGoBuildInfo } from '../../src/attest/go-buildinfo.js';
import { buildSbom, type CycloneDxBom, PROP, type SbomInput, sbomBytes } from '../../src/attest/sbom.js';
import { parseSbom, sbomGoBuildInfo, sbomPatchDiff, sbomProblems } from '../../src/attest/sbom-read.js';
import { uuidV5 } from '../../src/attest/uuid.js';
import { builtinBase } from '../../src/image/index.js';
import { CA_BUNDLE_PATH } from '../../src/pipeline/load.js';
import type { Platform } from '../../src/types.js';
import {
  buildDemo,
  createDemoWorkspace,
  type DemoWorkspace,
  GO_119,
  GO_123,
  goVersionM,
} from '../support/go-modules.js';

const CA_SOURCE_PATH = CA_BUNDLE_PATH.replace(/\.crt$/, '.json');
const DIFF = `diff --git a/plugin/kubernetes/object/service.go b/plugin/kubernetes/object/service.go
--- a/plugin/kubernetes/object/service.go
+++ b/plugin/kubernetes/object/service.go
@@ -1,3 +1,4 @@
 package object
+// Added by vc-coredns
`;

let ws: DemoWorkspace;
let caBundle: Uint8Array;
let caText: string;
const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

beforeAll(async () => {
  ws = await createDemoWorkspace();
  caBundle = new Uint8Array(await readFile(CA_BUNDLE_PATH));
  caText = await readFile(CA_SOURCE_PATH, 'utf8');
});
afterAll(async () => {
  await ws?.dispose();
});

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function inputFor(file: string, platform: Platform): Promise<SbomInput> {
  const bytes = new Uint8Array(await readFile(file));
  const base = builtinBase(caBundle, [platform]);
  return {
    toolVersion: '0.1.0',
    version: 'v1.9.3',
    commit: '45b0a11294c59bfd806a57807aaa2a185f761cd5',
    sourceUrl: 'https://github.com/coredns/coredns',
    platform,
    image: { manifestDigest: `sha256:${'a'.repeat(64)}`, indexDigest: `sha256:${'b'.repeat(64)}` },
    labels: { 'io.vc-coredns.annotation-key': 'transparency.tenancy.x-k8s.io/clusterIP' },
    binary: { sha256: sha256(bytes), size: bytes.byteLength, buildInfo: readGoBuildInfo(bytes) },
    make: {
      command: 'make coredns BINARY=build/linux/amd64/coredns "SYSTEM=GOOS=linux GOARCH=amd64"',
      ldflags: '-s -w -X main.commit=abc1234',
    },
    patch: { id: 'c'.repeat(64), annotationKey: 'transparency.tenancy.x-k8s.io/clusterIP', diff: DIFF },
    base: baseContents(base, caBundle, parseCaBundleSource(caText, caBundle)),
    sourceDateEpoch: 1653663600,
  };
}

type Json = Record<string, unknown>;
function component(bom: CycloneDxBom, ref: string): Json {
  const c = (bom.components as Json[]).find((x) => x['bom-ref'] === ref);
  if (!c) throw new Error(`no component ${ref}`);
  return c;
}

describe('the SBOM of a Go binary', () => {
  const cases = [
    { go: GO_119, goarch: 'amd64' },
    { go: GO_119, goarch: 'arm64' },
    { go: GO_123, goarch: 'amd64' },
    { go: GO_123, goarch: 'arm64' },
  ];
  for (const c of cases) {
    it(`${c.go.includes('1.19') ? 'Go 1.19' : 'Go 1.23'} linux/${c.goarch}: valid, and its modules are go version -m's`, async () => {
      const built = await buildDemo(ws, { go: c.go, goarch: c.goarch });
      const input = await inputFor(built.out, { os: 'linux', arch: c.goarch });
      const bom = buildSbom(input);
      const bytes = sbomBytes(bom);
      expect(await validator.validate(new TextDecoder().decode(bytes))).toBeNull();
      // The validator does reject what the schema forbids.
      const broken = { ...bom, components: [{ type: 'not-a-type', name: 'x' }] };
      expect(await validator.validate(JSON.stringify(broken))).not.toBeNull();

      const read = parseSbom(bytes);
      const recorded = sbomGoBuildInfo(read);
      expect(recorded).not.toBeNull();
      expect(formatGoVersionM(built.out, recorded as NonNullable<typeof recorded>)).toBe(
        await goVersionM(c.go, built.out),
      );
      expect(
        sbomProblems(read, {
          buildInfo: input.binary.buildInfo,
          binarySha256: input.binary.sha256,
          manifestDigest: input.image?.manifestDigest ?? '',
        }),
      ).toEqual([]);
    });
  }
});

describe('what the SBOM says', () => {
  let input: SbomInput;
  let bom: CycloneDxBom;
  beforeAll(async () => {
    const built = await buildDemo(ws, { go: GO_123, goarch: 'arm64' });
    input = await inputFor(built.out, { os: 'linux', arch: 'arm64' });
    bom = buildSbom(input);
  });

  it('describes the platform image, dated SOURCE_DATE_EPOCH, made by vc-coredns', () => {
    const meta = bom.metadata as Json & { component: Json; tools: { components: Json[] } };
    expect(meta.timestamp).toBe('2022-05-27T15:00:00.000Z');
    expect(meta.component).toMatchObject({
      type: 'container',
      'bom-ref': input.image?.manifestDigest,
      name: 'coredns',
      version: 'v1.9.3',
      purl: `pkg:oci/coredns@sha256:${'a'.repeat(64)}?arch=arm64&os=linux`,
    });
    expect(meta.tools.components).toEqual([{ type: 'application', name: 'vc-coredns', version: '0.1.0' }]);
    expect(bom.specVersion).toBe('1.6');
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('gives the CoreDNS component its hash, Go settings, make -ldflags and the patch as pedigree', () => {
    const app = component(bom, 'pkg:golang/example.com/vcdemo@v1.9.3');
    expect(app.hashes).toEqual([{ alg: 'SHA-256', content: input.binary.sha256 }]);
    const props = Object.fromEntries(
      (app.properties as { name: string; value: string }[]).map((p) => [p.name, p.value]),
    );
    expect(props[PROP.goVersion]).toBe(input.binary.buildInfo.goVersion);
    expect(props[`${PROP.goBuild}-trimpath`]).toBe('true');
    expect(props[`${PROP.goBuild}GOARCH`]).toBe('arm64');
    expect(props[PROP.makeLdflags]).toBe('-s -w -X main.commit=abc1234');
    expect(props[PROP.patchId]).toBe('c'.repeat(64));
    expect(app.pedigree).toMatchObject({
      ancestors: [
        { name: 'example.com/vcdemo', version: 'v1.9.3', purl: 'pkg:golang/example.com/vcdemo@v1.9.3' },
      ],
      commits: [{ uid: input.commit, url: input.sourceUrl }],
      patches: [{ type: 'unofficial', diff: { text: { contentType: 'text/x-diff', content: DIFF } } }],
    });
    expect(sbomPatchDiff(bom)).toBe(DIFF);
    expect(String((app.pedigree as Json).notes)).toContain('c'.repeat(64));
  });

  it('lists each dependency with version, h1: sum and replacement', () => {
    const dep = component(bom, 'pkg:golang/example.com/vcdep@v1.2.0');
    expect(dep.properties).toEqual([{ name: PROP.goSum, value: input.binary.buildInfo.deps[0]?.sum }]);
    const swap = component(bom, 'pkg:golang/example.com/vcswap@v1.0.0');
    expect(swap.properties).toEqual([
      { name: PROP.goReplacePath, value: 'example.com/vcfork' },
      { name: PROP.goReplaceVersion, value: 'v1.1.0' },
      { name: PROP.goReplaceSum, value: input.binary.buildInfo.deps[2]?.replace?.sum },
    ]);
    const deps = (bom.dependencies as { ref: string; dependsOn?: string[] }[]).find(
      (d) => d.ref === 'pkg:golang/example.com/vcdemo@v1.9.3',
    );
    expect(deps?.dependsOn).toEqual([
      'pkg:golang/example.com/vcdep@v1.2.0',
      'pkg:golang/example.com/vclocal@v0.0.0',
      'pkg:golang/example.com/vcswap@v1.0.0',
    ]);
  });

  it('lists the base layer files, the CA bundle with its Debian source and date', () => {
    const ca = component(bom, 'file:/etc/ssl/certs/ca-certificates.crt');
    expect(ca.hashes).toEqual([{ alg: 'SHA-256', content: sha256(caBundle) }]);
    const source = parseCaBundleSource(caText, caBundle);
    expect(source).not.toBeNull();
    expect(ca.properties).toContainEqual({ name: PROP.sourceDate, value: source?.date });
    expect((ca.pedigree as { ancestors: Json[] }).ancestors[0]?.purl).toBe(
      `pkg:deb/debian/ca-certificates@${source?.source.version}?arch=all&distro=debian-${source?.source.distributionVersion}`,
    );
    const passwd = component(bom, 'file:/etc/passwd');
    expect(passwd.type).toBe('file');
    expect(component(bom, 'file:/etc/group').type).toBe('file');
    // A bundle that no longer matches its record is listed without a source.
    expect(parseCaBundleSource(caText, new TextEncoder().encode('other bundle'))).toBeNull();
  });

  it('is the same bytes for the same input, and another serial number for another', () => {
    expect(Buffer.from(sbomBytes(buildSbom(input)))).toEqual(Buffer.from(sbomBytes(bom)));
    const other = buildSbom({ ...input, sourceDateEpoch: input.sourceDateEpoch + 1 });
    expect(other.serialNumber).not.toBe(bom.serialNumber);
  });

  it('describes a bare binary (binaries: output) as the component itself', async () => {
    const bare = buildSbom({ ...input, image: null, base: null });
    expect(await validator.validate(new TextDecoder().decode(sbomBytes(bare)))).toBeNull();
    const meta = bare.metadata as { component: Json };
    expect(meta.component).toMatchObject({
      type: 'application',
      name: 'example.com/vcdemo',
      hashes: [{ alg: 'SHA-256', content: input.binary.sha256 }],
    });
    expect((meta.component.pedigree as Json).patches).toHaveLength(1);
    expect(meta.component.properties).toContainEqual({ name: PROP.platform, value: 'linux/arm64' });
    expect(sbomGoBuildInfo(bare)).toEqual(input.binary.buildInfo);
    expect(bare.components as Json[]).toHaveLength(input.binary.buildInfo.deps.length);
  });

  it('names what a tampered SBOM gets wrong', () => {
    const tampered = JSON.parse(new TextDecoder().decode(sbomBytes(bom))) as CycloneDxBom;
    const dep = (tampered.components as Json[]).find((c) => c.name === 'example.com/vcdep') as Json;
    dep.version = 'v1.2.1';
    const problems = sbomProblems(tampered, {
      buildInfo: input.binary.buildInfo,
      binarySha256: input.binary.sha256,
      manifestDigest: input.image?.manifestDigest ?? '',
    });
    expect(problems).toEqual([
      `lacks the binary's "dep\\texample.com/vcdep\\tv1.2.0\\t${input.binary.buildInfo.deps[0]?.sum}"`,
      `lists "dep\\texample.com/vcdep\\tv1.2.1\\t${input.binary.buildInfo.deps[0]?.sum}", which the binary does not have`,
    ]);
  });
});

it('uuidV5 gives RFC 9562 name-based UUIDs', () => {
  // The RFC's example: "www.example.com" in the DNS namespace.
  expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
    '2ed6657d-e927-568b-95e1-2665a8aea6a2',
  );
});
