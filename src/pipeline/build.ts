// `build`: resolve -> plan (pure; every bad-input error) -> preflight (effectful checks) -> per version:
// skip-if-current, or checkout -> patch -> compile -> assemble -> publish. A failure stops only its
// version. `build --dry-run` stops after preflight and says what would happen.
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import type { ArtifactKind } from '../attest/artifact.js';
import { type AttestedIndex, attestedIndex, type PlatformBuild } from '../attest/compose.js';
import { statementBytes } from '../attest/statement.js';
import {
  type CompileRequest,
  compileBinaries,
  dryRunMake,
  type GoChoice,
  type GoUsed,
} from '../compile/index.js';
import { isVcError, redact, VcError } from '../errors.js';
import {
  assembleImage,
  type BaseImage,
  buildKey,
  imageLabels,
  platformImage,
  publicSourceUrl,
} from '../image/index.js';
import { imageFile } from '../image/read-image.js';
import { type PatchDeps, patchId } from '../patch/index.js';
import { outputLocation } from '../publish/outputs.js';
import { fanOutSink, signatureStoreFor, sinkFor } from '../publish/sinks.js';
import type { RegistryClient } from '../registry/client.js';
import { repoName } from '../registry/ref.js';
import type { PasswordSource } from '../sign/key-file.js';
import { signImage } from '../sign/store.js';
import { type SmokeDocument, smokeDetails, smokeFailure } from '../smoke/document.js';
import { runnablePlatforms } from '../smoke/image-binary.js';
import { commitTime, copySource, type SourceCopy, withCheckout } from '../source/index.js';
import type { Binary, Descriptor, Platform, Release, Sink } from '../types.js';
import { makeTempDir } from '../util/cleanup.js';
import { formatPlatform, hostPlatform, platformOf, samePlatform } from '../versions/index.js';
import { makeAttestations, missingKinds, wantedKinds, writeFiles } from './attest.js';
import type { Context } from './context.js';
import { readImageSource } from './image-source.js';
import { loadBase, loadBinaries } from './load.js';
import { type BuildPlan, type BuildRequest, planBuild, type TargetPlan, type VersionPlan } from './plan.js';
import {
  commandRunner,
  dockerDaemon,
  goChoices,
  type Preflight,
  runPreflight,
  signingKey,
} from './preflight.js';
import { patchTree } from './prepare.js';
import { NO_COMMIT, resolveReleases, sourceRelease } from './resolve.js';
import { claimRun } from './runs.js';
import { smokeRun } from './smoke.js';

export interface BuildEntry {
  version: string;
  commit: string;
  platforms: string[];
  digest: string | null;
  refs: string[];
  skipped: boolean;
  /** the Go that built it (for a skipped build: the Go it would take; path null when not at hand) */
  go: { version: string; path: string | null; source: GoUsed['source'] };
  /** `--smoke`: how the host platform's binary did (absent without --smoke, and when skipped) */
  smoke?: {
    platform: string;
    verdict: SmokeDocument['verdict'];
    passed: number;
    cases: number;
    seconds: number;
  };
  /** wall time of this version's work (skip check, or clone to publish), in seconds */
  seconds: number;
}

export interface BuildFailure {
  version: string;
  error: string;
  /** wall time until the version failed, in seconds */
  seconds: number;
}

export interface BuildSummary {
  builds: BuildEntry[];
  failed: BuildFailure[];
}

/** Seconds since t0 (performance.now()), to a tenth. */
function secondsSince(t0: number): number {
  return Math.round((performance.now() - t0) / 100) / 10;
}

/**
 * The effects of a build, made on first use (a run without --push needs no registry client). The
 * Docker daemon's client comes from the preflight, which found it and checked that it answers.
 */
export interface BuildEffects {
  registry: () => RegistryClient;
  patchDeps?: PatchDeps;
  /** the password of a sealed `--sign-key` (the CLI: COSIGN_PASSWORD, else the terminal) */
  password?: PasswordSource;
}

/** A build resolved, planned and checked: what build() applies and dryRun() prints. */
interface Started {
  plan: BuildPlan;
  preflight: Preflight;
  /** the copy of `--source DIR`, or null */
  source: SourceCopy | null;
}

