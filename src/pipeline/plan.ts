// The plan of a build: pure. From the resolved releases, the request and the host's platform, what each
// version builds (platforms), where it goes (targets, each with its tags) and under which tags. Every
// bad-input error (exit 2) is raised here, before anything runs: a bad --tag-suffix for the second
// version must not come after the first was published. build.ts applies a plan.
import semver from 'semver';
import type { GoRequest } from '../compile/index.js';
import { badInput } from '../errors.js';
import type { AnnotationKey } from '../patch/annotation-key.js';
import { describeOutput, type Output, singlePlatformOutput } from '../publish/outputs.js';
import { isValidTag, parseRef, refTag, repoName } from '../registry/ref.js';
import { smokeBuildPlatform } from '../smoke/image-binary.js';
import type { Platform, Release } from '../types.js';
import { formatPlatform, parsePlatforms, samePlatform } from '../versions/index.js';
import type { AttestOptions } from './attest.js';
import type { Selection } from './resolve.js';

export interface BuildRequest {
  selection: Selection;
  /** the repository (resolved URL); ignored with source */
  repoUrl: string;
  /** `--source DIR`: build this tree as the version `selection.spec` names */
  source?: string;
  platforms?: string;
  outputs: Output[];
  key: AnnotationKey;
  /** `--base REF` instead of the built-in base */
  base?: string;
  jobs: number;
  force: boolean;
  /** `--go` (auto: upstream's Go of each release) */
  go: GoRequest;
  /** `--go-fallback installed` */
  goFallback: boolean;
  /** `--go-search DIR` */
  goSearch: string[];
  /** `--go-download-url` / VC_COREDNS_GO_URL */
  goDownloadUrl?: string;
  /** `--build-env KEY=VALUE`: passed to make and go, part of the build key */
  buildEnv: Record<string, string>;
  releaseMakefile: boolean;
  tagSuffix: string;
  /** more tags for the newest version of the run, e.g. latest */
  alsoTag: string[];
  /** `--smoke`: after compiling, run the host platform's binary against the fake Kubernetes API */
  smoke?: boolean;
  /** `--smoke-timeout`: the smoke test of one version, start to stop (default 60 s) */
  smokeTimeoutMs?: number;
  /** `--sign-key FILE`: cosign-sign what goes to registries and OCI layouts */
  signKey?: string;
  /** SBOM and provenance: what to attach and where else to write them (none when absent) */
  attest?: AttestOptions;
}

/** The machine the build runs on, as far as the plan needs it. */
export interface Host {
  /** the default platform of docker-archive: and --load */
  platform: Platform;
  /** what it runs natively (smoke/image-binary.ts runnablePlatforms): none on another OS than Linux */
  runs: readonly Platform[];
}

/** One output of one version. */
export interface TargetPlan {
  output: Output;
  /** what the output is called in progress lines and `--dry-run` */
  name: string;
  /** the tags it gets: the version's (tag, also-tags), or the one its reference names */
  tags: string[];
  /** docker-archive: and --load: the one platform they take; null for the others */
  platform: Platform | null;
}

export interface VersionPlan {
  release: Release;
  platforms: Platform[];
  /** the version's own tag: `v1.9.3` plus --tag-suffix */
  tag: string;
  /** tag, then --also-tag's (the newest version only) */
  tags: string[];
  targets: TargetPlan[];
  /** whether an image is assembled (some output takes one) */
  image: boolean;
  /** where `binaries:` writes, or null */
  binariesDir: string | null;
  /** `--smoke`: the platform whose binary is smoke-tested (the host's), else null */
  smoke: Platform | null;
}

export interface BuildPlan {
  request: BuildRequest;
  versions: VersionPlan[];
}

function checkTag(tag: string, what: string): string {
  if (!isValidTag(tag)) {
    throw badInput(
      `${what} gives the tag ${JSON.stringify(tag)}, which is not a valid image tag`,
      'BAD_TAG',
      'tags are up to 128 of [A-Za-z0-9_.-], not starting with . or -',
    );
  }
  return tag;
}

