// The resolve stage: what the user asked for (a version, a range, latest, Kubernetes releases) against
// the repository's tags, to releases with their commits; the rows of `versions`; and what each release's
// files say about Go (its go.mod minimum and upstream's Go).
import semver from 'semver';
import { badInput, redact } from '../errors.js';
import { goForTags, listRemoteTags, type RemoteTag, rememberTags, type TagGo } from '../source/index.js';
import type { Release, ShapeOrNone } from '../types.js';
import {
  checkSpec,
  checkVersion,
  classifySpec,
  describeDropped,
  eraFor,
  filterSemverTags,
  type KubernetesTable,
  parseKubernetesList,
  parseVersion,
  quoteInput,
  type Resolution,
  resolveKubernetes,
  resolveSpec,
} from '../versions/index.js';
import type { Context } from './context.js';

export interface VersionRow {
  version: string;
  commit: string;
  shape: ShapeOrNone;
  supported: boolean;
  buildable: boolean;
  go: string | null;
  /** upstream's Go (`1.14`, `1.21.8`), null when no file names one */
  upstreamGo: string | null;
}

/** go.mod's minimum and upstream's Go of each release, from its tag's files (one batched fetch, cached by commit). */
export async function releaseGo(
  url: string,
  releases: readonly RemoteTag[],
  ctx: Context,
): Promise<Map<string, TagGo>> {
  return goForTags(url, [...releases], {
    cacheDir: ctx.cacheDir,
    signal: ctx.signal,
    env: ctx.env,
    log: (l) => ctx.reporter.info(l),
  });
}

/** The repository's release tags, remembered in the cache for shell completion. */
async function listTags(url: string, ctx: Context): Promise<RemoteTag[]> {
  const tags = await listRemoteTags(url, { signal: ctx.signal, env: ctx.env });
  await rememberTags(
    ctx.cacheDir,
    url,
    tags.map((t) => t.version),
  );
  return tags;
}

/** `versions`: every release tag of the repository (optionally within a range) and what vc-coredns does with it. */
export async function listVersions(
  url: string,
  range: string | undefined,
  ctx: Context,
): Promise<VersionRow[]> {
  if (range !== undefined) classifySpec(range); // bad input before any network
  ctx.reporter.info(`listing the tags of ${redact(url)}`);
  const tags = await listTags(url, ctx);
  const selected = range === undefined ? tags : selectTags(tags, range);
  const go = await releaseGo(url, selected, ctx);
  return selected.map((t) => {
    const era = eraFor(t.version);
    return {
      version: t.version,
      commit: t.commit,
      shape: era.shape,
      supported: era.supported,
      buildable: era.buildable,
      go: go.get(t.version)?.minimum ?? null,
      upstreamGo: go.get(t.version)?.upstream?.version ?? null,
    };
  });
}

/** The tags a spec names, supported or not (for listing). */
function selectTags(tags: RemoteTag[], spec: string): RemoteTag[] {
  const parsed = classifySpec(spec);
  if (parsed.kind === 'latest') return tags.slice(-1);
  const hit =
    parsed.kind === 'version'
      ? tags.filter((t) => t.version === parsed.version)
      : tags.filter((t) => semver.satisfies(t.version, parsed.range));
  if (hit.length === 0) {
    throw badInput(
      `no CoreDNS release matches ${quoteInput(spec)}`,
      'EMPTY_RANGE',
      `releases go from ${tags[0]?.version} to ${tags.at(-1)?.version}`,
    );
  }
  return hit;
}

export interface Selection {
  /** a version, a range or `latest`; ignored when kubernetes is given */
  spec?: string;
  /** `1.28,1.29.3` */
  kubernetes?: string;
  kubernetesTable?: KubernetesTable;
  /** for build and matrix: drop v1.2.3-v1.4.0 */
  buildable: boolean;
}

/** Resolves what the user asked for against the repository's tags, to releases with their commits. */
export async function resolveReleases(url: string, sel: Selection, ctx: Context): Promise<Release[]> {
  // bad input before any network
  if (sel.kubernetes !== undefined) parseKubernetesList(sel.kubernetes);
  else checkSpec(sel.spec ?? 'latest');
  ctx.reporter.info(`resolving against ${redact(url)}`);
  const tags = await listTags(url, ctx);
  const names = filterSemverTags(tags.map((t) => t.version));
  let resolution: Resolution;
  if (sel.kubernetes !== undefined) {
    const k = resolveKubernetes(sel.kubernetes, {
      buildable: sel.buildable,
      availableTags: names,
      ...(sel.kubernetesTable ? { table: sel.kubernetesTable } : {}),
    });
    for (const p of k.pairs) ctx.reporter.info(`Kubernetes ${p.kubernetes} ships CoreDNS ${p.coredns}`);
    resolution = k;
  } else {
    resolution = resolveSpec(sel.spec ?? 'latest', names, { buildable: sel.buildable });
  }
  const dropped = describeDropped(resolution.dropped);
  if (dropped) ctx.reporter.warn(dropped);
  const commits = new Map(tags.map((t) => [t.version, t.commit]));
  return resolution.versions.map((version) => ({
    version,
    commit: commits.get(version) as string,
    era: eraFor(version),
  }));
}

/** A commit for a `--source` tree that is not a git repository, and before the tree is copied. */
export const NO_COMMIT = '0'.repeat(40);

/**
 * The release a `--source DIR` tree is built as: the one version `--version` names (exit 2 for anything
 * else); its commit is known once the tree is copied (NO_COMMIT until then).
 */
export function sourceRelease(spec: string | undefined): Release {
  if (spec === undefined || classifySpec(spec).kind !== 'version') {
    throw badInput(
      '--source needs --version with the one CoreDNS version the tree is',
      'SOURCE_NEEDS_VERSION',
      'e.g. --source ./coredns --version v1.9.3',
    );
  }
  const version = checkVersion(spec, [parseVersion(spec)], { buildable: true });
  return { version, commit: NO_COMMIT, era: eraFor(version) };
}
