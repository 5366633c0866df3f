// The provenance statement's shape (SLSA v1 in an in-toto Statement v1), who the builder is under
// GitHub Actions and elsewhere, and the -ldflags read back from a make log.
import { describe, expect, it } from 'vitest';
import { goBuildCommandFromLog, shellWords } from '../../src/attest/go-command.js';
import {
  builderFromEnv,
  buildProvenance,
  type ProvenanceInput,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  VC_COREDNS_BUILD_TYPE,
} from '../../src/attest/provenance.js';
import { IN_TOTO_STATEMENT_TYPE, statementBytes } from '../../src/attest/statement.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

const input: ProvenanceInput = {
  toolVersion: '0.1.0',
  imageName: 'ghcr.io/acme/coredns',
  tag: 'v1.12.0',
  indexDigest: D('1'),
  images: [
    { platform: { os: 'linux', arch: 'amd64' }, digest: D('2') },
    { platform: { os: 'linux', arch: 'arm', variant: 'v7' }, digest: D('3') },
  ],
  source: { url: 'https://github.com/coredns/coredns', commit: 'a'.repeat(40), version: 'v1.12.0' },
  patch: { id: 'b'.repeat(64), annotationKey: 'transparency.tenancy.x-k8s.io/clusterIP' },
  go: { version: 'go1.23.5', source: 'installed' },
  base: { name: 'builtin', digest: `builtin:${D('4')}` },
  buildKey: 'c'.repeat(64),
  sourceDateEpoch: 1732215600,
  builder: { id: 'vc-coredns@0.1.0' },
  startedOn: new Date('2026-01-01T10:00:00.250Z'),
  finishedOn: new Date('2026-01-01T10:04:59.900Z'),
};

