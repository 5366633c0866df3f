// Version specs: a single version (`v1.9.3`, `1.9.3`), a semver range (`>=1.8.0 <1.10`, `1.8.x`,
// `^1.9`), `latest`, or a comma-separated list of these (`v1.6.8,v1.9.3,>=1.14.0`). A version asked by name must exist and be supported (else exit 2); ranges,
// `latest` and Kubernetes lists keep the supported versions and report the others as dropped.
import semver from 'semver';
import { badInput } from '../errors.js';
import { eraFor, FIRST_BUILDABLE, FIRST_SUPPORTED } from './eras.js';
import {
  checkInputSize,
  compareVersions,
  filterSemverTags,
  PARTIAL_VERSION,
  parseVersion,
  quoteInput,
  SUFFIXED_VERSION,
} from './version.js';

export interface ResolveOptions {
  /** Also require `buildable` (the build command): drops v1.2.3-v1.4.0. */
  buildable?: boolean;
}

export interface Resolution {
  /** Oldest first. */
  versions: string[];
  /** Versions the spec matched but that are not supported (or not buildable), oldest first. */
  dropped: string[];
}

export type Spec =
  | { kind: 'latest' }
  | { kind: 'version'; version: string }
  | { kind: 'range'; range: string };

const SPEC_HINT =
  "use a version (v1.9.3), a semver range ('>=1.8.0 <1.10', 1.8.x, ^1.9), latest, or a comma-separated list of them";

/**
 * What a spec is. A full version is a version; `1.9` (a partial version) and `1.9.3-rc1` are refused
 * rather than read as ranges, since `--version 1.9` building five releases would surprise; anything
 * else semver reads as a range is a range.
 */
export function classifySpec(spec: string): Spec {
  const text = spec.trim();
  if (text === 'latest') return { kind: 'latest' };
  checkInputSize(text, 'version or range', 'BAD_VERSION', SPEC_HINT);
  if (text === '' || PARTIAL_VERSION.test(text) || SUFFIXED_VERSION.test(text)) {
    return { kind: 'version', version: parseVersion(text) };
  }
  if (/^v?\d+\.\d+\.\d+$/.test(text)) return { kind: 'version', version: parseVersion(text) };
  const range = semver.validRange(text);
  if (range === null)
    throw badInput(`invalid version or range ${quoteInput(text)}`, 'BAD_VERSION', SPEC_HINT);
  return { kind: 'range', range };
}

/** Keeps supported (and, with `buildable`, buildable) versions; order kept, duplicates removed. */
export function keepSupported(versions: readonly string[], opts: ResolveOptions = {}): Resolution {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const v of new Set(versions)) {
    const era = eraFor(v);
    if (era.supported && (!opts.buildable || era.buildable)) kept.push(v);
    else dropped.push(v);
  }
  return { versions: kept, dropped };
}

function summarize(versions: readonly string[]): string {
  if (versions.length <= 3) return versions.join(', ');
  return `${versions[0]} - ${versions[versions.length - 1]} (${versions.length} releases)`;
}

/**
 * One line saying what was dropped and why, or null when nothing was, e.g.
 * `dropped v1.1.0, v1.1.4: before v1.2.3, the first supported release`.
 */
export function describeDropped(dropped: readonly string[]): string | null {
  const unsupported = dropped.filter((v) => !eraFor(v).supported);
  const unbuildable = dropped.filter((v) => eraFor(v).supported && !eraFor(v).buildable);
  const parts: string[] = [];
  if (unsupported.length > 0) {
    parts.push(`dropped ${summarize(unsupported)}: before ${FIRST_SUPPORTED}, the first supported release`);
  }
  if (unbuildable.length > 0) {
    parts.push(
      `dropped ${summarize(unbuildable)}: GOPATH era, vc-coredns builds from ${FIRST_BUILDABLE} on (prepare patches them)`,
    );
  }
  return parts.length === 0 ? null : parts.join('; ');
}

function nearestHint(version: string, tags: readonly string[]): string {
  if (tags.length === 0) return 'the repository has no release tags (vMAJOR.MINOR.PATCH)';
  const lower = tags.filter((t) => semver.lt(t, version)).at(-1);
  const higher = tags.find((t) => semver.gt(t, version));
  if (lower && higher) return `the nearest releases are ${lower} and ${higher}`;
  if (lower) return `the newest release is ${lower}`;
  return `the oldest release is ${higher}`;
}

