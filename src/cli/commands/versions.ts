import type { Command } from 'commander';
import { resolveRepoUrl } from '../../source/url.js';
import { makeContext } from '../context.js';
import { type Io, printJson } from '../io.js';
import type { CommandEnv } from './shared.js';

interface VersionsOptions {
  repo?: string;
  range?: string;
  json?: boolean;
  quiet?: boolean;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function runVersions(opts: VersionsOptions, io: Io, signal: AbortSignal): Promise<number> {
  const { listVersions } = await import('../../pipeline/resolve.js');
  const url = resolveRepoUrl(opts.repo, io.env);
  const ctx = makeContext(io, opts, signal);
  try {
    const rows = await listVersions(url, opts.range, ctx);
    if (opts.json) {
      printJson(
        io,
        rows.map((r) => ({
          version: r.version,
          commit: r.commit,
          shape: r.shape,
          supported: r.supported,
          go: r.go,
          upstreamGo: r.upstreamGo,
        })),
      );
    } else {
      const body = rows.map((r) => [
        r.version,
        r.commit.slice(0, 12),
        r.shape,
        r.supported ? (r.buildable ? 'patch+build' : 'patch') : 'no',
        r.go ?? '-',
        r.upstreamGo ?? '-',
      ]);
      io.out(`${table([['VERSION', 'COMMIT', 'SHAPE', 'SUPPORTED', 'GO', 'UPSTREAM GO'], ...body])}\n`);
      const supported = rows.filter((r) => r.supported).length;
      io.err(
        `${rows.length} releases, ${supported} supported (${rows.filter((r) => r.buildable).length} buildable)\n`,
      );
    }
    return 0;
  } finally {
    ctx.reporter.close();
  }
}

export function registerVersions(program: Command, env: CommandEnv): void {
  program
    .command('versions')
    .description("list the CoreDNS releases of a repository: code shape, support, minimum Go, upstream's Go")
    .option('--repo <url>', 'CoreDNS git repository: URL or local path (default: $VC_COREDNS_REPO or GitHub)')
    .option('--range <range>', "only these: a version, a semver range ('>=1.8.0 <1.10') or latest")
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns versions
  $ vc-coredns versions --repo ./coredns --range '>=1.8.0' --json`,
    )
    .action(async (opts: VersionsOptions) => env.exit(await runVersions(opts, env.io, env.signal)));
}
