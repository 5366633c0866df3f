import { mkdir } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_ANNOTATION, parseAnnotationKey } from '../../patch/annotation-key.js';
import type { BuildEffects, BuildSummary, DryRun } from '../../pipeline/build.js';
import type { BuildRequest } from '../../pipeline/plan.js';
import { writeFileAtomic } from '../../util/fs.js';
import { makeContext } from '../context.js';
import { annotateError, appendStepSummary, inGitHubActions } from '../github.js';
import { printJson } from '../io.js';
import { runResultLine } from '../json-progress.js';
import { addNetworkOptions, type NetworkCliOptions, networkFromCli } from '../network.js';
import { DEFAULT_PLATFORMS, parseChoice, parsePositiveInt } from '../options.js';
import { passwordSource } from '../password.js';
import { type Reporter, recordingReporter } from '../progress.js';
import { type ProgressKind, parseProgress, progressKind, streamReporter } from '../progress-mode.js';
import { packageVersion } from '../version.js';
import type { CommandEnv } from './shared.js';

export interface BuildCliOptions extends NetworkCliOptions {
  version?: string;
  kubernetes?: string;
  kubernetesMap?: string;
  repo?: string;
  source?: string;
  platforms?: string;
  push?: string[];
  output?: string[];
  load?: boolean;
  base?: string;
  jobs?: string;
  force?: boolean;
  json?: boolean;
  annotation: string;
  go?: string;
  goFallback?: string;
  goSearch?: string[];
  goDownloadUrl?: string;
  buildEnv?: string[];
  releaseMakefile?: boolean;
  tagSuffix: string;
  alsoTag?: string[];
  signKey?: string;
  quiet?: boolean;
  dryRun?: boolean;
  smoke?: boolean;
  smokeTimeout?: string;
  /** commander's --no-sbom / --no-provenance */
  sbom: boolean;
  provenance: boolean;
  attestationsDir?: string;
  summary?: string;
  progress?: string;
  verbose?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/**
 * Plain lines, or on a terminal a TTY task list once the versions are known: what is told before the
 * list appears is kept and handed to it (info lines as its first task), or printed plainly if the run
 * ends before it (an error while resolving).
 */
function switchingReporter(
  plain: Reporter,
  tty: boolean,
): Reporter & { use(r: (preamble: string[]) => Reporter): void } {
  const early = tty ? recordingReporter() : null;
  let current: Reporter = early ?? plain;
  return {
    use(make) {
      if (early) {
        const preamble = early.infos();
        current = make(preamble);
        early.replay(current, { withInfo: false });
      } else {
        current.close();
        current = make([]);
      }
    },
    stage: (...a) => current.stage(...a),
    platform: (...a) => current.platform(...a),
    finish: (...a) => current.finish(...a),
    info: (m) => current.info(m),
    warn: (m) => current.warn(m),
    close: () => {
      if (current === early) {
        early.replay(plain, { withInfo: true });
        current = plain;
      }
      current.close();
    },
  };
}

function printSummary(summary: BuildSummary, env: CommandEnv, progress: ProgressKind): void {
  for (const b of summary.builds) {
    for (const r of b.refs) env.io.out(`${r}\n`);
  }
  const built = summary.builds.filter((b) => !b.skipped).map((b) => b.version);
  const skipped = summary.builds.filter((b) => b.skipped).map((b) => b.version);
  const parts = [
    built.length ? `built ${built.join(', ')}` : '',
    skipped.length ? `skipped ${skipped.join(', ')} (current)` : '',
    summary.failed.length ? `failed ${summary.failed.map((f) => f.version).join(', ')}` : '',
  ].filter(Boolean);
  const line = parts.join('; ') || 'nothing to do';
  // json progress: the run's result event; each failure was a version's result event already.
  if (progress === 'json') {
    env.io.err(runResultLine(summary.failed.length > 0 ? 'failed' : 'ok', line));
    return;
  }
  env.io.err(`${line}\n`);
  for (const f of summary.failed) {
    const [message, ...hint] = f.error.split('\n');
    env.io.err(`error: ${f.version}: ${message}\n`);
    if (hint.length) env.io.err(`hint: ${hint.join('\n')}\n`);
  }
}

function printDryRun(dry: DryRun, env: CommandEnv): void {
  for (const v of dry.plan) {
    env.io.out(
      `${v.version} ${v.commit.slice(0, 12)} ${v.platforms.join(',')} ${v.go ? `go${v.go.version}` : 'no Go'}\n`,
    );
    for (const t of v.targets) {
      const state =
        t.current === null ? 'unknown' : t.current ? 'current: would be skipped' : 'would be built';
      const tags = t.tags.length > 0 ? ` ${t.tags.join(',')}` : '';
      env.io.out(`  ${t.output} ${t.ref}${tags} (${state})\n`);
    }
  }
}

/**
 * Where the run's Markdown table goes: `--summary FILE` (written whole, atomically) and, in GitHub
 * Actions, the step summary (appended); each failed version also as an `::error` annotation.
 */
async function writeRunReports(summary: BuildSummary, opts: BuildCliOptions, env: CommandEnv): Promise<void> {
  const { io } = env;
  if (inGitHubActions(io.env) && opts.progress !== 'json') {
    for (const f of summary.failed) annotateError(io, `CoreDNS ${f.version} failed to build`, f.error);
  }
  const { renderSummary } = await import('../summary-table.js');
  const markdown = renderSummary(summary, `vc-coredns ${packageVersion()} build`);
  if (opts.summary !== undefined) {
    const file = resolvePath(opts.summary);
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, markdown);
  }
  await appendStepSummary(io.env, markdown);
}

