// The CycloneDX 1.6 SBOM of one platform image, built from what is really in it: the Go build info read
// out of /coredns (main module, Go version, every dependency with its version and h1: sum, Go's build
// settings), the -ldflags of the make command that built it (Go leaves them out under -trimpath), the
// patch as the CoreDNS component's pedigree, and the base layer's files. Pure: values in, a JSON value
// and its bytes out. Same input, same bytes (timestamp from SOURCE_DATE_EPOCH, serial number from the
// content), as the images themselves.
//
// Made with @cyclonedx/cyclonedx-library (models, the 1.6 JSON normalizer, the schema its tests
// validate against). The library has no model for `pedigree` (10.x), so the CoreDNS component's and
// the CA bundle's pedigree are added to its normalized output; the schema test covers them too.
import { createHash } from 'node:crypto';
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { PackageURL } from 'packageurl-js';
import type { Platform } from '../types.js';
import { formatPlatform } from '../versions/platforms.js';
import type { GoBuildInfo, GoModule } from './go-buildinfo.js';
import { uuidV5 } from './uuid.js';

export { CYCLONEDX_PREDICATE_TYPE, SBOM_MEDIA_TYPE } from './media-types.js';
export const SBOM_SPEC_VERSION = '1.6';
/** Where CoreDNS sits in the image. */
export const COREDNS_FILE = '/coredns';

/** Property names of this SBOM (our own namespace, as the CycloneDX property taxonomy asks). */
export const PROP = {
  platform: 'vc-coredns:platform',
  index: 'vc-coredns:image:index',
  label: 'vc-coredns:label:',
  file: 'vc-coredns:file',
  goVersion: 'vc-coredns:go:version',
  goPath: 'vc-coredns:go:path',
  goModuleVersion: 'vc-coredns:go:module:version',
  goModuleSum: 'vc-coredns:go:module:sum',
  goBuild: 'vc-coredns:go:build:',
  goSum: 'vc-coredns:go:sum',
  goReplacePath: 'vc-coredns:go:replace:path',
  goReplaceVersion: 'vc-coredns:go:replace:version',
  goReplaceSum: 'vc-coredns:go:replace:sum',
  makeCommand: 'vc-coredns:make:command',
  makeLdflags: 'vc-coredns:make:ldflags',
  patchId: 'vc-coredns:patch:id',
  annotationKey: 'vc-coredns:patch:annotation-key',
  certificates: 'vc-coredns:ca:certificates',
  sourceDate: 'vc-coredns:source:date',
  baseImage: 'vc-coredns:base:image',
} as const;

/** assets/ca-certificates.json: where the built-in CA bundle came from (scripts/refresh-ca-bundle.sh). */
export interface CaBundleSource {
  file: string;
  sha256: string;
  certificates: number;
  source: {
    distribution: string;
    distributionVersion: string;
    package: string;
    version: string;
    architecture: string;
  };
  /** the date of that package version (its changelog entry), RFC 3339 */
  date: string;
}

export interface BaseFile {
  /** absolute path in the image */
  path: string;
  sha256: string;
  size: number;
}

export type BaseContents =
  /** the built-in base layer: its files, and where the CA bundle came from (null: unknown) */
  | { kind: 'builtin'; layerDigest: string; files: BaseFile[]; caBundle: CaBundleSource | null }
  /** a --base image: named by reference and digest (its files are its own SBOM's business) */
  | { kind: 'image'; name: string; digest: string };

export interface SbomInput {
  toolVersion: string;
  /** the CoreDNS release, `v1.11.1` */
  version: string;
  commit: string;
  /** the repository built from (no credentials) */
  sourceUrl: string;
  platform: Platform;
  /** the platform image the SBOM describes; null for a bare binary (`--output binaries:`) */
  image: { manifestDigest: string; indexDigest: string } | null;
  /** the image's config labels */
  labels: Readonly<Record<string, string>>;
  binary: { sha256: string; size: number; buildInfo: GoBuildInfo };
  /** the make command that built the binary and the -ldflags it passed; null when unknown */
  make: { command: string; ldflags: string | null } | null;
  patch: { id: string; annotationKey: string; diff: string };
  /** null for a bare binary */
  base: BaseContents | null;
  sourceDateEpoch: number;
}

/** The SBOM as a JSON value (CycloneDX 1.6). */
export type CycloneDxBom = Record<string, unknown> & {
  bomFormat: 'CycloneDX';
  specVersion: string;
  serialNumber: string;
};

// One namespace for the serial numbers of vc-coredns SBOMs (a UUIDv5 of "vc-coredns/sbom" in the URL namespace).
const SERIAL_NAMESPACE = uuidV5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'https://vc-coredns/sbom');

