// `vc-coredns keygen` as users run it: the password from COSIGN_PASSWORD or typed at a terminal prompt
// that echoes nothing, files cosign reads (cosign.test.ts), never an existing file overwritten.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrivateKey, readPublicKey } from '../../src/sign/keys.js';
import { CLI, vc } from '../support/cli.js';
import { runOnPty } from '../support/pty.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-keygen-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const baseEnv = () => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: work,
  NO_COLOR: '1',
  TERM: 'dumb',
});

describe('keygen', () => {
  it('with COSIGN_PASSWORD: PREFIX.key (0600, encrypted) and PREFIX.pub, the pair matching', async () => {
    const r = await vc(['keygen', '--output-prefix', 'env/release'], {
      cwd: work,
      env: { COSIGN_PASSWORD: 'from-the-env-5512' },
    });
    expect(r.exitCode).toBe(2); // the folder does not exist
    expect(r.stderr).toBe(`error: the folder ${join(work, 'env')} does not exist\nhint: create it first\n`);
    await import('node:fs/promises').then((fs) => fs.mkdir(join(work, 'env')));
    const ok = await vc(['keygen', '--output-prefix', 'env/release'], {
      cwd: work,
      env: { COSIGN_PASSWORD: 'from-the-env-5512' },
    });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('Private key written to env/release.key\nPublic key written to env/release.pub\n');
    expect((await stat(join(work, 'env/release.key'))).mode & 0o777).toBe(0o600);
    const key = await readPrivateKey(
      await readFile(join(work, 'env/release.key'), 'utf8'),
      'from-the-env-5512',
      'k',
    );
    const pub = readPublicKey(await readFile(join(work, 'env/release.pub'), 'utf8'), 'p');
    expect(key.publicKey.equals(pub)).toBe(true);
    expect(ok.stdout + ok.stderr).not.toContain('from-the-env-5512');
  });

  it('refuses to overwrite either file, before asking for a password', async () => {
    await writeFile(join(work, 'only.pub'), 'someone else’s key\n');
    const r = await vc(['keygen', '--output-prefix', 'only'], { cwd: work, env: { COSIGN_PASSWORD: 'x' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'error: only.pub exists; keygen never overwrites a key\nhint: remove it, or pick another --output-prefix\n',
    );
    expect(await readFile(join(work, 'only.pub'), 'utf8')).toBe('someone else’s key\n');
    await expect(stat(join(work, 'only.key'))).rejects.toThrow();
  });

  it('without COSIGN_PASSWORD and without a terminal: bad input naming the variable', async () => {
    const r = await vc(['keygen', '--output-prefix', 'notty'], { cwd: work, env: { COSIGN_PASSWORD: '' } });
    // set and empty is an empty password, as cosign reads it
    expect(r.exitCode, r.stderr).toBe(0);
    const { execa } = await import('execa');
    const none = await execa(process.execPath, [CLI, 'keygen', '--output-prefix', 'notty2'], {
      cwd: work,
      reject: false,
      extendEnv: false,
      env: baseEnv(),
      stdin: 'ignore',
      detached: true, // no controlling terminal
      stripFinalNewline: false,
    });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toBe(
      'error: no terminal to ask for the key password on\nhint: set COSIGN_PASSWORD\n',
    );
  });

  it('on a terminal: asks twice, echoes nothing, and the key opens with what was typed', async () => {
    const typed = 'typed-at-the-tty-8841';
    const r = await runOnPty(
      [process.execPath, CLI, 'keygen', '--output-prefix', 'tty'],
      [
        { waitFor: 'Enter password for private key: ', send: `${typed}\r` },
        { waitFor: 'Enter password for private key again: ', send: `${typed}\r` },
      ],
      { cwd: work, env: baseEnv() },
    );
    expect(r.exitCode, r.screen).toBe(0);
    expect(r.screen).toContain('Enter password for private key again: ');
    expect(r.screen).toContain('Private key written to tty.key');
    expect(r.screen).not.toContain(typed);
    await readPrivateKey(await readFile(join(work, 'tty.key'), 'utf8'), typed, 'tty.key');
  });

  it('on a terminal: two different passwords are bad input and write nothing', async () => {
    const r = await runOnPty(
      [process.execPath, CLI, 'keygen', '--output-prefix', 'differ'],
      [
        { waitFor: 'Enter password for private key: ', send: 'one-password\r' },
        { waitFor: 'again: ', send: 'another-password\r' },
      ],
      { cwd: work, env: baseEnv() },
    );
    expect(r.exitCode).toBe(2);
    expect(r.screen).toContain('error: the two passwords differ');
    expect(r.screen).not.toMatch(/one-password|another-password/);
    await expect(stat(join(work, 'differ.key'))).rejects.toThrow();
  });
});
