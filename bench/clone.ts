// bench/clone: vc-coredns's shallow single-tag checkout (checkoutRelease) beside a full clone + checkout
// of the same tag from the same repository over file://, side by side in one run: wall time and bytes
// on disk of .git, median of several runs, plus the reuse of a cached checkout.
// Run: npx tsx bench/clone.ts [REPO]   (REPO: a path or URL; default: a fixture repository made in a
// temp folder; BENCH_RUNS=N changes the number of runs). Writes only in a temp folder, and removes it.
import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { checkoutRelease, listRemoteTags, resolveRepoUrl } from '../src/source/index.js';
import type { Release } from '../src/types.js';
import { eraFor } from '../src/versions/index.js';
import { createFixtureRepo } from '../test/support/fixture.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Bytes the files under dir take on disk (allocated blocks, as du counts them). */
async function du(dir: string): Promise<number> {
  let total = (await lstat(dir)).blocks * 512;
  for (const name of await readdir(dir, { recursive: true })) {
    total += (await lstat(join(dir, String(name)))).blocks * 512;
  }
  return total;
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const secs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/**
 * The extra arguments a full clone of url needs. A partial mirror (made with a blob size filter, like
 * /work/.mirror/coredns+coredns/repo) cannot serve a plain full clone: its upload-pack dies on the
 * missing blobs. Then the full clone takes everything the mirror has: pack-objects skips the missing
 * objects (a hook given on the upload-pack command line) and the client accepts their absence as a
 * partial clone would.
 */
async function fullCloneArgs(url: string, scratch: string): Promise<string[]> {
  const probe = join(scratch, 'probe');
  const plain = await execa('git', ['clone', '-q', '--bare', url, probe], { reject: false });
  await rm(probe, { recursive: true, force: true });
  if (plain.exitCode === 0) return [];
  if (!/unable to read|corruption/.test(plain.stderr)) throw new Error(`git clone ${url}: ${plain.stderr}`);
  const hook = join(scratch, 'pack-objects-hook.sh');
  await writeFile(hook, '#!/bin/sh\nexec "$@" --missing=allow-any\n', { mode: 0o755 });
  return [
    '--filter=blob:limit=4g',
    `--upload-pack=git -c uploadpack.allowFilter=true -c uploadpack.packObjectsHook=${hook} upload-pack`,
  ];
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'vc-coredns-bench-clone-'));
  try {
    const repoArg = process.argv[2] ?? (await createFixtureRepo(join(scratch, 'fixture'))).dir;
    const url = resolveRepoUrl(repoArg);
    const tags = await listRemoteTags(url);
    const tag = tags.at(-1);
    if (!tag) throw new Error(`no release tags in ${url}`);
    const release: Release = { ...tag, era: eraFor(tag.version) };
    const extra = await fullCloneArgs(url, scratch);

    const shallow = { ms: [] as number[], bytes: [] as number[] };
    const full = { ms: [] as number[], bytes: [] as number[] };
    const reuse: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const runDir = await mkdtemp(join(scratch, `run-${i}-`));
      // Alternate which goes first, so neither always gets the warmer page cache.
      const order = i % 2 === 0 ? ['shallow', 'full'] : ['full', 'shallow'];
      for (const kind of order) {
        if (kind === 'shallow') {
          const cacheDir = join(runDir, 'cache');
          let t = performance.now();
          const c = await checkoutRelease(release, url, { cacheDir });
          shallow.ms.push(performance.now() - t);
          shallow.bytes.push(await du(join(c.dir, '.git')));
          await c.dispose();
          t = performance.now();
          const again = await checkoutRelease(release, url, { cacheDir });
          reuse.push(performance.now() - t);
          await again.dispose();
        } else {
          const dir = join(runDir, 'full');
          const t = performance.now();
          await execa('git', ['clone', '-q', '--no-checkout', ...extra, url, dir]);
          await execa('git', ['-c', 'advice.detachedHead=false', 'checkout', '-q', tag.version], {
            cwd: dir,
          });
          full.ms.push(performance.now() - t);
          full.bytes.push(await du(join(dir, '.git')));
        }
      }
      await rm(runDir, { recursive: true, force: true });
    }

    const fullMs = median(full.ms);
    const shallowMs = median(shallow.ms);
    const fullBytes = median(full.bytes);
    const shallowBytes = median(shallow.bytes);
    console.log(`bench/clone: ${url} at ${tag.version} (${tag.commit.slice(0, 12)}), median of ${RUNS} runs`);
    if (extra.length > 0) {
      console.log('(the repository lacks some objects, a partial mirror: the full clone gets all it has)');
    }
    const rows: [string, string, string][] = [
      ['', 'wall time', '.git on disk'],
      [`full clone + checkout ${tag.version}`, secs(fullMs), mib(fullBytes)],
      ['shallow single-tag checkout', secs(shallowMs), mib(shallowBytes)],
      ['cached checkout reused (reset + clean)', secs(median(reuse)), '(same)'],
      [
        'ratio full / shallow',
        `${(fullMs / shallowMs).toFixed(1)}x`,
        `${(fullBytes / shallowBytes).toFixed(1)}x`,
      ],
    ];
    for (const [a, b, c] of rows) console.log(`  ${a.padEnd(40)} ${b.padEnd(12)} ${c}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
