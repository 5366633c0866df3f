import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PLATFORMS,
  eraFor,
  formatPlatform,
  goEnvFor,
  parsePlatform,
  parsePlatforms,
  platformsForEra,
} from '../../src/versions/index.js';
import { expectBadInput } from './expect-error.js';
import { REAL_TAGS } from './real-tags.js';

describe('parsePlatform / formatPlatform', () => {
  it.each([
    ['linux/amd64', { os: 'linux', arch: 'amd64' }, 'linux/amd64'],
    ['linux/arm/v7', { os: 'linux', arch: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    ['linux/arm', { os: 'linux', arch: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    ['linux/arm/v6', { os: 'linux', arch: 'arm', variant: 'v6' }, 'linux/arm/v6'],
    ['linux/arm64/v8', { os: 'linux', arch: 'arm64' }, 'linux/arm64'],
    [' linux/s390x ', { os: 'linux', arch: 's390x' }, 'linux/s390x'],
  ])('%j', (input, platform, formatted) => {
    expect(parsePlatform(input)).toEqual(platform);
    expect(formatPlatform(parsePlatform(input))).toBe(formatted);
  });

  it.each(['linux', 'linux/', '/amd64', 'linux/arm/v7/x', 'Linux/AMD64', 'linux amd64'])(
    'refuses %j',
    (input) => {
      expectBadInput(() => parsePlatform(input), {
        code: 'BAD_PLATFORM',
        message: `invalid platform "${input.trim()}"`,
        hint: 'a platform is os/arch[/variant], e.g. linux/amd64 or linux/arm/v7',
      });
    },
  );
});

describe('platformsForEra', () => {
  it('maps LINUX_ARCH, arm as linux/arm/v7', () => {
    expect(platformsForEra(eraFor('v1.6.8')).map(formatPlatform)).toEqual([
      'linux/amd64',
      'linux/arm/v7',
      'linux/arm64',
      'linux/ppc64le',
      'linux/s390x',
    ]);
    expect(platformsForEra(eraFor('v1.14.7')).map(formatPlatform)).toEqual([
      'linux/amd64',
      'linux/arm/v7',
      'linux/arm64',
      'linux/mips64le',
      'linux/ppc64le',
      'linux/s390x',
      'linux/mips',
      'linux/riscv64',
      'linux/loong64',
    ]);
  });

  it('offers the default platforms in every supported era', () => {
    for (const tag of REAL_TAGS.filter((t) => eraFor(t).supported)) {
      expect(parsePlatforms(undefined, eraFor(tag)).map(formatPlatform)).toEqual([
        'linux/amd64',
        'linux/arm64',
      ]);
    }
    expect(DEFAULT_PLATFORMS).toBe('linux/amd64,linux/arm64');
  });
});

describe('parsePlatforms', () => {
  const era = eraFor('v1.9.3');

  it('keeps the order given and removes duplicates', () => {
    expect(parsePlatforms('linux/arm/v7, linux/amd64,linux/arm,linux/amd64', era)).toEqual([
      { os: 'linux', arch: 'arm', variant: 'v7' },
      { os: 'linux', arch: 'amd64' },
    ]);
    expect(parsePlatforms(['linux/s390x', 'linux/mips,linux/mips64le'], era).map(formatPlatform)).toEqual([
      'linux/s390x',
      'linux/mips',
      'linux/mips64le',
    ]);
  });

  it('refuses a platform the era does not build, listing what it builds', () => {
    expectBadInput(() => parsePlatforms('linux/amd64,linux/riscv64', era, 'v1.9.3'), {
      code: 'UNKNOWN_PLATFORM',
      message: 'platform linux/riscv64 is not built by CoreDNS v1.9.3',
      hint:
        'CoreDNS v1.9.3 builds linux/amd64, linux/arm/v7, linux/arm64, linux/mips64le, linux/ppc64le, ' +
        'linux/s390x, linux/mips',
    });
    expectBadInput(() => parsePlatforms('linux/loong64', eraFor('v1.14.3')), {
      code: 'UNKNOWN_PLATFORM',
      message: 'platform linux/loong64 is not built by CoreDNS v1.14.3',
    });
    expectBadInput(() => parsePlatforms('linux/mips', eraFor('v1.8.4')), {
      code: 'UNKNOWN_PLATFORM',
      message: 'platform linux/mips is not built by CoreDNS v1.8.3 - v1.8.4',
      hint: 'CoreDNS v1.8.3 - v1.8.4 builds linux/amd64, linux/arm/v7, linux/arm64, linux/mips64le, linux/ppc64le, linux/s390x',
    });
    expectBadInput(() => parsePlatforms('linux/arm/v6', era, 'v1.9.3'), {
      code: 'UNKNOWN_PLATFORM',
      message: 'platform linux/arm/v6 is not built by CoreDNS v1.9.3',
    });
    expectBadInput(() => parsePlatforms('darwin/amd64', era, 'v1.9.3'), {
      code: 'UNKNOWN_PLATFORM',
      message: 'platform darwin/amd64 is not built by CoreDNS v1.9.3',
    });
  });

  it('refuses empty entries', () => {
    expectBadInput(() => parsePlatforms('linux/amd64,', era), {
      code: 'BAD_PLATFORM',
      message: 'invalid platform list "linux/amd64,"',
      hint: 'give comma-separated platforms, e.g. linux/amd64,linux/arm64',
    });
  });
});

describe('goEnvFor', () => {
  it('maps platforms to GOOS/GOARCH/GOARM', () => {
    expect(goEnvFor(parsePlatform('linux/amd64'))).toEqual({ GOOS: 'linux', GOARCH: 'amd64' });
    expect(goEnvFor(parsePlatform('linux/arm/v7'))).toEqual({ GOOS: 'linux', GOARCH: 'arm', GOARM: '7' });
    expect(goEnvFor({ os: 'linux', arch: 'arm' })).toEqual({ GOOS: 'linux', GOARCH: 'arm', GOARM: '7' });
    expect(goEnvFor(parsePlatform('linux/arm/v6'))).toEqual({ GOOS: 'linux', GOARCH: 'arm', GOARM: '6' });
    expect(goEnvFor({ os: 'linux', arch: 'arm64', variant: 'v8' })).toEqual({
      GOOS: 'linux',
      GOARCH: 'arm64',
    });
    expect(goEnvFor(parsePlatform('linux/mips64le'))).toEqual({ GOOS: 'linux', GOARCH: 'mips64le' });
  });

  it('covers every platform of every era', () => {
    for (const tag of REAL_TAGS) {
      for (const p of platformsForEra(eraFor(tag))) expect(goEnvFor(p).GOARCH).toBe(p.arch);
    }
  });

  it('refuses variants Go has no setting for', () => {
    expectBadInput(() => goEnvFor({ os: 'linux', arch: 'amd64', variant: 'v3' }), {
      code: 'UNKNOWN_PLATFORM',
      message: 'platform linux/amd64/v3 has no Go equivalent',
    });
    expectBadInput(() => goEnvFor({ os: 'linux', arch: 'arm', variant: 'v8' }), {
      code: 'UNKNOWN_PLATFORM',
      message: 'platform linux/arm/v8 has no Go equivalent',
    });
  });
});
