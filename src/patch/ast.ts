import type { Node, Parser, Tree } from 'web-tree-sitter';
import type { Shape } from '../types.js';
import { type AnnotationKey, goStringLiteral } from './annotation-key.js';
import { type Edit, eolOf, shapeText } from './edits.js';
import { render } from './templates.js';

export const CORE_V1 = 'k8s.io/api/core/v1';

/** Edits found by the syntax tree, or what the tree holds instead (for the error message). */
export type AnchorSearch =
  | { found: true; shape: Shape; edits: Edit[]; names: Names }
  | { found: false; description: string };

export interface Names {
  api: string;
  svc: string;
  s?: string;
}

export interface ParsedGo {
  tree: Tree;
  /** A description of the first ERROR or MISSING node, or null when the file parses. */
  syntaxError: string | null;
}

export function parseGo(parser: Parser, source: string): ParsedGo {
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return { tree, syntaxError: tree.rootNode.hasError ? describeSyntaxError(tree.rootNode) : null };
}

function describeSyntaxError(root: Node): string {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.shift() as Node;
    if (n.isError || n.isMissing) {
      const what = n.isMissing ? `missing ${n.type}` : `unexpected ${JSON.stringify(clip(n.text))}`;
      return `line ${n.startPosition.row + 1}, column ${n.startPosition.column + 1}: ${what}`;
    }
    if (n.hasError) stack.unshift(...n.children.filter((c): c is Node => c !== null));
  }
  return 'syntax error';
}

function clip(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 40 ? `${line.slice(0, 40)}...` : line;
}

const squash = (t: string) => t.replace(/\s+/g, '').replace(/\bany\b/g, 'interface{}');

/** The name the file gives k8s.io/api/core/v1 (`api` in every CoreDNS release). */
export function importName(root: Node): string | null {
  // Imports sit at the top level: look there only, not through the whole tree.
  const specs = root.namedChildren
    .filter((n) => n?.type === 'import_declaration')
    .flatMap((d) => d?.namedChildren ?? [])
    .flatMap((n) => (n?.type === 'import_spec_list' ? n.namedChildren : [n]));
  for (const spec of specs) {
    if (spec?.type !== 'import_spec') continue;
    const path = spec.childForFieldName('path');
    if (path?.text.slice(1, -1) !== CORE_V1) continue;
    const name = spec.childForFieldName('name');
    if (!name) return 'v1';
    return name.type === 'package_identifier' ? name.text : null; // `.` or `_` imports cannot be referenced
  }
  return null;
}

function isApiServicePointer(type: Node | null, api: string): boolean {
  return type !== null && squash(type.text) === `*${api}.Service`;
}

/** The *api.Service variable of a function: a parameter, or `svc, ok := obj.(*api.Service)`. */
function serviceVar(fn: Node, api: string): string | null {
  const params = fn.childForFieldName('parameters');
  for (const p of params?.namedChildren ?? []) {
    if (p?.type !== 'parameter_declaration' || !isApiServicePointer(p.childForFieldName('type'), api))
      continue;
    const name = p.childForFieldName('name');
    if (name) return name.text;
  }
  const body = fn.childForFieldName('body');
  for (const decl of body?.descendantsOfType('short_var_declaration') ?? []) {
    const right = decl?.childForFieldName('right')?.namedChildren[0];
    if (right?.type !== 'type_assertion_expression') continue;
    if (!isApiServicePointer(right.childForFieldName('type'), api)) continue;
    const left = decl?.childForFieldName('left')?.namedChildren[0];
    if (left?.type === 'identifier') return left.text;
  }
  return null;
}

/** `name(param types) results`, whitespace removed and `any` spelled `interface{}`. */
function signature(fn: Node): string {
  const name = fn.childForFieldName('name')?.text ?? '';
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? [])
    .filter((p): p is Node => p?.type === 'parameter_declaration')
    .map((p) => {
      const type = p.childForFieldName('type')?.text ?? '';
      const names = p.childrenForFieldName('name').length;
      return Array.from({ length: Math.max(names, 1) }, () => squash(type)).join(',');
    });
  const result = squash(fn.childForFieldName('result')?.text ?? '');
  return `${name}(${params.join(',')})${result}`;
}

/** The three single-stack conversion signatures of ERAS.md section 1, with the file's `api` name. */
function singleStackSignatures(api: string): string[] {
  return [
    'ToService(interface{})interface{}',
    'toService(bool,interface{})interface{}',
    `toService(bool,*${api}.Service)*Service`,
  ];
}

function selectorIs(node: Node | null | undefined, text: string): boolean {
  return node?.type === 'selector_expression' && squash(node.text) === text;
}

/** `&Service{...}` literals inside a node. */
function serviceLiterals(scope: Node): Node[] {
  return scope.descendantsOfType('composite_literal').filter((lit): lit is Node => {
    if (!lit) return false;
    const type = lit.childForFieldName('type');
    return (
      type?.type === 'type_identifier' && type.text === 'Service' && lit.parent?.type === 'unary_expression'
    );
  });
}

function keyedElements(literal: Node): Node[] {
  const body = literal.childForFieldName('body');
  return (body?.namedChildren ?? []).filter((c): c is Node => c?.type === 'keyed_element');
}

function elementKey(el: Node): string {
  const key = el.childForFieldName('key') ?? el.namedChildren[0];
  return key?.text ?? '';
}

