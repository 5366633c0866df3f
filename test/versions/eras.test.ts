import semver from 'semver';
import { describe, expect, it } from 'vitest';
import {
  ERAS,
  eraFor,
  FIRST_BUILDABLE,
  FIRST_SUPPORTED,
  filterSemverTags,
  formatEraRange,
  isBuildable,
  isSupported,
  knownHazards,
} from '../../src/versions/index.js';
import { expectBadInput } from './expect-error.js';
import { REAL_TAG_FACTS, REAL_TAG_NAMES, REAL_TAGS } from './real-tags.js';

const between = (from: string, to: string) =>
  REAL_TAGS.filter((t) => semver.gte(t, from) && semver.lte(t, to));

describe('the era table against every real tag', () => {
  it('counts the tags as ERAS.md does', () => {
    const tags = filterSemverTags(REAL_TAG_NAMES);
    expect(tags).toEqual(REAL_TAGS);
    expect(tags).toHaveLength(74);
    expect(tags.filter((t) => eraFor(t).supported)).toHaveLength(57);
    expect(tags.filter((t) => eraFor(t).buildable)).toHaveLength(50);
    expect(tags.filter((t) => eraFor(t).shape === 'single-stack')).toHaveLength(23);
    expect(tags.filter((t) => eraFor(t).shape === 'dual-stack')).toHaveLength(34);
    expect(tags.filter((t) => eraFor(t).shape === 'none')).toHaveLength(17);
  });

  it.each(REAL_TAG_FACTS.map((f) => [f.tag, f] as const))('%s matches its files', (tag, facts) => {
    const era = eraFor(tag);
    expect({
      shape: era.shape,
      conversion: era.conversion,
      linuxArch: era.linuxArch,
      goSource: era.goSource,
      base: era.base,
      user: era.user,
      uid: era.uid,
      capability: era.capability,
      traps: era.traps,
    }).toEqual({ ...facts, tag: undefined });
    expect(era.supported).toBe(facts.shape !== 'none');
    expect(era.buildable).toBe(facts.goSource !== 'gopath');
    expect(eraFor(tag.slice(1))).toBe(era);
  });

  it('has contiguous rows, each starting and ending on a real tag, split wherever an attribute changes', () => {
    const withoutRange = (e: (typeof ERAS)[number]) => JSON.stringify({ ...e, from: null, to: null });
    for (const [i, era] of ERAS.entries()) {
      const tags = REAL_TAGS.filter((t) => eraFor(t) === era);
      expect(tags[0]).toBe(era.from);
      if (i === ERAS.length - 1) expect(era.to).toBeNull();
      else {
        expect(tags.at(-1)).toBe(era.to);
        const next = ERAS[i + 1];
        expect(next && semver.gt(next.from, era.to as string)).toBe(true);
        expect(withoutRange(era)).not.toBe(withoutRange(next as (typeof ERAS)[number]));
      }
    }
    expect(ERAS.map(formatEraRange)).toEqual([
      'v0.9.9',
      'v0.9.10 - v1.0.6',
      'v1.1.0 - v1.1.3',
      'v1.1.4',
      'v1.2.0 - v1.2.2',
      'v1.2.3 - v1.4.0',
      'v1.5.0 - v1.6.4',
      'v1.6.5 - v1.6.9',
      'v1.7.0 - v1.8.0',
      'v1.8.1',
      'v1.8.2',
      'v1.8.3 - v1.8.4',
      'v1.8.5 - v1.10.1',
      'v1.11.0 - v1.11.1',
      'v1.11.3',
      'v1.11.4 - v1.14.2',
      'v1.14.3',
      'v1.14.4 -',
    ]);
  });

  it('follows ERAS.md section 1 (conversion code)', () => {
    const rows = [
      ['v0.9.9', 'v1.2.2', 17, 'none', null],
      ['v1.2.3', 'v1.6.4', 15, 'single-stack', 'ToService(obj interface{}) interface{}'],
      ['v1.6.5', 'v1.6.9', 5, 'single-stack', 'toService(skipCleanup bool, obj interface{}) interface{}'],
      ['v1.7.0', 'v1.8.0', 3, 'single-stack', 'toService(skipCleanup bool, svc *api.Service) *Service'],
      ['v1.8.1', 'v1.14.7', 34, 'dual-stack', 'ToService(obj meta.Object) (meta.Object, error)'],
    ] as const;
    for (const [from, to, count, shape, conversion] of rows) {
      const tags = between(from, to);
      expect(tags).toHaveLength(count);
      for (const t of tags)
        expect([t, eraFor(t).shape, eraFor(t).conversion]).toEqual([t, shape, conversion]);
    }
  });

  it('supports from v1.2.3 and builds from v1.5.0 (7 tags patchable only)', () => {
    expect(FIRST_SUPPORTED).toBe('v1.2.3');
    expect(FIRST_BUILDABLE).toBe('v1.5.0');
    expect(isSupported('v1.2.2')).toBe(false);
    expect(isSupported('v1.2.3')).toBe(true);
    expect(isBuildable('v1.4.0')).toBe(false);
    expect(isBuildable('v1.5.0')).toBe(true);
    expect(REAL_TAGS.filter((t) => isSupported(t) && !isBuildable(t))).toEqual(between('v1.2.3', 'v1.4.0'));
    expect(between('v1.2.3', 'v1.4.0')).toHaveLength(7);
  });

  it('takes Go from go.mod from v1.5.0 and also from .go-version from v1.11.3', () => {
    expect(eraFor('v1.4.0').goSource).toBe('gopath');
    expect(eraFor('v1.5.0').goSource).toBe('go.mod');
    expect(eraFor('v1.11.1').goSource).toBe('go.mod');
    expect(eraFor('v1.11.3').goSource).toBe('go.mod+.go-version');
  });

  it('follows ERAS.md section 3 (images)', () => {
    expect(eraFor('v1.1.3')).toMatchObject({ base: 'alpine', user: 'root', uid: 0, capability: null });
    expect(eraFor('v1.1.4')).toMatchObject({ base: 'scratch', user: 'root', uid: 0, capability: null });
    expect(eraFor('v1.10.1')).toMatchObject({ base: 'scratch', user: 'root' });
    expect(eraFor('v1.11.0')).toMatchObject({
      base: 'distroless-static-debian11-nonroot',
      user: 'nonroot',
      uid: 65532,
      capability: 'cap_net_bind_service',
    });
    expect(eraFor('v1.11.3').base).toBe('distroless-static-debian11-nonroot');
    expect(eraFor('v1.11.4')).toMatchObject({
      base: 'distroless-static-debian12-nonroot',
      uid: 65532,
      capability: 'cap_net_bind_service',
    });
  });

  it('names the Makefile.release traps of ERAS.md section 2', () => {
    expect(eraFor('v1.1.4').traps).toContain('release-commits-and-pushes');
    expect(eraFor('v1.2.0').traps).not.toContain('release-commits-and-pushes');
    expect(eraFor('v1.4.0').traps).toContain('godeps-network');
    expect(eraFor('v1.5.0').traps).not.toContain('godeps-network');
    expect(eraFor('v1.8.0').traps).toContain('pre-go-get');
    expect(eraFor('v1.8.1').traps).toEqual(['manifest-tool-check', 'curl-check']);
    expect(eraFor('v1.8.2').traps).toEqual(['curl-check', 'docker-manifest', 'broken-docker-target']);
    expect(eraFor('v1.8.4').traps).toEqual(['curl-check', 'docker-manifest']);
    expect(eraFor('v1.8.5').traps).toEqual(['curl-check', 'makefile-docker-downloads-upstream']);
    expect(eraFor('v1.11.3').traps).toContain('exports-gotoolchain');
    expect(eraFor('v1.14.2').traps).not.toContain('zips-windows');
    expect(eraFor('v1.14.3').traps).toContain('zips-windows');
    for (const t of between('v1.2.0', 'v1.14.7')) expect(eraFor(t).traps).toContain('curl-check');
  });

  it('freezes the rows', () => {
    const era = eraFor('v1.9.3');
    expect(Object.isFrozen(era)).toBe(true);
    expect(Object.isFrozen(era.linuxArch)).toBe(true);
    expect(() => era.linuxArch.push('x')).toThrow();
  });
});

