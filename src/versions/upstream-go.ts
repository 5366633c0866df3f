// Upstream's Go of a release: the Go it was built and tested with, read from the files at its tag by the
// rule of ERAS.md section 2. Pure: file texts in, a version out. No table of tags: the next release is
// read from its own files.
//   1. `.go-version` (v1.11.3+): an exact release, `1.21.8`;
//   2. else the newest `go-version:` literal of `.github/workflows/*.yml` (`^1.14.1`, `~1.21.0`, `1.17.0`,
//      `1.15`: each names a minor; `${{ env.GO_VERSION }}` or `stable` name none);
//   3. else the newest `go:` entry of `.travis.yml` (`1.12.x`);
//   4. else go.mod's `go` line (a minor too: `1.16`, or `1.22` for `go 1.22.7`).
import { parse } from 'yaml';

export type UpstreamGoSource = '.go-version' | 'workflows' | '.travis.yml' | 'go.mod';

export interface UpstreamGo {
  /** `1.21.8` when exact, `1.14` (a minor: its newest patch) otherwise */
  version: string;
  exact: boolean;
  from: UpstreamGoSource;
}

/** The files of a tag that name a Go; null for a file the tag does not have. */
export interface GoFiles {
  goVersion: string | null;
  /** the texts of `.github/workflows/*.yml` (and `*.yaml`) */
  workflows: string[];
  travis: string | null;
  goMod: string | null;
}

interface Minor {
  major: number;
  minor: number;
}

/**
 * A version constraint as setup-go and Travis take them, reduced to the minor it names: `^1.14.1`,
 * `~1.21.0`, `1.17.0`, `1.15`, `1.12.x`, `v1.20` -> `1.14`...; null for anything else (`stable`, `1.x`,
 * `tip`, an expression, a range such as `>=1.20`).
 */
export function minorOf(literal: string): Minor | null {
  const m = /^[\^~]?v?(\d+)\.(\d+)(?:\.(?:\d+|x|\*))?$/.exec(literal.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

function newest(minors: (Minor | null)[]): Minor | null {
  let best: Minor | null = null;
  for (const m of minors) {
    if (m && (!best || m.major > best.major || (m.major === best.major && m.minor > best.minor))) best = m;
  }
  return best;
}

/** YAML with every scalar kept as text (`1.20` stays `1.20`, not the number 1.2); null when it does not parse. */
function parseYaml(text: string): unknown {
  try {
    return parse(text, { schema: 'failsafe', uniqueKeys: false });
  } catch {
    return null;
  }
}

/** Strings of a value that is a scalar or a list of scalars. */
function scalars(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Every value of a `key:` anywhere in the document. */
function valuesOf(doc: unknown, key: string, out: string[] = []): string[] {
  if (Array.isArray(doc)) {
    for (const v of doc) valuesOf(v, key, out);
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === key) out.push(...scalars(v));
      else valuesOf(v, key, out);
    }
  }
  return out;
}

/** `.go-version`: `1.21.8` (or `go1.21.8`); a bare `1.21` names a minor. Null when it is not a version. */
function fromGoVersionFile(text: string): UpstreamGo | null {
  const line = text.split('\n')[0]?.trim().replace(/^go/, '') ?? '';
  const m = /^(\d+)\.(\d+)(\.\d+)?$/.exec(line);
  if (!m) return null;
  return { version: line, exact: m[3] !== undefined, from: '.go-version' };
}

function format(m: Minor): string {
  return `${m.major}.${m.minor}`;
}

/** The go.mod `go` directive (`1.13`, `1.22.7`), or null. */
export function goModGoLine(goMod: string): string | null {
  const m = /^go[ \t]+(\S+)[ \t]*(?:\/\/.*)?\r?$/m.exec(goMod);
  return m ? (m[1] as string) : null;
}

/** Upstream's Go of a tag from its files (see the rule at the top); null when no file names one. */
export function upstreamGo(files: GoFiles): UpstreamGo | null {
  if (files.goVersion !== null) {
    const exact = fromGoVersionFile(files.goVersion);
    if (exact) return exact;
  }
  const workflow = newest(files.workflows.flatMap((w) => valuesOf(parseYaml(w), 'go-version').map(minorOf)));
  if (workflow) return { version: format(workflow), exact: false, from: 'workflows' };
  if (files.travis !== null) {
    const doc = parseYaml(files.travis);
    const go =
      doc !== null && typeof doc === 'object' && !Array.isArray(doc)
        ? (doc as Record<string, unknown>).go
        : undefined;
    const travis = newest(scalars(go).map(minorOf));
    if (travis) return { version: format(travis), exact: false, from: '.travis.yml' };
  }
  const line = files.goMod === null ? null : goModGoLine(files.goMod);
  const mod = line === null ? null : minorOf(line.replace(/(rc|beta)\d+$/, ''));
  if (mod) return { version: format(mod), exact: false, from: 'go.mod' };
  return null;
}

/** What actions/setup-go should install for it: `1.21.8` when exact, `1.14.x` for a minor. */
export function setupGoVersion(go: UpstreamGo): string {
  return go.exact ? go.version : `${go.version}.x`;
}
