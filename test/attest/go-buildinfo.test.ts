// Go build info read from ELF binaries in TypeScript, compared with what `go version -m` prints: real
// binaries of Go 1.19 and 1.23 for several architectures (64/32-bit, little/big-endian), and ELF files
// written here in the pre-1.18 pointer layout, which no installed Go produces.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/attest/elf.js';
import {
  formatGoVersionM,
  formatModInfo,
  goBuildSetting,
  MODINFO_END,
  MODINFO_START,
  parseModInfo,
  readGoBuildInfo,
} from '../../src/attest/go-buildinfo.js';
import { goQuote, goUnquote } from '../../src/attest/go-quote.js';
import { oldGoBuildInfoSections, writeElf } from '../support/elf-writer.js';
import { thrown } from '../support/errors.js';
import {
  buildDemo,
  createDemoWorkspace,
  type DemoWorkspace,
  GO_119,
  GO_123,
  goVersionM,
} from '../support/go-modules.js';

let ws: DemoWorkspace;
beforeAll(async () => {
  ws = await createDemoWorkspace();
});
afterAll(async () => {
  await ws?.dispose();
});

async function bytesOf(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

describe('build info of real Go binaries equals go version -m', () => {
  const cases: { go: string; goarch: string; bits: 32 | 64; littleEndian: boolean; trimpath?: boolean }[] = [
    { go: GO_119, goarch: 'amd64', bits: 64, littleEndian: true },
    { go: GO_119, goarch: 'arm64', bits: 64, littleEndian: true },
    { go: GO_123, goarch: 'amd64', bits: 64, littleEndian: true },
    { go: GO_123, goarch: 'arm64', bits: 64, littleEndian: true },
    { go: GO_123, goarch: 's390x', bits: 64, littleEndian: false },
    { go: GO_123, goarch: 'mips', bits: 32, littleEndian: false },
    // Without -trimpath Go records -ldflags, whose value it quotes.
    { go: GO_123, goarch: 'arm64', bits: 64, littleEndian: true, trimpath: false },
  ];
  for (const c of cases) {
    const label = `${c.go.includes('1.19') ? 'Go 1.19' : 'Go 1.23'} linux/${c.goarch}${c.trimpath === false ? ' without -trimpath' : ''}`;
    it(label, async () => {
      const built = await buildDemo(ws, { go: c.go, goarch: c.goarch, trimpath: c.trimpath ?? true });
      const bytes = await bytesOf(built.out);
      const elf = parseElf(bytes);
      expect({ bits: elf.bits, littleEndian: elf.littleEndian }).toEqual({
        bits: c.bits,
        littleEndian: c.littleEndian,
      });
      const info = readGoBuildInfo(bytes);
      expect(formatGoVersionM(built.out, info)).toBe(await goVersionM(c.go, built.out));

      // The pieces the SBOM is made of, as values.
      expect(info.goVersion).toMatch(c.go.includes('1.19') ? /^go1\.19\./ : /^go1\.23\./);
      expect(info.path).toBe('example.com/vcdemo');
      expect(info.main).toEqual({ path: 'example.com/vcdemo', version: '(devel)', sum: '' });
      expect(info.deps.map((d) => d.path)).toEqual([
        'example.com/vcdep',
        'example.com/vclocal',
        'example.com/vcswap',
      ]);
      expect(info.deps[0]?.sum).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
      expect(info.deps[1]?.replace).toEqual({ path: './local', version: '(devel)', sum: '' });
      expect(info.deps[2]?.replace?.path).toBe('example.com/vcfork');
      expect(info.deps[2]?.replace?.sum).toMatch(/^h1:/);
      expect(goBuildSetting(info, 'GOARCH')).toBe(c.goarch);
      expect(goBuildSetting(info, 'CGO_ENABLED')).toBe('0');
      if (c.trimpath === false) {
        expect(goBuildSetting(info, '-ldflags')).toBe(built.ldflags);
      } else {
        expect(goBuildSetting(info, '-trimpath')).toBe('true');
        expect(goBuildSetting(info, '-ldflags')).toBeUndefined();
      }
    });
  }
});

describe('the pre-Go 1.18 pointer layout', () => {
  const modText = [
    'path\texample.com/old/cmd/old',
    'mod\texample.com/old\tv0.3.1\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    'dep\texample.com/a\tv1.0.0\th1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=',
    'dep\texample.com/b\tv2.1.0+incompatible',
    '=>\texample.com/b2\tv2.1.1\th1:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=',
    '',
  ].join('\n');
  const layouts = [
    { bits: 64, littleEndian: true, machine: 62, sectionHeaders: true },
    { bits: 32, littleEndian: false, machine: 8, sectionHeaders: true },
    { bits: 32, littleEndian: true, machine: 40, sectionHeaders: true },
    // No section headers: found through the first writable PT_LOAD, as debug/buildinfo does.
    { bits: 64, littleEndian: false, machine: 22, sectionHeaders: false },
  ] as const;

  for (const l of layouts) {
    it(`${l.bits}-bit ${l.littleEndian ? 'little' : 'big'}-endian${l.sectionHeaders ? '' : ', no section headers'}`, async () => {
      const bytes = writeElf({
        bits: l.bits,
        littleEndian: l.littleEndian,
        machine: l.machine,
        sectionHeaders: l.sectionHeaders,
        sections: oldGoBuildInfoSections({
          ptrSize: l.bits === 64 ? 8 : 4,
          bigEndian: !l.littleEndian,
          version: 'go1.16.15',
          modText,
          base: 0x500000,
        }),
      });
      const info = readGoBuildInfo(bytes);
      expect(info.goVersion).toBe('go1.16.15');
      expect(info.path).toBe('example.com/old/cmd/old');
      expect(info.main?.version).toBe('v0.3.1');
      expect(info.deps).toEqual([
        { path: 'example.com/a', version: 'v1.0.0', sum: 'h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=' },
        {
          path: 'example.com/b',
          version: 'v2.1.0+incompatible',
          sum: '',
          replace: {
            path: 'example.com/b2',
            version: 'v2.1.1',
            sum: 'h1:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=',
          },
        },
      ]);
      expect(info.settings).toEqual([]);

      // Go itself still reads this layout: the file we wrote is what an old Go wrote.
      const dir = await mkdtemp(join(tmpdir(), 'vc-oldelf-'));
      try {
        const file = join(dir, 'old');
        await writeFile(file, bytes);
        await chmod(file, 0o755);
        expect(formatGoVersionM(file, info)).toBe(await goVersionM(GO_123, file));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  it('module text without its sentinels counts as none, as Go does', () => {
    const sections = oldGoBuildInfoSections({
      ptrSize: 8,
      bigEndian: false,
      version: 'go1.15',
      modText: '',
      base: 0x400000,
    });
    const info = readGoBuildInfo(writeElf({ bits: 64, littleEndian: true, machine: 62, sections }));
    expect(info).toEqual({ goVersion: 'go1.15', path: '', main: null, deps: [], settings: [] });
  });
});

describe('modinfo text', () => {
  it('quotes keys and values the way Go does, and reads them back', () => {
    const settings = [
      { key: '-ldflags', value: '-s -w -X "main.v=a b"' },
      { key: '-tags', value: 'netgo,osusergo' },
      { key: 'weird key', value: 'tab\there' },
      { key: 'k=v', value: 'back`tick' },
      { key: 'uni', value: 'ünïcødé é\u0007\u200b' },
      { key: 'empty', value: '' },
    ];
    const text = formatModInfo({ path: 'p', main: null, deps: [], settings });
    expect(text).toBe(
      [
        'path\tp',
        'build\t-ldflags="-s -w -X \\"main.v=a b\\""',
        'build\t-tags=netgo,osusergo',
        'build\t"weird key"="tab\\there"',
        'build\t"k=v"="back`tick"',
        'build\tuni="ünïcødé é\\a\\u200b"',
        'build\tempty=',
        '',
      ].join('\n'),
    );
    expect(parseModInfo(text).settings).toEqual(settings);
    // Back-quoted values and octal escapes are valid Go literals too.
    expect(parseModInfo('build\tx=`a "b"`\nbuild\ty="\\101\\x42\\u0043"\n').settings).toEqual([
      { key: 'x', value: 'a "b"' },
      { key: 'y', value: 'ABC' },
    ]);
  });

  it('goQuote and goUnquote agree with Go on control and invalid bytes', () => {
    expect(goQuote(new Uint8Array([0x61, 0xff, 0x00, 0x7f]))).toBe('"a\\xff\\x00\\x7f"');
    expect(goQuote('\u{1F600}\u{E0001}')).toBe('"\u{1F600}\\U000e0001"');
    expect(goUnquote('"a\\qb"')).toBeNull();
    expect(goUnquote('"unterminated')).toBeNull();
  });

  it('rejects lines Go would reject, naming the line', () => {
    const e = thrown(() => parseModInfo('path\tp\ndep\tonly-one-column\n'));
    expect([e.code, e.message]).toEqual([
      'NOT_GO_BINARY',
      'could not parse Go build info: line 2: expected 2 or 3 columns; got 1',
    ]);
    expect(thrown(() => parseModInfo('=>\ta\tb\tc\n')).message).toMatch(/line 1: replacement with no module/);
    expect(thrown(() => parseModInfo('build\tkey=a b\n')).message).toMatch(
      /unquoted value "a b" must be quoted/,
    );
    expect(thrown(() => parseModInfo('build\tnokey\n')).message).toMatch(/missing '=' after key/);
  });
});

describe('Go 1.11 and 1.12: no .go.buildinfo', () => {
  const concat = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const text = (s: string) => new TextEncoder().encode(s);
  const modText =
    'path\tgithub.com/coredns/coredns\nmod\tgithub.com/coredns/coredns\t(devel)\t\ndep\tgithub.com/miekg/dns\tv1.1.8\th1:1QYRAKU3lN5cRfLCkPU08hwvLJFhvjP6MqNBbrGIfE4=\n';
  const elfWith = (data: Uint8Array) =>
    writeElf({
      bits: 64,
      littleEndian: true,
      machine: 62,
      sections: [{ name: '.rodata', addr: 0x400000, data }],
    });

  it('reads the module text between its sentinels and the one Go version string', () => {
    const data = concat(
      text('\0go1.12.17\0padding'),
      MODINFO_START,
      text(modText),
      MODINFO_END,
      text('\0go1.12.17'),
    );
    const info = readGoBuildInfo(elfWith(data));
    expect(info.goVersion).toBe('go1.12.17');
    expect(info.main).toEqual({ path: 'github.com/coredns/coredns', version: '(devel)', sum: '' });
    expect(info.deps.map((d) => `${d.path}@${d.version}`)).toEqual(['github.com/miekg/dns@v1.1.8']);
  });

  it('is none when the Go version is not one string, or the sentinels are not there once', () => {
    const none = (data: Uint8Array) => thrown(() => readGoBuildInfo(elfWith(data))).code;
    expect(none(concat(text('go1.12.17 go1.11.2 '), MODINFO_START, text(modText), MODINFO_END))).toBe(
      'NOT_GO_BINARY',
    );
    expect(none(concat(MODINFO_START, text(modText), MODINFO_END))).toBe('NOT_GO_BINARY');
    expect(none(concat(text('go1.12.17 '), MODINFO_START, text(modText)))).toBe('NOT_GO_BINARY');
    const twice = concat(MODINFO_START, text(modText), MODINFO_END);
    expect(none(concat(text('go1.12.17 '), twice, twice))).toBe('NOT_GO_BINARY');
  });
});

describe('not Go, not ELF', () => {
  it('names what is wrong', () => {
    expect(
      thrown(() => readGoBuildInfo(new TextEncoder().encode('#!/bin/sh\necho hi\n'.repeat(4)))).code,
    ).toBe('NOT_ELF');
    const plain = writeElf({
      bits: 64,
      littleEndian: true,
      machine: 62,
      sections: [{ name: '.data', addr: 0x400000, data: new Uint8Array(64), writable: true }],
    });
    const e = thrown(() => readGoBuildInfo(plain));
    expect([e.code, e.message]).toEqual(['NOT_GO_BINARY', 'not a Go executable (no Go build info)']);
  });
});
