// Writes small ELF executables of our own: 32- or 64-bit, either byte order, each section in its own
// PT_LOAD segment, section headers optional. With oldGoBuildInfo() they carry Go build info in the
// pointer layout Go used before 1.18, which the Gos installed here no longer write.
import { BUILDINFO_MAGIC, MODINFO_END, MODINFO_START } from '../../src/attest/go-buildinfo.js';

export interface ElfSectionSpec {
  name: string;
  addr: number;
  data: Uint8Array;
  writable?: boolean;
  executable?: boolean;
}

export interface ElfSpec {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_machine (62 x86-64, 8 MIPS, ...) */
  machine: number;
  sections: ElfSectionSpec[];
  /** false: no section headers at all (as some strippers leave binaries) */
  sectionHeaders?: boolean;
}

class Writer {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  constructor(
    size: number,
    private readonly le: boolean,
    private readonly bits: 32 | 64,
  ) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  u8(o: number, v: number) {
    this.view.setUint8(o, v);
  }
  u16(o: number, v: number) {
    this.view.setUint16(o, v, this.le);
  }
  u32(o: number, v: number) {
    this.view.setUint32(o, v, this.le);
  }
  word(o: number, v: number) {
    if (this.bits === 64) this.view.setBigUint64(o, BigInt(v), this.le);
    else this.view.setUint32(o, v, this.le);
  }
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

export function writeElf(spec: ElfSpec): Uint8Array {
  const is64 = spec.bits === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const withSh = spec.sectionHeaders ?? true;
  const names = ['', ...spec.sections.map((s) => s.name), '.shstrtab'];
  const enc = new TextEncoder();
  const nameOffsets: number[] = [];
  const strtab: number[] = [];
  for (const n of names) {
    nameOffsets.push(strtab.length);
    strtab.push(...enc.encode(n), 0);
  }
  let offset = ehsize + phentsize * spec.sections.length;
  const placed = spec.sections.map((s) => {
    offset = align(offset, 16);
    const at = offset;
    offset += s.data.length;
    return { ...s, offset: at };
  });
  const strtabOffset = offset;
  offset += strtab.length;
  const shoff = withSh ? align(offset, 8) : 0;
  const total = withSh ? shoff + shentsize * names.length : offset;
  const w = new Writer(total, spec.littleEndian, spec.bits);
  w.buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, spec.littleEndian ? 1 : 2, 1], 0);
  w.u16(16, 2); // ET_EXEC
  w.u16(18, spec.machine);
  w.u32(20, 1);
  if (is64) {
    w.word(24, placed[0]?.addr ?? 0);
    w.word(0x20, ehsize);
    w.word(0x28, shoff);
    w.u16(0x34, ehsize);
    w.u16(0x36, phentsize);
    w.u16(0x38, placed.length);
    w.u16(0x3a, withSh ? shentsize : 0);
    w.u16(0x3c, withSh ? names.length : 0);
    w.u16(0x3e, withSh ? names.length - 1 : 0);
  } else {
    w.word(24, placed[0]?.addr ?? 0);
    w.word(0x1c, ehsize);
    w.word(0x20, shoff);
    w.u16(0x28, ehsize);
    w.u16(0x2a, phentsize);
    w.u16(0x2c, placed.length);
    w.u16(0x2e, withSh ? shentsize : 0);
    w.u16(0x30, withSh ? names.length : 0);
    w.u16(0x32, withSh ? names.length - 1 : 0);
  }
  placed.forEach((s, i) => {
    const o = ehsize + i * phentsize;
    const flags = 4 | (s.writable ? 2 : 0) | (s.executable ? 1 : 0); // PF_R | PF_W | PF_X
    if (is64) {
      w.u32(o, 1);
      w.u32(o + 4, flags);
      w.word(o + 8, s.offset);
      w.word(o + 16, s.addr);
      w.word(o + 24, s.addr);
      w.word(o + 32, s.data.length);
      w.word(o + 40, s.data.length);
      w.word(o + 48, 16);
    } else {
      w.u32(o, 1);
      w.word(o + 4, s.offset);
      w.word(o + 8, s.addr);
      w.word(o + 12, s.addr);
      w.word(o + 16, s.data.length);
      w.word(o + 20, s.data.length);
      w.u32(o + 24, flags);
      w.word(o + 28, 16);
    }
    w.buf.set(s.data, s.offset);
  });
  w.buf.set(strtab, strtabOffset);
  if (withSh) {
    const section = (i: number, type: number, flags: number, addr: number, off: number, size: number) => {
      const o = shoff + i * shentsize;
      w.u32(o, nameOffsets[i] as number);
      w.u32(o + 4, type);
      if (is64) {
        w.word(o + 8, flags);
        w.word(o + 16, addr);
        w.word(o + 24, off);
        w.word(o + 32, size);
        w.word(o + 48, 1);
      } else {
        w.word(o + 8, flags);
        w.word(o + 12, addr);
        w.word(o + 16, off);
        w.word(o + 20, size);
        w.word(o + 32, 1);
      }
    };
    placed.forEach((s, i) => {
      section(i + 1, 1, 2 | (s.writable ? 1 : 0) | (s.executable ? 4 : 0), s.addr, s.offset, s.data.length);
    });
    section(names.length - 1, 3, 0, 0, strtabOffset, strtab.length);
  }
  return w.buf;
}

export interface OldBuildInfoSpec {
  ptrSize: 4 | 8;
  bigEndian: boolean;
  version: string;
  /** the module text, without the sentinels */
  modText: string;
  /** where .go.buildinfo is mapped; .data follows 0x1000 later */
  base: number;
}

/**
 * The two sections of a pre-1.18 Go binary that matter to build info: `.go.buildinfo` (magic, pointer
 * size, endianness byte, then pointers to the version's and the module text's string headers) and a
 * data section holding those string headers {data pointer, length} and the bytes.
 */
export function oldGoBuildInfoSections(spec: OldBuildInfoSpec): ElfSectionSpec[] {
  const enc = new TextEncoder();
  const version = enc.encode(spec.version);
  const mod = new Uint8Array([...MODINFO_START, ...enc.encode(spec.modText), ...MODINFO_END]);
  const dataAddr = spec.base + 0x1000;
  const p = spec.ptrSize;
  // .data: [version header][mod header][version bytes][mod bytes]
  const data = new Uint8Array(4 * p + version.length + mod.length);
  const dv = new DataView(data.buffer);
  const put = (view: DataView, at: number, v: number) => {
    if (p === 8) view.setBigUint64(at, BigInt(v), !spec.bigEndian);
    else view.setUint32(at, v, !spec.bigEndian);
  };
  const versionAt = dataAddr + 4 * p;
  const modAt = versionAt + version.length;
  put(dv, 0, versionAt);
  put(dv, p, version.length);
  put(dv, 2 * p, modAt);
  put(dv, 3 * p, mod.length);
  data.set(version, 4 * p);
  data.set(mod, 4 * p + version.length);
  const header = new Uint8Array(32);
  header.set(BUILDINFO_MAGIC, 0);
  header[14] = p;
  header[15] = spec.bigEndian ? 1 : 0;
  const hv = new DataView(header.buffer);
  put(hv, 16, dataAddr);
  put(hv, 16 + p, dataAddr + 2 * p);
  return [
    { name: '.go.buildinfo', addr: spec.base, data: header, writable: true },
    { name: '.data', addr: dataAddr, data, writable: true },
  ];
}
