// bench/sign: what signing costs, side by side in one run against the same local registry, vc-coredns
// beside cosign (the pinned release of test/support/cosign.ts):
//   keygen   `vc-coredns keygen` vs `cosign generate-key-pair` (both: scrypt N=65536 + secretbox)
//   sign     vc-coredns signImage (in-process: key opened, `.sig` of the index and both platforms written)
//            vs `cosign sign --recursive --new-bundle-format=false` (a process; the same three `.sig`)
//   verify   `vc-coredns verify --key` vs `vc-coredns verify` (what the key adds) and `cosign verify`
//            (the bench image is no vc-coredns build: verify exits 1 after the same reads and checks)
// Each round uses a fresh two-platform image per route. Run: npm run build && npx tsx bench/sign.ts
// (BENCH_RUNS=N rounds, default 3; writes only in a temp dir and removes it, stops its registry).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registrySink } from '../src/publish/registry.js';
import { anonymous, RegistryClient } from '../src/registry/index.js';
import { parseRef } from '../src/registry/ref.js';
import { readRemoteImage } from '../src/registry/remote-image.js';
import { readPrivateKey } from '../src/sign/keys.js';
import { registrySignatureStore } from '../src/sign/registry-store.js';
import { dockerReference } from '../src/sign/simple-signing.js';
import { imageDigests, signImage } from '../src/sign/store.js';
import { vc } from '../test/support/cli.js';
import { cosign, ensureCosign } from '../test/support/cosign.js';
import { startRegistry } from '../test/support/registry.js';
import { makeTestIndex } from '../test/support/test-image.js';
import { benchWorkspace } from './support.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PASSWORD = 'bench-password';
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return (s.length % 2 === 1 ? s[m] : ((s[m - 1] as number) + (s[m] as number)) / 2) as number;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Milliseconds of one call; a run whose exit code is not one of `ok` stops the bench. */
async function timed(fn: () => Promise<unknown>, ok: number[] = [0]): Promise<number> {
  const t0 = performance.now();
  const r = (await fn()) as { exitCode?: number; stderr?: string } | undefined;
  const t = performance.now() - t0;
  if (r?.exitCode !== undefined && !ok.includes(r.exitCode))
    throw new Error(`exit ${r.exitCode}: ${r.stderr}`);
  return t;
}

const ws = await benchWorkspace('vc-bench-sign-');
try {
  await ensureCosign((l) => console.error(l));
  const registry = await startRegistry();
  ws.defer(() => registry.stop());
  const client = new RegistryClient({ credentials: anonymous });
  const http = ['--allow-http-registry', '--insecure-ignore-tlog'];
  const t: Record<string, number[]> = {};
  const note = (k: string, v: number) => {
    t[k] = [...(t[k] ?? []), v];
  };
  let n = 0;
  const push = async () => {
    const index = makeTestIndex({ layerSize: 512 });
    const repo = `bench${n++}`;
    await registrySink(`${registry.host}/${repo}`, client).write(index, 'v1');
    return `${registry.host}/${repo}@${index.digest}`;
  };
  for (let round = 0; round < RUNS; round++) {
    const prefix = join(ws.dir, `r${round}`);
    note(
      'keygen vc',
      await timed(() =>
        vc(['keygen', '--output-prefix', `${prefix}-vc`], { env: { COSIGN_PASSWORD: PASSWORD } }),
      ),
    );
    note(
      'keygen cosign',
      await timed(() =>
        cosign(['generate-key-pair', '--output-key-prefix', `${prefix}-cosign`], { password: PASSWORD }),
      ),
    );
    const ours = await push();
    note(
      'sign vc',
      await timed(async () => {
        const key = await readPrivateKey(await readFile(`${prefix}-vc.key`, 'utf8'), PASSWORD, 'key');
        const ref = parseRef(ours);
        const image = await readRemoteImage(client, ref, ref.digest as string, { layers: false });
        if (!image) throw new Error('no image');
        const refs = await signImage(
          registrySignatureStore(client.repository(ref, { push: true })),
          imageDigests(dockerReference(ref), image),
          key,
        );
        if (refs.length !== 3) throw new Error(`signed ${refs.length}`);
      }),
    );
    const theirs = await push();
    note(
      'sign cosign',
      await timed(() =>
        cosign(
          [
            'sign',
            '--key',
            `${prefix}-vc.key`,
            '--recursive',
            '--yes',
            '--new-bundle-format=false',
            '--tlog-upload=false',
            '--use-signing-config=false',
            '--allow-http-registry',
            theirs,
          ],
          { password: PASSWORD },
        ),
      ),
    );
    note('verify vc', await timed(() => vc(['verify', ours, '--json']), [1]));
    note(
      'verify vc --key',
      await timed(async () => {
        const r = await vc(['verify', ours, '--key', `${prefix}-vc.pub`, '--json']);
        if (JSON.parse(r.stdout).signature?.ok !== true) throw new Error(`signature: ${r.stdout}`);
        return r;
      }, [1]),
    );
    note('verify cosign', await timed(() => cosign(['verify', '--key', `${prefix}-vc.pub`, ...http, ours])));
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<string, number>;
  const row = (k: string) =>
    `  ${k.padEnd(16)} ${ms(m[k] ?? 0).padStart(8)}   (${(t[k] ?? []).map(ms).join(', ')})`;
  console.log(`median of ${RUNS} round(s), same registry, same machine:`);
  for (const k of Object.keys(t)) console.log(row(k));
  const ratio = (a: string, b: string) => ((m[a] ?? 0) / (m[b] ?? 1)).toFixed(2);
  console.log(`  keygen: vc/cosign ${ratio('keygen vc', 'keygen cosign')}`);
  console.log(`  sign:   vc (in-process)/cosign (process) ${ratio('sign vc', 'sign cosign')}`);
  console.log(
    `  verify: --key/without ${ratio('verify vc --key', 'verify vc')}, vc --key/cosign ${ratio('verify vc --key', 'verify cosign')}`,
  );
} finally {
  await ws.close();
}
