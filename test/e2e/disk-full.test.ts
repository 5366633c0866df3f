// Disk full while publishing: a build writing to a 512 KiB tmpfs (mounted in a mount namespace of its
// own with unshare, so nothing outlives the run) fails with `no space left on device while writing
// <path>` and a hint, exit 1, and leaves nothing half-written: no temp file, no index.json naming what
// is not there, no archive. Where the machine cannot mount, the test says it was not run and why.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv, CLI } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let cannotMount: string | null = null;

/** Runs `script` (sh) with a fresh tmpfs of `size` at $MNT, in a mount namespace of its own. */
function inSmallTmpfs(size: string, script: string, env: Record<string, string> = {}) {
  const mnt = join(work, 'mnt');
  return execa(
    'unshare',
    [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mkdir -p "$MNT" && mount -t tmpfs -o size=${size} tmpfs "$MNT" && ${script}`,
    ],
    { env: { ...env, MNT: mnt }, reject: false },
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-disk-full-'));
  const probe = await inSmallTmpfs('64k', 'test -w "$MNT"');
  if (probe.exitCode !== 0) {
    cannotMount = `unshare -m + mount -t tmpfs is not allowed here (${String(probe.stderr).trim() || `exit ${probe.exitCode}`})`;
    return;
  }
  repo = await createFixtureRepo(join(work, 'repo'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('disk full while publishing', () => {
  it.for([
    ['oci:', 'oci:$MNT/oci'],
    ['docker-archive:', 'docker-archive:$MNT/coredns.tar'],
    ['binaries:', 'binaries:$MNT/bin'],
  ] as const)(
    '%s: "no space left on device while writing <path>", exit 1, nothing half-written',
    async ([, output], ctx) => {
      if (cannotMount) ctx.skip(`not run: ${cannotMount}`);
      const args = [
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/amd64',
        '--output',
        output,
      ];
      const run = await inSmallTmpfs(
        '512k',
        `"$NODE" "$CLI" ${args.map((a) => `"${a.replace(/"/g, '\\"')}"`).join(' ')}; echo "EXIT=$?"; cd "$MNT" && find . -type f | sort`,
        {
          NODE: process.execPath,
          CLI,
          PATH: process.env.PATH ?? '',
          HOME: work,
          ...buildEnv(work),
        },
      );
      const out = String(run.stdout);
      const [, exit, files = ''] = /^EXIT=(\d+)$([\s\S]*)/m.exec(out) ?? [];
      expect(exit, String(run.stderr)).toBe('1');
      const mnt = join(work, 'mnt');
      expect(String(run.stderr)).toMatch(
        new RegExp(
          `^error: v1\\.9\\.3: no space left on device while writing ${mnt.replace(/[/.]/g, '\\$&')}/\\S+$`,
          'm',
        ),
      );
      expect(String(run.stderr)).toContain(
        'hint: free space on that file system, or write the output elsewhere',
      );
      const left = files.split('\n').filter(Boolean);
      expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect(left).not.toContain('./coredns.tar');
      expect(left).not.toContain('./oci/index.json');
      // the blobs the failed write added are removed again: they freed the space they took
      expect(left.filter((f) => f.startsWith('./oci/blobs/'))).toEqual([]);
      expect(left.filter((f) => f.startsWith('./bin/'))).toEqual([]);
    },
  );
});
