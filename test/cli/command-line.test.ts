// The command line itself: unknown commands and options are bad input (exit 2, one error line and a
// hint), and the program's -V/--version never swallows a command's --version.

import { describe, expect, it } from 'vitest';
import { json, vc } from '../support/cli.js';

describe('unknown commands', () => {
  it('a mistyped command exits 2 with the suggestion, even when it is followed by --version', async () => {
    const r = await vc(['biuld', '--repo', 'file:///nonexistent', '--version', 'v1.9.3']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "error: unknown command 'biuld'\nhint: did you mean build? (vc-coredns --help shows the usage)\n",
    );
  });

  it('with --json the same error is the one JSON document', async () => {
    const r = await vc(['biuld', '--version', 'v1.9.3', '--json']);
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
    const r = await vc(['build', '--versoin', 'v1.9.3']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "error: unknown option '--versoin'\nhint: did you mean --version? (vc-coredns build --help shows the usage)\n",
    );
  });

  it('--version and -V still print the version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    for (const flag of ['--version', '-V']) {
      const r = await vc([flag]);
      expect(r.exitCode, flag).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});
