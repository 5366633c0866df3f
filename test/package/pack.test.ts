// The published package, as users get it: `npm pack` of a fresh copy of the project (its prepack builds
// dist/ there, so nothing stale or left over from development is packed, and the worktree's dist/ that
// other tests run is not rebuilt under them), installed into an empty directory, run with npx.

import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, ROOT } from '../support/project.js';

let work: string;
let tarball: string;
let app: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-pack-'));
  const project = join(work, 'project');
  await copyProject(project, { nodeModules: 'symlink' });
  // a development leftover: prepack must not pack it
  await mkdir(join(project, 'dist/stale'), { recursive: true });
  await writeFile(join(project, 'dist/stale/old.js'), 'export {};\n');
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: project });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, (info as { filename: string }).filename);
  app = join(work, 'app');
  await mkdir(app);
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({ name: 'pack-test', version: '1.0.0', private: true }),
  );
  await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', tarball], {
    cwd: app,
  });
}, 600_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the compiled CLI, the patch templates, the CA bundle, and no tests, sources or source maps', async () => {
    const list = await execa('tar', ['-tzf', tarball]);
    const files = list.stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/patches/cluster-ip/dual-stack.go.tmpl');
    expect(files).toContain('package/assets/ca-certificates.crt');
    expect(files).toContain('package/LICENSE');
    const unwanted = files.filter(
      (f) =>
        /^package\/(test|src|bench|scripts|\.github|\.ci|coverage|\.tools|node_modules)\//.test(f) ||
        /\.(map|ts|tsbuildinfo)$/.test(f) ||
        /\.test\.|tsconfig|vitest|biome/.test(f),
    );
    expect(unwanted).toEqual([]);
    // every file under dist/ is the compiled output of a source file: nothing stale
    const compiled = files.filter((f) => f.startsWith('package/dist/'));
    expect(compiled.length).toBeGreaterThan(20);
    const sources = new Set(
      (
        await execa('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src'], { cwd: ROOT })
      ).stdout
        .split('\n')
        .filter((f) => f.endsWith('.ts')),
    );
    expect(
      compiled.filter((f) => !sources.has(f.replace(/^package\/dist\//, 'src/').replace(/\.js$/, '.ts'))),
    ).toEqual([]);
    // and no compiled file points at a source map
    const grep = await execa('tar', ['-xzOf', tarball, '--wildcards', 'package/dist/*'], {
      encoding: 'buffer',
    });
    expect(Buffer.from(grep.stdout).includes('sourceMappingURL')).toBe(false);
  });

  it('npx vc-coredns --help works in an empty project', async () => {
    const r = await execa('npx', ['--no-install', 'vc-coredns', '--help'], { cwd: app });
    expect(r.stdout).toContain('Usage: vc-coredns');
    for (const command of ['build', 'versions', 'patch', 'prepare', 'matrix', 'verify', 'manifest']) {
      expect(r.stdout).toContain(`  ${command}`);
    }
  });

  it('the installed CLI patches a file (grammar WASM and templates found inside the package)', async () => {
    const dir = join(app, 'coredns/plugin/kubernetes/object');
    await mkdir(dir, { recursive: true });
    await cp(join(ROOT, 'test/fixtures/patch/dual-stack/input.go'), join(dir, 'service.go'));
    const r = await execa('npx', ['--no-install', 'vc-coredns', 'patch', 'coredns', '--json'], { cwd: app });
    expect(JSON.parse(r.stdout)).toMatchObject({ strategy: 'ast', changed: true, shape: 'dual-stack' });
    expect(await readdir(join(app, 'node_modules/vc-coredns/dist'))).toContain('cli');
  });
});
