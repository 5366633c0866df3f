// bench/startup: how long the installed CLI takes to start, beside `node -e 0`, in one run: the
// tarball of a fresh copy of the project (npm pack, as published) installed into an empty directory,
// then `vc-coredns --help` and `vc-coredns versions --json --repo file://<fixture>` (git ls-remote of
// the fixture repository and the go.mod cache, warm after one run) interleaved with `node -e 0`.
// Run: npm run bench:startup   (BENCH_RUNS=N rounds, default 15; writes nothing outside a temp dir)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';
import { createFixtureRepo } from '../test/support/fixture.js';
import { copyProject } from '../test/support/project.js';
import { benchWorkspace } from './support.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  const ws = await benchWorkspace('vc-bench-startup-');
  try {
    console.error('packing a fresh copy of the project and installing the tarball...');
    const project = join(ws.dir, 'project');
    await copyProject(project, { nodeModules: 'symlink' });
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', ws.dir], { cwd: project });
    const [info] = JSON.parse(packed.stdout) as { filename: string }[];
    const app = join(ws.dir, 'app');
    await execa('mkdir', [app]);
    await execa('npm', ['init', '-y'], { cwd: app });
    await execa(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--omit=dev',
        join(ws.dir, info?.filename ?? ''),
      ],
      { cwd: app },
    );
    const cli = join(app, 'node_modules/vc-coredns/dist/cli/main.js');
    const repo = await createFixtureRepo(join(ws.dir, 'fixture'));
    const env = { ...process.env, VC_COREDNS_CACHE: join(ws.dir, 'cache'), NO_COLOR: '1' };

    const time = (args: string[]) => {
      const s = performance.now();
      const r = spawnSync(process.execPath, args, { stdio: 'ignore', env, cwd: app });
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
      return performance.now() - s;
    };
    const cases: [string, string[]][] = [
      ['node -e 0', ['-e', '0']],
      ['vc-coredns --help', [cli, '--help']],
      ['vc-coredns versions --json', [cli, 'versions', '--json', '--repo', repo.url]],
    ];
    for (const [, args] of cases) time(args); // warm the file cache and the go.mod cache
    const samples = cases.map(() => [] as number[]);
    // Interleaved, so every case sees the same machine load.
    for (let i = 0; i < runs; i++) {
      for (const [k, [, args]] of cases.entries()) samples[k]?.push(time(args));
    }

    const base = median(samples[0] ?? []);
    console.log(
      `bench/startup (median of ${runs} interleaved runs; Node ${process.version}; installed tarball)`,
    );
    cases.forEach(([name], k) => {
      const m = median(samples[k] ?? []);
      const ratio = k === 0 ? '' : `   = ${(m / base).toFixed(2)}x node -e 0, +${ms(m - base)}`;
      console.log(`  ${name.padEnd(28)} ${ms(m).padStart(10)}${ratio}`);
    });
  } finally {
    await ws.close();
  }
}

await main();
