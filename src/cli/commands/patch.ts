import type { Command } from 'commander';
import { VcError } from '../../errors.js';
import { DEFAULT_ANNOTATION, parseAnnotationKey } from '../../patch/annotation-key.js';
import type { AnnotationKey, PatchDeps, PatchOutcome, Strategy } from '../../patch/index.js';
import type { PatchResult } from '../../types.js';
import { writeFileAtomic } from '../../util/fs.js';
import { type Io, printJson } from '../io.js';
import { parseChoice } from '../options.js';
import type { CommandEnv } from './shared.js';

export interface PatchOptions {
  annotation: string;
  check?: boolean;
  diff?: boolean;
  strategy: string;
  writePatch?: string;
  json?: boolean;
}

/** `found the vc-coredns marker`: why the file counts as patched, without repeating "already patched". */
function alreadyWhy(result: PatchResult): string {
  return (result.reason ?? '').replace(/^already patched: /, '');
}

/**
 * --write-patch on a tree that is already patched: the patch against the unpatched original that the
 * tree's git HEAD holds, or exit 1 saying why there is none (never an empty patch file).
 */
async function patchAgainstHead(
  outcome: PatchOutcome,
  opts: PatchOptions,
  key: AnnotationKey,
  deps: PatchDeps,
): Promise<string> {
  const [{ readCommittedFile }, { patchSource, unifiedDiff }] = await Promise.all([
    import('../../source/committed-file.js'),
    import('../../patch/index.js'),
  ]);
  const { file } = outcome.result;
  const none = (why: string) =>
    new VcError(`${file} is already patched and ${why}: no patch written to ${opts.writePatch}`, {
      code: 'ALREADY_PATCHED',
      hint: 'write the patch from an unpatched tree, e.g. one made by `vc-coredns prepare --dir DIR` (its git HEAD is the release)',
    });
  const committed = await readCommittedFile(file);
  if ('missing' in committed) throw none(committed.missing);
  const strategy = opts.strategy as Strategy;
  const fromHead = await patchSource(committed.content, file, { key, strategy }, deps);
  if (fromHead.result.alreadyPatched) throw none('so is the version in git HEAD');
  return unifiedDiff(fromHead.original, fromHead.patched);
}

export async function runPatch(path: string, opts: PatchOptions, io: Io, deps?: PatchDeps): Promise<number> {
  const key = parseAnnotationKey(opts.annotation);
  // Loaded here, not at start-up: other commands need neither the grammar nor gofmt.
  const { defaultPatchDeps, patchServiceGo, unifiedDiff } = await import('../../patch/index.js');
  const strategy = parseChoice<Strategy>('--strategy', opts.strategy, ['auto', 'ast', 'text']);
  const dryRun = Boolean(opts.check || opts.diff || opts.writePatch);
  const patchDeps = deps ?? (await defaultPatchDeps());
  const outcome = await patchServiceGo({ path, key, strategy, write: !dryRun }, patchDeps);
  const { result } = outcome;
  const already = result.alreadyPatched;
  const diff = already
    ? opts.writePatch
      ? await patchAgainstHead(outcome, { ...opts, strategy }, key, patchDeps)
      : ''
    : unifiedDiff(outcome.original, outcome.patched);

  if (opts.writePatch) {
    if (diff === '') throw new VcError(`the patch of ${result.file} came out empty`, { code: 'INTERNAL' });
    await writeFileAtomic(opts.writePatch, diff);
  }
  if (opts.diff && diff) (opts.json ? io.err : io.out)(diff);

  if (opts.check && !already) {
    throw new VcError(`${result.file} is not patched for ${key}`, {
      code: 'NOT_PATCHED',
      hint: `run: vc-coredns patch ${path}${key === DEFAULT_ANNOTATION ? '' : ` --annotation ${key}`}`,
    });
  }
  if (opts.json) printJson(io, result);
  // stderr says what happened; with --json only when there is no diff to show for it
  const say = already ? !opts.json || opts.diff || opts.writePatch : !opts.json && !opts.diff;
  if (say) {
    const what = already
      ? `already patched for ${result.annotation} (${alreadyWhy(result)})${
          opts.writePatch
            ? `; the patch against git HEAD written to ${opts.writePatch}`
            : opts.diff
              ? '; nothing to diff'
              : ''
        }`
      : opts.check
        ? 'patched'
        : opts.writePatch
          ? `patch written to ${opts.writePatch} (${result.shape}, strategy ${result.strategy})`
          : `patched for ${result.annotation} (${result.shape}, strategy ${result.strategy}: ${result.reason})`;
    io.err(`${result.file}: ${what}\n`);
  }
  return 0;
}

export function registerPatch(program: Command, env: CommandEnv): void {
  program
    .command('patch')
    .description(
      'patch plugin/kubernetes/object/service.go of a CoreDNS checkout to answer with the super cluster IP',
    )
    .argument('<path>', 'a CoreDNS checkout, or its plugin/kubernetes/object/service.go')
    .option(
      '--annotation <key>',
      'the Service annotation that carries the super cluster IP',
      DEFAULT_ANNOTATION,
    )
    .option('--check', 'exit 0 when PATH is patched, 1 when not; never writes')
    .option('--diff', 'print the patch as a unified diff instead of writing PATH')
    .option('--strategy <name>', 'auto (syntax tree, text anchors as fallback), ast or text', 'auto')
    .option('--write-patch <file>', 'write the patch (for git apply) to FILE instead of writing PATH')
    .option('--json', 'print the result as one JSON document on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ vc-coredns patch ./coredns
  $ vc-coredns patch ./coredns --check
  $ vc-coredns patch ./coredns --diff
  $ vc-coredns patch ./coredns/plugin/kubernetes/object/service.go --annotation example.com/super-ip --json
  $ vc-coredns patch ./coredns --write-patch cluster-ip.patch && git -C ./coredns apply ../cluster-ip.patch`,
    )
    .action(async (path: string, opts: PatchOptions) => env.exit(await runPatch(path, opts, env.io)));
}
