// bench/real: real CoreDNS releases, side by side in one run. Run it locally (it clones CoreDNS from
// --repo, default upstream's repository as `build` has it; modules come from GOPROXY). Every build
// starts from an EMPTY Go build cache and a fresh tool cache, with the module cache warm (`go mod
// download` of each tag first):
//   on the single-stack TAG (default v1.6.8: the documented recipe still produces its binaries there
//   with upstream's Go 1.14.15, darwin included; with Go 1.23 its darwin link fails on old
//   golang.org/x/net, see README "CoreDNS releases built for real"):
//   (a) vc-coredns build --version TAG --platforms linux/amd64,linux/arm64 --push REG/vc
//   (b) the documented recipe (bench/baseline.sh: fresh clone, sed, `make -f Makefile.release build`,
//       which also compiles darwin, windows and mips, docker build + push per arch, docker manifest),
//       with the Go (a) used first on PATH, against a dockerd of the bench's own
//   (c) the no-op rebuild: (a)'s command again; the registry tag carries the build key -> skipped
//   on v1.14.7 (dual-stack: the recipe's sed breaks it):
//   (d) vc-coredns build --version v1.14.7 --platforms linux/amd64,linux/arm64 --output oci:DIR
//       --output binaries:DIR
//   (e) the two bare `go build`s (linux/amd64 and linux/arm64 in parallel, as vc-coredns runs them) of
//       the same patched tree (`vc-coredns prepare --dir`), with the same Go, environment and flags
//       (v1.14.7's Makefile: -tags=grpcnotrace, -ldflags with GitCommit): their binaries must be
//       byte-identical to (d)'s
// Wall time and CPU time (user + system of the children, /proc/self/stat) per measurement; the
// ratios (b)/(a), (c)/(a), (d)/(e). Nothing is asserted about time.
// Run: npm run build && npx tsx bench/real.ts [--repo URL] [--tag vX.Y.Z] [--runs N] [--recipe-clone tag]
//   (--recipe-clone tag: the recipe clones only the tag, for a repository that cannot serve its whole
//   history, e.g. a mirror without its largest blobs; that makes the recipe cheaper, not dearer)
//   (writes only in a temp dir and removes it; stops the registry and dockerd it started)
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { buildEnv } from '../src/compile/index.js';
import type { BuildEntry, BuildSummary } from '../src/pipeline/build.js';
import { resolveRepoUrl } from '../src/source/url.js';
import { type CliResult, json, vc } from '../test/support/cli.js';
import { startDockerd } from '../test/support/dockerd.js';
import { startRegistry } from '../test/support/registry.js';
import { benchWorkspace, childCpuSeconds } from './support.js';

const PLATFORMS = 'linux/amd64,linux/arm64';
const DUAL = 'v1.14.7';
const BASELINE = fileURLToPath(new URL('./baseline.sh', import.meta.url));

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

