/** A replacement of source.slice(start, end) by text; offsets are UTF-16 string indices. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

function sorted(edits: readonly Edit[]): Edit[] {
  const out = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1] as Edit;
    if ((out[i] as Edit).start < prev.end) throw new Error('overlapping edits');
  }
  return out;
}

export function applyEdits(source: string, edits: readonly Edit[]): string {
  let out = '';
  let at = 0;
  for (const e of sorted(edits)) {
    if (e.start < at || e.end > source.length || e.start > e.end) throw new Error('edit out of range');
    out += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + source.slice(at);
}

/** True when `patched` equals `source` everywhere outside the edits (the edits' own text aside). */
export function onlyEditsChanged(source: string, patched: string, edits: readonly Edit[]): boolean {
  let a = 0;
  let b = 0;
  for (const e of sorted(edits)) {
    const same = source.slice(a, e.start);
    if (patched.slice(b, b + same.length) !== same) return false;
    b += same.length;
    if (patched.slice(b, b + e.text.length) !== e.text) return false;
    b += e.text.length;
    a = e.end;
  }
  return patched.slice(b) === source.slice(a);
}

export function eolOf(source: string): '\r\n' | '\n' {
  return source.includes('\r\n') ? '\r\n' : '\n';
}

/** Template text (LF) in the file's line ending, each non-empty line prefixed with `indent`. */
export function shapeText(text: string, eol: string, indent = ''): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : indent + line))
    .join(eol);
}
