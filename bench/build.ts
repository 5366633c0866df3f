// bench/build: what vc-coredns's build costs beside the documented recipe and beside the bare compiles,
// measured side by side in one run on a patched fixture checkout of the single-stack tag v1.6.8. Every
// measurement starts from an EMPTY Go build cache (a fresh GOCACHE), with the same flags everywhere
// (CGO_ENABLED=0, GOFLAGS=-trimpath -buildvcs=false, GOTOOLCHAIN=local, the same -ldflags):
//   (a) compileBinaries for linux/amd64,linux/arm64 (the per-arch rule, platforms in parallel)
//   (b) make -f Makefile.release build LINUX_ARCH="amd64 arm64" (the documented recipe's build: it also
//       compiles darwin/amd64 and windows/amd64, one platform after the other)
//   (c) the two per-arch `go build`s alone, in parallel (the floor); (c') the same one after the other
// Goals: (a) >= 1.7x faster than (b); (a) <= 1.25x (c).
// Every make and go build runs in its own session (detached), as vc-coredns's runner starts each
// platform's make: with the kernel's scheduler autogroups (one per session) a loaded machine would
// otherwise give (a)'s builds more CPU than (b)'s and (c)'s.
// Run: npx tsx bench/build.ts   (BENCH_RUNS=3 rounds; writes nothing outside a temp dir)

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildEnv, type CommandContext, compileBinaries, findGo } from '../src/compile/index.js';
import {
  DEFAULT_ANNOTATION,
  defaultPatchDeps,
  parseAnnotationKey,
  patchServiceGo,
} from '../src/patch/index.js';
import type { Platform } from '../src/types.js';
import { eraFor } from '../src/versions/index.js';
import { createFixtureRepo } from '../test/support/fixture.js';
import { childCpuSeconds } from './support.js';

const VERSION = 'v1.6.8';
const PLATFORMS: Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
];

