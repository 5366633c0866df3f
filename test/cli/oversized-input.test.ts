// Every entry point that parses a version, a range or a Kubernetes release, fed huge numbers and
// overlong strings: exit 2 with one error line (and a hint), before any network (the repository given
// does not exist, so reaching it would exit 1).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const HUGE = 'v1.9.99999999999999999';
const LONG = `v1.${'1'.repeat(300)}.0`;
const NOWHERE = 'file:///nonexistent/coredns.git';
let work: string;
let mapFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-oversized-'));
  mapFile = join(work, 'map.json');
  await writeFile(mapFile, JSON.stringify({ '1.38': HUGE }));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const cases: [string, string[]][] = [];
for (const value of [HUGE, LONG, `>=1.${'9'.repeat(20)}.0`]) {
  cases.push(
    ['build --version', ['build', '--repo', NOWHERE, '--version', value, '--output', 'binaries:./bin']],
    ['prepare --version', ['prepare', '--repo', NOWHERE, '--version', value]],
    ['versions --range', ['versions', '--repo', NOWHERE, '--range', value]],
    ['matrix --range', ['matrix', '--repo', NOWHERE, '--range', value]],
  );
}
for (const value of ['1.99999999999999999999', `1.${'3'.repeat(300)}`]) {
  cases.push(
    ['build --kubernetes', ['build', '--repo', NOWHERE, '--kubernetes', value]],
    ['matrix --kubernetes', ['matrix', '--repo', NOWHERE, '--kubernetes', `1.30,${value}`]],
  );
}
cases.push(
  ['build --source --version', ['build', '--source', '.', '--version', HUGE, '--output', 'binaries:./bin']],
  ['build --kubernetes-map', ['build', '--repo', NOWHERE, '--kubernetes', '1.38', '--kubernetes-map', 'MAP']],
  [
    'matrix --kubernetes-map',
    ['matrix', '--repo', NOWHERE, '--kubernetes', '1.38', '--kubernetes-map', 'MAP'],
  ],
);

describe('huge and overlong versions, ranges and Kubernetes releases', () => {
  it.each(cases)('%s exits 2 with one short error line', async (_, args) => {
    const r = await runCli(
      args.map((a) => (a === 'MAP' ? mapFile : a)),
      { env: { VC_COREDNS_CACHE: join(work, 'cache') } },
    );
    expect(r.exitCode, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error: .*(number too large|longer than 256 characters|not a CoreDNS version)/);
    expect(lines[0]?.length).toBeLessThan(200);
    expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
    expect(r.stderr).not.toMatch(/TypeError| {4}at /);
  });
});
