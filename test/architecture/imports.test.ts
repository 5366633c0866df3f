// The import rules of ARCHITECTURE.md, read from every file of src/: nothing outside cli/ imports cli/;
// versions/ and image/ import nothing that reaches the outside world; source/, compile/ and publish/ do
// not import each other (pipeline/ composes them).
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Modules that reach the outside world: files, processes, the network, the Docker daemon, locks. */
const EFFECTFUL = new Set([
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'dgram',
  'http',
  'https',
  'http2',
  'execa',
  'simple-git',
  'dockerode',
  'proper-lockfile',
]);
const PURE_FOLDERS = ['versions', 'image'];
const SEPARATE_STAGES = ['source', 'compile', 'publish'];

/** Every module specifier a file imports or re-exports, static or dynamic, type-only included. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1] as string);
  return found;
}

/** The folder of src/ a file is in (`cli`, `image`...), or `.` for src/ itself. */
function folderOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : '.';
}

/** What breaks the rules in these files (absolute path -> text). */
function violations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    const from = folderOf(file);
    const name = relative(SRC, file);
    for (const spec of importsOf(text)) {
      const bare = spec.replace(/^node:/, '');
      const to = spec.startsWith('.') ? folderOf(resolve(dirname(file), spec)) : null;
      if (to === 'cli' && from !== 'cli') out.push(`${name} imports cli/ (${spec})`);
      if (PURE_FOLDERS.includes(from) && EFFECTFUL.has(bare)) out.push(`${name} imports ${spec}`);
      if (to && to !== from && SEPARATE_STAGES.includes(from) && SEPARATE_STAGES.includes(to)) {
        out.push(`${name} imports ${to}/ (${spec})`);
      }
    }
  }
  return out;
}

async function sources(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, await readFile(path, 'utf8'));
  }
  return files;
}

describe('import rules', () => {
  it('finds every kind of import', () => {
    expect(
      importsOf(`import { a } from './a.js';
import type { B } from "../b.js";
import * as c from 'node:fs';
import 'side-effect';
export { d } from './d.js';
export * from './e.js';
export type { F } from './f.js';
const g = await import('../g.js');
import {
  h,
  i,
} from './h.js';`),
    ).toEqual([
      './a.js',
      '../b.js',
      'node:fs',
      'side-effect',
      './d.js',
      './e.js',
      './f.js',
      './h.js',
      '../g.js',
    ]);
  });

  it('catches each kind of violation', () => {
    const at = (path: string) => join(SRC, path);
    const bad = new Map([
      [at('pipeline/x.ts'), "import type { Reporter } from '../cli/progress.js';"],
      [at('image/x.ts'), "import { readFile } from 'node:fs/promises';"],
      [at('versions/x.ts'), "const { execa } = await import('execa');"],
      [at('compile/x.ts'), "import { withCheckout } from '../source/index.js';"],
      [at('publish/x.ts'), "export { compileBinaries } from '../compile/index.js';"],
      [at('cli/x.ts'), "import { build } from '../pipeline/build.js';\nimport { x } from './y.js';"],
      [at('image/y.ts'), "import { createHash } from 'node:crypto';\nimport { parseTar } from './tar.js';"],
      [at('source/y.ts'), "import { sha256Hex } from '../util/digest.js';"],
    ]);
    expect(violations(bad)).toEqual([
      'pipeline/x.ts imports cli/ (../cli/progress.js)',
      'image/x.ts imports node:fs/promises',
      'versions/x.ts imports execa',
      'compile/x.ts imports source/ (../source/index.js)',
      'publish/x.ts imports compile/ (../compile/index.js)',
    ]);
  });

  it('src/ keeps them', async () => {
    const files = await sources(SRC);
    expect(files.size).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });
});
