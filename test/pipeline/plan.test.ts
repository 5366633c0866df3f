// planBuild: pure, and every bad input is refused before anything runs, also when only a later version
// is affected (the build of the earlier ones would otherwise have been published already).
import { describe, expect, it } from 'vitest';
import { planBuild } from '../../src/pipeline/plan.js';
import type { Release } from '../../src/types.js';
import { eraFor } from '../../src/versions/index.js';
import { buildRequest } from '../support/build-request.js';
import { expectBadInput } from '../versions/expect-error.js';

const release = (version: string): Release => ({
  version,
  commit: `${version.replace(/\D/g, '')}`.padEnd(40, 'a'),
  era: eraFor(version),
});
const V193 = release('v1.9.3');
const V1120 = release('v1.12.0');
const V171 = release('v1.7.1');
const host = { platform: { os: 'linux', arch: 'amd64' }, runs: [{ os: 'linux', arch: 'amd64' }] };

const request = buildRequest;

describe('planBuild', () => {
  it('plans each version: platforms, tags (also-tags for the newest), targets with their tags', () => {
    const plan = planBuild(
      [V171, V193],
      request({
        push: ['127.0.0.1:5000/coredns'],
        output: ['oci:dist/oci', 'binaries:bin'],
        tagSuffix: '-vc1',
        alsoTag: ['latest', 'stable'],
        platforms: 'linux/amd64,linux/arm/v7',
      }),
      host,
    );
    expect(
      plan.versions.map((v) => ({
        version: v.release.version,
        platforms: v.platforms,
        tags: v.tags,
        targets: v.targets.map((t) => [t.name, t.tags, t.platform]),
        image: v.image,
        binaries: v.binariesDir,
      })),
    ).toEqual([
      {
        version: 'v1.7.1',
        platforms: [
          { os: 'linux', arch: 'amd64' },
          { os: 'linux', arch: 'arm', variant: 'v7' },
        ],
        tags: ['v1.7.1-vc1'],
        targets: [
          ['oci:/work/dist/oci', ['v1.7.1-vc1'], null],
          ['binaries:/work/bin', ['v1.7.1-vc1'], null],
          ['127.0.0.1:5000/coredns', ['v1.7.1-vc1'], null],
        ],
        image: true,
        binaries: '/work/bin',
      },
      {
        version: 'v1.9.3',
        platforms: [
          { os: 'linux', arch: 'amd64' },
          { os: 'linux', arch: 'arm', variant: 'v7' },
        ],
        tags: ['v1.9.3-vc1', 'latest', 'stable'],
        targets: [
          ['oci:/work/dist/oci', ['v1.9.3-vc1', 'latest', 'stable'], null],
          ['binaries:/work/bin', ['v1.9.3-vc1', 'latest', 'stable'], null],
          ['127.0.0.1:5000/coredns', ['v1.9.3-vc1', 'latest', 'stable'], null],
        ],
        image: true,
        binaries: '/work/bin',
      },
    ]);
  });

  it("the reference's own tag wins: a tagged --push gets that tag only", () => {
    const plan = planBuild(
      [V193],
      request({ push: ['127.0.0.1:5000/coredns:stable'], alsoTag: ['latest'] }),
      host,
    );
    expect(plan.versions[0]?.tags).toEqual(['v1.9.3', 'latest']);
    expect(plan.versions[0]?.targets.map((t) => t.tags)).toEqual([['stable']]);
  });

  it('docker-archive: and --load take one platform: the one named, else the host one', () => {
    const one = planBuild(
      [V193],
      request({ output: ['docker-archive:x.tar'], platforms: 'linux/arm64' }),
      host,
    );
    expect(one.versions[0]?.targets[0]?.platform).toEqual({ os: 'linux', arch: 'arm64' });
    const hosted = planBuild([V193], request({ load: true }), host);
    expect(hosted.versions[0]?.targets[0]?.platform).toEqual({ os: 'linux', arch: 'amd64' });
    expectBadInput(
      () => planBuild([V193], request({ load: true, platforms: 'linux/arm64,linux/s390x' }), host),
      {
        code: 'UNKNOWN_PLATFORM',
        message: "--load needs one platform: the host's (linux/amd64) is not among linux/arm64, linux/s390x",
        hint: 'name exactly one platform with --platforms',
      },
    );
  });

  it('binaries: only is no image', () => {
    const plan = planBuild([V193], request({ output: ['binaries:bin'] }), host);
    expect([plan.versions[0]?.image, plan.versions[0]?.binariesDir]).toEqual([false, '/work/bin']);
  });

  it('--smoke smoke-tests the host platform of each version', () => {
    const plan = planBuild(
      [V171, V193],
      request({ smoke: true, platforms: 'linux/arm64,linux/amd64' }),
      host,
    );
    expect(plan.versions.map((v) => v.smoke)).toEqual([
      { os: 'linux', arch: 'amd64' },
      { os: 'linux', arch: 'amd64' },
    ]);
    expect(planBuild([V193], request({}), host).versions[0]?.smoke).toBeNull();
  });

  describe('refuses with exit 2, before anything runs', () => {
    it('--smoke when --platforms has no platform the host runs, or the host is not Linux', () => {
      expectBadInput(() => planBuild([V193], request({ smoke: true, platforms: 'linux/arm64' }), host), {
        code: 'SMOKE_PLATFORM_NOT_BUILT',
        message:
          "--smoke runs the host's platform (linux/amd64), which --platforms linux/arm64 does not build",
        hint: 'add linux/amd64 to --platforms, or leave out --smoke',
      });
      expectBadInput(() => planBuild([V193], request({ smoke: true }), { ...host, runs: [] }), {
        code: 'SMOKE_NEEDS_LINUX',
        message: '--smoke runs CoreDNS, a Linux binary, and this host is not Linux',
      });
    });

    it('a platform only the second version does not build', () => {
      // v1.12.0 builds linux/riscv64, v1.9.3 does not: nothing of v1.12.0 may be published first.
      expectBadInput(() => planBuild([V1120, V193], request({ platforms: 'linux/riscv64' }), host), {
        code: 'UNKNOWN_PLATFORM',
        message: 'platform linux/riscv64 is not built by CoreDNS v1.9.3',
      });
    });

    it('a --tag-suffix that makes only the second version an invalid tag', () => {
      // 128 characters at most: `v1.9.3` + 122 fits, `v1.12.0` + 122 does not.
      const suffix = `-${'x'.repeat(121)}`;
      expect(planBuild([V193], request({ tagSuffix: suffix }), host).versions[0]?.tag).toHaveLength(128);
      expectBadInput(() => planBuild([V193, V1120], request({ tagSuffix: suffix }), host), {
        code: 'BAD_TAG',
        message: `--tag-suffix gives the tag "v1.12.0${suffix}", which is not a valid image tag`,
      });
    });

    it('outputs that take one version, given two', () => {
      expectBadInput(
        () => planBuild([V193, V1120], request({ push: ['127.0.0.1:5000/coredns:fixed'] }), host),
        {
          code: 'TAG_NEEDS_ONE_VERSION',
          message: '--push 127.0.0.1:5000/coredns:fixed names a tag, but 2 versions are being built',
        },
      );
      expectBadInput(() => planBuild([V193, V1120], request({ output: ['docker-archive:x.tar'] }), host), {
        code: 'ARCHIVE_NEEDS_ONE_VERSION',
        message: '--output docker-archive:/work/x.tar takes one version, but 2 are being built',
      });
    });

    it('a push to a digest, a bad --also-tag, a bad --base', () => {
      const digest = `sha256:${'a'.repeat(64)}`;
      expectBadInput(() => planBuild([V193], request({ push: [`127.0.0.1:5000/coredns@${digest}`] }), host), {
        code: 'BAD_REF',
        message: `cannot push to 127.0.0.1:5000/coredns@${digest}: a digest names content, not a place to push`,
      });
      expectBadInput(() => planBuild([V193], request({ alsoTag: ['.hidden'] }), host), {
        code: 'BAD_TAG',
        message: '--also-tag gives the tag ".hidden", which is not a valid image tag',
      });
      expect(() => planBuild([V193], request({ base: 'Not A Ref' }), host)).toThrow(
        /invalid image reference/,
      );
    });

    it('a variant the era does not build', () => {
      expectBadInput(() => planBuild([V193], request({ platforms: 'linux/arm64/v9' }), host), {
        code: 'UNKNOWN_PLATFORM',
        message: 'platform linux/arm64/v9 is not built by CoreDNS v1.9.3',
      });
    });
  });
});
