// The `go build` command make ran, read back from the build log (make echoes each recipe line after
// expanding it), and the -ldflags it passed. Go records its own build settings in the binary but leaves
// -ldflags out under -trimpath, so the SBOM takes them from here. Pure.
import type { Platform } from '../types.js';

export interface GoBuildCommand {
  /** the line as make echoed it */
  line: string;
  /** the value of -ldflags, or null when the command passed none */
  ldflags: string | null;
}

/** Splits a POSIX shell line into words (quotes and backslashes as sh reads them; no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < line.length && line[i] !== '"'; i++) {
        const d = line[i] as string;
        if (d === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1] as string)) {
          word += line[++i];
        } else {
          word += d;
        }
      }
      if (i >= line.length) throw new Error('unterminated double quote');
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function ldflagsOf(words: string[]): string | null {
  let value: string | null = null;
  for (let i = 0; i < words.length; i++) {
    const m = /^--?ldflags(=(.*))?$/s.exec(words[i] as string);
    if (!m) continue;
    // Go's flag package: the last one wins.
    value = m[1] !== undefined ? (m[2] as string) : (words[++i] ?? '');
  }
  return value;
}

/**
 * The `go build` line of a make log that built the binary for `platform`: the one whose GOOS/GOARCH
 * assignments name it (Makefile.release builds several), else the only one. Null when none is found.
 */
export function goBuildCommandFromLog(log: string, platform: Platform): GoBuildCommand | null {
  const found: { line: string; words: string[] }[] = [];
  for (const raw of log.split('\n')) {
    const line = raw.trim();
    if (!/(^|[\s;&|])go build(\s|$)/.test(line)) continue;
    let words: string[];
    try {
      words = shellWords(line);
    } catch {
      continue;
    }
    const go = words.findIndex((w, i) => w === 'go' && words[i + 1] === 'build');
    if (go < 0) continue;
    found.push({ line, words });
  }
  const env = (words: string[], name: string) =>
    words.find((w) => w.startsWith(`${name}=`))?.slice(name.length + 1);
  const matching = found.filter(
    (f) => env(f.words, 'GOOS') === platform.os && env(f.words, 'GOARCH') === platform.arch,
  );
  const pick = matching.length > 0 ? matching.at(-1) : found.length === 1 ? found[0] : undefined;
  if (!pick) return null;
  return { line: pick.line, ldflags: ldflagsOf(pick.words) };
}
