// `--sign-key FILE` as the CLI opens it: COSIGN_PASSWORD, else the terminal prompt (a pty drives the
// real prompt in keygen-cli.test.ts); plain keys ask nothing; every failure is bad input.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { loadSigningKey } from '../../src/cli/password.js';
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

function io(env: Record<string, string> = {}): Io & { text: string[] } {
  const text: string[] = [];
  return { out: (t) => text.push(t), err: (t) => text.push(t), env, isTTY: false, text };
}

describe('loadSigningKey', () => {
  it('opens a cosign key with COSIGN_PASSWORD without prompting', async () => {
    const asked: string[] = [];
    const key = await loadSigningKey(
      join(dir, 'cosign.key'),
      io({ COSIGN_PASSWORD: 'the-password' }),
      async (p) => {
        asked.push(p);
        return '';
      },
    );
    expect(key.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(asked).toEqual([]);
  });

  it('prompts once, naming the file, when the variable is unset; a wrong answer is exit 2', async () => {
    const asked: string[] = [];
    const file = join(dir, 'cosign.key');
    await loadSigningKey(file, io(), async (p) => {
      asked.push(p);
      return 'the-password';
    });
    expect(asked).toEqual([`Enter password for ${file}: `]);
    const e = await rejection(loadSigningKey(file, io(), async () => 'guess'));
    expect([e.exitCode, e.message]).toEqual([2, `wrong password for ${file}`]);
  });

  it('a plain PKCS#8 key asks nothing; a missing file is bad input', async () => {
    const key = await loadSigningKey(join(dir, 'plain.pem'), io(), async () => {
      throw new Error('must not prompt');
    });
    expect(key.publicKey.asymmetricKeyType).toBe('ec');
    const e = await rejection(loadSigningKey(join(dir, 'nope.key'), io(), async () => ''));
    expect([e.exitCode, e.message, e.hint]).toEqual([
      2,
      `cannot read --sign-key ${join(dir, 'nope.key')}: ENOENT`,
      'make a key with `vc-coredns keygen`',
    ]);
  });
});
