import { resolve } from 'node:path';
import type { Command } from 'commander';
import { badInput, VcError } from '../../errors.js';
import { exists } from '../../util/fs.js';
import { readPassword, type TerminalPrompt, terminalPrompt } from '../password.js';
import type { CommandEnv } from './shared.js';

interface KeygenOptions {
  outputPrefix: string;
}

/** `keygen`: a cosign key pair, PREFIX.key (encrypted, 0600) and PREFIX.pub; never over existing files. */
export async function runKeygen(
  opts: KeygenOptions,
  env: CommandEnv,
  prompt: TerminalPrompt = terminalPrompt,
): Promise<number> {
  const [{ generateKeyFiles }, { writeFileExclusive }] = await Promise.all([
    import('../../sign/keys.js'),
    import('../../util/fs.js'),
  ]);
  const prefix = opts.outputPrefix;
  if (!prefix || prefix.endsWith('/'))
    throw badInput('--output-prefix needs a file name prefix, e.g. ./keys/cosign', 'BAD_FLAG');
  const keyPath = `${prefix}.key`;
  const pubPath = `${prefix}.pub`;
  for (const p of [keyPath, pubPath])
    if (await exists(p))
      throw badInput(
        `${p} exists; keygen never overwrites a key`,
        'KEY_EXISTS',
        'remove it, or pick another --output-prefix',
      );
  const parent = resolve(keyPath, '..');
  if (!(await exists(parent)))
    throw badInput(`the folder ${parent} does not exist`, 'BAD_FLAG', 'create it first');
  const password = await readPassword(env.io, { what: 'private key', confirm: true }, prompt, env.signal);
  const { privatePem, publicPem } = await generateKeyFiles(password);
  try {
    await writeFileExclusive(keyPath, privatePem, 0o600);
  } catch (e) {
    throw fileError(e, keyPath);
  }
  try {
    await writeFileExclusive(pubPath, publicPem, 0o644);
  } catch (e) {
    const { rm } = await import('node:fs/promises');
    await rm(keyPath, { force: true });
    throw fileError(e, pubPath);
  }
  env.io.out(`Private key written to ${keyPath}\nPublic key written to ${pubPath}\n`);
  return 0;
}

function fileError(e: unknown, path: string): VcError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return badInput(`${path} exists; keygen never overwrites a key`, 'KEY_EXISTS');
  return new VcError(`cannot write ${path}: ${code ?? (e as Error).message}`, {
    code: 'WRITE_FAILED',
    hint: 'check that the folder is writable',
  });
}

export function registerKeygen(program: Command, env: CommandEnv): void {
  program
    .command('keygen')
    .description('make a cosign key pair for `build --sign-key` and `verify --key` (ECDSA P-256)')
    .option('--output-prefix <prefix>', 'write PREFIX.key (encrypted) and PREFIX.pub', 'cosign')
    .addHelpText(
      'after',
      `
The password comes from COSIGN_PASSWORD, or is asked on the terminal (twice, not echoed). The files are
cosign's: \`cosign sign --key cosign.key\` and \`cosign verify --key cosign.pub\` use them as they are.

Examples:
  $ vc-coredns keygen
  $ COSIGN_PASSWORD="$(cat pw.txt)" vc-coredns keygen --output-prefix ./keys/release`,
    )
    .action(async (opts: KeygenOptions) => env.exit(await runKeygen(opts, env)));
}
