import type { Parser } from 'web-tree-sitter';
import { VcError } from '../errors.js';
import type { AnnotationKey } from './annotation-key.js';
import { parseGo } from './ast.js';
import { onlyEditsChanged } from './edits.js';
import { type GoFmt, isGofmtClean } from './gofmt.js';
import { findExistingPatch } from './markers.js';
import type { PatchPlan } from './plan.js';

export interface VerifyDeps {
  parser: Parser | null;
  gofmt: GoFmt | null;
}

function failed(file: string, why: string): VcError {
  return new VcError(`the patched ${file} failed verification: ${why}; nothing was written`, {
    code: 'VERIFY_FAILED',
    hint: 'please open an issue with the CoreDNS version',
  });
}

/**
 * Checks a planned result before anything is written: it parses, it carries the intended change, nothing
 * outside the edits changed, and it is gofmt-clean whenever the input was.
 */
export async function verifyPatched(
  original: string,
  patched: string,
  plan: PatchPlan,
  key: AnnotationKey,
  deps: VerifyDeps,
  file = 'service.go',
): Promise<void> {
  if (!onlyEditsChanged(original, patched, plan.edits)) throw failed(file, 'bytes outside the edits changed');

  const marker = findExistingPatch(patched);
  if (marker?.via !== 'marker' || marker.key !== key || marker.shape !== plan.shape) {
    throw failed(file, 'the marker of the intended change is missing');
  }
  if (plan.shape === 'single-stack' && (patched.match(/\bsuperClusterIP\(/g) ?? []).length !== 2) {
    throw failed(file, 'superClusterIP is not both defined and called once');
  }

  if (deps.parser) {
    const { syntaxError } = parseGo(deps.parser, patched);
    if (syntaxError) throw failed(file, `the result does not parse (${syntaxError})`);
  } else {
    // No grammar: gofmt -e is the parser of last resort, and without it nothing unchecked is written.
    if (!deps.gofmt) {
      throw new VcError(
        `cannot check the patched ${file}: the Go grammar did not load and gofmt is not on PATH`,
        {
          code: 'UNVERIFIED',
          hint: 'install Go (gofmt) or reinstall vc-coredns so its grammar loads',
        },
      );
    }
    const r = await deps.gofmt.format(patched.replace(/\r\n/g, '\n'));
    if (!r.ok) throw failed(file, `gofmt -e: ${r.error}`);
  }

  if (deps.gofmt) {
    const [before, after] = await Promise.all([
      isGofmtClean(deps.gofmt, original),
      isGofmtClean(deps.gofmt, patched),
    ]);
    if (before && !after) throw failed(file, 'the input was gofmt-clean and the result is not');
  }
}