/** The one build of a --json run, or an error saying what went wrong. */
function oneBuild(what: string, r: CliResult): BuildEntry {
  if (r.exitCode !== 0) throw new Error(`${what}: exit ${r.exitCode}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  const out = json<BuildSummary>(r);
  const b = out.builds[0];
  if (out.failed.length > 0 || out.builds.length !== 1 || !b) {
    throw new Error(`${what}: unexpected summary ${r.stdout}`);
  }
  return b;
}

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

interface Measured {
  wall: number;
  cpu: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string' },
      tag: { type: 'string' },
      runs: { type: 'string' },
      'recipe-clone': { type: 'string' },
    },
  });
  const repo = resolveRepoUrl(values.repo);
  const tag = values.tag ?? 'v1.6.8';
  const runs = Number(values.runs ?? process.env.BENCH_RUNS ?? 1);
  const ticks = Number((await execa('getconf', ['CLK_TCK'])).stdout) || 100;
  const ws = await benchWorkspace('vc-bench-real-');
  const work = ws.dir;
  let n = 0;
  const fresh = async (name: string) => {
    const d = join(work, `${name}-${n++}`);
    await mkdir(d, { recursive: true });
    return d;
  };
  const timed = async (fn: () => Promise<void>): Promise<Measured> => {
    const c0 = await childCpuSeconds(ticks);
    const t0 = performance.now();
    await fn();
    return { wall: performance.now() - t0, cpu: (await childCpuSeconds(ticks)) - c0 };
  };

  try {
    const dockerd = await startDockerd();
    ws.defer(() => dockerd.stop());
    const registry = await startRegistry({ auth: 'none' });
    ws.defer(() => registry.stop());

    // The module cache warm for both tags (the user's GOMODCACHE, as every build here uses it).
    for (const t of [tag, DUAL]) {
      const dir = await fresh(`warm-${t}`);
      await execa('git', ['clone', '-q', '--depth', '1', '--branch', t, repo, dir]);
      // The go on PATH (>= 1.21) switches to a newer one when go.mod asks for it.
      await execa('go', ['mod', 'download'], {
        cwd: dir,
        env: { GOTOOLCHAIN: 'auto', GOENV: 'off', GOFLAGS: '-mod=mod' },
      });
    }
    console.log(
      `bench/real: ${repo}, ${tag} (recipe vs vc-coredns) and ${DUAL} (vc-coredns vs bare go build), ` +
        `${PLATFORMS}, empty GOCACHE, warm GOMODCACHE, ${runs} round(s)`,
    );

    const rows: Record<'a' | 'b' | 'c' | 'd' | 'e', Measured[]> = { a: [], b: [], c: [], d: [], e: [] };
    for (let round = 0; round < runs; round++) {
      // (a), then (c) on what (a) pushed, then (b) with the Go (a) used.
      const dockerConfig = await fresh('docker-config');
      const vcEnv = async () => ({
        GOCACHE: await fresh('gocache'),
        VC_COREDNS_CACHE: await fresh('vc-cache'),
        DOCKER_CONFIG: dockerConfig,
      });
      const aEnv = await vcEnv();
      const aArgs = ['build', '--repo', repo, '--version', tag, '--platforms', PLATFORMS];
      const push = [...aArgs, '--push', `${registry.host}/vc`, '--json'];
      let a: BuildEntry | undefined;
      rows.a.push(
        await timed(async () => {
          a = oneBuild('(a) vc-coredns build --push', await vc(push, { env: aEnv }));
        }),
      );
      if (!a || a.skipped || !a.go.path) throw new Error(`(a) did not build: ${JSON.stringify(a)}`);
      const built = a;
      rows.c.push(
        await timed(async () => {
          const c = oneBuild('(c) vc-coredns no-op rebuild', await vc(push, { env: aEnv }));
          if (!c.skipped || c.digest !== built.digest) {
            throw new Error(`(c) was not skipped with ${built.digest}: ${JSON.stringify(c)}`);
          }
        }),
      );
      const goBin = join(built.go.path as string, '..');
      rows.b.push(
        await timed(async () => {
          const r = await execa('bash', [BASELINE, repo, tag, registry.host, await fresh('recipe')], {
            env: {
              PATH: `${goBin}:${process.env.PATH}`,
              // The recipe runs in the caller's shell: only its Go and caches are set here (a `go env -w`
              // file of the machine would reach an old Go otherwise).
              GOENV: 'off',
              GOTOOLCHAIN: 'local',
              GOCACHE: await fresh('gocache'),
              RECIPE_CLONE: values['recipe-clone'] ?? 'full',
              DOCKER_HOST: dockerd.host,
              DOCKER_CONFIG: dockerConfig,
            },
            reject: false,
            all: true,
          });
          if (r.exitCode !== 0) {
            throw new Error(`(b) bench/baseline.sh: exit ${r.exitCode}\n${String(r.all).slice(-3000)}`);
          }
        }),
      );
      await dockerd.cli(['rmi', ...['amd64', 'arm64'].map((x) => `${registry.host}/coredns:${tag}-${x}`)]);

      // (d) vc-coredns on v1.14.7, then (e) the bare go builds of the same tree.
      const bins = await fresh('bins');
      let d: BuildEntry | undefined;
      rows.d.push(
        await timed(async () => {
          const r = await vc(
            [
              'build',
              '--repo',
              repo,
              '--version',
              DUAL,
              '--platforms',
              PLATFORMS,
              '--output',
              `oci:${await fresh('oci')}`,
              '--output',
              `binaries:${bins}`,
              '--json',
            ],
            { env: await vcEnv() },
          );
          d = oneBuild('(d) vc-coredns build', r);
        }),
      );
      if (!d?.go.path) throw new Error(`(d) names no Go: ${JSON.stringify(d)}`);
      const tree = join(await fresh('tree'), 'coredns');
      const prep = await vc(['prepare', '--repo', repo, '--version', DUAL, '--dir', tree, '--quiet'], {
        env: { VC_COREDNS_CACHE: await fresh('vc-cache') },
      });
      if (prep.exitCode !== 0) throw new Error(`prepare ${DUAL}: ${prep.stderr}`);
      const epoch = Number((await execa('git', ['log', '-1', '--format=%ct'], { cwd: tree })).stdout);
      const gitCommit = d.commit.slice(0, 7);
      const go = { path: d.go.path, version: d.go.version };
      const floor = await fresh('floor');
      const gocache = await fresh('gocache');
      const env = buildEnv({
        go,
        gitCommit,
        sourceDateEpoch: epoch,
        env: { ...process.env, GOCACHE: gocache },
      });
      rows.e.push(
        await timed(async () => {
          await Promise.all(
            ['amd64', 'arm64'].map((arch) =>
              execa(
                go.path,
                [
                  'build',
                  '-tags=grpcnotrace',
                  `-ldflags=-s -w -X github.com/coredns/coredns/coremain.GitCommit=${gitCommit}`,
                  '-o',
                  join(floor, arch, 'coredns'),
                ],
                { cwd: tree, env: { ...env, GOOS: 'linux', GOARCH: arch }, extendEnv: false, detached: true },
              ),
            ),
          );
        }),
      );
      for (const arch of ['amd64', 'arm64']) {
        const [ours, bare] = await Promise.all([
          sha256(join(bins, 'linux', arch, 'coredns')),
          sha256(join(floor, arch, 'coredns')),
        ]);
        if (ours !== bare) throw new Error(`(d) and (e) built different linux/${arch} binaries`);
      }

      const r = (k: keyof typeof rows) => rows[k][round] as Measured;
      console.log(
        `  round ${round + 1}: a ${secs(r('a').wall)}  b ${secs(r('b').wall)}  c ${secs(r('c').wall)}  ` +
          `d ${secs(r('d').wall)}  e ${secs(r('e').wall)}   (Go ${built.go.version} for ${tag}, ${d.go.version} for ${DUAL})`,
      );
    }

    const label = {
      a: `(a) vc-coredns build --push ${tag}, cold          `,
      b: `(b) documented recipe ${tag} (bench/baseline.sh) `,
      c: `(c) vc-coredns no-op rebuild ${tag} (skipped)     `,
      d: `(d) vc-coredns build ${DUAL}, cold               `,
      e: `(e) go build x2 of the same ${DUAL} tree          `,
    } as const;
    console.log(`\n  median of ${runs} round(s)                              wall        cpu`);
    for (const k of ['a', 'b', 'c', 'd', 'e'] as const) {
      const wall = median(rows[k].map((m) => m.wall));
      const cpu = median(rows[k].map((m) => m.cpu));
      console.log(`  ${label[k]}  ${secs(wall).padStart(8)}  ${secs(cpu * 1000).padStart(8)}`);
    }
    const ratio = (x: 'a' | 'b' | 'c' | 'd' | 'e', y: 'a' | 'b' | 'c' | 'd' | 'e', f: 'wall' | 'cpu') =>
      median(rows[x].map((m, i) => m[f] / (rows[y][i] as Measured)[f]));
    console.log(
      `\n  (b)/(a): ${ratio('b', 'a', 'wall').toFixed(2)}x wall, ${ratio('b', 'a', 'cpu').toFixed(2)}x cpu` +
        `\n  (c)/(a): ${(100 * ratio('c', 'a', 'wall')).toFixed(1)}% wall` +
        `\n  (d)/(e): ${ratio('d', 'e', 'wall').toFixed(2)}x wall, ${ratio('d', 'e', 'cpu').toFixed(2)}x cpu`,
    );
  } finally {
    await ws.close();
  }
}

await main();
