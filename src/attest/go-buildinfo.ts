// The build info Go embeds in every module-mode binary (what `go version -m` prints), read from the ELF
// in TypeScript: no Go needed, any architecture. Both layouts of the `.go.buildinfo` header: Go >= 1.18
// writes the version and module text inline (varint-prefixed); older Go wrote two pointers to Go string
// headers elsewhere in the binary. The module text is decoded as runtime/debug.ParseBuildInfo does, and
// formatted back exactly as `go version -m` prints it. Pure.
import { VcError } from '../errors.js';
import { type ElfFile, goBuildInfoRegion, parseElf, readElfData } from './elf.js';
import { goQuote, goQuotedPrefix, goUnquote } from './go-quote.js';

export interface GoModule {
  path: string;
  version: string;
  /** `h1:...`, or '' (the main module, directory replacements) */
  sum: string;
  replace?: GoModule;
}

export interface GoBuildSetting {
  key: string;
  value: string;
}

export interface GoBuildInfo {
  /** `go1.23.4` */
  goVersion: string;
  /** the main package's import path */
  path: string;
  /** the main module; null when the binary records none */
  main: GoModule | null;
  deps: GoModule[];
  /** in the order Go recorded them (`-buildmode`, `-compiler`, `CGO_ENABLED`, `GOARCH`, ...) */
  settings: GoBuildSetting[];
}

/** `\xff Go buildinf:` */
export const BUILDINFO_MAGIC = new Uint8Array([
  0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a,
]);
export const BUILDINFO_HEADER_SIZE = 32;
const BUILDINFO_ALIGN = 16;
/** flags byte (header[15]) of Go >= 1.18: bit 0 big-endian, bit 1 inline strings */
export const FLAG_BIG_ENDIAN = 0x1;
export const FLAG_INLINE = 0x2;
const SEARCH_LIMIT = 64 * 1024;

/** The 16 bytes Go writes before and after the module text (cmd/go/internal/modload). */
export const MODINFO_START = new Uint8Array([
  0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
]);
export const MODINFO_END = new Uint8Array([
  0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
]);

