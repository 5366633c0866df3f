/** One `WWW-Authenticate` challenge: `Bearer realm="...",service="...",scope="..."`. */
export interface Challenge {
  /** lower case: `basic`, `bearer` */
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

/** Parses a `WWW-Authenticate` value, which may hold several challenges (RFC 9110 section 11.6.1). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < header.length && chars.test(header[i] ?? '')) i++;
  };
  while (i < header.length) {
    skip(/[\s,]/);
    if (i >= header.length) break;
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) {
      i++; // not a token: skip the character
      continue;
    }
    const tok = m[0];
    i = TOKEN.lastIndex;
    skip(/[ \t]/);
    if (header[i] === '=' && current && !/^=*(,|$)/.test(header.slice(i + 1).trimStart())) {
      i++;
      skip(/[ \t]/);
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < header.length) i++;
          value += header[i];
          i++;
        }
        i++; // closing quote
      } else {
        const start = i;
        while (i < header.length && header[i] !== ',' && !/\s/.test(header[i] ?? '')) i++;
        value = header.slice(start, i);
      }
      current.params[tok.toLowerCase()] = value;
    } else if (header[i] === '=' && current) {
      // token68 (`Basic abc==`): not used by registries; skip it
      skip(/=/);
    } else {
      current = { scheme: tok.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/** The challenge to answer: bearer over basic, other schemes ignored. */
export function pickChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const all = parseChallenges(header);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}
