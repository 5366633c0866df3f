// bench/e2e: the whole job, source to a pushed two-platform image, side by side in one run on the
// fixture's single-stack v1.6.8 (the documented recipe's sed breaks dual-stack code):
//   (a) vc-coredns cold: `build --version v1.6.8 --platforms linux/amd64,linux/arm64 --push REG/vc` with an
//       EMPTY Go build cache (fresh GOCACHE) and an empty tool cache (fresh VC_COREDNS_CACHE)
//   (b) the documented manual recipe, bench/baseline.sh (fresh clone, sed, Makefile.release build, docker
//       build + push per arch, docker manifest create/annotate/push), EMPTY Go build cache too, against a
//       dockerd of the bench's own
//   (c) the no-op rebuild: (a)'s command again; the registry tag carries the build key -> skipped
// Every route is checked to have done its work: (a) built (skipped false) and pushed a two-platform
// index with the digest it printed, (c) skipped with the same digest, (b) left a two-platform manifest
// list in the registry. Each round gets a fresh registry; the daemon's images go after each round.
// Goals: (b) >= 2x (a); (c) < 2 s and < 25% of (a).
// Run: npm run build && npx tsx bench/e2e.ts   (BENCH_RUNS=N rounds, default 2; writes only in a temp
// dir and removes it, stops the registry and dockerd it started)
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { type CliResult, json, vc } from '../test/support/cli.js';
import { DOCKER_CLI, type Dockerd, startDockerd } from '../test/support/dockerd.js';
import { createFixtureRepo } from '../test/support/fixture.js';
import { skopeo, startRegistry } from '../test/support/registry.js';
import { benchWorkspace } from './support.js';

const VERSION = 'v1.6.8';
const PLATFORMS = 'linux/amd64,linux/arm64';
const BASELINE = fileURLToPath(new URL('./baseline.sh', import.meta.url));

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return (s.length % 2 === 1 ? s[m] : ((s[m - 1] as number) + (s[m] as number)) / 2) as number;
};
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const spread = (xs: number[], f: (x: number) => string) =>
  xs.length > 1 ? ` (${f(Math.min(...xs))}-${f(Math.max(...xs))})` : '';

interface BuildJson {
  builds: { version: string; digest: string | null; refs: string[]; skipped: boolean }[];
  failed: { version: string; error: string }[];
}