function elementValue(el: Node): Node | null {
  const value = el.childForFieldName('value') ?? el.namedChildren[1] ?? null;
  // literal_element wraps the expression
  return value?.type === 'literal_element' ? (value.namedChildren[0] ?? null) : value;
}

/** `len(svc.Spec.ClusterIPs) > 0` */
function isClusterIPsLenCheck(cond: Node | null, svc: string): boolean {
  return cond !== null && squash(cond.text) === `len(${svc}.Spec.ClusterIPs)>0`;
}

/** The variable assigned `X.ClusterIPs = ...` in a block. */
function clusterIPsTarget(block: Node | null): string | null {
  for (const a of block?.descendantsOfType('assignment_statement') ?? []) {
    const left = a?.childForFieldName('left')?.namedChildren[0];
    if (left?.type === 'selector_expression' && left.childForFieldName('field')?.text === 'ClusterIPs') {
      const operand = left.childForFieldName('operand');
      if (operand?.type === 'identifier') return operand.text;
    }
  }
  return null;
}

function lineIndent(source: string, index: number): string {
  const lineStart = source.lastIndexOf('\n', index - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart, index))?.[0] ?? '';
}

/** Plans the patch from the syntax tree: the code is found by shape, the names read from the file. */
export function findAnchorsInTree(tree: Tree, source: string, key: AnnotationKey): AnchorSearch {
  const root = tree.rootNode;
  const api = importName(root);
  if (api === null) return { found: false, description: `no usable import of "${CORE_V1}"` };
  const eol = eolOf(source);
  const KEY = goStringLiteral(key);
  const functions = root.namedChildren.filter((n): n is Node => n?.type === 'function_declaration');
  // Only functions that read Spec.ClusterIP can hold an anchor: skip the rest without walking them.
  const readers = functions.filter((fn) =>
    source.slice(fn.startIndex, fn.endIndex).includes('.Spec.ClusterIP'),
  );
  const seen: string[] = [];

  // Dual-stack: the `if len(svc.Spec.ClusterIPs) > 0 { ... } else { ... }` of the conversion function.
  const dual: { node: Node; svc: string; s: string }[] = [];
  for (const fn of readers) {
    const svc = serviceVar(fn, api);
    if (svc === null) continue;
    for (const stmt of fn.descendantsOfType('if_statement')) {
      if (!stmt || !isClusterIPsLenCheck(stmt.childForFieldName('condition'), svc)) continue;
      const alternative = stmt.childForFieldName('alternative');
      const s = clusterIPsTarget(stmt.childForFieldName('consequence'));
      if (alternative?.type === 'block' && s !== null && clusterIPsTarget(alternative) === s) {
        dual.push({ node: stmt, svc, s });
      }
    }
  }
  if (dual.length > 1) {
    return {
      found: false,
      description: `${dual.length} \`if len(svc.Spec.ClusterIPs) > 0\` statements (expected one)`,
    };
  }
  const [d] = dual;
  if (d) {
    const indent = lineIndent(source, d.node.startIndex);
    const text = eol + shapeText(render('dual-stack.go.tmpl', { KEY, SVC: d.svc, S: d.s }), eol, indent);
    const at = d.node.endIndex;
    return {
      found: true,
      shape: 'dual-stack',
      edits: [{ start: at, end: at, text }],
      names: { api, svc: d.svc, s: d.s },
    };
  }

  // Single-stack: `ClusterIP: svc.Spec.ClusterIP` in the conversion function's &Service{...} literal.
  const wanted = singleStackSignatures(api);
  const hits: { value: Node; svc: string }[] = [];
  for (const fn of readers) {
    const sig = signature(fn);
    if (/^[Tt]oService\(/.test(sig)) seen.push(sig);
    if (!wanted.includes(sig)) continue;
    const svc = serviceVar(fn, api);
    if (svc === null) continue;
    for (const lit of serviceLiterals(fn)) {
      for (const el of keyedElements(lit)) {
        const value = elementValue(el);
        if (elementKey(el) === 'ClusterIP' && value && selectorIs(value, `${svc}.Spec.ClusterIP`)) {
          hits.push({ value, svc });
        }
      }
    }
  }
  if (hits.length > 1) {
    return {
      found: false,
      description: `${hits.length} \`ClusterIP: svc.Spec.ClusterIP\` elements (expected one)`,
    };
  }
  const [h] = hits;
  if (h) {
    const call = render('single-stack-value.go.tmpl', { SVC: h.svc });
    const func = shapeText(render('single-stack.go.tmpl', { KEY, SVC: h.svc, API: api }), eol);
    const end = source.length;
    const newline = source.endsWith('\n') ? '' : eol;
    return {
      found: true,
      shape: 'single-stack',
      edits: [
        { start: h.value.startIndex, end: h.value.endIndex, text: call },
        { start: end, end, text: newline + func },
      ],
      names: { api, svc: h.svc },
    };
  }
  return { found: false, description: describeFound(seen, functions) };
}

function describeFound(conversions: string[], functions: Node[]): string {
  if (conversions.length > 0) {
    return `conversion function ${conversions.map((s) => `\`${s}\``).join(', ')} but no \`ClusterIP: svc.Spec.ClusterIP\` element in its &Service{...} literal and no \`if len(svc.Spec.ClusterIPs) > 0 { ... } else { ... }\``;
  }
  const names = functions.map((f) => f.childForFieldName('name')?.text).filter(Boolean);
  return `no ToService/toService conversion function (functions: ${names.join(', ') || 'none'})`;
}
