// Just enough ELF to find data by section name and by virtual address: 32- and 64-bit, either byte
// order, any machine. Pure: bytes in, offsets out. Used to read Go's build info out of /coredns.
import { VcError } from '../errors.js';

export interface ElfSection {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfFile {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_machine: 62 x86-64, 183 aarch64, 40 arm, ... */
  machine: number;
  sections: ElfSection[];
  segments: ElfSegment[];
  bytes: Uint8Array;
}

export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
const SHT_NOBITS = 8;
const SHN_XINDEX = 0xffff;

function notElf(message: string): VcError {
  return new VcError(`not an ELF file: ${message}`, { code: 'NOT_ELF' });
}

/** A bounds-checked reader of unsigned integers of the file's byte order. */
class Reader {
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly bits: 32 | 64,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(offset: number, size: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > this.bytes.byteLength) {
      throw notElf(`a header at offset ${offset} lies outside the file`);
    }
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, this.littleEndian);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, this.littleEndian);
  }

  u64(offset: number): number {
    this.check(offset, 8);
    const v = this.view.getBigUint64(offset, this.littleEndian);
    // Offsets, sizes and addresses past 2^53 cannot point into a file we hold in memory.
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  /** An address-sized word (Elf32_Addr/Off or Elf64_Addr/Off/Xword). */
  word(offset: number): number {
    return this.bits === 64 ? this.u64(offset) : this.u32(offset);
  }
}

function cString(bytes: Uint8Array, offset: number): string {
  if (offset < 0 || offset >= bytes.byteLength) return '';
  let end = offset;
  while (end < bytes.byteLength && bytes[end] !== 0) end++;
  return new TextDecoder('latin1').decode(bytes.subarray(offset, end));
}

/** Parses the ELF header, section headers (with names) and program headers. */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (
    bytes.byteLength < 52 ||
    bytes[0] !== 0x7f ||
    bytes[1] !== 0x45 ||
    bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) {
    throw notElf('no ELF magic');
  }
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== 1 && cls !== 2) throw notElf(`unknown class ${cls}`);
  if (data !== 1 && data !== 2) throw notElf(`unknown data encoding ${data}`);
  const bits = cls === 2 ? 64 : 32;
  const r = new Reader(bytes, data === 1, bits);
  // Field offsets of the ELF header (System V gABI).
  const h =
    bits === 64
      ? {
          machine: 18,
          phoff: 0x20,
          shoff: 0x28,
          phentsize: 0x36,
          phnum: 0x38,
          shentsize: 0x3a,
          shnum: 0x3c,
          shstrndx: 0x3e,
        }
      : {
          machine: 18,
          phoff: 0x1c,
          shoff: 0x20,
          phentsize: 0x2a,
          phnum: 0x2c,
          shentsize: 0x2e,
          shnum: 0x30,
          shstrndx: 0x32,
        };
  const machine = r.u16(h.machine);
  const phoff = r.word(h.phoff);
  const shoff = r.word(h.shoff);
  const phentsize = r.u16(h.phentsize);
  const phnum = r.u16(h.phnum);
  const shentsize = r.u16(h.shentsize);
  let shnum = r.u16(h.shnum);
  let shstrndx = r.u16(h.shstrndx);

  const sectionAt = (i: number) => {
    const o = shoff + i * shentsize;
    return bits === 64
      ? {
          nameOff: r.u32(o),
          type: r.u32(o + 4),
          addr: r.u64(o + 16),
          offset: r.u64(o + 24),
          size: r.u64(o + 32),
          link: r.u32(o + 40),
        }
      : {
          nameOff: r.u32(o),
          type: r.u32(o + 4),
          addr: r.u32(o + 12),
          offset: r.u32(o + 16),
          size: r.u32(o + 20),
          link: r.u32(o + 24),
        };
  };
  const raw: ReturnType<typeof sectionAt>[] = [];
  if (shoff !== 0) {
    if (shentsize < (bits === 64 ? 64 : 40)) throw notElf(`section header size ${shentsize}`);
    // Extended numbering: the real counts live in section 0.
    if (shnum === 0 || shstrndx === SHN_XINDEX) {
      const zero = sectionAt(0);
      if (shnum === 0) shnum = zero.size;
      if (shstrndx === SHN_XINDEX) shstrndx = zero.link;
    }
    if (shoff + shnum * shentsize > bytes.byteLength) throw notElf('section headers run past the end');
    for (let i = 0; i < shnum; i++) raw.push(sectionAt(i));
  }
  const strtab = raw[shstrndx];
  const names =
    strtab && strtab.type !== SHT_NOBITS && strtab.offset + strtab.size <= bytes.byteLength
      ? bytes.subarray(strtab.offset, strtab.offset + strtab.size)
      : new Uint8Array();
  const sections = raw.map((s) => ({
    name: cString(names, s.nameOff),
    type: s.type,
    addr: s.addr,
    offset: s.offset,
    size: s.size,
  }));

  const segments: ElfSegment[] = [];
  if (phoff !== 0) {
    if (phentsize < (bits === 64 ? 56 : 32)) throw notElf(`program header size ${phentsize}`);
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      segments.push(
        bits === 64
          ? {
              type: r.u32(o),
              flags: r.u32(o + 4),
              offset: r.u64(o + 8),
              vaddr: r.u64(o + 16),
              filesz: r.u64(o + 32),
              memsz: r.u64(o + 40),
            }
          : {
              type: r.u32(o),
              offset: r.u32(o + 4),
              vaddr: r.u32(o + 8),
              filesz: r.u32(o + 16),
              memsz: r.u32(o + 20),
              flags: r.u32(o + 24),
            },
      );
    }
  }
  return { bits, littleEndian: r.littleEndian, machine, sections, segments, bytes };
}

/**
 * Up to `size` bytes at virtual address `addr` (fewer where the file ends first), as the loaded
 * program would see them: from the PT_LOAD segment holding it, else from a section holding it; null
 * when no part of the file is mapped there.
 */
export function readElfData(elf: ElfFile, addr: number, size: number): Uint8Array | null {
  const from = (offset: number, available: number) => {
    const start = offset;
    const end = Math.min(start + Math.min(size, available), elf.bytes.byteLength);
    return start <= end ? elf.bytes.subarray(start, end) : null;
  };
  for (const p of elf.segments) {
    if (p.type === PT_LOAD && p.filesz > 0 && p.vaddr <= addr && addr <= p.vaddr + p.filesz - 1) {
      return from(p.offset + (addr - p.vaddr), p.vaddr + p.filesz - addr);
    }
  }
  for (const s of elf.sections) {
    if (
      s.type !== SHT_NOBITS &&
      s.addr !== 0 &&
      s.size > 0 &&
      s.addr <= addr &&
      addr <= s.addr + s.size - 1
    ) {
      return from(s.offset + (addr - s.addr), s.addr + s.size - addr);
    }
  }
  return null;
}

/** Where Go keeps its build info: the `.go.buildinfo` section, else the first writable, non-executable PT_LOAD (as debug/buildinfo looks). */
export function goBuildInfoRegion(elf: ElfFile): { addr: number; size: number } | null {
  const section = elf.sections.find((s) => s.name === '.go.buildinfo');
  if (section) return { addr: section.addr, size: section.size };
  const segment = elf.segments.find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W);
  return segment ? { addr: segment.vaddr, size: segment.memsz } : null;
}
