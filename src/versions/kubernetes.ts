// KUBERNETES.md as data: the CoreDNS that kubeadm installs for each Kubernetes release, by patch.
// Pure; `--kubernetes-map FILE` is parsed here and read from disk in load-kubernetes-map.ts.
import semver from 'semver';
import { badInput } from '../errors.js';
import { describeDropped, keepSupported, type ResolveOptions } from './resolve.js';
import { checkInputSize, filterSemverTags, oversizedNumber, parseVersion, quoteInput } from './version.js';

/** From Kubernetes patch `fromPatch` on (until the next step), kubeadm installs `coredns`. */
export interface CoreDnsStep {
  fromPatch: number;
  /** `v1.11.3` */
  coredns: string;
}

export interface KubernetesEntry {
  /** `1.30` */
  minor: string;
  /** Ascending by `fromPatch`; the first starts at 0. */
  steps: readonly CoreDnsStep[];
  note?: string;
}

/** Keyed by minor (`1.30`). */
export type KubernetesTable = ReadonlyMap<string, KubernetesEntry>;

export interface KubernetesRelease {
  /** `1.30` */
  minor: string;
  /** null: the newest patch */
  patch: number | null;
}

// [minor, kubeadm's CoreDNSVersion at .0 (written without `v` until 1.20), later steps, note]
type Row = [string, string, ([number, string] | null)?, string?];
const ROWS: Row[] = [
  ['1.11', '1.1.3', null, 'before v1.2.3: not patchable'],
  ['1.12', '1.2.2', null, 'before v1.2.3: not patchable'],
  ['1.13', '1.2.6'],
  ['1.14', '1.3.1'],
  ['1.15', '1.3.1'],
  ['1.16', '1.6.2'],
  ['1.17', '1.6.5'],
  ['1.18', '1.6.7'],
  ['1.19', '1.7.0'],
  ['1.20', '1.7.0'],
  ['1.21', 'v1.8.0'],
  ['1.22', 'v1.8.4'],
  ['1.23', 'v1.8.6'],
  ['1.24', 'v1.8.6'],
  ['1.25', 'v1.9.3'],
  ['1.26', 'v1.9.3'],
  ['1.27', 'v1.10.1'],
  ['1.28', 'v1.10.1'],
  ['1.29', 'v1.11.1'],
  ['1.30', 'v1.11.1', [5, 'v1.11.3']],
  ['1.31', 'v1.11.1', [1, 'v1.11.3']],
  ['1.32', 'v1.11.3'],
  ['1.33', 'v1.12.0'],
  ['1.34', 'v1.12.1'],
  ['1.35', 'v1.13.1'],
  ['1.36', 'v1.14.2'],
  ['1.37', 'v1.14.6', null, 'from its release candidate; not confirmed at .0'],
];

function entryOf([minor, atZero, later, note]: Row): KubernetesEntry {
  const steps: CoreDnsStep[] = [{ fromPatch: 0, coredns: parseVersion(atZero) }];
  if (later) steps.push({ fromPatch: later[0], coredns: parseVersion(later[1]) });
  return note === undefined ? { minor, steps } : { minor, steps, note };
}

/** The built-in table (KUBERNETES.md). */
export const KUBERNETES_COREDNS: KubernetesTable = new Map(ROWS.map((row) => [row[0], entryOf(row)]));

const MAP_EXAMPLE =
  '{"1.38": "v1.14.8"} or {"1.38": {"0": "v1.14.8", "3": "v1.14.9"}} (the latter: v1.14.9 from 1.38.3)';

function minorKey(major: string, minor: string): string {
  return `${Number(major)}.${Number(minor)}`;
}

/** Known minors, oldest first. */
export function knownKubernetesMinors(table: KubernetesTable = KUBERNETES_COREDNS): string[] {
  return [...table.keys()].sort((a, b) => semver.compare(`${a}.0`, `${b}.0`));
}