/** The one build of a --json run, or an error that says what went wrong. */
function oneBuild(what: string, r: CliResult): BuildJson['builds'][number] {
  if (r.exitCode !== 0) throw new Error(`${what}: exit ${r.exitCode}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  const out = json<BuildJson>(r);
  const b = out.builds[0];
  if (out.failed.length > 0 || out.builds.length !== 1 || !b)
    throw new Error(`${what}: unexpected summary ${r.stdout}`);
  return b;
}

/** Checks with skopeo that ref is a two-platform index or manifest list; returns its digest and type. */
async function twoPlatformIndex(ref: string): Promise<{ digest: string; mediaType: string }> {
  const r = await skopeo(['inspect', '--raw', `docker://${ref}`]);
  if (r.exitCode !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr.trim()}`);
  const doc = JSON.parse(r.stdout) as {
    mediaType?: string;
    manifests?: { platform?: { architecture?: string; os?: string } }[];
  };
  const platforms = (doc.manifests ?? []).map((m) => `${m.platform?.os}/${m.platform?.architecture}`).sort();
  if (platforms.join(',') !== PLATFORMS)
    throw new Error(`${ref} is not a ${PLATFORMS} image (${doc.mediaType}: ${platforms.join(',')})`);
  // skopeo prints the bytes as stored (no trailing newline added for these documents).
  const digest = `sha256:${createHash('sha256').update(r.stdout).digest('hex')}`;
  return { digest, mediaType: doc.mediaType ?? '?' };
}

type Key = 'a' | 'b' | 'c';

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_RUNS ?? 2);
  const ws = await benchWorkspace('vc-bench-e2e-');
  const work = ws.dir;
  try {
    const dockerd: Dockerd = await startDockerd();
    ws.defer(() => dockerd.stop());
    const fixture = await createFixtureRepo(join(work, 'repo'));
    if (!fixture.tags.some((t) => t.version === VERSION)) throw new Error(`fixture has no ${VERSION}`);
    const goVersion = (await execa('go', ['env', 'GOVERSION'], { env: { GOTOOLCHAIN: 'local' } })).stdout;
    console.log(
      `bench/e2e: ${VERSION} fixture, ${PLATFORMS}, ${goVersion}, empty GOCACHE (and tool cache) for (a) ` +
        `and (b), ${rounds} rounds`,
    );

    const times: Record<Key, number[]> = { a: [], b: [], c: [] };
    for (let round = 0; round < rounds; round++) {
      const registry = await startRegistry({ auth: 'none' });
      const stopRegistry = ws.defer(() => registry.stop());
      const dir = join(work, `round-${round}`);
      const fresh = async (name: string) => {
        const d = join(dir, name);
        await mkdir(d, { recursive: true });
        return d;
      };
      const dockerConfig = await fresh('docker-config');
      const offline = { GOFLAGS: '-mod=mod', GOPROXY: 'off', GOSUMDB: 'off' };
      const vcEnv = {
        ...offline,
        GOCACHE: await fresh('gocache-vc'),
        VC_COREDNS_CACHE: await fresh('vc-cache'),
        DOCKER_CONFIG: dockerConfig,
      };
      const vcArgs = [
        'build',
        '--repo',
        fixture.url,
        '--version',
        VERSION,
        '--platforms',
        PLATFORMS,
        '--push',
        `${registry.host}/vc`,
        '--json',
      ];
      let built: { digest: string } | undefined;

      const measure: Record<Key, () => Promise<void>> = {
        a: async () => {
          const t0 = performance.now();
          const r = await vc(vcArgs, { env: vcEnv });
          times.a.push(performance.now() - t0);
          const b = oneBuild('(a) vc-coredns build --push', r);
          if (b.skipped || !b.digest) throw new Error(`(a) did not build: ${r.stdout}`);
          const pushed = await twoPlatformIndex(`${registry.host}/vc:${VERSION}`);
          if (pushed.digest !== b.digest)
            throw new Error(`(a) printed ${b.digest} but the registry has ${pushed.digest}`);
          built = { digest: b.digest };
        },
        c: async () => {
          if (!built) throw new Error('(c) needs (a) first');
          const t0 = performance.now();
          const r = await vc(vcArgs, { env: vcEnv });
          times.c.push(performance.now() - t0);
          const b = oneBuild('(c) vc-coredns no-op rebuild', r);
          if (!b.skipped || b.digest !== built.digest)
            throw new Error(`(c) was not skipped with ${built.digest}: ${r.stdout}`);
        },
        b: async () => {
          const recipeWork = await fresh('recipe');
          const t0 = performance.now();
          const r = await execa('bash', [BASELINE, fixture.url, VERSION, registry.host, recipeWork], {
            env: {
              ...offline,
              GOTOOLCHAIN: 'local',
              GOCACHE: await fresh('gocache-recipe'),
              DOCKER_HOST: dockerd.host,
              DOCKER_CONFIG: dockerConfig,
            },
            reject: false,
            all: true,
          });
          times.b.push(performance.now() - t0);
          if (r.exitCode !== 0)
            throw new Error(`(b) bench/baseline.sh: exit ${r.exitCode}\n${String(r.all).slice(-3000)}`);
          const list = await twoPlatformIndex(`${registry.host}/coredns:${VERSION}`);
          if (!/manifest\.list/.test(list.mediaType))
            throw new Error(`(b) pushed a ${list.mediaType}, not a manifest list`);
          // The daemon forgets the images (and with them the build cache) before the next round.
          await execa(
            DOCKER_CLI,
            ['rmi', ...['amd64', 'arm64'].map((a) => `${registry.host}/coredns:${VERSION}-${a}`)],
            { env: { DOCKER_HOST: dockerd.host, DOCKER_CONFIG: dockerConfig } },
          );
        },
      };
      // Alternated, so neither full build always runs first; (c) follows (a).
      const order: Key[] = round % 2 === 0 ? ['a', 'c', 'b'] : ['b', 'a', 'c'];
      for (const k of order) await measure[k]();
      const t = (k: Key) => times[k][round] as number;
      console.log(
        `  round ${round + 1} (${order.join(', ')}): a ${secs(t('a'))}  b ${secs(t('b'))}  c ${secs(t('c'))}   ` +
          `b/a ${(t('b') / t('a')).toFixed(2)}x  c/a ${((100 * t('c')) / t('a')).toFixed(1)}%`,
      );
      await stopRegistry();
      await rm(dir, { recursive: true, force: true });
    }

    const label: Record<Key, string> = {
      a: '(a) vc-coredns build --push, cold caches       ',
      b: '(b) documented recipe (bench/baseline.sh), cold',
      c: '(c) vc-coredns no-op rebuild (skipped)         ',
    };
    console.log(`\n  median of ${rounds} rounds (range)`);
    for (const k of ['a', 'b', 'c'] as Key[])
      console.log(`  ${label[k]}  ${secs(median(times[k]))}${spread(times[k], secs)}`);
    const ba = times.b.map((b, i) => b / (times.a[i] as number));
    const ca = times.c.map((c, i) => c / (times.a[i] as number));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(
      `\n  (b)/(a): ${median(ba).toFixed(2)}x${spread(ba, (x) => `${x.toFixed(2)}x`)}   goal >= 2x: ${
        median(ba) >= 2 ? 'met' : 'MISSED'
      }`,
    );
    const cMax = Math.max(...times.c);
    console.log(
      `  (c): ${secs(median(times.c))}, ${pct(median(ca))} of (a)${spread(ca, pct)}   goal < 2 s and < 25%: ${
        cMax < 2000 && Math.max(...ca) < 0.25 ? 'met' : 'MISSED'
      }`,
    );
  } finally {
    await ws.close();
  }
}

await main();
