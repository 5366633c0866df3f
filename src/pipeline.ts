// Composes the stages: resolve (versions) -> checkout (source) -> patch -> build (Go) -> assemble (image)
// -> publish (sinks). The only module that knows them all; the CLI passes values and effects in.
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type Dockerode from 'dockerode';
import semver from 'semver';
import { buildBinaries, checkTools, type Tools } from './build/index.js';
import type { Reporter } from './cli/progress.js';
import { badInput, isVcError, redact } from './errors.js';
import {
  assembleImage,
  type BaseImage,
  type BasePlatformImage,
  basePlatformImage,
  buildKey,
  imageLabels,
  LABEL,
  loadBinaries,
  loadBuiltinBase,
} from './image/index.js';
import type { AnnotationKey } from './patch/annotation-key.js';
import { defaultPatchDeps, type PatchDeps, patchId, patchServiceGo } from './patch/index.js';
import { daemonSink, dockerArchiveSink, ociLayoutSink, readOciLayoutTag } from './publish/index.js';
import { describeOutput, type Output } from './publish/outputs.js';
import { registrySink } from './publish/registry.js';
import type { RegistryClient } from './registry/client.js';
import { isValidTag, parseRef } from './registry/ref.js';
import { readRemoteImage } from './registry/remote-image.js';

import {
  checkoutRelease,
  commitTime,
  copySource,
  goMinimumForTags,
  listRemoteTags,
  type RemoteTag,
  type SourceCopy,
  withCheckout,
} from './source/index.js';
import type { PatchResult, Platform, Release, ShapeOrNone, Sink } from './types.js';
import {
  checkVersion,
  classifySpec,
  describeDropped,
  eraFor,
  filterSemverTags,
  formatPlatform,
  hostPlatform,
  type KubernetesTable,
  parsePlatforms,
  parseVersion,
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
  /** told the versions once they are known (a TTY task list needs them up front) */
  onResolved?: (versions: string[]) => void;
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

// ---------------------------------------------------------------- patch

/** The patch stage of prepare and build: service.go of the tree patched in place, and said so. */
async function patchTree(
  version: string,
  dir: string,
  key: AnnotationKey,
  patchDeps: PatchDeps | undefined,
  reporter: Reporter,
): Promise<PatchResult> {
  reporter.stage(version, 'patch');
  const { result } = await patchServiceGo(
    { path: dir, key, strategy: 'auto', write: true },
    patchDeps ?? (await defaultPatchDeps()),
  );
  reporter.info(
    `${version}: ${result.alreadyPatched ? 'already patched' : `patched (${result.shape}, ${result.strategy})`}`,
  );
  return result;
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
    const result = await patchTree(version, dir, opts.key, opts.patchDeps, ctx.reporter);
    return { version, commit: release.commit, dir, patch: result };
  } catch (e) {
    if (target && created) await rm(target, { recursive: true, force: true });
    throw e;
  } finally {
    await checkout.dispose();
  }
}

// ---------------------------------------------------------------- build

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
  goPath?: string;
  goToolchain: 'local' | 'auto';
  releaseMakefile: boolean;
  insecure: boolean;
  tagSuffix: string;
  /** more tags for the newest version of the run, e.g. latest */
  alsoTag: string[];
}

export interface BuildEntry {
  version: string;
  commit: string;
  platforms: string[];
  digest: string | null;
  refs: string[];
  skipped: boolean;
}

export interface BuildSummary {
  builds: BuildEntry[];
  failed: { version: string; error: string }[];
}

