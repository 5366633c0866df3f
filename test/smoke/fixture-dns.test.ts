// The fixture's DNS mode (test/support/go/dnsmode.go) builds with every Go the tests use, offline, for
// every conversion signature; the oldest Go's binary serves the smoke cases.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeBinary } from '../../src/smoke/run.js';
import {
  ANNOTATION_KEY,
  buildHarness,
  goEnv,
  type Signature,
  writeGoHarness,
} from '../support/go-harness.js';

const PATCH_FIXTURES = fileURLToPath(new URL('../fixtures/patch/', import.meta.url));
/** The Gos scripts/setup.sh installs (Debian's), oldest first. */
const GOS = ['1.19', '1.21', '1.22', '1.23'].map((v) => `/usr/lib/go-${v}/bin`);

const ERAS: { input: string; signature: Signature; goLine: string; version: string }[] = [
  { input: 'single-stack-v1.2', signature: 'v1.2', goLine: '1.12', version: 'v1.6.2' },
  { input: 'single-stack-v1.6.5', signature: 'v1.6.5', goLine: '1.13', version: 'v1.6.8' },
  { input: 'single-stack-v1.7', signature: 'v1.7', goLine: '1.13', version: 'v1.7.1' },
  { input: 'dual-stack', signature: 'dual-stack', goLine: '1.17', version: 'v1.9.3' },
];

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-fixture-dns-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function harness(era: (typeof ERAS)[number], patched: boolean): Promise<string> {
  const dir = join(work, `${era.input}-${patched ? 'patched' : 'unpatched'}`);
  const serviceGo = await readFile(
    join(PATCH_FIXTURES, era.input, patched ? 'expected.go' : 'input.go'),
    'utf8',
  );
  await writeGoHarness(dir, {
    serviceGo,
    signature: era.signature,
    goLine: era.goLine,
    version: era.version,
  });
  return dir;
}

describe('the fixture DNS mode', () => {
  it('passes go vet with every installed Go, in each era of the conversion', async () => {
    const dirs = await Promise.all(ERAS.map((era) => harness(era, true)));
    for (const bin of GOS) {
      for (const dir of dirs) {
        const r = await execa('go', ['vet', './...'], {
          cwd: dir,
          env: goEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` }),
          reject: false,
          all: true,
        });
        expect(r.exitCode, `${bin} ${dir}:\n${r.all}`).toBe(0);
      }
    }
  }, 900_000); // four Gos each type-check the standard library once (cached afterwards)

  it('built with the oldest Go, each era passes the smoke test patched and is not-patched without', async () => {
    for (const era of ERAS) {
      for (const patched of [true, false]) {
        const dir = await harness(era, patched);
        await buildHarness(dir, join(dir, 'coredns'), { PATH: `${GOS[0]}:${process.env.PATH ?? ''}` });
        const run = await smokeBinary({
          binary: join(dir, 'coredns'),
          key: ANNOTATION_KEY,
          timeoutMs: 60_000,
        });
        expect(run.coredns).toMatch(
          new RegExp(`^CoreDNS-${era.version.slice(1).replaceAll('.', '\\.')}, linux/\\w+, go1\\.19`),
        );
        expect(run.dualStack).toBe(era.signature === 'dual-stack');
        expect(
          run.verdict,
          `${era.input} ${patched ? 'patched' : 'unpatched'}: ${JSON.stringify(run.cases)}`,
        ).toBe(patched ? 'ok' : 'not-patched');
      }
    }
  });
});
