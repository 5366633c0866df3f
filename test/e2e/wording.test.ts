// What users read: progress lines that are English ("checking out from ./tree (a copy...)", "publishing
// to oci:..."), counts with the right number ("1 release"), and on a terminal the lines told before the
// task list appears shown inside it (run under a real pseudo-terminal with util-linux `script`).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv, CLI, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-wording-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  env = buildEnv(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is removed
const plainText = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

describe('wording', () => {
  it('versions counts one release as "1 release"', async () => {
    const one = join(work, 'one');
    const git = (...args: string[]) => execa('git', ['-C', one, ...args]);
    await execa('git', ['init', '-q', one]);
    await writeFile(join(one, 'go.mod'), 'module github.com/coredns/coredns\n\ngo 1.17\n');
    await git('add', '-A');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'one');
    await git('tag', 'v1.9.3');
    const r = await vc(['versions', '--repo', one, '--quiet'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('1 release, 1 supported (1 buildable)\n');
  });

  it('build says "checking out from DIR (a copy...)" and "publishing to OUTPUT"; on a terminal the early lines are in the task list', async () => {
    const src = join(work, 'my-coredns');
    await execa('git', ['clone', '-q', '--branch', 'v1.9.3', repo.url, src]);
    const oci = join(work, 'oci');
    const source = await vc(
      [
        'build',
        '--source',
        src,
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/amd64',
        '--output',
        `oci:${oci}`,
      ],
      { env },
    );
    expect(source.exitCode, source.stderr).toBe(0);
    expect(source.stderr).toMatch(
      /^\[\d\d:\d\d:\d\d\] v1\.9\.3 checking out from \S+my-coredns \(a copy: the tree is never modified\)$/m,
    );
    expect(source.stderr).toContain(`v1.9.3 publishing to oci:${oci}\n`);

    const args = ['build', '--repo', repo.url, '--version', 'v1.9.3', '--platforms', 'linux/amd64'];
    const plain = await vc([...args, '--output', `oci:${oci}`], { env });
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^\[\d\d:\d\d:\d\d\] resolving against file:\/\//m);

    // the same run on a terminal (not CI): no timestamped line before the list, they are its first task
    const command = ['env', '-u', 'CI', process.execPath, CLI, ...args, '--output', `oci:${oci}`]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(' ');
    const tty = await execa('script', ['-qfec', `stty cols 160 rows 40; ${command}`, '/dev/null'], {
      env: { ...env, TERM: 'xterm' },
      reject: false,
      stdin: 'ignore',
    });
    const screen = plainText(String(tty.stdout));
    expect(tty.exitCode, screen).toBe(0);
    expect(screen).not.toMatch(/\[\d\d:\d\d:\d\d\] resolving against/);
    expect(screen).toMatch(/resolved v1\.9\.3[^\n]*\n\s*› resolving against file:\/\//);
    expect(screen).toContain('v1.9.3: skipped');
  });
});
