import semver from 'semver';
import { describe, expect, it } from 'vitest';
import {
  checkSpec,
  classifySpec,
  describeDropped,
  keepSupported,
  resolveSpec,
} from '../../src/versions/index.js';
import { expectBadInput } from './expect-error.js';
import { REAL_TAG_NAMES, REAL_TAGS } from './real-tags.js';

const between = (from: string, to: string) =>
  REAL_TAGS.filter((t) => semver.gte(t, from) && semver.lte(t, to));

describe('classifySpec', () => {
  it.each([
    ['latest', { kind: 'latest' }],
    ['v1.9.3', { kind: 'version', version: 'v1.9.3' }],
    ['1.9.3', { kind: 'version', version: 'v1.9.3' }],
    ['>=1.8.0 <1.10', { kind: 'range', range: '>=1.8.0 <1.10.0-0' }],
    ['1.8.x', { kind: 'range', range: '>=1.8.0 <1.9.0-0' }],
    ['^1.9', { kind: 'range', range: '>=1.9.0 <2.0.0-0' }],
    ['~1.8.4', { kind: 'range', range: '>=1.8.4 <1.9.0-0' }],
    ['v1.8.0 - v1.10.0', { kind: 'range', range: '>=1.8.0 <=1.10.0' }],
    ['1.9.3 || 1.10.1', { kind: 'range', range: '1.9.3||1.10.1' }],
    ['*', { kind: 'range', range: '*' }],
  ])('%j', (spec, want) => {
    expect(classifySpec(spec)).toEqual(want);
  });

  it('refuses partial versions rather than reading them as ranges', () => {
    expectBadInput(() => classifySpec('1.9'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "1.9"',
      hint: 'write all three parts (e.g. v1.9.0); the range 1.9.x selects every matching release',
    });
    expectBadInput(() => classifySpec('1.9.3-rc1'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "1.9.3-rc1"',
    });
    expectBadInput(() => classifySpec(''), { code: 'BAD_VERSION', message: 'missing CoreDNS version' });
  });

  it('refuses what is neither', () => {
    expectBadInput(() => classifySpec('1.9.3,1.10.1'), {
      code: 'BAD_VERSION',
      message: 'invalid version or range "1.9.3,1.10.1"',
      hint: "use a version (v1.9.3), a semver range ('>=1.8.0 <1.10', 1.8.x, ^1.9), latest, or a comma-separated list of them",
    });
    expectBadInput(() => classifySpec('newest'), {
      code: 'BAD_VERSION',
      message: 'invalid version or range "newest"',
    });
  });
});

