// A deterministic tar writer (POSIX ustar, plus pax extended headers where needed) and a raw reader.
//
// Written here rather than with tar-stream's pack, which (3.2) cannot write binary pax values: it joins
// them into a string and encodes that as UTF-8, so bytes >= 0x80 of an xattr such as
// security.capability would be mangled; it also names the real entry's ustar header "PaxHeader" and
// leans on the pax `path` record. The raw reader exists for the same reason (tar-stream's extract decodes
// pax values as UTF-8 text); readLayerFile (read.ts) uses tar-stream's extract as an independent parser.

export type TarEntryType = 'file' | 'directory' | 'symlink';

export interface TarEntry {
  /** Relative path without a leading `/` or `./`, e.g. `etc/passwd`; directories without a trailing `/`. */
  path: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky, e.g. 0o755, 0o1777. */
  mode: number;
  uid: number;
  gid: number;
  /** File content (files only). */
  data?: Uint8Array;
  /** Symlink target (symlinks only). */
  linkname?: string;
  /** Extended attributes by full name (e.g. `security.capability`), raw bytes; written as SCHILY.xattr.* */
  xattrs?: Record<string, Uint8Array>;
}

export interface TarOptions {
  /** The mtime of every entry, seconds since the epoch (SOURCE_DATE_EPOCH). */
  mtime: number;
  /** Mode of parent directories that are not listed. Default 0o755, owner 0:0. */
  parentMode?: number;
}

const BLOCK = 512;
const enc = new TextEncoder();

/** `etc/ssl/` or `/etc/ssl` -> `etc/ssl`; `..`, empty names and NUL are refused. */
export function normalizeTarPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..' || p.includes('\0'))) {
    throw new Error(`bad path for a tar entry: ${JSON.stringify(path)}`);
  }
  return parts.join('/');
}

function compareBytes(a: string, b: string): number {
  const x = enc.encode(a);
  const y = enc.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}

/**
 * Entries sorted by path (byte order, so a directory precedes what it holds), with a directory entry
 * for every parent path that is not listed. Duplicate paths are a bug.
 */
export function completeEntries(entries: readonly TarEntry[], parentMode = 0o755): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    const path = normalizeTarPath(e.path);
    if (byPath.has(path)) throw new Error(`duplicate tar entry: ${path}`);
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (existing === undefined) {
        byPath.set(parent, { path: parent, type: 'directory', mode: parentMode, uid: 0, gid: 0 });
      } else if (existing.type !== 'directory') {
        throw new Error(`tar entry ${path} is under ${parent}, which is not a directory`);
      }
    }
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}

function writeString(buf: Uint8Array, offset: number, length: number, value: string): boolean {
  const bytes = enc.encode(value);
  if (bytes.length > length) return false;
  buf.set(bytes, offset);
  return true;
}

/** An octal field: zero-padded digits then NUL, `length` bytes in all. */
function writeOctal(buf: Uint8Array, offset: number, length: number, value: number, what: string): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (!Number.isSafeInteger(value) || value < 0 || text.length > length - 1) {
    throw new Error(`tar: ${what} ${value} does not fit the header`);
  }
  writeString(buf, offset, length - 1, text);
  buf[offset + length - 1] = 0;
}

const TYPEFLAG: Record<TarEntryType | 'pax', string> = { file: '0', directory: '5', symlink: '2', pax: 'x' };

function isAscii(s: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole 7-bit range is what is allowed
  return /^[\x01-\x7f]*$/.test(s);
}

/** Splits a path into ustar name (<= 100 bytes) and prefix (<= 155 bytes); null when impossible. */
function splitUstarName(name: string): { name: string; prefix: string } | null {
  if (!isAscii(name)) return null;
  if (name.length <= 100) return { name, prefix: '' };
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) return { name: rest, prefix };
    if (prefix.length <= 155 && rest.length > 100) return null;
  }
  return null;
}

interface HeaderFields {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
}