/** `1.30`, `v1.30`, `1.30.2`, `v1.30.2` -> `{minor: '1.30', patch: null | 2}`; else BAD_KUBERNETES. */
export function parseKubernetesRelease(input: string): KubernetesRelease {
  const text = input.trim();
  const hint = 'a Kubernetes release looks like 1.30 (its newest patch) or 1.30.2';
  checkInputSize(text, 'Kubernetes release', 'BAD_KUBERNETES', hint);
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw badInput(`invalid Kubernetes release ${quoteInput(text)}`, 'BAD_KUBERNETES', hint);
  return { minor: minorKey(m[1] as string, m[2] as string), patch: m[3] === undefined ? null : Number(m[3]) };
}

/** `1.28,1.29` -> releases, in the given order without duplicates. */
export function parseKubernetesList(list: string): KubernetesRelease[] {
  const entries = list.split(',').map((s) => s.trim());
  if (entries.some((e) => e === '')) {
    throw badInput(
      `invalid Kubernetes list ${quoteInput(list)}`,
      'BAD_KUBERNETES',
      'give comma-separated releases, e.g. 1.28,1.29',
    );
  }
  const seen = new Set<string>();
  const result: KubernetesRelease[] = [];
  for (const entry of entries) {
    const release = parseKubernetesRelease(entry);
    const key = formatKubernetesRelease(release);
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(release);
  }
  return result;
}

export function formatKubernetesRelease(r: KubernetesRelease): string {
  return r.patch === null ? r.minor : `${r.minor}.${r.patch}`;
}

/**
 * The CoreDNS version kubeadm installs: `1.30` -> its newest patch's (`v1.11.3`), `1.30.2` -> that
 * patch's (`v1.11.1`). Versions before v1.2.3 (Kubernetes 1.11, 1.12) are returned as they are: the
 * caller's supported-filter drops them. Unknown minor -> UNKNOWN_KUBERNETES.
 */
export function coreDnsForKubernetes(
  release: string | KubernetesRelease,
  table: KubernetesTable = KUBERNETES_COREDNS,
): string {
  const r = typeof release === 'string' ? parseKubernetesRelease(release) : release;
  const entry = table.get(r.minor);
  if (!entry) {
    throw badInput(
      `unknown Kubernetes release ${formatKubernetesRelease(r)}`,
      'UNKNOWN_KUBERNETES',
      `known Kubernetes minors: ${knownKubernetesMinors(table).join(', ')}; ` +
        `--kubernetes-map FILE adds others, e.g. ${MAP_EXAMPLE}`,
    );
  }
  const patch = r.patch ?? Number.POSITIVE_INFINITY;
  let coredns = (entry.steps[0] as CoreDnsStep).coredns;
  for (const step of entry.steps) if (step.fromPatch <= patch) coredns = step.coredns;
  return coredns;
}

export interface KubernetesResolution {
  /** Supported (or buildable) CoreDNS versions, oldest first, without duplicates. */
  versions: string[];
  /** CoreDNS versions dropped as unsupported (or not buildable); see describeDropped. */
  dropped: string[];
  /** Each Kubernetes release given and its CoreDNS, in the given order. */
  pairs: { kubernetes: string; coredns: string }[];
}

/**
 * A `--kubernetes` list to CoreDNS versions. With `availableTags`, a mapped version without a tag is
 * UNKNOWN_VERSION. Nothing supported left -> EMPTY_RANGE naming the releases and why.
 */
