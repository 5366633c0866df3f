// `--sign-key FILE` as the build's preflight opens it, with the CLI's password source: COSIGN_PASSWORD,
// else the terminal prompt (a pty drives the real prompt in keygen-cli.test.ts); plain keys ask nothing;
// every failure is bad input.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { passwordSource, type TerminalPrompt } from '../../src/cli/password.js';
import { openKeyFile } from '../../src/sign/key-file.js';
import { generateKeyFiles } from '../../src/sign/keys.js';
import { rejection } from '../support/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vc-signkey-'));
  const { privatePem } = await generateKeyFiles('the-password');
  await writeFile(join(dir, 'cosign.key'), privatePem);
  const plain = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  });
  await writeFile(join(dir, 'plain.pem'), plain);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(env: Record<string, string> = {}): Io {
  return { out: () => {}, err: () => {}, env, isTTY: false };
}

/** The terminal, as a person answering: records each prompt, types `answer`. */
function typing(answer: string, asked: string[] = []): TerminalPrompt {
  return async (prompt) => {
    asked.push(prompt);
    return answer;
  };
}

describe('--sign-key: openKeyFile with the CLI password source', () => {
  it('opens a cosign key with COSIGN_PASSWORD without prompting', async () => {
    const asked: string[] = [];
    const file = join(dir, 'cosign.key');
    const key = await openKeyFile(
      file,
      passwordSource(io({ COSIGN_PASSWORD: 'the-password' }), undefined, typing('', asked)),
    );
    expect(key.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(asked).toEqual([]);
  });

  it('prompts once, naming the file, when the variable is unset; a wrong answer is exit 2', async () => {
    const asked: string[] = [];
    const file = join(dir, 'cosign.key');
    await openKeyFile(file, passwordSource(io(), undefined, typing('the-password', asked)));
    expect(asked).toEqual([`Enter password for ${file}: `]);
    const e = await rejection(openKeyFile(file, passwordSource(io(), undefined, typing('guess'))));
    expect([e.exitCode, e.message]).toEqual([2, `wrong password for ${file}`]);
    const none = await rejection(openKeyFile(file, undefined));
    expect([none.exitCode, none.message]).toEqual([
      2,
      `${file} is encrypted and no password can be asked for`,
    ]);
  });

  it('a plain PKCS#8 key asks nothing; a missing file is bad input', async () => {
    const asked: string[] = [];
    const key = await openKeyFile(join(dir, 'plain.pem'), passwordSource(io(), undefined, typing('', asked)));
    expect(key.publicKey.asymmetricKeyType).toBe('ec');
    expect(asked).toEqual([]);
    const e = await rejection(openKeyFile(join(dir, 'nope.key'), undefined));
    expect([e.exitCode, e.message, e.hint]).toEqual([
      2,
      `cannot read --sign-key ${join(dir, 'nope.key')}: ENOENT`,
      'make a key with `vc-coredns keygen`',
    ]);
  });
});
