// CoreDNS version strings and tag lists. Tags are `vMAJOR.MINOR.PATCH`; nothing else is a release
// (the early tags v001..v011 are not semver, and CoreDNS has no pre-release tags).
import semver from 'semver';
import { badInput } from '../errors.js';

const TAG = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const LOOSE = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** `1`, `v1.9`: a version with parts missing. */
export const PARTIAL_VERSION = /^v?(0|[1-9]\d*)(\.(0|[1-9]\d*))?$/;
/** `1.9.3-rc1`, `v1.9.3+build`: a full version with a suffix. */
export const SUFFIXED_VERSION = /^v?\d+\.\d+\.\d+[-+]/;

const FORMAT_HINT = 'a CoreDNS version looks like v1.9.3 (1.9.3 is accepted too)';

/** `v1.9.3` or `1.9.3` -> `v1.9.3`; anything else is bad input (exit 2, code BAD_VERSION). */
export function parseVersion(input: string): string {
  const text = input.trim();
  const m = LOOSE.exec(text);
  if (m) return `v${m[1]}.${m[2]}.${m[3]}`;
  if (text === '') throw badInput('missing CoreDNS version', 'BAD_VERSION', FORMAT_HINT);
  let hint = FORMAT_HINT;
  if (text === 'latest') {
    hint = "'latest' is a version spec, accepted where ranges are (e.g. --version latest)";
  } else if (PARTIAL_VERSION.test(text)) {
    const [major, minor] = text.replace(/^v/, '').split('.');
    const example = minor === undefined ? `v${major}.0.0` : `v${major}.${minor}.0`;
    const range = minor === undefined ? `${major}.x` : `${major}.${minor}.x`;
    hint = `write all three parts (e.g. ${example}); the range ${range} selects every matching release`;
  } else if (SUFFIXED_VERSION.test(text)) {
    const base = text.replace(/^v?/, 'v').replace(/[-+].*$/, '');
    hint = `CoreDNS tags have no pre-release or build suffix: use ${base}`;
  }
  throw badInput(`invalid CoreDNS version "${text}"`, 'BAD_VERSION', hint);
}

/** True for a release tag name (`v1.9.3`), false for `v001`, `1.9.3`, `v1.9.3-rc1`. */
export function isReleaseTag(name: string): boolean {
  return TAG.test(name);
}

/** Release tags only (`^v\d+\.\d+\.\d+$`), without duplicates, oldest first. */
export function filterSemverTags(tagNames: Iterable<string>): string[] {
  const tags = new Set<string>();
  for (const name of tagNames) if (TAG.test(name)) tags.add(name);
  return [...tags].sort(semver.compare);
}

/** Sort comparator for versions, oldest first. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}