describe('resolveSpec: one version', () => {
  it('returns a known supported version', () => {
    expect(resolveSpec('v1.9.3', REAL_TAG_NAMES)).toEqual({ versions: ['v1.9.3'], dropped: [] });
    expect(resolveSpec('1.2.3', REAL_TAG_NAMES)).toEqual({ versions: ['v1.2.3'], dropped: [] });
    expect(resolveSpec('v1.14.7', REAL_TAG_NAMES, { buildable: true })).toEqual({
      versions: ['v1.14.7'],
      dropped: [],
    });
  });

  it('names the nearest tags of an unknown version', () => {
    expectBadInput(() => resolveSpec('v1.11.2', REAL_TAG_NAMES), {
      code: 'UNKNOWN_VERSION',
      message: 'unknown CoreDNS version v1.11.2',
      hint: 'the nearest releases are v1.11.1 and v1.11.3',
    });
    expectBadInput(() => resolveSpec('1.15.0', REAL_TAG_NAMES), {
      code: 'UNKNOWN_VERSION',
      message: 'unknown CoreDNS version v1.15.0',
      hint: 'the newest release is v1.14.7',
    });
    expectBadInput(() => resolveSpec('v0.1.0', REAL_TAG_NAMES), {
      code: 'UNKNOWN_VERSION',
      message: 'unknown CoreDNS version v0.1.0',
      hint: 'the oldest release is v0.9.9',
    });
    expectBadInput(() => resolveSpec('v1.9.3', ['v001', 'v1.9.3-rc1']), {
      code: 'UNKNOWN_VERSION',
      message: 'unknown CoreDNS version v1.9.3',
      hint: 'the repository has no release tags (vMAJOR.MINOR.PATCH)',
    });
  });

  it('refuses a version before v1.2.3 asked by name', () => {
    for (const v of ['v0.9.9', 'v1.1.0', 'v1.2.2']) {
      expectBadInput(() => resolveSpec(v, REAL_TAG_NAMES), {
        code: 'UNSUPPORTED_VERSION',
        message: `CoreDNS ${v} has no plugin/kubernetes/object/service.go`,
        hint: 'the first supported release is v1.2.3',
      });
    }
  });

  it('refuses v1.2.3-v1.4.0 when a build needs them', () => {
    expect(resolveSpec('v1.4.0', REAL_TAG_NAMES)).toEqual({ versions: ['v1.4.0'], dropped: [] });
    for (const v of between('v1.2.3', 'v1.4.0')) {
      expectBadInput(() => resolveSpec(v, REAL_TAG_NAMES, { buildable: true }), {
        code: 'NOT_BUILDABLE',
        message: `vc-coredns cannot build CoreDNS ${v}: it predates Go modules (no go.mod, GOPATH mode)`,
        hint:
          `\`vc-coredns prepare --version ${v}\` patches it; building it needs a Go of that time in GOPATH mode. ` +
          'vc-coredns builds from v1.5.0 on',
      });
    }
    expect(resolveSpec('v1.5.0', REAL_TAG_NAMES, { buildable: true }).versions).toEqual(['v1.5.0']);
  });
});

describe('resolveSpec: ranges', () => {
  it('resolves >=1.8.0 <1.10 oldest first', () => {
    expect(resolveSpec('>=1.8.0 <1.10', REAL_TAG_NAMES)).toEqual({
      versions: [...between('v1.8.0', 'v1.9.4')],
      dropped: [],
    });
    expect(resolveSpec('>=1.8.0 <1.10', REAL_TAG_NAMES).versions).toHaveLength(13);
  });

  it('resolves 1.8.x, ^1.9 and hyphen ranges', () => {
    expect(resolveSpec('1.8.x', REAL_TAG_NAMES).versions).toEqual(between('v1.8.0', 'v1.8.7'));
    expect(resolveSpec('^1.9', REAL_TAG_NAMES).versions).toEqual(between('v1.9.0', 'v1.14.7'));
    expect(resolveSpec('v1.11.0 - v1.11.4', REAL_TAG_NAMES).versions).toEqual([
      'v1.11.0',
      'v1.11.1',
      'v1.11.3',
      'v1.11.4',
    ]);
  });

  it('keeps the supported versions and reports the dropped ones', () => {
    const all = resolveSpec('*', REAL_TAG_NAMES);
    expect(all.versions).toHaveLength(57);
    expect(all.versions[0]).toBe('v1.2.3');
    expect(all.dropped).toEqual(between('v0.9.9', 'v1.2.2'));
    expect(describeDropped(all.dropped)).toBe(
      'dropped v0.9.9 - v1.2.2 (17 releases): before v1.2.3, the first supported release',
    );

    const r = resolveSpec('>=1.2.0 <1.3.0', REAL_TAG_NAMES);
    expect(r).toEqual({
      versions: ['v1.2.3', 'v1.2.4', 'v1.2.5', 'v1.2.6'],
      dropped: ['v1.2.0', 'v1.2.1', 'v1.2.2'],
    });
    expect(describeDropped(r.dropped)).toBe(
      'dropped v1.2.0, v1.2.1, v1.2.2: before v1.2.3, the first supported release',
    );
  });

  it('drops the patchable-only versions for a build', () => {
    const r = resolveSpec('<1.6.0', REAL_TAG_NAMES, { buildable: true });
    expect(r.versions).toEqual(['v1.5.0', 'v1.5.1', 'v1.5.2']);
    expect(r.dropped).toEqual(between('v0.9.9', 'v1.4.0'));
    expect(describeDropped(r.dropped)).toBe(
      'dropped v0.9.9 - v1.2.2 (17 releases): before v1.2.3, the first supported release; ' +
        'dropped v1.2.3 - v1.4.0 (7 releases): GOPATH era, vc-coredns builds from v1.5.0 on (prepare patches them)',
    );
    expect(resolveSpec('*', REAL_TAG_NAMES, { buildable: true }).versions).toHaveLength(50);
    expect(describeDropped([])).toBeNull();
  });

  it('treats =v1.1.0 as a range, so it is empty rather than unsupported', () => {
    expectBadInput(() => resolveSpec('=v1.1.0', REAL_TAG_NAMES), {
      code: 'EMPTY_RANGE',
      message: 'no supported CoreDNS release matches "=v1.1.0"',
      hint: 'dropped v1.1.0: before v1.2.3, the first supported release',
    });
  });

  it('refuses a range with nothing supported', () => {
    expectBadInput(() => resolveSpec('1.0.x || 1.1.x', REAL_TAG_NAMES), {
      code: 'EMPTY_RANGE',
      message: 'no supported CoreDNS release matches "1.0.x || 1.1.x"',
      hint: 'dropped v1.0.0 - v1.1.4 (12 releases): before v1.2.3, the first supported release',
    });
    expectBadInput(() => resolveSpec('1.3.x', REAL_TAG_NAMES, { buildable: true }), {
      code: 'EMPTY_RANGE',
      message: 'no buildable CoreDNS release matches "1.3.x"',
      hint: 'dropped v1.3.0, v1.3.1: GOPATH era, vc-coredns builds from v1.5.0 on (prepare patches them)',
    });
    expectBadInput(() => resolveSpec('>=2', REAL_TAG_NAMES), {
      code: 'EMPTY_RANGE',
      message: 'no CoreDNS release matches ">=2"',
      hint: 'releases go from v0.9.9 to v1.14.7',
    });
  });
});