export interface BuildEffects {
  registry: () => RegistryClient;
  docker: () => Dockerode;
  patchDeps?: PatchDeps;
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

/** Checks the outputs against what was resolved: one version for tagged refs and docker-archive. */
function checkOutputs(req: BuildRequest, releases: Release[]): void {
  for (const o of req.outputs) {
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
  for (const t of req.alsoTag) checkTag(t, '--also-tag');
  for (const r of releases) checkTag(`${r.version}${req.tagSuffix}`, '--tag-suffix');
}

/** The one platform of docker-archive: and --load: the only one named, else the host's (if built). */
function singlePlatform(platforms: Platform[], host: Platform, what: string): Platform {
  if (platforms.length === 1) return platforms[0] as Platform;
  const match = platforms.find((p) => p.os === host.os && p.arch === host.arch);
  if (!match) {
    throw badInput(
      `${what} needs one platform: the host's (${formatPlatform(host)}) is not among ${platforms.map(formatPlatform).join(', ')}`,
      'UNKNOWN_PLATFORM',
      'name exactly one platform with --platforms',
    );
  }
  return match;
}

interface Target {
  output: Output;
  /** the sink to write the image with */
  sink?: Sink;
  /** the build key the target holds already, and its digest, or null */
  current?: (tag: string) => Promise<{ key: string | undefined; digest: string; refs: string[] } | null>;
}

/** Builds the images (or binaries) of every selected version, one after another; a failure stops only its version. */
export async function build(req: BuildRequest, effects: BuildEffects, ctx: Context): Promise<BuildSummary> {
  const { reporter, signal, env } = ctx;
  const tools = await checkTools({
    env,
    releaseMakefile: req.releaseMakefile,
    ...(req.goPath ? { goPath: req.goPath } : {}),
  });
  const goVersion = `go${tools.go.version}`;

  // resolve
  let releases: Release[];
  let sourceCopy: SourceCopy | null = null;
  if (req.source !== undefined) {
    const spec = req.selection.spec;
    if (spec === undefined || classifySpec(spec).kind !== 'version') {
      throw badInput(
        '--source needs --version with the one CoreDNS version the tree is',
        'SOURCE_NEEDS_VERSION',
        'e.g. --source ./coredns --version v1.9.3',
      );
    }
    const version = checkVersion(spec, [parseVersion(spec)], { buildable: true });
    reporter.stage(version, 'checkout', `copying ${req.source}`);
    sourceCopy = await copySource(resolvePath(ctx.cwd, req.source), {
      signal,
      env,
      log: (l) => reporter.info(l),
    });
    releases = [{ version, commit: sourceCopy.commit ?? '0'.repeat(40), era: eraFor(version) }];
  } else {
    releases = await resolveReleases(req.repoUrl, req.selection, ctx);
  }
  try {
    checkOutputs(req, releases);
    ctx.onResolved?.(releases.map((r) => r.version));
    const newest = releases.reduce((a, b) => (semver.gt(b.version, a.version) ? b : a));
    const summary: BuildSummary = { builds: [], failed: [] };
    for (const release of releases) {
      try {
        summary.builds.push(
          await buildOne(
            release,
            { ...req, alsoTag: release === newest ? req.alsoTag : [] },
            tools,
            goVersion,
            sourceCopy,
            effects,
            ctx,
          ),
        );
      } catch (e) {
        if (signal.aborted) throw e;
        if (isVcError(e) && e.exitCode === 2) throw e;
        const message = redact(e instanceof Error ? e.message : String(e));
        const hint = isVcError(e) && e.hint ? `\n${redact(e.hint)}` : '';
        reporter.finish(release.version, 'failed', message);
        summary.failed.push({ version: release.version, error: `${message}${hint}` });
      }
    }
    return summary;
  } finally {
    await sourceCopy?.dispose();
  }
}

async function buildOne(
  release: Release,
  req: BuildRequest,
  tools: Tools,
  goVersion: string,
  sourceCopy: SourceCopy | null,
  effects: BuildEffects,
  ctx: Context,
): Promise<BuildEntry> {
  const { reporter, signal, env } = ctx;
  const { version, era } = release;
  const platforms = parsePlatforms(req.platforms, era, version);
  const platformNames = platforms.map(formatPlatform);
  const tag = `${version}${req.tagSuffix}`;
  const tags = [tag, ...req.alsoTag];
  const host = hostPlatform();

  // Targets, and for image outputs the base and build key: all known before cloning or compiling.
  const targets: Target[] = req.outputs.map((output) => targetFor(output, platforms, host, effects, signal));
  const imageTargets = targets.filter((t) => t.sink);
  const needsImage = imageTargets.length > 0;
  const base = needsImage ? await loadBase(req, platforms, effects, ctx) : null;
  const labelsFor = (sourceDateEpoch: number) =>
    imageLabels({
      release,
      annotationKey: req.key,
      repoUrl: req.source ? `file://${resolvePath(ctx.cwd, req.source)}` : req.repoUrl,
      platforms,
      baseDigest: base?.digest ?? 'none',
      goVersion,
      sourceTreeHash: sourceCopy?.treeHash,
      sourceDateEpoch,
    });
  const key = buildKey({
    commit: release.commit,
    sourceTreeHash: sourceCopy?.treeHash,
    patch: patchId(req.key),
    platforms,
    baseDigest: base?.digest ?? 'none',
    goVersion,
  });

  // Skip if every target already carries this build key (only targets that can say so: oci, registry).
  if (!req.force && targets.every((t) => t.current)) {
    reporter.stage(version, 'skip-check');
    const found = await Promise.all(targets.map((t) => (t.current as NonNullable<Target['current']>)(tag)));
    if (found.every((f) => f?.key === key)) {
      const refs = found.flatMap((f) => f?.refs ?? []);
      reporter.finish(version, 'skipped', 'the target already has this build');
      return {
        version,
        commit: release.commit,
        platforms: platformNames,
        digest: found[0]?.digest ?? null,
        refs,
        skipped: true,
      };
    }
  }

  const binariesOut = req.outputs.find((o) => o.kind === 'binaries');
  const tmp = binariesOut ? null : await mkdtemp(join(tmpdir(), 'vc-coredns-bin-'));
  const outDir = binariesOut?.kind === 'binaries' ? binariesOut.dir : (tmp as string);
  try {
    const built = await withWorkTree(release, req, sourceCopy, ctx, async (dir) => {
      await patchTree(version, dir, req.key, effects.patchDeps, reporter);
      const sourceDateEpoch = sourceCopy
        ? (sourceCopy.commitTime ?? sourceEpochFromEnv(env))
        : await commitTime(dir, { signal, env });
      reporter.stage(version, 'build', platformNames.join(', '));
      const binaries = await buildBinaries(
        {
          checkout: { dir, release, owned: true },
          platforms,
          jobs: req.jobs,
          outDir,
          go: tools.go,
          goToolchain: req.goToolchain,
          releaseMakefile: req.releaseMakefile,
          logDir: join(ctx.cacheDir, 'logs'),
          sourceDateEpoch,
          gitCommit: release.commit,
          env,
          onProgress: (e) => reporter.platform(version, formatPlatform(e.platform), e.stage),
          onWarning: (m) => reporter.warn(`${version}: ${m}`),
        },
        undefined,
        signal,
      );
      return { binaries, sourceDateEpoch };
    });

    const refs: string[] = binariesOut ? built.binaries.map((b) => b.path) : [];
    let digest: string | null = null;
    if (needsImage && base) {
      reporter.stage(version, 'assemble');
      const index = assembleImage({
        binaries: await loadBinaries(built.binaries),
        base,
        era,
        labels: labelsFor(built.sourceDateEpoch),
        sourceDateEpoch: built.sourceDateEpoch,
      });
      digest = index.digest;
      for (const t of imageTargets) {
        reporter.stage(version, 'publish', describeOutput(t.output));
        for (const tg of t.output.kind === 'registry' && t.output.ref.tag ? [t.output.ref.tag] : tags) {
          const published = await (t.sink as Sink).write(index, tg, signal);
          refs.push(...published.refs);
        }
      }
    }
    reporter.finish(version, 'built', digest ?? outDir);
    return {
      version,
      commit: release.commit,
      platforms: platformNames,
      digest,
      refs: [...new Set(refs)],
      skipped: false,
    };
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/** SOURCE_DATE_EPOCH for a --source tree that is not a git repository: the environment's, else 0. */
function sourceEpochFromEnv(env: NodeJS.ProcessEnv): number {
  const n = Number(env.SOURCE_DATE_EPOCH);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** The checkout to patch and build in: the cached one (locked meanwhile), or a fresh copy of --source. */
async function withWorkTree<T>(
  release: Release,
  req: BuildRequest,
  sourceCopy: SourceCopy | null,
  ctx: Context,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  if (sourceCopy) return fn(sourceCopy.dir);
  ctx.reporter.stage(release.version, 'checkout', `from ${redact(req.repoUrl)}`);
  return withCheckout(
    release,
    req.repoUrl,
    { cacheDir: ctx.cacheDir, signal: ctx.signal, env: ctx.env, log: (l) => ctx.reporter.info(l) },
    (checkout) => fn(checkout.dir),
  );
}

async function loadBase(
  req: BuildRequest,
  platforms: Platform[],
  effects: BuildEffects,
  ctx: Context,
): Promise<BaseImage> {
  if (req.base === undefined) return loadBuiltinBase(platforms);
  const client = effects.registry();
  const ref = parseRef(req.base);
  ctx.reporter.info(`pulling the base ${req.base}`);
  const images: BasePlatformImage[] = [];
  let digest: string | null = null;
  for (const p of platforms) {
    const pulled = await client.pullImage(ref, p, ctx.signal);
    digest ??= pulled.indexDigest ?? pulled.manifest.descriptor.digest;
    images.push(
      basePlatformImage(
        req.base,
        pulled.manifest.bytes,
        pulled.config.bytes,
        pulled.layers.map((l) => l.bytes),
      ),
    );
  }
  return { name: req.base, digest: digest as string, images };
}

function targetFor(
  output: Output,
  platforms: Platform[],
  host: Platform,
  effects: BuildEffects,
  signal: AbortSignal,
): Target {
  switch (output.kind) {
    case 'binaries':
      return { output };
    case 'oci':
      return {
        output,
        sink: ociLayoutSink(output.dir),
        current: async (tag) => {
          const found = await readOciLayoutTag(output.dir, tag);
          return found
            ? { key: found.labels[LABEL.buildKey], digest: found.digest, refs: [`oci:${output.dir}:${tag}`] }
            : null;
        },
      };
    case 'docker-archive':
      return {
        output,
        sink: dockerArchiveSink(output.file, singlePlatform(platforms, host, '--output docker-archive:')),
      };
    case 'daemon':
      return { output, sink: daemonSink(effects.docker(), singlePlatform(platforms, host, '--load')) };
    case 'registry': {
      const client = effects.registry();
      return {
        output,
        sink: registrySink(output.ref, client),
        current: async (tag) => {
          const reference = output.ref.tag ?? tag;
          const found = await readRemoteImage(client, output.ref, reference, signal);
          const name = `${output.ref.registry}/${output.ref.repository}`;
          return found
            ? {
                key: found.labels[LABEL.buildKey],
                digest: found.digest,
                refs: [`${name}:${reference}@${found.digest}`],
              }
            : null;
        },
      };
    }
  }
}
