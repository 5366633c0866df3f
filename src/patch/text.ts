import { type AnnotationKey, goStringLiteral } from './annotation-key.js';
import type { AnchorSearch } from './ast.js';
import { eolOf, shapeText } from './edits.js';
import { render } from './templates.js';

// Exact textual anchors, as upstream gofmt-formats them. Each must occur exactly once.
const IMPORT = /^(?:import)?[ \t]*(?:(\w+)[ \t]+)?"k8s\.io\/api\/core\/v1"[ \t]*\r?$/m;
const SINGLE = /^[ \t]*ClusterIP:[ \t]+((\w+)\.Spec\.ClusterIP),[ \t]*\r?$/gm;
const DUAL = new RegExp(
  [
    String.raw`^([ \t]*)if len\((\w+)\.Spec\.ClusterIPs\) > 0 \{\r?\n`,
    String.raw`[ \t]*(\w+)\.ClusterIPs = make\(\[\]string, len\(\2\.Spec\.ClusterIPs\)\)\r?\n`,
    String.raw`[ \t]*copy\(\3\.ClusterIPs, \2\.Spec\.ClusterIPs\)\r?\n`,
    String.raw`\1\} else \{\r?\n`,
    String.raw`[ \t]*\3\.ClusterIPs = \[\]string\{\2\.Spec\.ClusterIP\}\r?\n`,
    String.raw`\1\}`,
  ].join(''),
  'gm',
);

/** Plans the same edits as the tree strategy from exact text anchors with occurrence counts. */
export function findAnchorsInText(source: string, key: AnnotationKey): AnchorSearch {
  const KEY = goStringLiteral(key);
  const eol = eolOf(source);
  const dual = [...source.matchAll(DUAL)];
  if (dual.length > 1)
    return { found: false, description: `${dual.length} ClusterIPs if/else blocks (expected one)` };
  const imp = IMPORT.exec(source);
  const api = imp ? (imp[1] ?? 'v1') : null;
  const [d] = dual;
  if (d) {
    const [, indent = '', svc = '', s = ''] = d;
    const at = (d.index as number) + d[0].length;
    const text = eol + shapeText(render('dual-stack.go.tmpl', { KEY, SVC: svc, S: s }), eol, indent);
    return {
      found: true,
      shape: 'dual-stack',
      edits: [{ start: at, end: at, text }],
      names: { api: api ?? 'api', svc, s },
    };
  }
  const single = [...source.matchAll(SINGLE)];
  if (single.length > 1) {
    return {
      found: false,
      description: `${single.length} \`ClusterIP: svc.Spec.ClusterIP,\` lines (expected one)`,
    };
  }
  const [m] = single;
  if (m && api) {
    const [line, value = '', svc = ''] = m;
    const start = (m.index as number) + line.indexOf(value);
    const newline = source.endsWith('\n') ? '' : eol;
    const func = shapeText(render('single-stack.go.tmpl', { KEY, SVC: svc, API: api }), eol);
    return {
      found: true,
      shape: 'single-stack',
      edits: [
        { start, end: start + value.length, text: render('single-stack-value.go.tmpl', { SVC: svc }) },
        { start: source.length, end: source.length, text: newline + func },
      ],
      names: { api, svc },
    };
  }
  if (m)
    return {
      found: false,
      description: 'a `ClusterIP: svc.Spec.ClusterIP,` line but no import of k8s.io/api/core/v1',
    };
  return {
    found: false,
    description: 'no `ClusterIP: svc.Spec.ClusterIP,` line and no ClusterIPs if/else block',
  };
}
