import { structuredPatch } from 'diff';

export const SERVICE_GO = 'plugin/kubernetes/object/service.go';

/** A unified diff that `git apply` and `patch -p1` accept, with a/ and b/ headers whatever PATH was. */
export function unifiedDiff(original: string, patched: string, path = SERVICE_GO): string {
  if (original === patched) return '';
  const p = structuredPatch(`a/${path}`, `b/${path}`, original, patched, '', '', { context: 3 });
  const lines = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  for (const h of p.hunks) {
    // In unified diffs an empty side names the line before it.
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    lines.push(`@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`);
    lines.push(...h.lines);
  }
  return `${lines.join('\n')}\n`;
}