function header(f: HeaderFields): Uint8Array {
  const buf = new Uint8Array(BLOCK);
  if (!writeString(buf, 0, 100, f.name)) throw new Error(`tar: name too long: ${f.name}`);
  writeOctal(buf, 100, 8, f.mode, 'mode');
  writeOctal(buf, 108, 8, f.uid, 'uid');
  writeOctal(buf, 116, 8, f.gid, 'gid');
  writeOctal(buf, 124, 12, f.size, 'size');
  writeOctal(buf, 136, 12, f.mtime, 'mtime');
  buf.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  buf[156] = f.typeflag.charCodeAt(0);
  if (!writeString(buf, 157, 100, f.linkname)) throw new Error(`tar: link target too long: ${f.linkname}`);
  writeString(buf, 257, 6, 'ustar'); // "ustar\0"
  writeString(buf, 263, 2, '00');
  // uname (265) and gname (297) stay empty: owners are numeric only.
  writeOctal(buf, 329, 8, 0, 'devmajor');
  writeOctal(buf, 337, 8, 0, 'devminor');
  if (!writeString(buf, 345, 155, f.prefix)) throw new Error(`tar: prefix too long: ${f.prefix}`);
  let sum = 0;
  for (const b of buf) sum += b;
  writeOctal(buf, 148, 7, sum, 'checksum'); // six digits, NUL ...
  buf[155] = 0x20; // ... and a space, as POSIX and GNU tar write it
  return buf;
}

/** One pax record `"<len> <key>=<value>\n"`; the value is raw bytes, the length counts itself. */
export function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const rest = enc.encode(` ${key}=`).length + value.length + 1;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  const out = new Uint8Array(len);
  let o = 0;
  const head = enc.encode(`${len} ${key}=`);
  out.set(head, o);
  o += head.length;
  out.set(value, o);
  o += value.length;
  out[o] = 0x0a;
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function padding(size: number): Uint8Array {
  const rem = size % BLOCK;
  return new Uint8Array(rem === 0 ? 0 : BLOCK - rem);
}

/**
 * The tar bytes of the entries: sorted, parents added, every mtime `opts.mtime`, owners numeric with
 * empty user and group names, two zero blocks at the end. Same entries -> same bytes.
 */
export function writeTar(entries: readonly TarEntry[], opts: TarOptions): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const e of completeEntries(entries, opts.parentMode)) {
    const isDir = e.type === 'directory';
    const data = e.type === 'file' ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    if (e.type !== 'file' && e.data !== undefined && e.data.length > 0) {
      throw new Error(`tar entry ${e.path} is a ${e.type} and cannot carry data`);
    }
    const linkname = e.type === 'symlink' ? (e.linkname ?? '') : '';
    if (e.type === 'symlink' && linkname === '') throw new Error(`symlink ${e.path} has no target`);
    const fullName = isDir ? `${e.path}/` : e.path;
    const split = splitUstarName(fullName);
    const records: Uint8Array[] = [];
    if (split === null) records.push(paxRecord('path', enc.encode(fullName)));
    if (linkname !== '' && (!isAscii(linkname) || linkname.length > 100)) {
      records.push(paxRecord('linkpath', enc.encode(linkname)));
    }
    for (const key of Object.keys(e.xattrs ?? {}).sort()) {
      records.push(
        paxRecord(`SCHILY.xattr.${key}`, (e.xattrs as Record<string, Uint8Array>)[key] as Uint8Array),
      );
    }
    const base = {
      mode: e.mode & 0o7777,
      uid: e.uid,
      gid: e.gid,
      mtime: opts.mtime,
    };
    if (records.length > 0) {
      const body = concat(records);
      const paxName = `PaxHeaders/${fullName.replace(/\/$/, '').split('/').pop() ?? ''}`.slice(0, 100);
      chunks.push(
        header({
          ...base,
          name: isAscii(paxName) ? paxName : 'PaxHeaders/entry',
          prefix: '',
          mode: 0o644,
          uid: 0,
          gid: 0,
          size: body.length,
          typeflag: TYPEFLAG.pax,
          linkname: '',
        }),
        body,
        padding(body.length),
      );
    }
    const ustarName = split ?? { name: fullName.slice(-100).replace(/[^\x20-\x7e]/g, '_'), prefix: '' };
    chunks.push(
      header({
        ...base,
        name: ustarName.name,
        prefix: ustarName.prefix,
        size: data.length,
        typeflag: TYPEFLAG[e.type],
        linkname: linkname.length <= 100 && isAscii(linkname) ? linkname : '',
      }),
      data,
      padding(data.length),
    );
  }
  chunks.push(new Uint8Array(2 * BLOCK));
  return concat(chunks);
}

