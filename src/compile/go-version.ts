// Go version strings as the go command orders them (cmd/go/internal/gover): `1.21` (a language
// version) < `1.21rc1` < `1.21.0` < `1.21.1`; before Go 1.21 the first release of a line was `1.20`.
// Pure.

export interface GoVersion {
  major: number;
  minor: number;
  /** null for `1.21` and for pre-releases */
  patch: number | null;
  /** `beta1`, `rc2`; null for releases and language versions */
  pre: { kind: 'beta' | 'rc'; n: number } | null;
  /** the text it was read from, without `go` */
  text: string;
}

const GO_VERSION = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+)|(beta|rc)(\d+))?$/;

/** `1.23.5`, `go1.23.5`, `1.21`, `1.21rc1` -> parts; null for anything else (`devel ...`). */
export function parseGoVersion(text: string): GoVersion | null {
  const t = text.trim();
  const m = GO_VERSION.exec(t);
  if (!m) return null;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: m[3] === undefined ? null : Number(m[3]),
    pre: m[4] === undefined ? null : { kind: m[4] as 'beta' | 'rc', n: Number(m[5]) },
    text: t.replace(/^go/, ''),
  };
}

function rank(v: GoVersion): [number, number, number] {
  // language version < beta < rc < release; then the numbers within each kind.
  if (v.patch !== null) return [3, v.patch, 0];
  if (v.pre?.kind === 'rc') return [2, v.pre.n, 0];
  if (v.pre?.kind === 'beta') return [1, v.pre.n, 0];
  return [0, 0, 0];
}

function toVersion(v: string | GoVersion): GoVersion {
  if (typeof v !== 'string') return v;
  const parsed = parseGoVersion(v);
  if (!parsed) throw new Error(`not a Go version: ${JSON.stringify(v)}`);
  return parsed;
}

/** Sort comparator in the go command's order. Throws on text that is not a Go version. */
export function compareGoVersions(a: string | GoVersion, b: string | GoVersion): number {
  const x = toVersion(a);
  const y = toVersion(b);
  if (x.major !== y.major) return x.major - y.major;
  if (x.minor !== y.minor) return x.minor - y.minor;
  const rx = rank(x);
  const ry = rank(y);
  return rx[0] - ry[0] || rx[1] - ry[1];
}

/**
 * Whether `local` (a toolchain, e.g. `1.23.5`, or the old-style `1.20`) satisfies the go.mod `go` line
 * `minimum`. Before Go 1.21 a toolchain named `go1.20` is the release 1.20.0.
 */
export function satisfiesGoMinimum(local: string, minimum: string): boolean {
  const l = toVersion(local);
  const asRelease =
    l.patch === null && l.pre === null && l.major === 1 && l.minor < 21 ? { ...l, patch: 0 } : l;
  return compareGoVersions(asRelease, minimum) >= 0;
}

/**
 * Whether `local` is the Go that `.go-version` names: the exact release, or any release of the line
 * when the file names only `1.21`.
 */
export function sameGoRelease(preferred: string, local: string): boolean {
  const p = toVersion(preferred);
  const l = toVersion(local);
  if (p.patch === null && p.pre === null) return p.major === l.major && p.minor === l.minor;
  return compareGoVersions(p, l) === 0;
}

/**
 * The module mode a go.mod was written for. Before Go 1.16 the go command added missing requirements
 * to go.mod while it built; releases whose go.mod names an older `go` were built that way, and some
 * lack a requirement (CoreDNS v1.6.4 imports github.com/DataDog/datadog-go through dd-trace-go without
 * requiring it), which Go 1.16+ refuses under its default -mod=readonly (`no required module provides
 * package`). `-mod=mod` for them when the building Go is 1.16+ (1.14 and 1.15 update by default, older
 * Gos do not know the flag); nothing for newer go.mods.
 */
export function goModFlags(goModLine: string | null, goVersion: string): string[] {
  if (goModLine === null || !parseGoVersion(goModLine) || !parseGoVersion(goVersion)) return [];
  const old = compareGoVersions(goModLine, '1.16') < 0;
  return old && satisfiesGoMinimum(goVersion, '1.16') ? ['-mod=mod'] : [];
}