async function start(
  req: BuildRequest,
  effects: BuildEffects,
  ctx: Context,
  dryRun: boolean,
): Promise<Started> {
  const releases =
    req.source === undefined
      ? await resolveReleases(req.repoUrl, req.selection, ctx)
      : [sourceRelease(req.selection.spec)];
  const host = { platform: hostPlatform(process.arch), runs: runnablePlatforms() };
  let plan = planBuild(releases, req, host);
  const preflight = await runPreflight(plan, { ctx, effects, dryRun });
  if (!dryRun) await claimRun(ctx); // a dry run changes nothing, also in the cache
  let source: SourceCopy | null = null;
  if (req.source !== undefined) {
    const release = releases[0] as Release;
    ctx.reporter.stage(
      release.version,
      'checkout',
      `from ${req.source} (a copy: the tree is never modified)`,
    );
    source = await copySource(resolvePath(ctx.cwd, req.source), {
      signal: ctx.signal,
      env: ctx.env,
      log: (l) => ctx.reporter.info(l),
    });
    plan = planBuild([{ ...release, commit: source.commit ?? NO_COMMIT }], req, host);
  }
  return { plan, preflight, source };
}

/** Builds the images (or binaries) of every selected version, one after another; a failure stops only its version. */
export async function build(req: BuildRequest, effects: BuildEffects, ctx: Context): Promise<BuildSummary> {
  const started = await start(req, effects, ctx, false);
  try {
    ctx.onResolved?.(started.plan.versions.map((v) => v.release.version));
    const summary: BuildSummary = { builds: [], failed: [] };
    for (const v of started.plan.versions) {
      const t0 = performance.now();
      try {
        const built = await buildVersion(v, started, effects, ctx);
        summary.builds.push({ ...built, seconds: secondsSince(t0) });
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        if (isVcError(e) && e.exitCode === 2) throw e;
        const message = redact(e instanceof Error ? e.message : String(e));
        const hint = isVcError(e) && e.hint ? `\n${redact(e.hint)}` : '';
        ctx.reporter.finish(v.release.version, 'failed', message);
        summary.failed.push({
          version: v.release.version,
          error: `${message}${hint}`,
          seconds: secondsSince(t0),
        });
      }
    }
    return summary;
  } finally {
    await started.source?.dispose();
  }
}

// ------------------------------------------------------------------------------------- one version

interface Target {
  plan: TargetPlan;
  sink: Sink;
}

/** The sinks of a version's image outputs (binaries: is none). */
function targetsOf(v: VersionPlan, started: Started, effects: BuildEffects): Target[] {
  const docker = () => started.preflight.get(dockerDaemon).docker;
  return v.targets.flatMap((t) => {
    const sink = sinkFor(t.output, { registry: effects.registry, docker, platform: t.platform });
    return sink ? [{ plan: t, sink }] : [];
  });
}

/**
 * `--sign-key`: signs the image in every target that keeps signatures (registry, OCI layout): the index
 * and each platform manifest, and the statements given as DSSE attestations. What is already signed by
 * the key is left as it is, so this is also what makes a current image signed without recompiling.
 */
async function signTargets(
  v: VersionPlan,
  targets: readonly Target[],
  image: { digest: string; manifests: readonly { digest: string; platform?: Descriptor['platform'] }[] },
  statements: readonly Uint8Array[],
  started: Started,
  effects: BuildEffects,
  ctx: Context,
): Promise<void> {
  if (started.plan.request.signKey === undefined) return;
  const key = started.preflight.get(signingKey);
  const { version } = v.release;
  for (const t of targets) {
    const where = signatureStoreFor(t.plan.output, effects);
    if (!where) continue;
    ctx.reporter.stage(version, 'sign', t.plan.name);
    const digests = {
      reference: where.reference,
      digests: [
        { digest: image.digest, label: 'index' },
        ...image.manifests.map((m) => ({
          digest: m.digest,
          label: m.platform ? formatPlatform(platformOf(m.platform)) : m.digest,
        })),
      ],
    };
    const written = await signImage(where.store, digests, key, statements, ctx.signal);
    ctx.reporter.info(
      written.length === 0
        ? `${version}: ${t.plan.name} is signed by this key already`
        : `${version}: signed in ${t.plan.name} (${written.length} signature manifest${written.length === 1 ? '' : 's'})`,
    );
  }
}

