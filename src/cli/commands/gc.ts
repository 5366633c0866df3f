import type { Command } from 'commander';
import { badInput } from '../../errors.js';
import { printJson } from '../io.js';
import type { CommandEnv } from './shared.js';

interface GcOptions {
  dryRun?: boolean;
  json?: boolean;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export async function runGc(target: string, opts: GcOptions, env: CommandEnv): Promise<number> {
  if (!target.startsWith('oci:') || target.length === 'oci:'.length) {
    throw badInput(
      `gc takes an OCI layout as oci:DIR, not ${JSON.stringify(target)}`,
      'BAD_FLAG',
      'e.g. vc-coredns gc oci:./dist/oci',
    );
  }
  const dir = target.slice('oci:'.length);
  const { gcOciLayout } = await import('../../publish/oci-layout.js');
  const r = await gcOciLayout(dir, { dryRun: Boolean(opts.dryRun), signal: env.signal });
  if (opts.json) {
    printJson(env.io, { dir, dryRun: Boolean(opts.dryRun), ...r });
  } else {
    const verb = opts.dryRun ? 'would remove' : 'removed';
    const tags = r.droppedTags.length ? `; ${verb} the referrer tags ${r.droppedTags.join(', ')}` : '';
    env.io.err(
      `${dir}: ${verb} ${r.removed.length} unreferenced blob${r.removed.length === 1 ? '' : 's'} (${mib(r.freedBytes)}), kept ${r.kept}${tags}\n`,
    );
  }
  return 0;
}

export function registerGc(program: Command, env: CommandEnv): void {
  program
    .command('gc')
    .description('remove the blobs of an OCI layout that no tag reaches any more (e.g. replaced images)')
    .argument('<layout>', 'oci:DIR')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .option('--json', 'print one JSON document on stdout')
    .addHelpText(
      'after',
      `
Kept: what every tag reaches, and the SBOMs, provenance, signatures and attestations of what is kept
(manifests whose subject is kept, and the sha256-<hex>, .sig and .att tags of kept digests).

Examples:
  $ vc-coredns gc oci:./dist/oci
  $ vc-coredns gc oci:./dist/oci --dry-run --json`,
    )
    .action(async (layout: string, opts: GcOptions) => env.exit(await runGc(layout, opts, env)));
}
