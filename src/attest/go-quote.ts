// Go's strconv.Quote and strconv.Unquote/QuotedPrefix, as runtime/debug uses them for build settings
// (`build\t-ldflags="-s -w"`). Pure.

const SIMPLE_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** strconv.Quote of a UTF-8 byte string (invalid bytes come out as `\xNN`, as Go does). */
export function goQuote(value: string | Uint8Array): string {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const [rune, width] = decodeRune(bytes, i);
    if (rune < 0) {
      out += `\\x${hex(bytes[i] as number, 2)}`;
      i += 1;
      continue;
    }
    i += width;
    const ch = String.fromCodePoint(rune);
    const simple = SIMPLE_ESCAPES[ch];
    if (simple) out += simple;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (rune < 0x20 || rune === 0x7f) out += `\\x${hex(rune, 2)}`;
    else if (rune < 0x10000) out += `\\u${hex(rune, 4)}`;
    else out += `\\U${hex(rune, 8)}`;
  }
  return `${out}"`;
}

/** One UTF-8 rune at i: [code point, width], or [-1, 1] for an invalid byte (as utf8.DecodeRune). */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c0 = b[i] as number;
  if (c0 < 0x80) return [c0, 1];
  const cont = (k: number) => {
    const c = b[i + k];
    return c !== undefined && (c & 0xc0) === 0x80 ? c & 0x3f : -1;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? [-1, 1] : [((c0 & 0x1f) << 6) | c1, 2];
  }
  if (c0 >= 0xe0 && c0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 < 0 || c2 < 0) return [-1, 1];
    const r = ((c0 & 0x0f) << 12) | (c1 << 6) | c2;
    return r < 0x800 || (r >= 0xd800 && r <= 0xdfff) ? [-1, 1] : [r, 3];
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return [-1, 1];
    const r = ((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    return r < 0x10000 || r > 0x10ffff ? [-1, 1] : [r, 4];
  }
  return [-1, 1];
}

/** The quoted Go string literal at the start of s (`"..."` or a back-quoted raw string), or null. */
export function goQuotedPrefix(s: string): string | null {
  const q = s[0];
  if (q === '`') {
    const end = s.indexOf('`', 1);
    return end < 0 ? null : s.slice(0, end + 1);
  }
  if (q !== '"') return null;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '\n') return null;
    else if (c === '"') return goUnquote(s.slice(0, i + 1)) === null ? null : s.slice(0, i + 1);
  }
  return null;
}

/** strconv.Unquote for `"..."` and back-quoted strings; null when s is not a valid literal. */
export function goUnquote(s: string): string | null {
  if (s.length >= 2 && s[0] === '`' && s.at(-1) === '`') {
    const body = s.slice(1, -1);
    return body.includes('`') ? null : body.replaceAll('\r', '');
  }
  if (s.length < 2 || s[0] !== '"' || s.at(-1) !== '"') return null;
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const pushRune = (r: number) => bytes.push(...new TextEncoder().encode(String.fromCodePoint(r)));
  for (let i = 0; i < body.length; ) {
    const c = body[i] as string;
    if (c === '"' || c === '\n') return null;
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      pushRune(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple: Record<string, number> = {
      a: 7,
      b: 8,
      f: 12,
      n: 10,
      r: 13,
      t: 9,
      v: 11,
      '\\': 92,
      '"': 34,
    };
    if (e !== undefined && e in simple) {
      bytes.push(simple[e] as number);
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const digits = body.slice(i, i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) return null;
      const v = Number.parseInt(digits, 16);
      i += n;
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return null;
      else pushRune(v);
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const digits = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(digits)) return null;
      const v = Number.parseInt(digits, 8);
      if (v > 255) return null;
      bytes.push(v);
      i += 2;
    } else {
      return null;
    }
  }
  // Go strings are bytes; build settings are text, so invalid UTF-8 becomes U+FFFD here.
  return new TextDecoder().decode(new Uint8Array(bytes));
}
