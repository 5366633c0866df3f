// bench/patch: the patcher's in-process cost (grammar load + parse + plan, cold and warm) and the whole
// `vc-coredns patch` process beside `node -e 0`, measured side by side in one run.
// Run: npm run build && npm run bench:patch   (writes nothing outside a temp dir)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INPUT = join(ROOT, 'test/fixtures/patch/dual-stack/input.go');
const CLI = join(ROOT, 'dist/cli/main.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Runs in a fresh process, so the first load is really cold. Prints JSON timings. */
async function child(): Promise<void> {
  const t0 = performance.now();
  const { loadGoParser, parseAnnotationKey, planPatch } = await import(join(ROOT, 'dist/patch/index.js'));
  const t1 = performance.now();
  const source = readFileSync(INPUT, 'utf8');
  const key = parseAnnotationKey('transparency.tenancy.x-k8s.io/clusterIP');
  const t2 = performance.now();
  const parser = await loadGoParser();
  const t3 = performance.now();
  const first = planPatch(source, key, { strategy: 'ast', parser });
  const t4 = performance.now();
  if (first.kind !== 'plan') throw new Error('expected a plan');
  const warm: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    planPatch(source, key, { strategy: 'ast', parser });
    warm.push(performance.now() - s);
  }
  process.stdout.write(
    JSON.stringify({
      importMs: t1 - t0,
      grammarMs: t3 - t2,
      firstPlanMs: t4 - t3,
      coldMs: t4 - t2,
      warmMs: median(warm),
    }),
  );
}

function main(): void {
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  const cold: { importMs: number; grammarMs: number; firstPlanMs: number; coldMs: number; warmMs: number }[] =
    [];
  for (let i = 0; i < 7; i++) {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'],
      {
        cwd: ROOT,
      },
    );
    cold.push(JSON.parse(out.toString()));
  }
  const pick = (k: keyof (typeof cold)[number]) => median(cold.map((c) => c[k]));

  const work = mkdtempSync(join(tmpdir(), 'vc-bench-patch-'));
  try {
    const dirs: string[] = [];
    for (let i = 0; i < runs; i++) {
      const d = join(work, `c${i}`, 'plugin/kubernetes/object');
      mkdirSync(d, { recursive: true });
      cpSync(INPUT, join(d, 'service.go'));
      dirs.push(join(work, `c${i}`));
    }
    const time = (args: string[]) => {
      const s = performance.now();
      const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
      return performance.now() - s;
    };
    const node: number[] = [];
    const patch: number[] = [];
    // Interleaved, so both see the same machine load.
    for (const d of dirs) {
      node.push(time(['-e', '0']));
      patch.push(time([CLI, 'patch', d]));
    }
    const n = median(node);
    const p = median(patch);
    console.log('bench/patch (median; dual-stack fixture service.go)');
    console.log(
      `  in-process, cold (fresh process): grammar load ${ms(pick('grammarMs'))} + first parse+plan ${ms(pick('firstPlanMs'))} = ${ms(pick('coldMs'))}   goal < 50 ms`,
    );
    console.log(`  in-process, warm parse+plan:      ${ms(pick('warmMs'))}   goal < 2 ms`);
    console.log(`  (module import before that:       ${ms(pick('importMs'))})`);
    console.log(`  process: node -e 0                ${ms(n)}`);
    console.log(
      `  process: vc-coredns patch DIR     ${ms(p)}   = ${(p / n).toFixed(2)}x node -e 0, +${ms(p - n)}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) await child();
else main();