export function resolveKubernetes(
  list: string,
  opts: ResolveOptions & { table?: KubernetesTable; availableTags?: Iterable<string> } = {},
): KubernetesResolution {
  const table = opts.table ?? KUBERNETES_COREDNS;
  const pairs = parseKubernetesList(list).map((r) => ({
    kubernetes: formatKubernetesRelease(r),
    coredns: coreDnsForKubernetes(r, table),
  }));
  if (opts.availableTags !== undefined) {
    const tags = new Set(filterSemverTags(opts.availableTags));
    const missing = pairs.find((p) => !tags.has(p.coredns));
    if (missing) {
      throw badInput(
        `Kubernetes ${missing.kubernetes} uses CoreDNS ${missing.coredns}, which has no tag in the repository`,
        'UNKNOWN_VERSION',
        'check --kubernetes-map, or the repository given with --repo',
      );
    }
  }
  const sorted = [...new Set(pairs.map((p) => p.coredns))].sort(semver.compare);
  const { versions, dropped } = keepSupported(sorted, opts);
  if (versions.length === 0) {
    const uses = pairs.map((p) => `${p.kubernetes} uses ${p.coredns}`).join(', ');
    throw badInput(
      `no ${opts.buildable ? 'buildable' : 'supported'} CoreDNS for Kubernetes ${pairs.map((p) => p.kubernetes).join(', ')}`,
      'EMPTY_RANGE',
      `Kubernetes ${uses}; ${describeDropped(dropped)}`,
    );
  }
  return { versions, dropped, pairs };
}

function mapError(source: string, problem: string) {
  return badInput(`${source}: ${problem}`, 'BAD_KUBERNETES_MAP', `the format is ${MAP_EXAMPLE}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapVersion(source: string, where: string, value: unknown): string {
  if (typeof value === 'string') {
    try {
      return parseVersion(value);
    } catch {
      // reported below with the file's context
    }
  }
  const shown = typeof value === 'string' ? quoteInput(value) : JSON.stringify(value);
  throw mapError(source, `${where}: ${shown} is not a CoreDNS version like v1.14.8`);
}

/**
 * Parses a Kubernetes map file: a JSON object from minor (`1.38`, `v1.38`) to a CoreDNS version, or to
 * an object from patch number to the version used from that patch on ("0" required). Returns only
 * the file's entries; mergeKubernetesTables applies them. Errors: BAD_KUBERNETES_MAP (exit 2).
 */
export function parseKubernetesMap(text: string, source = '--kubernetes-map'): KubernetesTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw mapError(source, `not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(doc)) throw mapError(source, 'expected a JSON object keyed by Kubernetes minor');
  const table = new Map<string, KubernetesEntry>();
  for (const [key, value] of Object.entries(doc)) {
    const m = /^v?(\d+)\.(\d+)$/.exec(key.trim());
    if (!m || oversizedNumber(m.slice(1)) !== undefined) {
      const patchHint = /^v?\d+\.\d+\.\d+$/.test(key.trim())
        ? " (give patches inside the minor's object)"
        : '';
      throw mapError(source, `key ${quoteInput(key)} is not a Kubernetes minor like 1.38${patchHint}`);
    }
    const minor = minorKey(m[1] as string, m[2] as string);
    if (table.has(minor)) throw mapError(source, `Kubernetes ${minor} is given twice`);
    let steps: CoreDnsStep[];
    if (isPlainObject(value)) {
      steps = [];
      for (const [patch, v] of Object.entries(value)) {
        if (!/^(0|[1-9]\d*)$/.test(patch) || oversizedNumber([patch]) !== undefined) {
          throw mapError(source, `Kubernetes ${minor}: ${quoteInput(patch)} is not a patch number`);
        }
        steps.push({
          fromPatch: Number(patch),
          coredns: mapVersion(source, `Kubernetes ${minor}.${patch}`, v),
        });
      }
      steps.sort((a, b) => a.fromPatch - b.fromPatch);
      if (steps[0]?.fromPatch !== 0) {
        throw mapError(
          source,
          `Kubernetes ${minor}: the patch object needs a "0" entry (the CoreDNS at ${minor}.0)`,
        );
      }
    } else {
      steps = [{ fromPatch: 0, coredns: mapVersion(source, `Kubernetes ${minor}`, value) }];
    }
    table.set(minor, { minor, steps });
  }
  return table;
}

/** `base` with `extra`'s minors added or replaced (a minor in `extra` replaces all its patches). */
export function mergeKubernetesTables(base: KubernetesTable, extra: KubernetesTable): KubernetesTable {
  const merged = new Map(base);
  for (const [minor, entry] of extra) merged.set(minor, entry);
  return merged;
}
