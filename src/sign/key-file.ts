// A private key file (`--sign-key`): read, and opened with the password when it is sealed. The password
// comes from the caller (the CLI: COSIGN_PASSWORD or the terminal). Every failure is bad input (exit 2).
import { readFile } from 'node:fs/promises';
import { badInput } from '../errors.js';
import { isEncryptedKey, readPrivateKey, type SigningKey } from './keys.js';

/** Asks for the password of `what` (a file name); undefined when nobody can be asked. */
export type PasswordSource = (what: string) => Promise<string>;

export async function openKeyFile(file: string, password: PasswordSource | undefined): Promise<SigningKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw badInput(
      `cannot read --sign-key ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      'BAD_KEY',
      'make a key with `vc-coredns keygen`',
    );
  }
  if (!isEncryptedKey(text)) return readPrivateKey(text, undefined, file);
  if (!password)
    throw badInput(
      `${file} is encrypted and no password can be asked for`,
      'NO_PASSWORD',
      'set COSIGN_PASSWORD',
    );
  return readPrivateKey(text, await password(file), file);
}