/** `pkg:golang/github.com/coredns/coredns@v1.11.1` (no version when Go recorded none or `(devel)`). */
export function goPurl(path: string, version?: string): string {
  const slash = path.lastIndexOf('/');
  const namespace = slash < 0 ? null : path.slice(0, slash);
  const name = slash < 0 ? path : path.slice(slash + 1);
  const v = version && version !== '(devel)' ? version : null;
  return new PackageURL('golang', namespace, name, v, null, null).toString();
}

function ociPurl(name: string, digest: string, platform: Platform): string {
  const qualifiers: Record<string, string> = { arch: platform.arch, os: platform.os };
  if (platform.variant) qualifiers.variant = platform.variant;
  return new PackageURL('oci', null, name, digest, qualifiers, null).toString();
}

function props(entries: [string, string][]): Models.PropertyRepository {
  const repo = new Models.PropertyRepository();
  for (const [k, v] of entries) repo.add(new Models.Property(k, v));
  return repo;
}

function sha256Hashes(hex: string): Models.HashDictionary {
  return new Models.HashDictionary([[Enums.HashAlgorithm['SHA-256'], hex]]);
}

function moduleComponent(m: GoModule): Models.Component {
  const entries: [string, string][] = [];
  if (m.sum !== '') entries.push([PROP.goSum, m.sum]);
  if (m.replace) {
    entries.push([PROP.goReplacePath, m.replace.path], [PROP.goReplaceVersion, m.replace.version]);
    if (m.replace.sum !== '') entries.push([PROP.goReplaceSum, m.replace.sum]);
  }
  const purl = goPurl(m.path, m.version);
  return new Models.Component(Enums.ComponentType.Library, m.path, {
    bomRef: purl,
    version: m.version,
    purl,
    properties: props(entries),
  });
}

function coreDnsComponent(input: SbomInput): Models.Component {
  const info = input.binary.buildInfo;
  const path = info.main?.path || 'github.com/coredns/coredns';
  const entries: [string, string][] = [
    [PROP.file, COREDNS_FILE],
    [PROP.goVersion, info.goVersion],
    [PROP.goPath, info.path],
  ];
  if (info.main) {
    entries.push([PROP.goModuleVersion, info.main.version]);
    if (info.main.sum !== '') entries.push([PROP.goModuleSum, info.main.sum]);
  }
  for (const s of info.settings) entries.push([`${PROP.goBuild}${s.key}`, s.value]);
  if (input.make) {
    entries.push([PROP.makeCommand, input.make.command]);
    if (input.make.ldflags !== null) entries.push([PROP.makeLdflags, input.make.ldflags]);
  }
  entries.push([PROP.patchId, input.patch.id], [PROP.annotationKey, input.patch.annotationKey]);
  const purl = goPurl(path, input.version);
  const component = new Models.Component(Enums.ComponentType.Application, path, {
    bomRef: purl,
    version: input.version,
    purl,
    description: `CoreDNS ${input.version} with the vc-coredns patch (answers with the super cluster IP from the annotation ${input.patch.annotationKey})`,
    hashes: sha256Hashes(input.binary.sha256),
    properties: props(entries),
  });
  component.externalReferences.add(
    new Models.ExternalReference(input.sourceUrl, Enums.ExternalReferenceType.VCS, {
      comment: `commit ${input.commit}`,
    }),
  );
  return component;
}

function debPurl(ca: CaBundleSource): string {
  const { source } = ca;
  return new PackageURL(
    'deb',
    source.distribution,
    source.package,
    source.version,
    { arch: source.architecture, distro: `${source.distribution}-${source.distributionVersion}` },
    null,
  ).toString();
}

function baseComponents(base: BaseContents | null): Models.Component[] {
  if (base === null) return [];
  if (base.kind === 'image') {
    return [
      new Models.Component(Enums.ComponentType.Container, base.name, {
        bomRef: `base:${base.digest}`,
        version: base.digest,
        properties: props([[PROP.baseImage, `${base.name}@${base.digest}`]]),
      }),
    ];
  }
  return base.files.map((f) => {
    const entries: [string, string][] = [];
    const ca = base.caBundle && f.path.endsWith(`/${base.caBundle.file}`) ? base.caBundle : null;
    if (ca) {
      entries.push([PROP.certificates, String(ca.certificates)], [PROP.sourceDate, ca.date]);
    }
    return new Models.Component(Enums.ComponentType.File, f.path, {
      bomRef: `file:${f.path}`,
      hashes: sha256Hashes(f.sha256),
      ...(ca
        ? {
            description: `CA certificates of the ${ca.source.distribution} ${ca.source.distributionVersion} package ${ca.source.package} ${ca.source.version} (${ca.date})`,
          }
        : {}),
      properties: props(entries),
    });
  });
}

