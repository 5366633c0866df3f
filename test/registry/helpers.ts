import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { printError } from '../../src/cli/io.js';
import type { VcError } from '../../src/errors.js';
import type { RetryPolicy } from '../../src/registry/index.js';

/** Tiny backoff: tests wait milliseconds, not seconds. */
export const fast: Partial<RetryPolicy> = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

/** What the CLI prints for an error, stderr lines and the --json document together. */
export function rendered(e: VcError): string {
  let text = '';
  const io = { out: (t: string) => (text += t), err: (t: string) => (text += t), env: {}, isTTY: false };
  printError(io, e, true);
  text += `${e.stack ?? ''}\n${String(e.cause ?? '')}`;
  return text;
}

/** Asserts that no form of the password is in the text: itself, its base64, user:password's base64. */
export function expectNoSecret(text: string, username: string, password: string): void {
  const forms = [
    password,
    Buffer.from(password).toString('base64'),
    Buffer.from(`${username}:${password}`).toString('base64'),
    Buffer.from(`${username}:${password}`).toString('base64').replace(/=+$/, ''),
  ];
  for (const f of forms) expect(text).not.toContain(f);
}

/** A temp DOCKER_CONFIG directory holding this config.json. */
export async function dockerConfig(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vc-docker-config-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/**
 * A `docker-credential-<name>` script in a temp bin dir: answers `get` for `server` with the
 * credentials, "credentials not found" for anything else, and logs each server URL asked for.
 */
export async function credentialHelper(
  name: string,
  server: string,
  username: string,
  secret: string,
): Promise<{ bin: string; asked: string }> {
  const bin = await mkdtemp(join(tmpdir(), 'vc-cred-helper-'));
  await mkdir(bin, { recursive: true });
  const asked = join(bin, 'asked.log');
  const script = join(bin, `docker-credential-${name}`);
  await writeFile(
    script,
    `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
echo "$server" >> '${asked}'
if [ "$server" = '${server}' ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$server" '${username}' '${secret}'
else
  echo 'credentials not found in native keychain'
  exit 1
fi
`,
  );
  await chmod(script, 0o755);
  return { bin, asked };
}

export { rejection as caught } from '../support/errors.js';