/** The Go chosen for a version by the preflight (its exact version, no download yet); throws when it cannot be had. */
function goFor(v: VersionPlan, started: Started): GoChoice {
  const choice = started.preflight.get(goChoices).choices.get(v.release.version);
  if (choice === undefined) throw new Error(`preflight chose no Go for ${v.release.version}`);
  if (choice instanceof Error) throw choice;
  return choice;
}

/** The Go of a choice as build --json reports it before it is obtained. */
function chosenGo(choice: GoChoice): BuildEntry['go'] {
  return {
    version: choice.version,
    path: choice.means.kind === 'installed' ? choice.means.go.path : null,
    source: choice.source,
  };
}

/**
 * What make is run with in a patched work tree, the same for a build and for the `make -n` that
 * records how a current image was made: the checkout, the Go, --build-env, the Makefile, the logs and
 * SOURCE_DATE_EPOCH (the tag commit's time; a --source tree's, else SOURCE_DATE_EPOCH's).
 */
async function makeInputs(
  dir: string,
  release: Release,
  go: { path: string; version: string },
  started: Started,
  ctx: Context,
): Promise<Omit<CompileRequest, 'platforms' | 'jobs' | 'outDir' | 'onProgress' | 'onWarning'>> {
  const { env, signal } = ctx;
  const req = started.plan.request;
  const sourceDateEpoch = started.source
    ? (started.source.commitTime ?? sourceEpochFromEnv(env))
    : await commitTime(dir, { signal, env });
  return {
    checkout: { dir, release, owned: true },
    go: { path: go.path, version: go.version },
    buildEnv: req.buildEnv,
    releaseMakefile: req.releaseMakefile,
    logDir: join(ctx.cacheDir, 'logs'),
    sourceDateEpoch,
    gitCommit: release.commit,
    env,
  };
}

/** The build key of a version: computed once, before anything is cloned (DESIGN.md "Config labels"). */
function keyOf(v: VersionPlan, started: Started, base: BaseImage | null, goVersion: string): string {
  return buildKey({
    commit: v.release.commit,
    sourceTreeHash: started.source?.treeHash,
    patch: patchId(started.plan.request.key),
    platforms: v.platforms,
    baseDigest: base?.digest ?? 'none',
    goVersion: `go${goVersion}`,
    buildEnv: started.plan.request.buildEnv,
  });
}

/** A version's entry; build() adds the time it took. */
type VersionEntry = Omit<BuildEntry, 'seconds'>;

function entry(
  v: VersionPlan,
  fields: Pick<BuildEntry, 'digest' | 'refs' | 'skipped' | 'go' | 'smoke'>,
): VersionEntry {
  return {
    version: v.release.version,
    commit: v.release.commit,
    platforms: v.platforms.map(formatPlatform),
    digest: fields.digest,
    refs: [...new Set(fields.refs)],
    skipped: fields.skipped,
    go: fields.go,
    ...(fields.smoke ? { smoke: fields.smoke } : {}),
  };
}

/**
 * `--smoke`: the host platform's binary against the fake Kubernetes API, before anything is published.
 * Anything but `ok` fails the version (VcError SMOKE_NOT_PATCHED or SMOKE_FAILED, with the failing cases
 * and the binary's last log lines as the hint).
 */
async function smokeVersion(
  v: VersionPlan,
  platform: Platform,
  binaries: readonly Binary[],
  req: BuildRequest,
  ctx: Context,
): Promise<NonNullable<BuildEntry['smoke']>> {
  const { version } = v.release;
  const name = formatPlatform(platform);
  const binary = binaries.find((b) => samePlatform(b.platform, platform));
  if (!binary)
    throw new VcError(`${version}: no ${name} binary was built to smoke-test`, { code: 'SMOKE_FAILED' });
  ctx.reporter.stage(version, 'smoke', name);
  const doc = await smokeRun(
    `CoreDNS ${version} (${name})`,
    binary.path,
    name,
    req.key,
    req.smokeTimeoutMs === undefined ? {} : { timeoutMs: req.smokeTimeoutMs },
    { signal: ctx.signal, log: (l) => ctx.reporter.info(`${version}: ${l}`) },
  );
  const failure = smokeFailure(doc, doc.ref);
  if (failure) {
    const details = smokeDetails(doc);
    throw new VcError(`${failure.message} (${doc.verdict}); nothing of it was published`, {
      code: failure.code,
      hint: [...details, ...(failure.hint ? [failure.hint] : [])].join('\n'),
    });
  }
  const passed = doc.cases.filter((c) => c.ok).length;
  ctx.reporter.info(`${version}: smoke ok (${passed}/${doc.cases.length} cases, ${doc.seconds} s)`);
  return { platform: name, verdict: doc.verdict, passed, cases: doc.cases.length, seconds: doc.seconds };
}

