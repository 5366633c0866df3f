import { describe, expect, it } from 'vitest';
import { VcError } from '../../src/errors.js';
import { parseChallenges, pickChallenge } from '../../src/registry/challenge.js';
import { retryAfterMs } from '../../src/registry/errors.js';
import { apiHost, formatRef, isLoopback, parseRef, registryBaseUrls } from '../../src/registry/ref.js';
import { choosePlatform } from '../../src/versions/platforms.js';

describe('parseRef', () => {
  it.each([
    ['coredns', { registry: 'docker.io', repository: 'library/coredns' }],
    ['coredns:1.9.3', { registry: 'docker.io', repository: 'library/coredns', tag: '1.9.3' }],
    ['coredns/coredns:v1.9.3', { registry: 'docker.io', repository: 'coredns/coredns', tag: 'v1.9.3' }],
    ['docker.io/coredns', { registry: 'docker.io', repository: 'library/coredns' }],
    ['index.docker.io/library/coredns', { registry: 'docker.io', repository: 'library/coredns' }],
    ['127.0.0.1:5000/coredns', { registry: '127.0.0.1:5000', repository: 'coredns' }],
    ['127.0.0.1:5000/coredns:v1.9.3', { registry: '127.0.0.1:5000', repository: 'coredns', tag: 'v1.9.3' }],
    ['localhost/coredns', { registry: 'localhost', repository: 'coredns' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', repository: 'a/b/c' }],
    ['[::1]:5000/coredns', { registry: '[::1]:5000', repository: 'coredns' }],
    ['ghcr.io/me/coredns:v1.9.3-vc1', { registry: 'ghcr.io', repository: 'me/coredns', tag: 'v1.9.3-vc1' }],
    [
      `ghcr.io/me/coredns@sha256:${'a'.repeat(64)}`,
      { registry: 'ghcr.io', repository: 'me/coredns', digest: `sha256:${'a'.repeat(64)}` },
    ],
    [
      `ghcr.io/me/coredns:v1@sha256:${'b'.repeat(64)}`,
      { registry: 'ghcr.io', repository: 'me/coredns', tag: 'v1', digest: `sha256:${'b'.repeat(64)}` },
    ],
    ['registry.k8s.io/coredns/coredns', { registry: 'registry.k8s.io', repository: 'coredns/coredns' }],
  ])('%s', (input, expected) => {
    expect(parseRef(input)).toEqual(expected);
  });

  it.each([
    '',
    'CoreDNS',
    'ghcr.io/Me/coredns',
    'ghcr.io/me/coredns:',
    'ghcr.io/me/coredns:-bad',
    'ghcr.io/me/coredns@sha256:abc',
    'ghcr.io//coredns',
    '127.0.0.1:5000',
    'ghcr.io:99999/me/coredns',
    `ghcr.io/me/${'a'.repeat(256)}`,
  ])('rejects %j with exit 2', (input) => {
    let err: unknown;
    try {
      parseRef(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VcError);
    expect((err as VcError).exitCode).toBe(2);
    expect((err as VcError).code).toBe('BAD_REF');
    expect((err as VcError).message).toMatch(/^invalid image reference/);
  });

  it('formats, maps Docker Hub to its API host; https, then http for loopback; http alone with --insecure', () => {
    expect(formatRef(parseRef('coredns:v1'))).toBe('docker.io/library/coredns:v1');
    expect(apiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryBaseUrls('docker.io')).toEqual(['https://registry-1.docker.io']);
    expect(registryBaseUrls('ghcr.io')).toEqual(['https://ghcr.io']);
    expect(registryBaseUrls('ghcr.io', true)).toEqual(['http://ghcr.io']);
    expect(registryBaseUrls('127.0.0.1:5000', true)).toEqual(['http://127.0.0.1:5000']);
    expect(registryBaseUrls('127.0.0.1:5000')).toEqual(['https://127.0.0.1:5000', 'http://127.0.0.1:5000']);
    expect(registryBaseUrls('127.1.2.3:5000')).toEqual(['https://127.1.2.3:5000', 'http://127.1.2.3:5000']);
    expect(registryBaseUrls('localhost:5000')).toEqual(['https://localhost:5000', 'http://localhost:5000']);
    expect(registryBaseUrls('[::1]:5000')).toEqual(['https://[::1]:5000', 'http://[::1]:5000']);
    expect(isLoopback('128.0.0.1:5000')).toBe(false);
    expect(isLoopback('127.example.com')).toBe(false);
  });
});

describe('WWW-Authenticate', () => {
  it('parses bearer and basic challenges, several in one header', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/coredns:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/coredns:pull,push',
        },
      },
    ]);
    expect(
      parseChallenges('Basic realm="vc test", Bearer realm="http://x/token",error=insufficient_scope'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'vc test' } },
      { scheme: 'bearer', params: { realm: 'http://x/token', error: 'insufficient_scope' } },
    ]);
    expect(pickChallenge('Basic realm="a", Bearer realm="b"')?.scheme).toBe('bearer');
    expect(pickChallenge('Negotiate')).toBeUndefined();
    expect(parseChallenges('Bearer realm="a \\"q\\""')[0]?.params.realm).toBe('a "q"');
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('choosePlatform', () => {
  const d = (architecture: string, variant?: string) => ({
    mediaType: 'm',
    digest: `${architecture}${variant ?? ''}`,
    size: 1,
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
  });
  it('matches os/arch, arm64 v8 as plain arm64, and exact variants', () => {
    const list = [d('amd64'), d('arm', 'v6'), d('arm', 'v7'), d('arm64', 'v8')];
    expect(choosePlatform(list, { os: 'linux', arch: 'amd64' })?.digest).toBe('amd64');
    expect(choosePlatform(list, { os: 'linux', arch: 'arm64' })?.digest).toBe('arm64v8');
    expect(choosePlatform(list, { os: 'linux', arch: 'arm64', variant: 'v8' })?.digest).toBe('arm64v8');
    expect(choosePlatform(list, { os: 'linux', arch: 'arm', variant: 'v7' })?.digest).toBe('armv7');
    expect(choosePlatform(list, { os: 'linux', arch: 's390x' })).toBeUndefined();
    expect(choosePlatform(list, { os: 'windows', arch: 'amd64' })).toBeUndefined();
  });
});