/** The SBOM of one platform image. */
export function buildSbom(input: SbomInput): CycloneDxBom {
  const platform = formatPlatform(input.platform);
  const coredns = coreDnsComponent(input);
  const deps = input.binary.buildInfo.deps.map(moduleComponent);
  // The graph links BomRef objects, not their values.
  for (const d of deps) coredns.dependencies.add(d.bomRef);
  const files = baseComponents(input.base);
  const image = input.image
    ? new Models.Component(Enums.ComponentType.Container, 'coredns', {
        bomRef: input.image.manifestDigest,
        version: input.version,
        purl: ociPurl('coredns', input.image.manifestDigest, input.platform),
        properties: props([
          [PROP.platform, platform],
          [PROP.index, input.image.indexDigest],
          ...Object.keys(input.labels)
            .sort()
            .map((k): [string, string] => [`${PROP.label}${k}`, input.labels[k] as string]),
        ]),
      })
    : null;
  if (image) {
    image.dependencies.add(coredns.bomRef);
    for (const f of files) image.dependencies.add(f.bomRef);
  } else {
    coredns.properties.add(new Models.Property(PROP.platform, platform));
  }

  const tools = new Models.Tools();
  tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'vc-coredns', { version: input.toolVersion }),
  );
  const bom = new Models.Bom({
    metadata: new Models.Metadata({
      timestamp: new Date(input.sourceDateEpoch * 1000),
      tools,
      // A bare binary is itself what the SBOM describes.
      component: image ?? coredns,
    }),
  });
  for (const c of [...(image ? [coredns] : []), ...deps, ...files]) bom.components.add(c);

  const factory = new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6);
  // Lists stay in the order given (Go's module order, the layer's file order): the library's sorting
  // compares with localeCompare, which depends on the machine's locale.
  const normalized = factory.makeForBom().normalize(bom, { sortLists: false }) as unknown as Record<
    string,
    unknown
  >;
  addPedigree(normalized, coredns.bomRef.value as string, corednsPedigree(input), Boolean(image));
  if (input.base?.kind === 'builtin' && input.base.caBundle) {
    const ca = input.base.caBundle;
    const file = input.base.files.find((f) => f.path.endsWith(`/${ca.file}`));
    if (file) addPedigree(normalized, `file:${file.path}`, caPedigree(ca));
  }
  const json = JSON.parse(JSON.stringify(normalized)) as Record<string, unknown>;
  delete json.serialNumber;
  const serialNumber = `urn:uuid:${uuidV5(SERIAL_NAMESPACE, sha256Hex(canonicalText(json)))}`;
  return { ...json, serialNumber } as CycloneDxBom;
}

function corednsPedigree(input: SbomInput): Record<string, unknown> {
  const upstream = goPurl(input.binary.buildInfo.main?.path || 'github.com/coredns/coredns', input.version);
  return {
    ancestors: [
      {
        type: 'application',
        'bom-ref': `upstream:${upstream}`,
        name: input.binary.buildInfo.main?.path || 'github.com/coredns/coredns',
        version: input.version,
        purl: upstream,
      },
    ],
    commits: [{ uid: input.commit, url: input.sourceUrl }],
    patches: [
      {
        type: 'unofficial',
        diff: { text: { contentType: 'text/x-diff', content: input.patch.diff } },
      },
    ],
    notes: `vc-coredns patch ${input.patch.id} (io.vc-coredns.patch): the Service's cluster IP comes from the annotation ${input.patch.annotationKey} when it is set`,
  };
}

function caPedigree(ca: CaBundleSource): Record<string, unknown> {
  const purl = debPurl(ca);
  return {
    ancestors: [
      {
        type: 'library',
        'bom-ref': purl,
        name: ca.source.package,
        version: ca.source.version,
        purl,
      },
    ],
    notes: `the certificates the package ships (/usr/share/ca-certificates), concatenated in sorted order by scripts/refresh-ca-bundle.sh; package version of ${ca.date}`,
  };
}

function addPedigree(
  bom: Record<string, unknown>,
  bomRef: string,
  pedigree: Record<string, unknown>,
  inComponents = true,
): void {
  const components = bom.components as Record<string, unknown>[];
  const c = inComponents
    ? components.find((x) => x['bom-ref'] === bomRef)
    : ((bom.metadata as Record<string, unknown>).component as Record<string, unknown>);
  if (!c) throw new Error(`SBOM: no component ${bomRef}`);
  c.pedigree = pedigree;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

function canonicalText(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** The SBOM's bytes, as stored and printed: keys sorted, two-space indent, a final newline. */
export function sbomBytes(bom: CycloneDxBom): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(sortKeys(bom), null, 2)}\n`);
}