/**
 * The version's entry when every target already holds an image with this build key (no clone, no
 * compile): its other tags (--also-tag) are pointed at that image. null when it must be built; what
 * made a target unusable (a damaged or lost blob) is said first.
 */
async function skipIfCurrent(
  v: VersionPlan,
  fan: Sink,
  key: string,
  go: BuildEntry['go'],
  ctx: Context,
  sign: (image: { digest: string; manifests: readonly Descriptor[] }) => Promise<void>,
): Promise<VersionEntry | null> {
  if (!fan.current || !fan.addTag) return null;
  const { version } = v.release;
  ctx.reporter.stage(version, 'skip-check');
  const current = await fan.current(v.tag, ctx.signal);
  for (const p of current.problems) ctx.reporter.warn(`${version}: ${p}; building it again`);
  const held = current.held;
  if (held === null || held.buildKey !== key) return null;
  const refs = [...held.refs];
  for (const tag of v.tags.slice(1)) refs.push(...(await fan.addTag(held, tag, ctx.signal)).refs);
  // With --sign-key a current image must carry a signature by the key: added here, nothing compiled.
  await sign({ digest: held.descriptor.digest, manifests: held.manifests });
  return entry(v, { digest: held.descriptor.digest, refs, skipped: true, go });
}

/** SOURCE_DATE_EPOCH for a --source tree that is not a git repository: the environment's, else 0. */
function sourceEpochFromEnv(env: NodeJS.ProcessEnv): number {
  const n = Number(env.SOURCE_DATE_EPOCH);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** The checkout to patch and build in: the cached one (locked meanwhile), or the copy of --source. */
async function withWorkTree<T>(
  release: Release,
  started: Started,
  ctx: Context,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  if (started.source) return fn(started.source.dir);
  const url = started.plan.request.repoUrl;
  ctx.reporter.stage(release.version, 'checkout', `from ${redact(url)}`);
  return withCheckout(
    release,
    url,
    { cacheDir: ctx.cacheDir, signal: ctx.signal, env: ctx.env, log: (l) => ctx.reporter.info(l) },
    (checkout) => fn(checkout.dir),
  );
}

async function buildVersion(
  v: VersionPlan,
  started: Started,
  effects: BuildEffects,
  ctx: Context,
): Promise<VersionEntry> {
  const { reporter, signal, env } = ctx;
  const req = started.plan.request;
  const { release, platforms } = v;
  const { version, era } = release;
  const choice = goFor(v, started);
  const targets = targetsOf(v, started, effects);
  const base = v.image
    ? await loadBase(req.base, platforms, effects.registry, { signal, log: (l) => reporter.info(l) })
    : null;
  let key = keyOf(v, started, base, choice.version);

  const attesting = req.attest !== undefined && (req.attest.sbom || req.attest.provenance);
  const attestBase = (goVersion: string, goSource: string, buildKeyValue: string) => ({
    opts: req.attest ?? { sbom: false, provenance: false, toolVersion: '' },
    env,
    release: { version, commit: release.commit },
    sourceUrl: publicSourceUrl(req.source ? `file://${resolvePath(ctx.cwd, req.source)}` : req.repoUrl),
    sourceTreeHash: started.source?.treeHash,
    tag: v.tag,
    goVersion: `go${goVersion}`,
    goSource,
    buildKey: buildKeyValue,
    startedOn,
  });
  const startedOn = new Date();

  // Skip if every target already carries this build key (only targets that can say so: oci, registry)
  // and the SBOM and provenance asked for; when only those are missing, they are added without compiling.
  if (!req.force && v.binariesDir === null) {
    const fan = fanOutSink(targets.map((t) => t.sink));
    const skipped = await skipIfCurrent(v, fan, key, chosenGo(choice), ctx, (image) =>
      signTargets(v, targets, image, [], started, effects, ctx),
    );
    if (skipped?.digest) {
      const wanted = req.attest ? wantedKinds(req.attest) : [];
      const digest = skipped.digest;
      const missing = await Promise.all(
        targets.map((t) =>
          t.sink.artifacts ? missingKinds(t.sink.artifacts(), digest, wanted, signal) : [],
        ),
      );
      const adding = missing.some((m) => m.length > 0);
      if (adding) {
        const go = await started.preflight.get(goChoices).chooser.obtain(choice);
        await attachToCurrent(
          v,
          started,
          targets,
          missing,
          base,
          go,
          attestBase(go.version, go.source, key),
          effects,
          ctx,
        );
      }
      reporter.finish(
        version,
        'skipped',
        adding
          ? 'the target already has this build; added its SBOM and provenance'
          : 'the target already has this build',
      );
      return skipped;
    }
  }

  // Had before cloning (a download, the toolchain switch): a Go that cannot be had fails (or, with
  // --go-fallback installed, falls back) at no cost.
  const go = await started.preflight.get(goChoices).chooser.obtain(choice);
  if (go.warning && go.warning !== choice.warning) reporter.warn(`${version}: ${go.warning}`);
  if (go.version !== choice.version) {
    reporter.info(`${version}: Go ${go.version} at ${go.path} (--go-fallback installed)`);
    key = keyOf(v, started, base, go.version);
  }

  // With --smoke, binaries: are compiled aside and copied only once the smoke test passed.
  const tmp = v.binariesDir === null || v.smoke ? await makeTempDir(join(tmpdir(), 'vc-coredns-bin-')) : null;
  const outDir = tmp?.path ?? (v.binariesDir as string);
  try {
    const built = await withWorkTree(release, started, ctx, async (dir) => {
      const patch = await patchTree(version, dir, req.key, effects.patchDeps, reporter);
      const inputs = await makeInputs(dir, release, go, started, ctx);
      reporter.stage(version, 'build', platforms.map(formatPlatform).join(', '));
      const binaries = await compileBinaries(
        {
          ...inputs,
          platforms,
          jobs: req.jobs,
          outDir,
          onProgress: (e) => reporter.platform(version, formatPlatform(e.platform), e.stage),
          onWarning: (m) => reporter.warn(`${version}: ${m}`),
        },
        commandRunner(ctx),
        signal,
      );
      return { binaries, sourceDateEpoch: inputs.sourceDateEpoch, diff: patch.diff };
    });

    const smoke = v.smoke ? await smokeVersion(v, v.smoke, built.binaries, req, ctx) : undefined;
    const refs: string[] = [];
    if (v.binariesDir !== null) {
      if (outDir !== v.binariesDir) await cp(outDir, v.binariesDir, { recursive: true });
      refs.push(...built.binaries.map((b) => join(v.binariesDir as string, relative(outDir, b.path))));
    }
    let digest: string | null = null;
    const loaded = await loadBinaries(built.binaries);
    const platformBuilds: PlatformBuild[] = loaded.map((b, i) => ({
      platform: b.platform,
      bytes: b.bytes,
      make: built.binaries[i]?.make ?? null,
    }));
    const patch = { id: patchId(req.key), annotationKey: req.key, diff: built.diff };
    const attestInput = attestBase(go.version, go.source, key);
    // binaries: the SBOM of each bare binary beside it, the provenance of all of them at the top.
    if (v.binariesDir !== null && attesting) {
      reporter.stage(version, 'attest', v.binariesDir);
      const bare = await makeAttestations({
        ...attestInput,
        index: null,
        binaries: platformBuilds,
        labels: {},
        patch,
        base: null,
        sourceDateEpoch: built.sourceDateEpoch,
      });
      await writeFiles(v.binariesDir, bare, 'per-platform');
      if (!base && req.attest?.attestationsDir) {
        await writeFiles(join(req.attest.attestationsDir, version), bare, 'named');
      }
    }
    if (base) {
      reporter.stage(version, 'assemble');
      const labels = imageLabels({
        release,
        annotationKey: req.key,
        repoUrl: req.source ? `file://${resolvePath(ctx.cwd, req.source)}` : req.repoUrl,
        goVersion: `go${go.version}`,
        patch: patchId(req.key),
        buildKey: key,
        sourceDateEpoch: built.sourceDateEpoch,
      });
      const index = assembleImage({
        binaries: loaded,
        base,
        era,
        labels,
        sourceDateEpoch: built.sourceDateEpoch,
      });
      // what is written: the index, or (docker-archive:/--load only) one platform's image
      const single = v.single === null ? undefined : platformImage(index, v.single);
      digest = single ? single.manifest.descriptor.digest : index.digest;
      const attestations = attesting
        ? await makeAttestations({
            ...attestInput,
            index: attestedIndex(index),
            binaries: platformBuilds,
            labels,
            patch,
            base,
            sourceDateEpoch: built.sourceDateEpoch,
          })
        : null;
      for (const t of targets) {
        reporter.stage(version, 'publish', `to ${t.plan.name}`);
        for (const tag of t.plan.tags) refs.push(...(await t.sink.write(index, tag, signal)).refs);
        if (!attestations) continue;
        if (t.sink.attach && attestations.artifacts.length > 0)
          await t.sink.attach(attestations.artifacts, signal);
        if (t.plan.output.kind === 'docker-archive') {
          await writeFiles(dirname(t.plan.output.file), attestations, 'single', t.plan.platform ?? undefined);
        }
      }
      if (attestations && req.attest?.attestationsDir) {
        await writeFiles(join(req.attest.attestationsDir, version), attestations, 'named');
      }
      // The SBOMs and the provenance as signed DSSE envelopes (`.att`), beside the signatures.
      const statements = attestations
        ? [
            ...attestations.sboms.map((s) => statementBytes(s.statement)),
            ...(attestations.provenance ? [attestations.provenance.bytes] : []),
          ]
        : [];
      await signTargets(
        v,
        targets,
        { digest: index.digest, manifests: index.manifests.map((m) => m.manifest.descriptor) },
        statements,
        started,
        effects,
        ctx,
      );
    }
    reporter.finish(version, 'built', digest ?? v.binariesDir ?? outDir);
    return entry(v, {
      digest,
      refs,
      skipped: false,
      go: { version: go.version, path: go.path, source: go.source },
      smoke,
    });
  } finally {
    await tmp?.remove();
  }
}

/** The image a target holds under the version's tag, with its layers (for the binaries in it). */
async function heldImage(t: Target, tag: string, effects: BuildEffects, ctx: Context) {
  const o = t.plan.output;
  const spec =
    o.kind === 'oci'
      ? `oci:${o.dir}:${tag}`
      : o.kind === 'registry'
        ? `${repoName(o.ref)}:${o.ref.tag ?? tag}`
        : null;
  if (spec === null) return null;
  return (await readImageSource(spec, { registry: effects.registry }, { signal: ctx.signal })).image;
}

/**
 * Adds the SBOM and provenance an image that is already current lacks, without compiling: the
 * binaries come from the image itself, the patch from a fresh patch of the checkout, the make command
 * and its -ldflags from `make -n`.
 */
async function attachToCurrent(
  v: VersionPlan,
  started: Started,
  targets: Target[],
  missing: ArtifactKind[][],
  base: BaseImage | null,
  go: GoUsed,
  attestBase: Omit<
    Parameters<typeof makeAttestations>[0],
    'index' | 'binaries' | 'labels' | 'patch' | 'base' | 'sourceDateEpoch'
  >,
  effects: BuildEffects,
  ctx: Context,
): Promise<void> {
  const { reporter, signal } = ctx;
  const req = started.plan.request;
  const { release } = v;
  const { version } = release;
  const source = targets.find((t) => t.plan.output.kind === 'oci') ?? targets[0];
  const image = source ? await heldImage(source, v.tag, effects, ctx) : null;
  if (!image) return;
  reporter.stage(version, 'attest', 'adding the SBOM and provenance to the current image');
  const index: AttestedIndex = {
    descriptor: image.descriptor,
    images: image.images.map((i) => ({ platform: i.platform, manifestDigest: i.descriptor.digest })),
  };
  const prepared = await withWorkTree(release, started, ctx, async (dir) => {
    const patch = await patchTree(version, dir, req.key, effects.patchDeps, reporter);
    const inputs = await makeInputs(dir, release, go, started, ctx);
    const made = await dryRunMake(
      { ...inputs, platforms: index.images.map((i) => i.platform) },
      undefined,
      signal,
    );
    return { diff: patch.diff, sourceDateEpoch: inputs.sourceDateEpoch, made };
  });
  const binaries: PlatformBuild[] = image.images.flatMap((i) => {
    const bytes = imageFile(i, '/coredns')?.data;
    return bytes
      ? [{ platform: i.platform, bytes, make: prepared.made.get(formatPlatform(i.platform)) ?? null }]
      : [];
  });
  const attestations = await makeAttestations({
    ...attestBase,
    index,
    binaries,
    labels: image.labels,
    patch: { id: patchId(req.key), annotationKey: req.key, diff: prepared.diff },
    base,
    sourceDateEpoch: prepared.sourceDateEpoch,
  });
  for (const [i, t] of targets.entries()) {
    const kinds = missing[i] ?? [];
    const artifacts = attestations.artifacts.filter((a) => kinds.includes(a.kind));
    if (t.sink.attach && artifacts.length > 0) await t.sink.attach(artifacts, signal);
  }
  if (req.attest?.attestationsDir) {
    await writeFiles(join(req.attest.attestationsDir, version), attestations, 'named');
  }
}

// ------------------------------------------------------------------------------------------ dry run

export interface DryRunTarget {
  /** oci, registry, docker-archive, binaries, daemon */
  output: string;
  /** where: the layout or binaries folder, the archive file, the repository */
  ref: string;
  tags: string[];
  /** whether it holds this build already: null when that cannot be told without the network */
  current: boolean | null;
}

export interface DryRunVersion {
  version: string;
  commit: string;
  platforms: string[];
  /** the Go it would build with (path null when it is not at hand yet); null when it cannot be had */
  go: BuildEntry['go'] | null;
  targets: DryRunTarget[];
  /** `--smoke`: the platform that would be smoke-tested */
  smoke?: string;
}

export interface DryRun {
  plan: DryRunVersion[];
}

/** Whether a target holds this version's build: asked only where no network is needed (an OCI layout). */
async function currentWithoutNetwork(
  v: VersionPlan,
  target: Target | undefined,
  key: string | null,
  ctx: Context,
): Promise<boolean | null> {
  if (!target?.sink.current || target.plan.output.kind !== 'oci') {
    return target?.sink.current ? null : false;
  }
  if (key === null) return null;
  const current = await target.sink.current(v.tag, ctx.signal);
  return current.held?.buildKey === key;
}

/** `build --dry-run`: the plan (versions, platforms, targets, tags) and what is current, nothing built. */
export async function dryRun(req: BuildRequest, effects: BuildEffects, ctx: Context): Promise<DryRun> {
  const started = await start(req, effects, ctx, true);
  try {
    const plan: DryRunVersion[] = [];
    for (const v of started.plan.versions) {
      const targets = targetsOf(v, started, effects);
      // The build key needs the base's digest: known here for the built-in base only.
      const base =
        v.image && req.base === undefined ? await loadBase(undefined, v.platforms, effects.registry) : null;
      const choice = started.preflight.get(goChoices).choices.get(v.release.version);
      const go = choice === undefined || choice instanceof Error ? null : choice;
      if (choice instanceof Error) ctx.reporter.warn(`${v.release.version}: ${choice.message}`);
      const key = base && !req.force && go ? keyOf(v, started, base, go.version) : null;
      plan.push({
        version: v.release.version,
        commit: v.release.commit,
        platforms: v.platforms.map(formatPlatform),
        go: go ? chosenGo(go) : null,
        ...(v.smoke ? { smoke: formatPlatform(v.smoke) } : {}),
        targets: await Promise.all(
          v.targets.map(async (t) => ({
            output: t.output.kind,
            ref: outputLocation(t.output),
            tags: t.output.kind === 'binaries' ? [] : t.tags,
            current: req.force
              ? false
              : await currentWithoutNetwork(
                  v,
                  targets.find((x) => x.plan === t),
                  key,
                  ctx,
                ),
          })),
        ),
      });
    }
    return { plan };
  } finally {
    await started.source?.dispose();
  }
}