/** The outputs against the number of versions: tagged refs and docker-archive take one. */
function checkOutputs(outputs: readonly Output[], releases: readonly Release[]): void {
  for (const o of outputs) {
    if (o.kind === 'registry' && o.ref.digest !== undefined) {
      throw badInput(
        `cannot push to ${repoName(o.ref)}@${o.ref.digest}: a digest names content, not a place to push`,
        'BAD_REF',
        'name the repository, with or without a tag',
      );
    }
    if (o.kind === 'registry' && o.ref.tag !== undefined && releases.length > 1) {
      throw badInput(
        `--push ${o.text} names a tag, but ${releases.length} versions are being built`,
        'TAG_NEEDS_ONE_VERSION',
        `drop the tag (each version gets its own, e.g. :${releases[0]?.version}) or build one version`,
      );
    }
    if (o.kind === 'docker-archive' && releases.length > 1) {
      throw badInput(
        `--output docker-archive:${o.file} takes one version, but ${releases.length} are being built`,
        'ARCHIVE_NEEDS_ONE_VERSION',
        'build one version, or use --output oci:DIR for several',
      );
    }
  }
}

/** The one platform of docker-archive: and --load: the only one named, else the host's (if built). */
function singlePlatform(platforms: readonly Platform[], host: Platform, what: string): Platform {
  if (platforms.length === 1) return platforms[0] as Platform;
  const match = platforms.find((p) => samePlatform(p, host));
  if (!match) {
    throw badInput(
      `${what} needs one platform: the host's (${formatPlatform(host)}) is not among ${platforms.map(formatPlatform).join(', ')}`,
      'UNKNOWN_PLATFORM',
      'name exactly one platform with --platforms',
    );
  }
  return match;
}

function planVersion(release: Release, req: BuildRequest, host: Host, newest: boolean): VersionPlan {
  const { version, era } = release;
  const platforms = parsePlatforms(req.platforms, era, version);
  const tag = `${version}${req.tagSuffix}`;
  const tags = [...new Set([tag, ...(newest ? req.alsoTag : [])])];
  const targets = req.outputs.map((output): TargetPlan => {
    const single = singlePlatformOutput(output);
    return {
      output,
      name: describeOutput(output),
      tags: output.kind === 'registry' ? [...new Set(tags.map((t) => refTag(output.ref, t)))] : tags,
      platform: single === null ? null : singlePlatform(platforms, host.platform, single),
    };
  });
  const binaries = req.outputs.find((o) => o.kind === 'binaries');
  return {
    release,
    platforms,
    tag,
    tags,
    targets,
    image: req.outputs.some((o) => o.kind !== 'binaries'),
    binariesDir: binaries?.kind === 'binaries' ? binaries.dir : null,
    smoke: req.smoke ? smokeBuildPlatform(platforms, host.runs) : null,
  };
}

/**
 * The plan of a build of `releases` (resolved, in version order). Throws bad input (exit 2) for
 * anything that cannot work: outputs that take one version, invalid tags, platforms an era does not
 * build, single-platform outputs without their platform, --smoke without a platform the host runs.
 */
export function planBuild(releases: readonly Release[], req: BuildRequest, host: Host): BuildPlan {
  checkOutputs(req.outputs, releases);
  if (req.signKey !== undefined && !req.outputs.some((o) => o.kind === 'registry' || o.kind === 'oci')) {
    throw badInput(
      '--sign-key signs images in a registry or an OCI layout, and this build writes to neither',
      'BAD_FLAG',
      'add --push REF or --output oci:DIR',
    );
  }
  if (req.base !== undefined) parseRef(req.base);
  for (const t of req.alsoTag) checkTag(t, '--also-tag');
  for (const r of releases) checkTag(`${r.version}${req.tagSuffix}`, '--tag-suffix');
  const newest = releases.reduce<Release | undefined>(
    (a, b) => (a === undefined || semver.gt(b.version, a.version) ? b : a),
    undefined,
  );
  return { request: req, versions: releases.map((r) => planVersion(r, req, host, r === newest)) };
}
