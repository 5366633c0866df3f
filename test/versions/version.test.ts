import { describe, expect, it } from 'vitest';
import { compareVersions, filterSemverTags, isReleaseTag, parseVersion } from '../../src/versions/index.js';
import { expectBadInput } from './expect-error.js';
import { REAL_TAG_NAMES } from './real-tags.js';

describe('parseVersion', () => {
  it('accepts v1.9.3 and 1.9.3', () => {
    expect(parseVersion('v1.9.3')).toBe('v1.9.3');
    expect(parseVersion('1.9.3')).toBe('v1.9.3');
    expect(parseVersion(' 1.14.7 ')).toBe('v1.14.7');
    expect(parseVersion('v0.9.10')).toBe('v0.9.10');
  });

  it('refuses partial versions with a hint', () => {
    expectBadInput(() => parseVersion('v1.9'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "v1.9"',
      hint: 'write all three parts (e.g. v1.9.0); the range 1.9.x selects every matching release',
    });
    expectBadInput(() => parseVersion('1'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "1"',
      hint: 'write all three parts (e.g. v1.0.0); the range 1.x selects every matching release',
    });
  });

  it('refuses pre-release and build suffixes', () => {
    expectBadInput(() => parseVersion('1.9.3-rc1'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "1.9.3-rc1"',
      hint: 'CoreDNS tags have no pre-release or build suffix: use v1.9.3',
    });
    expectBadInput(() => parseVersion('v1.9.3+meta'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "v1.9.3+meta"',
      hint: 'CoreDNS tags have no pre-release or build suffix: use v1.9.3',
    });
  });

  it('sends latest to the spec parser', () => {
    expectBadInput(() => parseVersion('latest'), {
      code: 'BAD_VERSION',
      message: 'invalid CoreDNS version "latest"',
      hint: "'latest' is a version spec, accepted where ranges are (e.g. --version latest)",
    });
  });

  it.each(['', 'v', 'vv1.9.3', 'v1.09.3', '1.9.3.4', 'V1.9.3', 'v001', 'master'])('refuses %j', (input) => {
    const err = expectBadInput(() => parseVersion(input), {
      code: 'BAD_VERSION',
      message: input === '' ? 'missing CoreDNS version' : `invalid CoreDNS version "${input}"`,
    });
    expect(err.hint).toBe('a CoreDNS version looks like v1.9.3 (1.9.3 is accepted too)');
  });
});

describe('filterSemverTags', () => {
  it('keeps vX.Y.Z tags only, sorted by semver', () => {
    const tags = filterSemverTags(REAL_TAG_NAMES);
    expect(tags).toHaveLength(74);
    expect(tags.slice(0, 3)).toEqual(['v0.9.9', 'v0.9.10', 'v1.0.0']);
    expect(tags.slice(-3)).toEqual(['v1.14.5', 'v1.14.6', 'v1.14.7']);
    expect(tags).not.toContain('v001');
    expect(tags).not.toContain('v1.11.2');
    expect(tags.indexOf('v1.10.0')).toBeGreaterThan(tags.indexOf('v1.9.4'));
  });

  it('drops pre-releases, peeled refs, unprefixed names and duplicates', () => {
    expect(
      filterSemverTags([
        'v1.9.3',
        'v1.0.4^{}',
        '1.9.2',
        'v1.9.3-rc1',
        'v1.10.0',
        'v1.9.3',
        'v01.2.3',
        'latest',
      ]),
    ).toEqual(['v1.9.3', 'v1.10.0']);
    expect(isReleaseTag('v1.9.3')).toBe(true);
    expect(isReleaseTag('v010')).toBe(false);
  });

  it('compares by semver', () => {
    expect(['v1.10.0', 'v1.9.10', 'v1.9.2'].sort(compareVersions)).toEqual(['v1.9.2', 'v1.9.10', 'v1.10.0']);
  });
});
