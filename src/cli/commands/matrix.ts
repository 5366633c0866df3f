import type { Command } from 'commander';
import { resolveRepoUrl } from '../../source/url.js';
import { makeContext } from '../context.js';
import { DEFAULT_PLATFORMS, parseChoice } from '../options.js';
import type { CommandEnv } from './shared.js';

interface MatrixOptions {
  repo?: string;
  range?: string;
  kubernetes?: string;
  kubernetesMap?: string;
  platforms: string;
  format: string;
  quiet?: boolean;
}

export async function runMatrix(opts: MatrixOptions, env: CommandEnv): Promise<number> {
  const [
    { releaseGo, resolveReleases },
    { formatPlatform, parsePlatforms, setupGoVersion },
    { loadKubernetesMap },
  ] = await Promise.all([
    import('../../pipeline/resolve.js'),
    import('../../versions/index.js'),
    import('../load-kubernetes-map.js'),
  ]);
  const format = parseChoice('--format', opts.format, ['github', 'json'] as const);
  const url = resolveRepoUrl(opts.repo, env.io.env);
  const table = opts.kubernetesMap ? await loadKubernetesMap(opts.kubernetesMap) : undefined;
  const ctx = makeContext(env.io, opts, env.signal);
  try {
    const releases = await resolveReleases(
      url,
      {
        spec: opts.range ?? 'latest',
        ...(opts.kubernetes !== undefined ? { kubernetes: opts.kubernetes } : {}),
        ...(table ? { kubernetesTable: table } : {}),
        buildable: true,
      },
      ctx,
    );
    const go = await releaseGo(url, releases, ctx);
    // go: what actions/setup-go installs for the job (`1.14.x`, `1.21.8`); `build --go auto` takes the same.
    const include = releases.map((r) => {
      const upstream = go.get(r.version)?.upstream ?? null;
      return {
        version: r.version,
        platforms: parsePlatforms(opts.platforms, r.era, r.version).map(formatPlatform).join(','),
        go: upstream ? setupGoVersion(upstream) : null,
      };
    });
    // github: one line, ready for $GITHUB_OUTPUT and fromJSON().
    env.io.out(`${format === 'github' ? JSON.stringify({ include }) : JSON.stringify(include, null, 2)}\n`);
    return 0;
  } finally {
    ctx.reporter.close();
  }
}

export function registerMatrix(program: Command, env: CommandEnv): void {
  program
    .command('matrix')
    .description('a CI build matrix of CoreDNS versions and platforms (GitHub Actions or JSON)')
    .option('--repo <url>', 'CoreDNS git repository: URL or local path (default: $VC_COREDNS_REPO or GitHub)')
    .option('--range <range>', "a version, a semver range ('>=1.8.0 <1.10') or latest", 'latest')
    .option(
      '--kubernetes <list>',
      'the CoreDNS that kubeadm ships with these Kubernetes releases: 1.29,1.30.2',
    )
    .option('--kubernetes-map <file>', 'JSON that adds or overrides Kubernetes -> CoreDNS entries')
    .option('--platforms <list>', 'platforms of every job', DEFAULT_PLATFORMS)
    .option('--format <format>', 'github ({"include": [...]}, one line) or json', 'github')
    .option('--quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns matrix --range '>=1.8.0'
  $ vc-coredns matrix --kubernetes 1.29,1.30,1.31 --format json
  # in a workflow step:  echo "matrix=$(npx vc-coredns matrix --range '>=1.10.0')" >> "$GITHUB_OUTPUT"`,
    )
    .action(async (opts: MatrixOptions) => env.exit(await runMatrix(opts, env)));
}
