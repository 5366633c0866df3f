// The config labels of DESIGN.md "Outputs, tags, labels", and the build key that lets a later run skip
// an image that is already current.
import type { Platform, Release } from '../types.js';
import { sha256Hex } from '../util/digest.js';
import { formatPlatform } from '../versions/platforms.js';
import { canonicalJson } from './canonical-json.js';

/**
 * Bump whenever the same inputs would give different image bytes: tar layout, gzip settings (fflate
 * level 6, mem 8), config shape or defaults, the built-in base's files, label set. Part of the build key.
 */
// 2: the io.vc-coredns.go label; --build-env variables in the build key.
export const IMAGE_FORMAT_VERSION = '2';

export const LABEL = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  version: 'org.opencontainers.image.version',
  created: 'org.opencontainers.image.created',
  title: 'org.opencontainers.image.title',
  annotationKey: 'io.vc-coredns.annotation-key',
  go: 'io.vc-coredns.go',
  patch: 'io.vc-coredns.patch',
  buildKey: 'io.vc-coredns.build-key',
} as const;

export const IMAGE_TITLE = 'CoreDNS for VirtualCluster tenants';

/** SOURCE_DATE_EPOCH (seconds) as RFC 3339 in UTC without fractions: `2022-05-27T15:00:00Z`. */
export function rfc3339(epochSeconds: number): string {
  if (!Number.isSafeInteger(epochSeconds) || epochSeconds < 0) {
    throw new Error(`bad SOURCE_DATE_EPOCH: ${epochSeconds}`);
  }
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface BuildKeyInput {
  /** The CoreDNS tag's commit. Ignored when sourceTreeHash is given. */
  commit: string;
  /** With `--source`: the sha256 of the copied tree, which stands in for the commit. */
  sourceTreeHash?: string | undefined;
  /** The `io.vc-coredns.patch` label (patchId(key)). */
  patch: string;
  platforms: readonly Platform[];
  /** The base's digest: `builtin:sha256:...` or the pulled base image's digest. */
  baseDigest: string;
  /** The Go that builds, e.g. `go1.23.5`. */
  goVersion: string;
  /** `--build-env KEY=VALUE` variables (they reach make and go, so they are part of the build) */
  buildEnv?: Readonly<Record<string, string>> | undefined;
}

/**
 * sha256 (hex) of what determines the image: source (commit or tree), patch, sorted platforms, base,
 * Go, --build-env, IMAGE_FORMAT_VERSION. Not the tool's own version. Computable before cloning or compiling.
 */
export function buildKey(input: BuildKeyInput): string {
  const doc = {
    base: input.baseDigest,
    format: IMAGE_FORMAT_VERSION,
    env: Object.entries(input.buildEnv ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .sort(),
    go: input.goVersion,
    patch: input.patch,
    platforms: input.platforms.map(formatPlatform).sort(),
    source: input.sourceTreeHash ? `tree:${input.sourceTreeHash}` : `commit:${input.commit}`,
  };
  return sha256Hex(canonicalJson(doc));
}

/** A URL without user name or password (labels are public); anything else unchanged. */
export function publicSourceUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

export interface ImageLabelsInput {
  release: Pick<Release, 'version' | 'commit'>;
  annotationKey: string;
  repoUrl: string;
  /** the Go that built it, `go1.21.8`: the `io.vc-coredns.go` label */
  goVersion: string;
  /** the `io.vc-coredns.patch` label: patchId(annotationKey) of the patch rules (patch/templates.ts) */
  patch: string;
  /** buildKey(...) of this build, computed once by the pipeline */
  buildKey: string;
  /** SOURCE_DATE_EPOCH: the tag commit's time, seconds. */
  sourceDateEpoch: number;
}

/** The config labels of every platform image of one build. */
export function imageLabels(input: ImageLabelsInput): Record<string, string> {
  return {
    [LABEL.source]: publicSourceUrl(input.repoUrl),
    [LABEL.revision]: input.release.commit,
    [LABEL.version]: input.release.version,
    [LABEL.created]: rfc3339(input.sourceDateEpoch),
    [LABEL.title]: IMAGE_TITLE,
    [LABEL.annotationKey]: input.annotationKey,
    [LABEL.go]: input.goVersion,
    [LABEL.patch]: input.patch,
    [LABEL.buildKey]: input.buildKey,
  };
}
