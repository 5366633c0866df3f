// Reading an SBOM of ours back: the Go build info it records (so it can be compared with the binary's,
// line for line as `go version -m` prints them), and the checks `verify` runs. Pure.
import { VcError } from '../errors.js';
import type { GoBuildInfo, GoModule } from './go-buildinfo.js';
import { formatModInfo } from './go-buildinfo.js';
import { type CycloneDxBom, PROP } from './sbom.js';

interface Component {
  type?: string;
  'bom-ref'?: string;
  name?: string;
  version?: string;
  purl?: string;
  hashes?: { alg: string; content: string }[];
  properties?: { name: string; value?: string }[];
  pedigree?: { patches?: { diff?: { text?: { content?: string } } }[] };
}

function badSbom(message: string): VcError {
  return new VcError(`SBOM: ${message}`, { code: 'BAD_SBOM' });
}

/** The SBOM JSON of an artifact layer (a CycloneDX document, or BAD_SBOM). */
export function parseSbom(bytes: Uint8Array): CycloneDxBom {
  let o: unknown;
  try {
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw badSbom('not JSON');
  }
  const bom = o as Partial<CycloneDxBom> | null;
  if (
    !bom ||
    typeof bom !== 'object' ||
    bom.bomFormat !== 'CycloneDX' ||
    typeof bom.specVersion !== 'string'
  ) {
    throw badSbom('not a CycloneDX document');
  }
  return bom as CycloneDxBom;
}

function components(bom: CycloneDxBom): Component[] {
  return Array.isArray(bom.components) ? (bom.components as Component[]) : [];
}

function prop(c: Component, name: string): string | undefined {
  return c.properties?.find((p) => p.name === name)?.value;
}

/** The CoreDNS component: the one that records a Go version. */
export function sbomCoreDns(bom: CycloneDxBom): Component | undefined {
  const meta = (bom.metadata as { component?: Component } | undefined)?.component;
  return [...components(bom), ...(meta ? [meta] : [])].find((c) => prop(c, PROP.goVersion) !== undefined);
}

/** The Go build info an SBOM of ours records (null when it records none). */
export function sbomGoBuildInfo(bom: CycloneDxBom): GoBuildInfo | null {
  const app = sbomCoreDns(bom);
  if (!app) return null;
  const mainVersion = prop(app, PROP.goModuleVersion);
  const main: GoModule | null =
    mainVersion === undefined
      ? null
      : { path: app.name ?? '', version: mainVersion, sum: prop(app, PROP.goModuleSum) ?? '' };
  const settings = (app.properties ?? [])
    .filter((p) => p.name.startsWith(PROP.goBuild))
    .map((p) => ({ key: p.name.slice(PROP.goBuild.length), value: p.value ?? '' }));
  const deps: GoModule[] = components(bom)
    .filter((c) => c.type === 'library' && c.purl?.startsWith('pkg:golang/'))
    .map((c) => {
      const m: GoModule = { path: c.name ?? '', version: c.version ?? '', sum: prop(c, PROP.goSum) ?? '' };
      const rp = prop(c, PROP.goReplacePath);
      if (rp !== undefined) {
        m.replace = {
          path: rp,
          version: prop(c, PROP.goReplaceVersion) ?? '',
          sum: prop(c, PROP.goReplaceSum) ?? '',
        };
      }
      return m;
    });
  return {
    goVersion: prop(app, PROP.goVersion) ?? '',
    path: prop(app, PROP.goPath) ?? '',
    main,
    deps,
    settings,
  };
}

export interface SbomExpectation {
  /** the binary's build info, read from /coredns */
  buildInfo: GoBuildInfo;
  /** sha256 hex of /coredns */
  binarySha256: string;
  /** the platform manifest the SBOM must describe */
  manifestDigest: string;
}

/** What is wrong with an SBOM against the image it claims to describe (empty: nothing). */
export function sbomProblems(bom: CycloneDxBom, want: SbomExpectation): string[] {
  const problems: string[] = [];
  const meta = bom.metadata as { component?: { 'bom-ref'?: string } } | undefined;
  if (meta?.component?.['bom-ref'] !== want.manifestDigest) {
    problems.push(`describes ${meta?.component?.['bom-ref'] ?? 'no image'}, not ${want.manifestDigest}`);
  }
  const recorded = sbomGoBuildInfo(bom);
  if (!recorded) return [...problems, 'records no Go build info'];
  if (recorded.goVersion !== want.buildInfo.goVersion) {
    problems.push(
      `Go version ${recorded.goVersion}, but the binary was built with ${want.buildInfo.goVersion}`,
    );
  }
  const lines = (i: GoBuildInfo) => formatModInfo(i).split('\n');
  const have = lines(recorded);
  const real = lines(want.buildInfo);
  const missing = real.filter((l) => !have.includes(l));
  const extra = have.filter((l) => !real.includes(l));
  for (const l of missing) problems.push(`lacks the binary's ${JSON.stringify(l)}`);
  for (const l of extra) problems.push(`lists ${JSON.stringify(l)}, which the binary does not have`);
  if (missing.length === 0 && extra.length === 0 && have.join('\n') !== real.join('\n')) {
    problems.push('lists the modules in another order than the binary');
  }
  const hash = sbomCoreDns(bom)?.hashes?.find((h) => h.alg === 'SHA-256')?.content;
  if (hash !== want.binarySha256)
    problems.push(`names /coredns sha256 ${hash ?? 'none'}, not ${want.binarySha256}`);
  return problems;
}

/** The unified diff of the patch the SBOM records on CoreDNS, or null. */
export function sbomPatchDiff(bom: CycloneDxBom): string | null {
  return sbomCoreDns(bom)?.pedigree?.patches?.[0]?.diff?.text?.content ?? null;
}