describe('LINUX_ARCH boundaries', () => {
  const five = ['amd64', 'arm', 'arm64', 'ppc64le', 's390x'];
  const six = ['amd64', 'arm', 'arm64', 'mips64le', 'ppc64le', 's390x'];
  it.each([
    ['v0.9.9', []],
    ['v0.9.10', five],
    ['v1.2.0', five],
    ['v1.6.8', five],
    ['v1.8.1', five],
    ['v1.8.2', six],
    ['v1.8.4', six],
    ['v1.8.5', [...six, 'mips']],
    ['v1.10.1', [...six, 'mips']],
    ['v1.11.0', [...six, 'mips', 'riscv64']],
    ['v1.14.3', [...six, 'mips', 'riscv64']],
    ['v1.14.4', [...six, 'mips', 'riscv64', 'loong64']],
    ['v1.14.7', [...six, 'mips', 'riscv64', 'loong64']],
  ])('%s', (tag, arch) => {
    expect(eraFor(tag).linuxArch).toEqual(arch);
  });
});

describe('eraFor beyond the tag list', () => {
  it('puts untagged and future versions in the row around them', () => {
    expect(formatEraRange(eraFor('v1.11.2'))).toBe('v1.11.0 - v1.11.1');
    expect(eraFor('v1.14.8')).toBe(ERAS.at(-1));
    expect(eraFor('v1.15.0')).toBe(ERAS.at(-1));
    expect(eraFor('v2.0.0')).toBe(ERAS.at(-1));
    expect(eraFor('v0.1.0')).toBe(ERAS[0]);
  });

  it('refuses what is not a version', () => {
    expectBadInput(() => eraFor('v1.9'), { code: 'BAD_VERSION', message: 'invalid CoreDNS version "v1.9"' });
  });
});

describe('knownHazards', () => {
  it('gives the reported newer-Go hazards as hints', () => {
    expect(knownHazards('v1.4.0')).toEqual([]);
    expect(knownHazards('v1.5.0')[0]).toContain('golang.org/x/sys');
    expect(knownHazards('v1.8.0')).toHaveLength(1);
    expect(knownHazards('v1.8.1')).toEqual([]);
    expect(knownHazards('v1.10.1')[0]).toContain('ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH');
    expect(knownHazards('1.11.1')).toHaveLength(1);
    expect(knownHazards('v1.11.3')).toEqual([]);
  });
});