// ---------------------------------------------------------------------------------------------------------
// Raw reader

export interface RawTarEntry {
  path: string;
  /** The ustar typeflag character: '0' file, '5' directory, '2' symlink, '1' hard link, ... */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
  linkname: string;
  /** The ustar magic: `ustar\0` (POSIX) or `ustar ` (GNU). */
  magic: string;
  /** Raw pax records of the entry (from a preceding `x` header), values as bytes. */
  pax: Record<string, Uint8Array>;
  /** SCHILY.xattr.* records, by attribute name. */
  xattrs: Record<string, Uint8Array>;
  data: Uint8Array;
}

const dec = new TextDecoder();

function readString(buf: Uint8Array, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return dec.decode(nul === -1 ? field : field.subarray(0, nul));
}

function readOctal(buf: Uint8Array, offset: number, length: number): number {
  const field = buf.subarray(offset, offset + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    // GNU base-256 for large values
    let v = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + (field[i] as number);
    return v;
  }
  const text = readString(buf, offset, length).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** Parses pax records; values kept as raw bytes. */
export function parsePaxRecords(body: Uint8Array): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  let o = 0;
  while (o < body.length) {
    const space = body.indexOf(0x20, o);
    if (space === -1) break;
    const len = Number.parseInt(dec.decode(body.subarray(o, space)), 10);
    if (!Number.isInteger(len) || len <= 0 || o + len > body.length) throw new Error('tar: bad pax record');
    const record = body.subarray(space + 1, o + len - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq === -1) throw new Error('tar: bad pax record');
    out[dec.decode(record.subarray(0, eq))] = record.slice(eq + 1);
    o += len;
  }
  return out;
}

function checksumOk(block: Uint8Array): boolean {
  const stored = readOctal(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return stored === sum;
}

/** Every entry of an uncompressed tar, with raw pax records and xattrs. Throws on a corrupt archive. */
export function parseTar(tar: Uint8Array): RawTarEntry[] {
  const entries: RawTarEntry[] = [];
  let pax: Record<string, Uint8Array> = {};
  let longName: string | null = null;
  let longLink: string | null = null;
  let o = 0;
  while (o + BLOCK <= tar.length) {
    const block = tar.subarray(o, o + BLOCK);
    if (block.every((b) => b === 0)) break;
    if (!checksumOk(block)) throw new Error(`tar: bad header checksum at offset ${o}`);
    const size = readOctal(block, 124, 12);
    const typeflag = String.fromCharCode(block[156] || 0x30);
    const dataStart = o + BLOCK;
    if (dataStart + size > tar.length) throw new Error(`tar: entry at offset ${o} is truncated`);
    const data = tar.subarray(dataStart, dataStart + size);
    o = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x') {
      pax = { ...pax, ...parsePaxRecords(data) };
      continue;
    }
    if (typeflag === 'g') continue;
    if (typeflag === 'L' || typeflag === 'K') {
      const text = readString(data, 0, data.length);
      if (typeflag === 'L') longName = text;
      else longLink = text;
      continue;
    }
    const magic = dec.decode(block.subarray(257, 263));
    const prefix = magic.startsWith('ustar') ? readString(block, 345, 155) : '';
    let path = readString(block, 0, 100);
    if (prefix !== '') path = `${prefix}/${path}`;
    if (longName !== null) path = longName;
    if (pax.path) path = dec.decode(pax.path);
    let linkname = readString(block, 157, 100);
    if (longLink !== null) linkname = longLink;
    if (pax.linkpath) linkname = dec.decode(pax.linkpath);
    const xattrs: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(pax)) {
      if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice('SCHILY.xattr.'.length)] = v;
    }
    entries.push({
      path,
      typeflag,
      mode: readOctal(block, 100, 8),
      uid: readOctal(block, 108, 8),
      gid: readOctal(block, 116, 8),
      uname: readString(block, 265, 32),
      gname: readString(block, 297, 32),
      mtime: readOctal(block, 136, 12),
      size,
      linkname,
      magic,
      pax,
      xattrs,
      data,
    });
    pax = {};
    longName = null;
    longLink = null;
  }
  return entries;
}