function notGo(message: string): VcError {
  return new VcError(message, { code: 'NOT_GO_BINARY' });
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function uvarint(b: Uint8Array, at: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let i = at; i < b.length && i < at + 10; i++) {
    const c = b[i] as number;
    value += (c & 0x7f) * scale;
    if (c < 0x80) return Number.isSafeInteger(value) ? [value, i + 1] : null;
    scale *= 128;
  }
  return null;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** The raw version string and module text of a Go binary, or null (not Go, or no build info). */
export function readRawBuildInfo(elf: ElfFile): { version: string; modinfo: Uint8Array } | null {
  const region = goBuildInfoRegion(elf);
  if (!region) return null;
  const window = readElfData(elf, region.addr, Math.min(region.size, SEARCH_LIMIT));
  if (!window) return null;
  // The header is 16-aligned within the region (debug/buildinfo searches the same way).
  let at = -1;
  for (let from = 0; at < 0; ) {
    const i = indexOf(window, BUILDINFO_MAGIC, from);
    if (i < 0 || window.length - i < BUILDINFO_HEADER_SIZE) return null;
    if (i % BUILDINFO_ALIGN === 0) at = i;
    else from = (i + BUILDINFO_ALIGN - 1) & ~(BUILDINFO_ALIGN - 1);
  }
  // Inline strings may run past the search window: read on to the end of the region.
  const data = readElfData(elf, region.addr + at, region.size - at);
  if (!data || data.length < BUILDINFO_HEADER_SIZE) return null;
  const ptrSize = data[14] as number;
  const flags = data[15] as number;
  let version: Uint8Array;
  let modinfo: Uint8Array;
  if ((flags & FLAG_INLINE) !== 0) {
    const v = uvarint(data, BUILDINFO_HEADER_SIZE);
    if (!v || v[1] + v[0] > data.length) return null;
    version = data.subarray(v[1], v[1] + v[0]);
    const m = uvarint(data, v[1] + v[0]);
    if (!m || m[1] + m[0] > data.length) return null;
    modinfo = data.subarray(m[1], m[1] + m[0]);
  } else {
    // Before Go 1.18: two pointers to Go string headers {data pointer, length}, in the byte order flags names.
    if (ptrSize !== 4 && ptrSize !== 8) return null;
    const bigEndian = (flags & FLAG_BIG_ENDIAN) !== 0;
    const readPtr = (b: Uint8Array, at: number): number | null => {
      if (at + ptrSize > b.length) return null;
      const view = new DataView(b.buffer, b.byteOffset + at, ptrSize);
      if (ptrSize === 4) return view.getUint32(0, !bigEndian);
      const v = view.getBigUint64(0, !bigEndian);
      return v > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(v);
    };
    const readString = (addr: number | null): Uint8Array | null => {
      if (addr === null) return null;
      const hdr = readElfData(elf, addr, 2 * ptrSize);
      if (!hdr || hdr.length < 2 * ptrSize) return null;
      const dataAddr = readPtr(hdr, 0);
      const dataLen = readPtr(hdr, ptrSize);
      if (dataAddr === null || dataLen === null || dataLen > 2 ** 32) return null;
      if (dataLen === 0) return new Uint8Array();
      const bytes = readElfData(elf, dataAddr, dataLen);
      return bytes && bytes.length === dataLen ? bytes : null;
    };
    const v = readString(readPtr(data, 16));
    const m = readString(readPtr(data, 16 + ptrSize));
    if (!v) return null;
    version = v;
    modinfo = m ?? new Uint8Array();
  }
  if (version.length === 0) return null;
  // The module text sits between two 16-byte sentinels; without them Go reports no module info.
  const n = modinfo.length;
  modinfo = n >= 33 && modinfo[n - 17] === 0x0a ? modinfo.subarray(16, n - 16) : new Uint8Array();
  return { version: latin1.decode(version), modinfo };
}

/** `dep`/`mod` columns: path, version and an optional sum. */
function moduleLine(elem: string[], line: number): GoModule {
  if (elem.length !== 2 && elem.length !== 3) {
    throw badModInfo(line, `expected 2 or 3 columns; got ${elem.length}`);
  }
  return { path: elem[0] as string, version: elem[1] as string, sum: elem[2] ?? '' };
}

function badModInfo(line: number, message: string): VcError {
  return notGo(`could not parse Go build info: line ${line}: ${message}`);
}

function quoteKey(key: string): boolean {
  return key.length === 0 || /[= \t\r\n"`]/.test(key);
}

function quoteValue(value: string): boolean {
  return /[ \t\r\n"`]/.test(value);
}

/** runtime/debug.ParseBuildInfo of the module text (everything but the Go version). */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const info: Omit<GoBuildInfo, 'goVersion'> = { path: '', main: null, deps: [], settings: [] };
  let last: GoModule | null = null;
  let lineNum = 1;
  let rest = text;
  while (rest.length > 0) {
    const nl = rest.indexOf('\n');
    if (nl < 0) break;
    const line = rest.slice(0, nl);
    rest = rest.slice(nl + 1);
    if (line.startsWith('path\t')) {
      info.path = line.slice(5);
    } else if (line.startsWith('mod\t')) {
      info.main = moduleLine(line.slice(4).split('\t'), lineNum);
      last = info.main;
    } else if (line.startsWith('dep\t')) {
      last = moduleLine(line.slice(4).split('\t'), lineNum);
      info.deps.push(last);
    } else if (line.startsWith('=>\t')) {
      const elem = line.slice(3).split('\t');
      if (elem.length !== 3)
        throw badModInfo(lineNum, `expected 3 columns for replacement; got ${elem.length}`);
      if (last === null) throw badModInfo(lineNum, 'replacement with no module on previous line');
      last.replace = { path: elem[0] as string, version: elem[1] as string, sum: elem[2] as string };
      last = null;
    } else if (line.startsWith('build\t')) {
      info.settings.push(buildSetting(line.slice(6), lineNum));
    }
    lineNum++;
  }
  return info;
}

function buildSetting(kv: string, line: number): GoBuildSetting {
  if (kv.length < 1) throw badModInfo(line, "build line missing '='");
  let key: string;
  let rawValue: string;
  if (kv[0] === '=') throw badModInfo(line, 'build line with missing key');
  if (kv[0] === '`' || kv[0] === '"') {
    const rawKey = goQuotedPrefix(kv);
    if (rawKey === null) throw badModInfo(line, 'invalid quoted key in build line');
    if (kv.length === rawKey.length) throw badModInfo(line, "build line missing '=' after quoted key");
    if (kv[rawKey.length] !== '=') throw badModInfo(line, 'unexpected character after quoted key');
    key = goUnquote(rawKey) as string;
    rawValue = kv.slice(rawKey.length + 1);
  } else {
    const eq = kv.indexOf('=');
    if (eq < 0) throw badModInfo(line, "build line missing '=' after key");
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
    if (quoteKey(key)) throw badModInfo(line, `unquoted key ${goQuote(key)} must be quoted`);
  }
  let value = '';
  if (rawValue.length > 0) {
    if (rawValue[0] === '`' || rawValue[0] === '"') {
      const v = goUnquote(rawValue);
      if (v === null) throw badModInfo(line, 'invalid quoted value in build line');
      value = v;
    } else {
      value = rawValue;
      if (quoteValue(value)) throw badModInfo(line, `unquoted value ${goQuote(value)} must be quoted`);
    }
  }
  return { key, value };
}

const GO_VERSION_STRING = /go1\.\d+(?:\.\d+)?(?:(?:beta|rc)\d+)?/g;

/**
 * The build info of a binary from Go 1.11 and 1.12 (CoreDNS v1.5.0 - v1.6.3 were built with 1.12),
 * which have no `.go.buildinfo`: the module text (runtime/debug's modinfo) is still in the data, between
 * its two sentinels, and the Go version is the one `go1.N[.P]` the binary holds (runtime.buildVersion,
 * which stripping keeps, and the GOROOT in its file paths: Go 1.12 has no -trimpath). Null unless the sentinels occur once and exactly one Go version string does.
 */
export function readLegacyBuildInfo(bytes: Uint8Array): { version: string; modinfo: Uint8Array } | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buf.indexOf(MODINFO_START);
  if (start < 0 || buf.indexOf(MODINFO_START, start + 1) >= 0) return null;
  const end = buf.indexOf(MODINFO_END, start + MODINFO_START.length);
  if (end < 0) return null;
  const versions = new Set(latin1.decode(bytes).match(GO_VERSION_STRING) ?? []);
  if (versions.size !== 1) return null;
  const modinfo = bytes.subarray(start + MODINFO_START.length, end);
  return { version: [...versions][0] as string, modinfo };
}

/** The Go build info of an ELF binary. Throws NOT_ELF or NOT_GO_BINARY. */
export function readGoBuildInfo(bytes: Uint8Array): GoBuildInfo {
  const raw = readRawBuildInfo(parseElf(bytes)) ?? readLegacyBuildInfo(bytes);
  if (!raw) throw notGo('not a Go executable (no Go build info)');
  return { goVersion: raw.version, ...parseModInfo(utf8.decode(raw.modinfo)) };
}

/** runtime/debug.BuildInfo.String without the `go` line. */
export function formatModInfo(info: Omit<GoBuildInfo, 'goVersion'>): string {
  let out = '';
  if (info.path !== '') out += `path\t${info.path}\n`;
  const mod = (word: string, m: GoModule) => {
    out += `${word}\t${m.path}\t${m.version}`;
    if (m.replace === undefined) out += `\t${m.sum}`;
    else {
      out += '\n';
      mod('=>', m.replace);
    }
    out += '\n';
  };
  if (info.main && (info.main.path !== '' || info.main.version !== '' || info.main.sum !== '')) {
    mod('mod', info.main);
  }
  for (const d of info.deps) mod('dep', d);
  for (const s of info.settings) {
    const key = quoteKey(s.key) ? goQuote(s.key) : s.key;
    const value = quoteValue(s.value) ? goQuote(s.value) : s.value;
    out += `build\t${key}=${value}\n`;
  }
  return out;
}

/** Exactly what `go version -m FILE` prints for the binary. */
export function formatGoVersionM(file: string, info: GoBuildInfo): string {
  const mod = formatModInfo(info);
  let out = `${file}: ${info.goVersion}\n`;
  if (mod.length > 0) out += `\t${mod.slice(0, -1).replaceAll('\n', '\n\t')}\n`;
  return out;
}

/** The value of one build setting, or undefined. */
export function goBuildSetting(info: Pick<GoBuildInfo, 'settings'>, key: string): string | undefined {
  return info.settings.find((s) => s.key === key)?.value;
}
