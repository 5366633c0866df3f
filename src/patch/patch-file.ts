import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { badInput } from '../errors.js';
import type { PatchResult } from '../types.js';
import { writeFileAtomic } from '../util/fs.js';
import type { AnnotationKey } from './annotation-key.js';
import { SERVICE_GO } from './diff.js';
import { applyEdits } from './edits.js';
import { findGofmt, type GoFmt } from './gofmt.js';
import { tryLoadGoParser } from './grammar.js';
import { planPatch, type Strategy } from './plan.js';
import { verifyPatched } from './verify.js';

export interface PatchRequest {
  /** a CoreDNS checkout or the service.go file itself */
  path: string;
  key: AnnotationKey;
  strategy: Strategy;
  /** false for --check, --diff and --write-patch: PATH is never written */
  write: boolean;
}

export interface PatchDeps {
  /** the loaded grammar, or null with the reason */
  grammar: { parser: Parser; error: null } | { parser: null; error: string };
  gofmt: GoFmt | null;
}

export interface PatchOutcome {
  result: PatchResult;
  original: string;
  patched: string;
}

export async function defaultPatchDeps(): Promise<PatchDeps> {
  const [grammar, gofmt] = await Promise.all([tryLoadGoParser(), findGofmt()]);
  return { grammar, gofmt };
}

/** Resolves PATH to the service.go to patch, with the errors of bad input (exit 2). */
export async function locateServiceGo(path: string): Promise<string> {
  const st = await stat(path).catch(() => null);
  if (!st)
    throw badInput(`${path} does not exist`, 'NO_SUCH_PATH', 'give a CoreDNS checkout or its service.go');
  if (st.isFile()) return path;
  const file = join(path, SERVICE_GO);
  if (!(await stat(file).catch(() => null))?.isFile()) {
    throw badInput(
      `${path} has no ${SERVICE_GO}`,
      'NO_SERVICE_GO',
      'CoreDNS releases before v1.2.3 read the cluster IP elsewhere and are not supported: the first supported release is v1.2.3',
    );
  }
  return file;
}

/** Reads, plans, applies in memory, verifies; writes atomically only when asked and something changed. */
export async function patchServiceGo(req: PatchRequest, deps: PatchDeps): Promise<PatchOutcome> {
  const file = await locateServiceGo(req.path);
  const outcome = await patchSource(await readFile(file, 'utf8'), file, req, deps);
  if (req.write && !outcome.result.alreadyPatched) {
    await writeFileAtomic(file, outcome.patched);
    outcome.result.changed = true;
  }
  return outcome;
}

/** Plans, applies and verifies the patch of `original` (the text of `file`) in memory. */
export async function patchSource(
  original: string,
  file: string,
  req: Pick<PatchRequest, 'key' | 'strategy'>,
  deps: PatchDeps,
): Promise<PatchOutcome> {
  const planned = planPatch(original, req.key, {
    strategy: req.strategy,
    parser: deps.grammar.parser,
    grammarError: deps.grammar.error ?? undefined,
    file,
  });
  if (planned.kind === 'already') {
    return {
      original,
      patched: original,
      result: {
        file,
        shape: planned.shape,
        strategy: null,
        reason: planned.reason,
        changed: false,
        alreadyPatched: true,
        annotation: req.key,
        foundAnnotation: planned.existing.key,
      },
    };
  }
  const { plan } = planned;
  const patched = applyEdits(original, plan.edits);
  await verifyPatched(
    original,
    patched,
    plan,
    req.key,
    { parser: deps.grammar.parser, gofmt: deps.gofmt },
    file,
  );
  return {
    original,
    patched,
    result: {
      file,
      shape: plan.shape,
      strategy: plan.strategy,
      reason: plan.reason,
      changed: false,
      alreadyPatched: false,
      annotation: req.key,
      foundAnnotation: null,
    },
  };
}
