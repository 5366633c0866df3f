// The command line itself: unknown commands and options, repeated single-value options and options that
// exclude each other are bad input (exit 2, one error line and a hint, before any network), and the
// program's -V/--version never swallows a command's --version.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, runCli } from '../support/cli.js';

describe('unknown commands', () => {
  it('a mistyped command exits 2 with the suggestion, even when it is followed by --version', async () => {
    const r = await runCli(['biuld', '--repo', 'file:///nonexistent', '--version', 'v1.9.3']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "error: unknown command 'biuld'\nhint: did you mean build? (vc-coredns --help shows the usage)\n",
    );
  });

  it('with --json the same error is the one JSON document', async () => {
    const r = await runCli(['biuld', '--version', 'v1.9.3', '--json']);
    expect(r.exitCode).toBe(2);
    expect(json(r)).toEqual({
      error: {
        code: 'BAD_FLAG',
        message: "unknown command 'biuld'",
        hint: 'did you mean build? (vc-coredns --help shows the usage)',
      },
    });
  });

  it("a command's unknown option names the command's help", async () => {
    const r = await runCli(['build', '--versoin', 'v1.9.3']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "error: unknown option '--versoin'\nhint: did you mean --version? (vc-coredns build --help shows the usage)\n",
    );
  });

  it('--version and -V still print the version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.exitCode, flag).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe('repeated and conflicting options', () => {
  // the repository does not exist: reaching it would exit 1, so exit 2 proves nothing ran first
  const NOWHERE = ['--repo', 'file:///nonexistent'];

  it.each([
    [
      ['build', ...NOWHERE, '--version', 'v1.9.3', '--version', 'v1.12.0'],
      '--version is given twice ("v1.9.3" and "v1.12.0")',
    ],
    [
      ['build', ...NOWHERE, '--version=v1.9.3', '--platforms', 'linux/amd64', '--platforms=linux/arm64'],
      '--platforms is given twice ("linux/amd64" and "linux/arm64")',
    ],
    [
      ['versions', ...NOWHERE, '--range', '1.9.x', '--range', '1.8.x'],
      '--range is given twice ("1.9.x" and "1.8.x")',
    ],
    [
      ['patch', '.', '--annotation', 'a.io/x', '--annotation', 'b.io/y'],
      '--annotation is given twice ("a.io/x" and "b.io/y")',
    ],
    [
      ['manifest', '--image', 'x/y:v1', '--image', 'x/y:v2'],
      '--image is given twice ("x/y:v1" and "x/y:v2")',
    ],
  ])('%j: exit 2 naming both values', async (args, line) => {
    const r = await runCli(args);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: ${line}`);
  });

  it.each([
    [
      ['build', ...NOWHERE, '--version', 'v1.9.3', '--kubernetes', '1.30'],
      "option '--version <spec>' cannot be used with option '--kubernetes <list>'",
    ],
    [
      ['build', '--source', '.', '--kubernetes', '1.30'],
      "option '--source <dir>' cannot be used with option '--kubernetes <list>'",
    ],
    [
      ['matrix', ...NOWHERE, '--range', '1.9.x', '--kubernetes', '1.30'],
      "option '--range <range>' cannot be used with option '--kubernetes <list>'",
    ],
  ])('%j: exit 2 naming both options', async (args, line) => {
    const r = await runCli(args);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: ${line}`);
  });

  it('options that add a value each time may repeat', async () => {
    // both outputs are taken; the run gets as far as the (missing) repository
    const r = await runCli([
      'build',
      ...NOWHERE,
      '--version',
      'v1.9.3',
      '--output',
      'oci:./a',
      '--output',
      'binaries:./b',
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('cannot list the tags of file:///nonexistent');
  });

  it('--go /nonexistent is bad input: exit 2 before anything is built', async () => {
    const src = await mkdtemp(join(tmpdir(), 'vc-go-flag-'));
    try {
      const r = await runCli([
        'build',
        '--source',
        src,
        '--version',
        'v1.9.3',
        '--go',
        '/nonexistent',
        '--output',
        `binaries:${join(src, 'bin')}`,
      ]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe('error: --go /nonexistent: no such file or directory');
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  });
});