type Key = 'a' | 'b' | 'c' | 'cseq';
const LABEL: Record<Key, string> = {
  a: '(a) compileBinaries, per-arch rule   ',
  b: '(b) make -f Makefile.release build ',
  c: '(c) go build x2, parallel (floor)  ',
  cseq: "(c') go build x2, one by one       ",
};
const COMPILES: Record<Key, number> = { a: 2, b: 4, c: 2, cseq: 2 };

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const work = await mkdtemp(join(tmpdir(), 'vc-bench-build-'));
  try {
    // Offline fixture modules; everything else from the environment, as the CLI passes it.
    const env = { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOSUMDB: 'off' };
    const go = await findGo({ env });
    const repo = await createFixtureRepo(join(work, 'repo'));
    const tag = repo.tags.find((t) => t.version === VERSION);
    if (!tag) throw new Error(`fixture has no ${VERSION}`);
    const dir = join(work, 'coredns');
    await execa('git', [
      '-c',
      'advice.detachedHead=false',
      'clone',
      '-q',
      '--branch',
      VERSION,
      repo.url,
      dir,
    ]);
    const key = parseAnnotationKey(DEFAULT_ANNOTATION);
    await patchServiceGo({ path: dir, key, strategy: 'auto', write: true }, await defaultPatchDeps());
    const epoch = Number((await execa('git', ['log', '-1', '--format=%ct'], { cwd: dir })).stdout);
    const gitCommit = tag.commit.slice(0, 7);

    /** The build environment of vc-coredns (same flags for b and c), with a fresh GOCACHE. */
    const envWith = (gocache: string) => {
      const ctx: CommandContext = {
        go,
        gitCommit,
        sourceDateEpoch: epoch,
        env: { ...env, GOCACHE: gocache },
      };
      return buildEnv(ctx);
    };
    const ldflags = `-ldflags=-s -w -X github.com/coredns/coredns/coremain.GitCommit=${gitCommit}`;
    const goBuild = (p: Platform, gocache: string) =>
      execa(go.path, ['build', ldflags, '-o', join(work, 'floor', p.arch, 'coredns')], {
        cwd: dir,
        env: { ...envWith(gocache), GOOS: p.os, GOARCH: p.arch },
        extendEnv: false,
        detached: true,
      });

    const measure: Record<Key, (gocache: string) => Promise<unknown>> = {
      a: (gocache) =>
        compileBinaries({
          checkout: {
            dir,
            release: { version: VERSION, commit: tag.commit, era: eraFor(VERSION) },
            owned: true,
          },
          platforms: PLATFORMS,
          jobs: availableParallelism(),
          outDir: join(work, 'out'),
          go,
          releaseMakefile: false,
          logDir: join(work, 'logs'),
          sourceDateEpoch: epoch,
          gitCommit: tag.commit,
          env: { ...env, GOCACHE: gocache },
        }),
      b: (gocache) =>
        execa(
          'make',
          [
            '-f',
            'Makefile.release',
            'build',
            'LINUX_ARCH=amd64 arm64',
            'DOCKER=vc-coredns',
            `GITCOMMIT=${gitCommit}`,
            'GOTOOLCHAIN=local',
          ],
          { cwd: dir, env: envWith(gocache), extendEnv: false, detached: true },
        ),
      c: (gocache) => Promise.all(PLATFORMS.map((p) => goBuild(p, gocache))),
      cseq: async (gocache) => {
        for (const p of PLATFORMS) await goBuild(p, gocache);
      },
    };

    const order: Key[] = ['a', 'b', 'c', 'cseq'];
    const times: Record<Key, number[]> = { a: [], b: [], c: [], cseq: [] };
    const cpu: Record<Key, number[]> = { a: [], b: [], c: [], cseq: [] };
    const ticks = Number((await execa('getconf', ['CLK_TCK'])).stdout) || 100;
    console.log(
      `bench/build: CoreDNS ${VERSION} fixture (patched), linux/amd64+linux/arm64, Go ${go.version}, ` +
        `${availableParallelism()} CPUs, empty GOCACHE per measurement, ${runs} rounds`,
    );
    for (let round = 0; round < runs; round++) {
      // Rotated, so no measurement always runs first (or after the same neighbour).
      const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
      for (const k of rotated) {
        const gocache = await mkdtemp(join(work, 'gocache-'));
        const c0 = await childCpuSeconds(ticks);
        const t0 = performance.now();
        await measure[k](gocache);
        times[k].push(performance.now() - t0);
        cpu[k].push((await childCpuSeconds(ticks)) - c0);
        await rm(gocache, { recursive: true, force: true });
      }
      const t = (k: Key) => times[k][round] as number;
      const u = (k: Key) => (cpu[k][round] as number).toFixed(1);
      console.log(
        `  round ${round + 1}: wall a ${s(t('a'))}  b ${s(t('b'))}  c ${s(t('c'))}  c' ${s(t('cseq'))}   ` +
          `b/a ${(t('b') / t('a')).toFixed(2)}x  a/c ${(t('a') / t('c')).toFixed(2)}x   ` +
          `(cpu a ${u('a')}  b ${u('b')}  c ${u('c')}  c' ${u('cseq')} s)`,
      );
    }

    console.log('\n  median of the rounds                compiles  wall time  cpu time');
    for (const k of order) {
      const wall = s(median(times[k])).padStart(7);
      console.log(
        `  ${LABEL[k]} ${String(COMPILES[k]).padStart(3)}     ${wall}   ${s(1000 * median(cpu[k])).padStart(7)}`,
      );
    }
    const ratios = (f: (i: number) => number) => {
      const xs = Array.from({ length: runs }, (_, i) => f(i));
      return `${median(xs).toFixed(2)}x (rounds ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
    };
    const at = (k: Key, i: number) => times[k][i] as number;
    console.log(`\n  (b)/(a): ${ratios((i) => at('b', i) / at('a', i))}   goal >= 1.7x`);
    console.log(`  (a)/(c): ${ratios((i) => at('a', i) / at('c', i))}   goal <= 1.25x`);
    console.log(`  (a)/(c'): ${ratios((i) => at('a', i) / at('cseq', i))}`);
    const cpuAt = (k: Key, i: number) => cpu[k][i] as number;
    console.log(
      `  cpu time: (b)/(a) ${ratios((i) => cpuAt('b', i) / cpuAt('a', i))}, (a)/(c) ${ratios((i) => cpuAt('a', i) / cpuAt('c', i))}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
