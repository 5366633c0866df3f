// SLSA provenance v1 of one build, as an in-toto statement whose subjects are the image index and each
// platform manifest. It carries start and finish times, so it is not reproducible: it is published as
// an artifact beside the image (its `subject` the index), never inside it. Pure: the CLI reads the
// environment once and passes it in.

import type { Platform } from '../types.js';
import { digestHex } from '../util/digest.js';
import { formatPlatform } from '../versions/platforms.js';
import { type InTotoStatement, inTotoStatement, ociSubject } from './statement.js';

export const SLSA_PROVENANCE_PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';
/** What a vc-coredns build is: the parameters below fully describe it (documented in README). */
export const VC_COREDNS_BUILD_TYPE = 'urn:vc-coredns:build-type:image:v1';

export interface ResourceDescriptor {
  uri?: string;
  name?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version?: Record<string, string> };
    metadata: { invocationId?: string; startedOn: string; finishedOn: string };
  };
}

export interface Builder {
  id: string;
  invocationId?: string;
}

export interface ProvenanceInput {
  toolVersion: string;
  /** how subjects are named: `coredns` (the image's repository when pushed) */
  imageName: string;
  tag: string;
  /** the image index; null for bare binaries (`binaries:`), whose subjects are then the binaries */
  indexDigest: string | null;
  /** each platform manifest, or each binary's `sha256:<hex>` */
  images: { platform: Platform; digest: string }[];
  source: { url: string; commit: string; version: string; treeSha256?: string | undefined };
  patch: { id: string; annotationKey: string };
  go: { version: string; source: string };
  /** `builtin` with the layer digest, or the --base reference with its digest */
  base: { name: string; digest: string };
  buildKey: string;
  sourceDateEpoch: number;
  builder: Builder;
  startedOn: Date;
  finishedOn: Date;
}

/**
 * Who built: under GitHub Actions (GITHUB_ACTIONS=true) the workflow that ran,
 * `https://github.com/<owner>/<repo>/.github/workflows/images.yml@<ref>`, with the run as invocation;
 * else `vc-coredns@<version>`.
 */
export function builderFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  toolVersion: string,
): Builder {
  const repo = env.GITHUB_REPOSITORY;
  if (env.GITHUB_ACTIONS === 'true' && repo) {
    const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
    // GITHUB_WORKFLOW_REF is `<owner>/<repo>/.github/workflows/<file>@<ref>`.
    const workflow =
      env.GITHUB_WORKFLOW_REF || `${repo}/.github/workflows/images.yml@${env.GITHUB_REF ?? ''}`;
    const builder: Builder = { id: `${server}/${workflow}` };
    if (env.GITHUB_RUN_ID) {
      builder.invocationId = `${server}/${repo}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT || '1'}`;
    }
    return builder;
  }
  return { id: `vc-coredns@${toolVersion}` };
}

function time(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function digestOf(d: string): Record<string, string> {
  const m = /^(?:builtin:)?(sha256:[0-9a-f]{64})$/.exec(d);
  return m ? { sha256: digestHex(m[1] as string) } : {};
}

/** `pkg:docker/coredns@v1.11.1[?platform=linux%2Famd64]`, the subject names buildx uses too. */
export function subjectName(imageName: string, tag: string, platform?: Platform): string {
  const base = `pkg:docker/${imageName}@${tag}`;
  return platform ? `${base}?platform=${encodeURIComponent(formatPlatform(platform))}` : base;
}

/** The provenance statement of one build. */
export function buildProvenance(input: ProvenanceInput): InTotoStatement<SlsaProvenance> {
  const platforms = input.images.map((i) => formatPlatform(i.platform));
  const subjects =
    input.indexDigest === null
      ? input.images.map((i) => ociSubject(`${formatPlatform(i.platform)}/coredns`, i.digest))
      : [
          ociSubject(subjectName(input.imageName, input.tag), input.indexDigest),
          ...input.images.map((i) =>
            ociSubject(subjectName(input.imageName, input.tag, i.platform), i.digest),
          ),
        ];
  const source: ResourceDescriptor = input.source.treeSha256
    ? { name: 'coredns', uri: input.source.url, digest: { sha256: input.source.treeSha256 } }
    : {
        name: 'coredns',
        uri: `git+${input.source.url}@refs/tags/${input.source.version}`,
        digest: { gitCommit: input.source.commit },
      };
  const predicate: SlsaProvenance = {
    buildDefinition: {
      buildType: VC_COREDNS_BUILD_TYPE,
      externalParameters: {
        repository: input.source.url,
        version: input.source.version,
        annotationKey: input.patch.annotationKey,
        platforms,
        base: input.base.name,
        tag: input.tag,
      },
      internalParameters: {
        commit: input.source.commit,
        patch: input.patch.id,
        go: { version: input.go.version, source: input.go.source },
        vcCoredns: input.toolVersion,
        buildKey: input.buildKey,
        sourceDateEpoch: input.sourceDateEpoch,
      },
      resolvedDependencies: [
        source,
        { name: 'base', uri: input.base.name, digest: digestOf(input.base.digest) },
        {
          name: 'go',
          uri: `pkg:golang/toolchain@${input.go.version}`,
          annotations: { source: input.go.source },
        },
      ],
    },
    runDetails: {
      builder: { id: input.builder.id, version: { 'vc-coredns': input.toolVersion } },
      metadata: {
        ...(input.builder.invocationId ? { invocationId: input.builder.invocationId } : {}),
        startedOn: time(input.startedOn),
        finishedOn: time(input.finishedOn),
      },
    },
  };
  return inTotoStatement(subjects, SLSA_PROVENANCE_PREDICATE_TYPE, predicate);
}