/** Checks one version asked for by name; returns it. */
export function checkVersion(version: string, tags: readonly string[], opts: ResolveOptions = {}): string {
  const v = parseVersion(version);
  if (!tags.includes(v)) {
    throw badInput(`unknown CoreDNS version ${v}`, 'UNKNOWN_VERSION', nearestHint(v, tags));
  }
  const era = eraFor(v);
  if (!era.supported) {
    throw badInput(
      `CoreDNS ${v} has no plugin/kubernetes/object/service.go`,
      'UNSUPPORTED_VERSION',
      `the first supported release is ${FIRST_SUPPORTED}`,
    );
  }
  if (opts.buildable && !era.buildable) {
    throw badInput(
      `vc-coredns cannot build CoreDNS ${v}: it predates Go modules (no go.mod, GOPATH mode)`,
      'NOT_BUILDABLE',
      `\`vc-coredns prepare --version ${v}\` patches it; building it needs a Go of that time in GOPATH mode. ` +
        `vc-coredns builds from ${FIRST_BUILDABLE} on`,
    );
  }
  return v;
}

function emptyRange(spec: string, tags: readonly string[], dropped: readonly string[], opts: ResolveOptions) {
  const what = opts.buildable ? 'buildable' : 'supported';
  if (dropped.length > 0) {
    return badInput(
      `no ${what} CoreDNS release matches ${quoteInput(spec)}`,
      'EMPTY_RANGE',
      describeDropped(dropped) ?? '',
    );
  }
  const hint =
    tags.length === 0
      ? 'the repository has no release tags (vMAJOR.MINOR.PATCH)'
      : `releases go from ${tags[0]} to ${tags[tags.length - 1]}`;
  return badInput(`no CoreDNS release matches ${quoteInput(spec)}`, 'EMPTY_RANGE', hint);
}

/**
 * Resolves a spec against the repository's tags (any tag names; non-release tags are ignored). A
 * comma-separated list resolves each item on its own (each must match, as it would alone) and returns
 * their union, oldest first. Throws bad input (exit 2): BAD_VERSION, UNKNOWN_VERSION,
 * UNSUPPORTED_VERSION, NOT_BUILDABLE, EMPTY_RANGE.
 */
export function resolveSpec(
  spec: string,
  availableTags: Iterable<string>,
  opts: ResolveOptions = {},
): Resolution {
  const tags = filterSemverTags(availableTags);
  if (spec.includes(',')) return resolveList(spec, tags, opts);
  return resolveOne(spec, tags, opts);
}

/**
 * Checks a spec as resolveSpec reads it, without tags: each item of a comma-separated list on its own.
 * Bad input (exit 2) before any network.
 */
export function checkSpec(spec: string): void {
  for (const item of listItems(spec)) classifySpec(item);
}

function listItems(spec: string): string[] {
  if (!spec.includes(',')) return [spec];
  const items = spec.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw badInput(`empty item in the version list ${quoteInput(spec.trim())}`, 'BAD_VERSION', SPEC_HINT);
  }
  return items;
}

function resolveList(spec: string, tags: readonly string[], opts: ResolveOptions): Resolution {
  const items = listItems(spec);
  const versions = new Set<string>();
  const dropped = new Set<string>();
  for (const item of items) {
    const r = resolveOne(item, tags, opts);
    for (const v of r.versions) versions.add(v);
    for (const v of r.dropped) dropped.add(v);
  }
  return {
    versions: [...versions].sort(compareVersions),
    dropped: [...dropped].filter((v) => !versions.has(v)).sort(compareVersions),
  };
}

function resolveOne(spec: string, tags: readonly string[], opts: ResolveOptions): Resolution {
  const parsed = classifySpec(spec);
  if (parsed.kind === 'version') return { versions: [checkVersion(parsed.version, tags, opts)], dropped: [] };
  if (parsed.kind === 'latest') {
    // Support only grows with the version, so nothing newer than the newest supported tag is dropped.
    const newest = keepSupported(tags, opts).versions.at(-1);
    if (newest === undefined) throw emptyRange('latest', tags, tags, opts);
    return { versions: [newest], dropped: [] };
  }
  const matching = tags.filter((t) => semver.satisfies(t, parsed.range));
  const result = keepSupported(matching, opts);
  if (result.versions.length === 0) throw emptyRange(spec.trim(), tags, result.dropped, opts);
  return result;
}
