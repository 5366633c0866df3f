// Composes the stages: resolve (versions) -> checkout (source) -> patch -> build (Go) -> assemble (image)
// -> publish (sinks). The only module that knows them all; the CLI passes values and effects in.
import { cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import semver from 'semver';
import type { Reporter } from './cli/progress.js';
import { badInput, redact } from './errors.js';
import type { AnnotationKey } from './patch/annotation-key.js';
import { defaultPatchDeps, type PatchDeps, patchServiceGo } from './patch/index.js';
import { checkoutRelease, goMinimumForTags, listRemoteTags, type RemoteTag } from './source/index.js';
import type { PatchResult, Release, ShapeOrNone } from './types.js';
import {
  classifySpec,
  describeDropped,
  eraFor,
  filterSemverTags,
  type KubernetesTable,
  type Resolution,
  resolveKubernetes,
  resolveSpec,
} from './versions/index.js';

/** What every stage may need from the outside world, read once by the CLI. */
export interface Context {
  env: NodeJS.ProcessEnv;
  cwd: string;
  cacheDir: string;
  signal: AbortSignal;
  reporter: Reporter;
}

// ---------------------------------------------------------------- resolve

export interface VersionRow {
  version: string;
  commit: string;
  shape: ShapeOrNone;
  supported: boolean;
  buildable: boolean;
  go: string | null;
}

/** `versions`: every release tag of the repository (optionally within a range) and what vc-coredns does with it. */
export async function listVersions(
  url: string,
  range: string | undefined,
  ctx: Context,
): Promise<VersionRow[]> {
  ctx.reporter.info(`listing the tags of ${redact(url)}`);
  const tags = await listRemoteTags(url, { signal: ctx.signal, env: ctx.env });
  const selected = range === undefined ? tags : selectTags(tags, range);
  const go = await goMinimumForTags(url, selected, {
    cacheDir: ctx.cacheDir,
    signal: ctx.signal,
    env: ctx.env,
    log: (l) => ctx.reporter.info(l),
  });
  return selected.map((t) => {
    const era = eraFor(t.version);
    return {
      version: t.version,
      commit: t.commit,
      shape: era.shape,
      supported: era.supported,
      buildable: era.buildable,
      go: go.get(t.version) ?? null,
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
      `no CoreDNS release matches "${spec}"`,
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
  ctx.reporter.info(`resolving against ${redact(url)}`);
  const tags = await listRemoteTags(url, { signal: ctx.signal, env: ctx.env });
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

// ---------------------------------------------------------------- prepare

export interface PrepareResult {
  version: string;
  commit: string;
  dir: string;
  patch: PatchResult;
}

async function ensureEmptyDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (st && (!st.isDirectory() || (await readdir(dir)).length > 0)) {
    throw badInput(`--dir ${dir} exists and is not empty`, 'DIR_NOT_EMPTY', 'name a new or empty directory');
  }
}

/** `prepare`: the release's tree, patched: in the cache, or copied to `dir` first (the cache stays clean). */
export async function prepare(
  url: string,
  spec: string,
  opts: { dir?: string; key: AnnotationKey; patchDeps?: PatchDeps },
  ctx: Context,
): Promise<PrepareResult> {
  const target = opts.dir === undefined ? undefined : resolvePath(ctx.cwd, opts.dir);
  if (target) await ensureEmptyDir(target);
  const [release] = await resolveReleases(url, { spec, buildable: false }, ctx);
  if (!release) throw new Error('resolveReleases returned nothing');
  const { version } = release;
  ctx.reporter.stage(version, 'checkout', `from ${redact(url)}`);
  const checkout = await checkoutRelease(release, url, {
    cacheDir: ctx.cacheDir,
    signal: ctx.signal,
    env: ctx.env,
    log: (l) => ctx.reporter.info(l),
  });
  let dir = checkout.dir;
  let created = false;
  try {
    if (target) {
      await mkdir(target, { recursive: true });
      created = true;
      await cp(checkout.dir, target, { recursive: true, verbatimSymlinks: true });
      dir = target;
    }
    ctx.reporter.stage(version, 'patch');
    const deps = opts.patchDeps ?? (await defaultPatchDeps());
    const { result } = await patchServiceGo(
      { path: dir, key: opts.key, strategy: 'auto', write: true },
      deps,
    );
    ctx.reporter.info(
      `${version}: ${result.alreadyPatched ? 'already patched' : `patched (${result.shape}, ${result.strategy})`}`,
    );
    return { version, commit: release.commit, dir, patch: result };
  } catch (e) {
    if (target && created) await rm(target, { recursive: true, force: true });
    throw e;
  } finally {
    await checkout.dispose();
  }
}