export async function runBuild(opts: BuildCliOptions, env: CommandEnv): Promise<number> {
  const { io } = env;
  const { badInput } = await import('../../errors.js');
  const progress = parseProgress(opts.progress);
  if (opts.version === undefined && opts.kubernetes === undefined) {
    throw badInput(
      'build needs --version or --kubernetes',
      'BAD_FLAG',
      'e.g. --version v1.9.3, --version ">=1.8.0 <1.10", --version latest or --kubernetes 1.30',
    );
  }
  if (opts.repo !== undefined && opts.source !== undefined) {
    throw badInput(
      '--repo and --source exclude each other',
      'BAD_FLAG',
      '--source builds a local tree, --repo clones a tag',
    );
  }
  const key = parseAnnotationKey(opts.annotation);
  const { parseGoRequest, parseBuildEnv } = await import('../../compile/index.js');
  if (opts.goFallback !== undefined) parseChoice('--go-fallback', opts.goFallback, ['installed'] as const);
  const go = await parseGoRequest(opts.go, process.cwd());
  const buildEnv = parseBuildEnv(opts.buildEnv ?? []);
  const goDownloadUrl = opts.goDownloadUrl ?? (io.env.VC_COREDNS_GO_URL?.trim() || undefined);
  if (goDownloadUrl !== undefined && !/^https?:\/\//i.test(goDownloadUrl)) {
    throw badInput(
      `--go-download-url ${goDownloadUrl} is not an http(s) URL`,
      'BAD_FLAG',
      'name the base URL of the Go archives and their JSON listing, e.g. https://go.dev/dl/',
    );
  }
  const jobs = opts.jobs === undefined ? 0 : parsePositiveInt('--jobs', opts.jobs);
  const smokeTimeoutMs =
    opts.smokeTimeout === undefined
      ? undefined
      : parsePositiveInt('--smoke-timeout', opts.smokeTimeout) * 1000;
  // Heavy modules load only for build.
  const [
    { build, dryRun },
    { parseOutputs },
    { resolveRepoUrl },
    { loadKubernetesMap },
    { RegistryClient },
    { dockerCredentials },
    { parseRef },
  ] = await Promise.all([
    import('../../pipeline/build.js'),
    import('../../publish/outputs.js'),
    import('../../source/url.js'),
    import('../load-kubernetes-map.js'),
    import('../../registry/client.js'),
    import('../../registry/credentials.js'),
    import('../../registry/ref.js'),
  ]);
  if (opts.base !== undefined) parseRef(opts.base); // bad input before any network
  const outputs = parseOutputs(
    { output: opts.output, push: opts.push, load: Boolean(opts.load) },
    process.cwd(),
  );
  const repoUrl = opts.source === undefined ? resolveRepoUrl(opts.repo, io.env) : '';
  const table = opts.kubernetesMap ? await loadKubernetesMap(opts.kubernetesMap) : undefined;
  if (opts.summary !== undefined) {
    if (opts.dryRun) {
      throw badInput('--summary has nothing to write with --dry-run', 'BAD_FLAG', 'drop one of them');
    }
    const { checkWritableFile } = await import('../../pipeline/preflight.js');
    await checkWritableFile(resolvePath(opts.summary), '--summary ');
  }
  // Proxies and CAs are read (and bad values refused) only when a registry is involved.
  const network =
    opts.base !== undefined || outputs.some((o) => o.kind === 'registry')
      ? await networkFromCli(opts, io)
      : undefined;

  const kind = progressKind(progress, io, opts);
  const quiet = Boolean(opts.quiet);
  const reporter = switchingReporter(
    streamReporter(kind === 'json' ? 'json' : 'plain', io, { quiet }),
    kind === 'tty',
  );
  const ctx = makeContext(io, opts, env.signal, reporter);
  // --verbose: each make/go command and registry request, as info lines (none with --quiet)
  const trace = opts.verbose ? (line: string) => reporter.info(line) : undefined;
  if (trace) ctx.trace = trace;
  if (kind === 'tty') {
    ctx.onResolved = (versions) => {
      void import('../tty-progress.js').then(({ ttyReporter }) =>
        reporter.use((preamble) => ttyReporter(io, versions, preamble)),
      );
    };
  }
  let registry: InstanceType<typeof RegistryClient> | undefined;
  const pushRegistries = outputs.flatMap((o) => (o.kind === 'registry' ? [o.ref.registry] : []));
  // made now: a bad VC_COREDNS_HELPER_TIMEOUT is bad input before any network
  const credentials = dockerCredentials({ env: io.env, envRegistries: pushRegistries });
  try {
    const request: BuildRequest = {
      selection: {
        ...(opts.version !== undefined ? { spec: opts.version } : {}),
        ...(opts.kubernetes !== undefined ? { kubernetes: opts.kubernetes } : {}),
        ...(table ? { kubernetesTable: table } : {}),
        buildable: true,
      },
      repoUrl,
      ...(opts.source !== undefined ? { source: opts.source } : {}),
      ...(opts.platforms !== undefined ? { platforms: opts.platforms } : {}),
      outputs,
      key,
      ...(opts.base !== undefined ? { base: opts.base } : {}),
      jobs,
      force: Boolean(opts.force),
      go,
      goFallback: opts.goFallback === 'installed',
      goSearch: (opts.goSearch ?? []).map((d) => resolvePath(process.cwd(), d)),
      ...(goDownloadUrl !== undefined ? { goDownloadUrl } : {}),
      buildEnv,
      releaseMakefile: Boolean(opts.releaseMakefile),
      tagSuffix: opts.tagSuffix,
      alsoTag: opts.alsoTag ?? [],
      ...(opts.smoke ? { smoke: true } : {}),
      ...(smokeTimeoutMs === undefined ? {} : { smokeTimeoutMs }),
      ...(opts.signKey !== undefined ? { signKey: opts.signKey } : {}),
      attest: {
        sbom: opts.sbom !== false,
        provenance: opts.provenance !== false,
        ...(opts.attestationsDir !== undefined
          ? { attestationsDir: resolvePath(process.cwd(), opts.attestationsDir) }
          : {}),
        toolVersion: packageVersion(),
      },
    };
    const effects: BuildEffects = {
      registry: () => {
        registry ??= new RegistryClient({
          credentials,
          insecure: Boolean(opts.insecure),
          ...(network ? { network } : {}),
          log: (l) => reporter.info(l),
          ...(trace ? { trace } : {}),
        });
        return registry;
      },
      password: passwordSource(io, env.signal),
    };
    if (opts.dryRun) {
      const plan = await dryRun(request, effects, ctx);
      reporter.close();
      if (opts.json) printJson(io, plan);
      else printDryRun(plan, env);
      return 0;
    }
    const summary = await build(request, effects, ctx);
    reporter.close();
    if (opts.json) printJson(io, summary);
    else printSummary(summary, env, kind);
    await writeRunReports(summary, opts, env);
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    reporter.close();
  }
}