describe('provenance', () => {
  it('is an in-toto statement about the index and each platform manifest', () => {
    const s = buildProvenance(input);
    expect(s._type).toBe(IN_TOTO_STATEMENT_TYPE);
    expect(s.predicateType).toBe(SLSA_PROVENANCE_PREDICATE_TYPE);
    expect(s.subject).toEqual([
      { name: 'pkg:docker/ghcr.io/acme/coredns@v1.12.0', digest: { sha256: '1'.repeat(64) } },
      {
        name: 'pkg:docker/ghcr.io/acme/coredns@v1.12.0?platform=linux%2Famd64',
        digest: { sha256: '2'.repeat(64) },
      },
      {
        name: 'pkg:docker/ghcr.io/acme/coredns@v1.12.0?platform=linux%2Farm%2Fv7',
        digest: { sha256: '3'.repeat(64) },
      },
    ]);
    expect(s.predicate.buildDefinition).toEqual({
      buildType: VC_COREDNS_BUILD_TYPE,
      externalParameters: {
        repository: 'https://github.com/coredns/coredns',
        version: 'v1.12.0',
        annotationKey: 'transparency.tenancy.x-k8s.io/clusterIP',
        platforms: ['linux/amd64', 'linux/arm/v7'],
        base: 'builtin',
        tag: 'v1.12.0',
      },
      internalParameters: {
        commit: 'a'.repeat(40),
        patch: 'b'.repeat(64),
        go: { version: 'go1.23.5', source: 'installed' },
        vcCoredns: '0.1.0',
        buildKey: 'c'.repeat(64),
        sourceDateEpoch: 1732215600,
      },
      resolvedDependencies: [
        {
          name: 'coredns',
          uri: 'git+https://github.com/coredns/coredns@refs/tags/v1.12.0',
          digest: { gitCommit: 'a'.repeat(40) },
        },
        { name: 'base', uri: 'builtin', digest: { sha256: '4'.repeat(64) } },
        { name: 'go', uri: 'pkg:golang/toolchain@go1.23.5', annotations: { source: 'installed' } },
      ],
    });
    expect(s.predicate.runDetails).toEqual({
      builder: { id: 'vc-coredns@0.1.0', version: { 'vc-coredns': '0.1.0' } },
      metadata: { startedOn: '2026-01-01T10:00:00Z', finishedOn: '2026-01-01T10:04:59Z' },
    });
    // Canonical bytes: sorted keys, no whitespace.
    const text = new TextDecoder().decode(statementBytes(s));
    expect(
      text.startsWith('{"_type":"https://in-toto.io/Statement/v1","predicate":{"buildDefinition":'),
    ).toBe(true);
  });

  it('names the GitHub workflow run as builder under Actions, vc-coredns@version elsewhere', () => {
    expect(
      builderFromEnv(
        {
          GITHUB_ACTIONS: 'true',
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'acme/vc-coredns',
          GITHUB_WORKFLOW_REF: 'acme/vc-coredns/.github/workflows/images.yml@refs/heads/main',
          GITHUB_RUN_ID: '42',
          GITHUB_RUN_ATTEMPT: '2',
        },
        '0.1.0',
      ),
    ).toEqual({
      id: 'https://github.com/acme/vc-coredns/.github/workflows/images.yml@refs/heads/main',
      invocationId: 'https://github.com/acme/vc-coredns/actions/runs/42/attempts/2',
    });
    expect(
      builderFromEnv(
        { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/vc-coredns', GITHUB_REF: 'refs/tags/v1' },
        '0.1.0',
      ).id,
    ).toBe('https://github.com/acme/vc-coredns/.github/workflows/images.yml@refs/tags/v1');
    expect(builderFromEnv({ GITHUB_REPOSITORY: 'acme/vc-coredns' }, '0.2.0')).toEqual({
      id: 'vc-coredns@0.2.0',
    });
  });

  it('records a --source tree by its hash', () => {
    const s = buildProvenance({ ...input, source: { ...input.source, treeSha256: 'd'.repeat(64) } });
    expect(s.predicate.buildDefinition.resolvedDependencies[0]).toEqual({
      name: 'coredns',
      uri: 'https://github.com/coredns/coredns',
      digest: { sha256: 'd'.repeat(64) },
    });
  });
});

describe('the go build line of a make log', () => {
  const perArch = `# vc-coredns: CoreDNS v1.11.1 for linux/arm64
# cd /cache/v1.11.1 && env CGO_ENABLED=0 make coredns ...

CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build  -ldflags="-s -w -X github.com/coredns/coredns/coremain.GitCommit=ae2bbc2" -o build/linux/arm64/coredns
go: downloading github.com/coredns/caddy v1.1.1
`;
  it('gives the -ldflags make passed', () => {
    expect(goBuildCommandFromLog(perArch, { os: 'linux', arch: 'arm64' })).toEqual({
      line: 'CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build  -ldflags="-s -w -X github.com/coredns/coredns/coremain.GitCommit=ae2bbc2" -o build/linux/arm64/coredns',
      ldflags: '-s -w -X github.com/coredns/coredns/coremain.GitCommit=ae2bbc2',
    });
  });

  it('picks the platform among the builds of Makefile.release', () => {
    const release = ['amd64', 'arm64', 's390x']
      .map((a) => `GOOS=linux GOARCH=${a} go build -ldflags '-X main.arch=${a}' -o build/linux/${a}/coredns`)
      .join('\n');
    const log = `CGO_ENABLED=0 GOOS=darwin GOARCH=amd64 go build -ldflags=-s -o build/darwin/amd64/coredns\n${release}\n`;
    expect(goBuildCommandFromLog(log, { os: 'linux', arch: 'arm64' })?.ldflags).toBe('-X main.arch=arm64');
    expect(goBuildCommandFromLog(log, { os: 'linux', arch: 'mips' })).toBeNull();
    expect(goBuildCommandFromLog('go build -o x .\n', { os: 'linux', arch: 'amd64' })).toEqual({
      line: 'go build -o x .',
      ldflags: null,
    });
  });

  it('splits shell words as sh does', () => {
    expect(shellWords(`a "b c" 'd "e"' f\\ g "h\\"i" -x=""`)).toEqual([
      'a',
      'b c',
      'd "e"',
      'f g',
      'h"i',
      '-x=',
    ]);
  });
});
