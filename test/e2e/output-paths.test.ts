// Output paths are checked before anything is cloned or compiled (the preflight), as users meet them:
// a folder of root's for a non-root user (runuser -u nobody), a read-only mount (a bind mount in a mount
// namespace of its own), a path under /proc (where a mkdir used to loop for good). Each exits 2 with one
// line naming the path and a hint, never a bare EACCES/EPERM/EROFS. Where the machine forbids a case,
// the test says it was not run and why.

import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, vc } from '../support/cli.js';

let work: string;
let source: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-output-paths-'));
  await chmod(work, 0o755); // reachable for another user
  source = join(work, 'src');
  await mkdir(source);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// --source: no repository to reach; if the output check passed, the copy would fail another way
const build = (output: string) => ['build', '--source', source, '--version', 'v1.9.3', '--output', output];

function expectRefused(r: { exitCode: number; stderr: string }, line: string, hint: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toBe(`error: ${line}`);
  expect(lines[1]).toMatch(hint);
  expect(r.stderr).not.toMatch(/\bE(ACCES|PERM|ROFS|NOTDIR|EXIST)\b/);
}

describe('output paths checked before any work', () => {
  it('a folder this user may not write in (as nobody)', async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('not run: needs root to run the CLI as nobody (runuser)');
    const probe = await execa('runuser', ['-u', 'nobody', '--', process.execPath, '--version'], {
      reject: false,
    });
    if (probe.exitCode !== 0)
      ctx.skip(`not run: runuser -u nobody cannot run node here (${String(probe.stderr).trim()})`);
    const owned = join(work, 'roots');
    await mkdir(owned, { mode: 0o755 });
    const cache = join(work, 'nobody-cache');
    await mkdir(cache, { mode: 0o777 });
    await chmod(cache, 0o777);
    const r = await execa(
      'runuser',
      ['-u', 'nobody', '--', process.execPath, CLI, ...build(`oci:${join(owned, 'oci')}`)],
      {
        cwd: '/',
        env: { VC_COREDNS_CACHE: cache, HOME: cache, CI: 'true' },
        reject: false,
      },
    );
    expectRefused(
      { exitCode: r.exitCode ?? -1, stderr: String(r.stderr) },
      `--output oci:${join(owned, 'oci')}: cannot write in ${owned}: this user may not write there`,
      /^hint: choose a folder this user can write to$/,
    );
  });

  it('a read-only mount', async (ctx) => {
    const ro = join(work, 'ro');
    await mkdir(ro);
    const script = `mount --bind "$RO" "$RO" && mount -o remount,bind,ro "$RO" && exec "$NODE" "$CLI" "$@"`;
    const r = await execa(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...build(`oci:${join(ro, 'oci')}`)],
      {
        env: { RO: ro, NODE: process.execPath, CLI, VC_COREDNS_CACHE: join(work, 'cache'), CI: 'true' },
        reject: false,
      },
    );
    if (/mount|unshare/.test(String(r.stderr)) && !String(r.stderr).includes('error:'))
      ctx.skip(`not run: cannot bind-mount read-only here (${String(r.stderr).trim()})`);
    expectRefused(
      { exitCode: r.exitCode ?? -1, stderr: String(r.stderr) },
      `--output oci:${join(ro, 'oci')}: cannot write in ${ro}: it is on a read-only file system`,
      /^hint: choose a folder on a writable file system$/,
    );
  });

  it('a path under /proc exits 2 instead of looping in mkdir for good', async () => {
    const r = await vc(build('binaries:/proc/vc-coredns/bin'), {
      env: { VC_COREDNS_CACHE: join(work, 'cache'), CI: 'true' },
    });
    expectRefused(
      r,
      '--output binaries:/proc/vc-coredns/bin: cannot write in /proc: files cannot be made there (a virtual file system such as /proc)',
      /^hint: choose a folder on disk$/,
    );
  });
});