describe('resolveSpec: latest', () => {
  it('is the newest supported tag', () => {
    expect(resolveSpec('latest', REAL_TAG_NAMES)).toEqual({ versions: ['v1.14.7'], dropped: [] });
    expect(resolveSpec('latest', ['v1.9.3', 'v1.10.0', 'v1.10.1-rc1', 'v2'])).toEqual({
      versions: ['v1.10.0'],
      dropped: [],
    });
    expect(resolveSpec('latest', ['v1.1.0', 'v1.4.0'])).toEqual({ versions: ['v1.4.0'], dropped: [] });
  });

  it('refuses when no tag qualifies', () => {
    expectBadInput(() => resolveSpec('latest', ['v1.1.0', 'v1.4.0'], { buildable: true }), {
      code: 'EMPTY_RANGE',
      message: 'no buildable CoreDNS release matches "latest"',
    });
    expectBadInput(() => resolveSpec('latest', []), {
      code: 'EMPTY_RANGE',
      message: 'no CoreDNS release matches "latest"',
      hint: 'the repository has no release tags (vMAJOR.MINOR.PATCH)',
    });
  });
});

describe('resolveSpec: comma-separated lists', () => {
  const ISSUE_TAGS =
    'v1.5.0,v1.6.4,v1.6.5,v1.6.8,v1.7.0,v1.8.0,v1.8.1,v1.8.4,v1.8.5,v1.9.3,v1.10.1,v1.11.0,v1.11.1,v1.11.3,v1.11.4,v1.12.0,v1.13.2,v1.14.7';

  it('resolves every item and returns the union, oldest first, without duplicates', () => {
    expect(resolveSpec(' 1.9.3, v1.6.8 ,v1.9.3,latest', REAL_TAG_NAMES)).toEqual({
      versions: ['v1.6.8', 'v1.9.3', 'v1.14.7'],
      dropped: [],
    });
    expect(resolveSpec(ISSUE_TAGS, REAL_TAG_NAMES, { buildable: true }).versions).toEqual(
      ISSUE_TAGS.split(','),
    );
    // Ranges mix with versions; what a range drops is reported unless another item asks for it.
    expect(resolveSpec('v1.1.0 - v1.2.3,v1.9.3', REAL_TAG_NAMES)).toEqual({
      versions: ['v1.2.3', 'v1.9.3'],
      dropped: between('v1.1.0', 'v1.2.2'),
    });
    expect(resolveSpec('>=1.4.0 <1.5.1,v1.9.3', REAL_TAG_NAMES, { buildable: true })).toEqual({
      versions: ['v1.5.0', 'v1.9.3'],
      dropped: ['v1.4.0'],
    });
    expect(resolveSpec('v1.5.0 - v1.6.0,v1.5.0', REAL_TAG_NAMES)).toEqual({
      versions: between('v1.5.0', 'v1.6.0'),
      dropped: [],
    });
  });

  it('holds each item to what it would need alone', () => {
    expectBadInput(() => resolveSpec('1.4.x,v1.5.0', REAL_TAG_NAMES, { buildable: true }), {
      code: 'EMPTY_RANGE',
      message: 'no buildable CoreDNS release matches "1.4.x"',
    });
    expectBadInput(() => resolveSpec('v1.9.3,v1.11.2', REAL_TAG_NAMES), {
      code: 'UNKNOWN_VERSION',
      message: 'unknown CoreDNS version v1.11.2',
      hint: 'the nearest releases are v1.11.1 and v1.11.3',
    });
    expectBadInput(() => resolveSpec('v1.9.3,v1.4.0', REAL_TAG_NAMES, { buildable: true }), {
      code: 'NOT_BUILDABLE',
      message: 'vc-coredns cannot build CoreDNS v1.4.0: it predates Go modules (no go.mod, GOPATH mode)',
    });
    expectBadInput(() => resolveSpec('v1.9.3,1.9', REAL_TAG_NAMES), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "1.9"',
    });
    expectBadInput(() => resolveSpec('v1.9.3,,v1.6.8', REAL_TAG_NAMES), {
      code: 'BAD_VERSION',
      message: 'empty item in the version list "v1.9.3,,v1.6.8"',
      hint: "use a version (v1.9.3), a semver range ('>=1.8.0 <1.10', 1.8.x, ^1.9), latest, or a comma-separated list of them",
    });
  });

  it('checkSpec (before any network) reads a list item by item, as resolveSpec does', () => {
    expect(() => checkSpec(ISSUE_TAGS)).not.toThrow();
    expect(() => checkSpec('v1.6.8, >=1.14.0, latest')).not.toThrow();
    expectBadInput(() => checkSpec('v1.9.3,1.9'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "1.9"',
    });
    expectBadInput(() => checkSpec('v1.9.3,'), {
      code: 'BAD_VERSION',
      message: 'empty item in the version list "v1.9.3,"',
      hint: "use a version (v1.9.3), a semver range ('>=1.8.0 <1.10', 1.8.x, ^1.9), latest, or a comma-separated list of them",
    });
    expect(thrownCode(() => checkSpec('v1.9.3,v1.99999999999999999.1'))).toBe('BAD_VERSION');
  });
});

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('keepSupported', () => {
  it('keeps order and removes duplicates', () => {
    expect(keepSupported(['v1.9.3', 'v1.1.3', 'v1.4.0', 'v1.9.3'])).toEqual({
      versions: ['v1.9.3', 'v1.4.0'],
      dropped: ['v1.1.3'],
    });
    expect(keepSupported(['v1.9.3', 'v1.4.0'], { buildable: true })).toEqual({
      versions: ['v1.9.3'],
      dropped: ['v1.4.0'],
    });
  });
});
