// The published package, as users get it: `npm pack`, installed into an empty directory, run with npx.

import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let work: string;
let tarball: string;
let app: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-pack-'));
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, (info as { filename: string }).filename);
  app = join(work, 'app');
  await mkdir(app);
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({ name: 'pack-test', version: '1.0.0', private: true }),
  );
  await execa('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: app });
}, 600_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the compiled CLI, the patch templates, the CA bundle and nothing of the tests', async () => {
    const list = await execa('tar', ['-tzf', tarball]);
    const files = list.stdout.split('\n');
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/patches/cluster-ip/dual-stack.go.tmpl');
    expect(files).toContain('package/assets/ca-certificates.crt');
    expect(files).toContain('package/LICENSE');
    expect(files.filter((f) => f.startsWith('package/test/') || f.startsWith('package/src/'))).toEqual([]);
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
