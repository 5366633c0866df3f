import type { Parser } from 'web-tree-sitter';
import { VcError } from '../errors.js';
import type { Shape } from '../types.js';
import type { AnnotationKey } from './annotation-key.js';
import { type AnchorSearch, findAnchorsInTree, type Names, parseGo } from './ast.js';
import type { Edit } from './edits.js';
import { type ExistingPatch, findExistingPatch, textualShape } from './markers.js';
import { findAnchorsInText } from './text.js';

export type Strategy = 'auto' | 'ast' | 'text';

export interface PatchPlan {
  shape: Shape;
  strategy: 'ast' | 'text';
  /** why this strategy ran */
  reason: string;
  edits: Edit[];
  names: Names;
}

export type Planned =
  | { kind: 'plan'; plan: PatchPlan }
  | { kind: 'already'; shape: Shape; existing: ExistingPatch; reason: string };

export interface PlanOptions {
  strategy: Strategy;
  /** the loaded Go grammar, or null with the reason it could not load */
  parser: Parser | null;
  grammarError?: string;
  /** shown in messages */
  file?: string;
}

const SED_HINT =
  'the documented sed of the VirtualCluster document turns dual-stack CoreDNS (v1.8.1 and later) into invalid Go: restore the file (git checkout -- plugin/kubernetes/object/service.go) and run vc-coredns patch';

/** Plans the patch: pure, given an already-loaded parser (or none). Nothing is written. */
export function planPatch(source: string, key: AnnotationKey, opts: PlanOptions): Planned {
  const file = opts.file ?? 'service.go';
  const { parser } = opts;
  if (opts.strategy === 'ast' && !parser) {
    throw new VcError(`the Go grammar could not load: ${opts.grammarError ?? 'unknown reason'}`, {
      code: 'GRAMMAR_UNAVAILABLE',
      hint: 'use --strategy text (checked with gofmt) or reinstall vc-coredns',
    });
  }
  const useTree = parser !== null && opts.strategy !== 'text';
  const parsed = useTree ? parseGo(parser, source) : null;
  if (parsed?.syntaxError) {
    const sedBroken = /\.Spec\.ClusterIP\)s\b/.test(source) || /\(sCIP string\).*\)s\b/.test(source);
    throw new VcError(`${file} is not valid Go (${parsed.syntaxError})`, {
      code: 'UNPARSABLE_GO',
      hint: sedBroken ? SED_HINT : 'restore the file from the CoreDNS release and try again',
    });
  }

  const existing = findExistingPatch(source);
  if (existing) {
    if (existing.key !== key) {
      const what =
        existing.via === 'marker' ? 'is already patched by vc-coredns' : 'carries the documented sed patch';
      throw new VcError(`${file} ${what} for the annotation ${existing.key}, not ${key}`, {
        code: 'OTHER_KEY',
        hint: `restore the original file to patch it for ${key}, or pass --annotation ${existing.key}`,
      });
    }
    const how = existing.via === 'marker' ? 'the vc-coredns marker' : 'the documented sed patch';
    return { kind: 'already', shape: existing.shape, existing, reason: `already patched: found ${how}` };
  }

  let search: AnchorSearch;
  let strategy: 'ast' | 'text';
  let reason: string;
  if (parsed) {
    search = findAnchorsInTree(parsed.tree, source, key);
    strategy = 'ast';
    reason = opts.strategy === 'ast' ? 'requested with --strategy ast' : 'the syntax tree has the anchor';
    if (!search.found && opts.strategy === 'auto') {
      const treeSaid = search.description;
      search = findAnchorsInText(source, key);
      strategy = 'text';
      reason = `the syntax tree has no anchor (${treeSaid}); the text anchors matched`;
      if (!search.found) search = { found: false, description: treeSaid };
    }
  } else {
    search = findAnchorsInText(source, key);
    strategy = 'text';
    reason =
      opts.strategy === 'text'
        ? 'requested with --strategy text'
        : `grammar failed to load: ${opts.grammarError}`;
  }
  if (!search.found) {
    throw new VcError(`${file} has an unknown code shape: found ${search.description}`, {
      code: 'UNKNOWN_SHAPE',
      hint: `vc-coredns knows the ${textualShape(source)} shapes of CoreDNS v1.2.3 and later; please open an issue with the CoreDNS version`,
    });
  }
  return {
    kind: 'plan',
    plan: { shape: search.shape, strategy, reason, edits: search.edits, names: search.names },
  };
}
