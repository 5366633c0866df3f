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

/** Versions, ranges and Kubernetes releases longer than this are refused (semver's limit for a version). */
export const MAX_INPUT_LENGTH = 256;

/** An input quoted for an error line: cut short, so a huge one still makes one readable line. */
export function quoteInput(text: string, max = 40): string {
  if (text.length <= max) return JSON.stringify(text);
  return `${JSON.stringify(`${text.slice(0, max)}...`)} (${text.length} characters)`;
}

/** The first of `parts` that is not a safe integer (too large for exact arithmetic), or undefined. */
export function oversizedNumber(parts: readonly (string | undefined)[]): string | undefined {
  return parts.find((p) => p !== undefined && !Number.isSafeInteger(Number(p)));
}

/** Bad input for a string longer than MAX_INPUT_LENGTH or with a number too large; else nothing. */
export function checkInputSize(text: string, what: string, code: string, hint: string): void {
  if (text.length > MAX_INPUT_LENGTH) {
    throw badInput(`${what} ${quoteInput(text)} is longer than ${MAX_INPUT_LENGTH} characters`, code, hint);
  }
  const big = oversizedNumber(text.match(/\d+/g) ?? []);
  if (big !== undefined) {
    throw badInput(`${what} ${quoteInput(text)} has a number too large (${quoteInput(big, 20)})`, code, hint);
  }
}

/** `v1.9.3` or `1.9.3` -> `v1.9.3`; anything else is bad input (exit 2, code BAD_VERSION). */
export function parseVersion(input: string): string {
  const text = input.trim();
  checkInputSize(text, 'CoreDNS version', 'BAD_VERSION', FORMAT_HINT);
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
  throw badInput(`invalid CoreDNS version ${quoteInput(text)}`, 'BAD_VERSION', hint);
}

/** True for a release tag name (`v1.9.3`), false for `v001`, `1.9.3`, `v1.9.3-rc1`. */
export function isReleaseTag(name: string): boolean {
  const m = TAG.exec(name);
  return m !== null && name.length <= MAX_INPUT_LENGTH && oversizedNumber(m.slice(1)) === undefined;
}

/** Release tags only (`^v\d+\.\d+\.\d+$`), without duplicates, oldest first. */
export function filterSemverTags(tagNames: Iterable<string>): string[] {
  const tags = new Set<string>();
  for (const name of tagNames) if (isReleaseTag(name)) tags.add(name);
  return [...tags].sort(semver.compare);
}

/** Sort comparator for versions, oldest first. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}