export function registerBuild(program: Command, env: CommandEnv): void {
  const command = program
    .command('build')
    .description('clone, patch and build CoreDNS, and write multi-arch images (or binaries)')
    .option(
      '--version <spec>',
      "a CoreDNS version (v1.9.3), a semver range ('>=1.8.0 <1.10'), latest, or a comma-separated list: v1.6.8,v1.9.3",
    )
    .option(
      '--kubernetes <list>',
      'the CoreDNS that kubeadm ships with these Kubernetes releases: 1.30,1.31.2',
    )
    .option('--kubernetes-map <file>', 'JSON that adds or overrides Kubernetes -> CoreDNS entries')
    .option('--repo <url>', 'CoreDNS git repository: URL or local path (default: $VC_COREDNS_REPO or GitHub)')
    .option('--source <dir>', 'build this local CoreDNS tree (copied, never modified) as --version')
    .option('--platforms <list>', `platforms to build (default ${DEFAULT_PLATFORMS})`)
    .option('--push <ref>', 'push the image index to a registry, e.g. ghcr.io/acme/coredns', collect)
    .option(
      '--output <type:path>',
      'oci:DIR (default ./dist/oci), docker-archive:FILE or binaries:DIR',
      collect,
      [],
    )
    .option('--load', "load the host platform's image into the Docker daemon as coredns:<tag>")
    .option('--base <ref>', 'base image to put CoreDNS on (default: a built-in minimal layer)')
    .option('--jobs <n>', 'platforms built at once (default: CPU count)')
    .option('--force', 'rebuild even when the target already has this build')
    .option(
      '--annotation <key>',
      'the Service annotation that carries the super cluster IP',
      DEFAULT_ANNOTATION,
    )
    .option(
      '--go <go>',
      "auto (upstream's Go of each release), latest-patch (the newest patch of its line), local (the go on PATH), a VERSION or a PATH",
      'auto',
    )
    .option(
      '--go-fallback <installed>',
      "when upstream's Go cannot be had, build with the oldest installed Go that meets go.mod and upstream's line (with a warning)",
    )
    .option('--go-search <dir>', 'also look for installed Gos here (a GOROOT or a folder of them)', collect)
    .option(
      '--go-download-url <url>',
      'where official Go archives and their JSON listing are (default: $VC_COREDNS_GO_URL or https://go.dev/dl/)',
    )
    .option(
      '--build-env <KEY=VALUE>',
      "pass a variable to make and go (they see only the tool's own environment); part of the build key",
      collect,
    )
    .option(
      '--release-makefile',
      "build with upstream's `make -f Makefile.release build` (also darwin/windows)",
    )
    .option('--tag-suffix <suffix>', 'appended to every version tag, e.g. -vc1', '')
    .option('--also-tag <tag>', 'another tag for the newest version built, e.g. latest', collect)
    .option(
      '--sign-key <file>',
      'cosign-sign each image pushed or written to an OCI layout (password: COSIGN_PASSWORD or asked)',
    )
    .option('--no-sbom', 'attach no CycloneDX SBOM (one per platform image by default)')
    .option('--no-provenance', 'attach no SLSA provenance (attached by default)')
    .option(
      '--attestations-dir <dir>',
      'also write the SBOMs and provenance there, in one folder per version',
    )
    .option('--dry-run', 'print the plan (versions, platforms, targets, tags, what is current) and stop')
    .option(
      '--smoke',
      "after compiling, smoke-test the host platform's binary against a fake Kubernetes API; a failure publishes nothing of that version",
    )
    .option('--smoke-timeout <seconds>', 'the smoke test of one version, start to stop (default: 60)')
    .option('--summary <file>', "write the run's Markdown table (as GitHub Actions' step summary shows it)")
    .option('--progress <mode>', 'auto, tty (task list), plain (lines) or json (one event per line)', 'auto')
    .option('--verbose', 'also each make and go command and each registry request (no secrets)')
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns build --version v1.9.3 --push ghcr.io/acme/coredns
  $ vc-coredns build --version '>=1.11.0' --platforms linux/amd64,linux/arm64,linux/arm/v7 --push 127.0.0.1:5000/coredns
  $ vc-coredns build --kubernetes 1.30 --output oci:./dist/oci
  $ vc-coredns build --version v1.12.0 --output docker-archive:coredns.tar --platforms linux/amd64
  $ vc-coredns build --version v1.9.3 --output binaries:./bin
  $ vc-coredns build --version v1.14.7 --platforms linux/amd64,linux/arm64 --smoke --push ghcr.io/acme/coredns
  $ vc-coredns build --version v1.9.3 --load && docker run --rm coredns:v1.9.3 -version
  $ vc-coredns build --repo file:///srv/coredns.git --version latest --also-tag latest --push registry.local/coredns
  $ vc-coredns build --version v1.6.8,v1.9.3,latest --smoke --output oci:./dist/oci --summary builds.md
  $ vc-coredns build --version '>=1.11.0' --summary builds.md --progress json 2>events.jsonl`,
    )
    .action(async (opts: BuildCliOptions) => env.exit(await runBuild(opts, env)));
  addNetworkOptions(command);
}
