// The docker CLI's configuration directory ($DOCKER_CONFIG, else ~/.docker) and its config.json, which
// both the registry credentials and the Docker daemon endpoint (currentContext, HttpHeaders) come from.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { badInput, VcError } from '../errors.js';

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

/**
 * `config.json` of the directory as an object; {} when there is none. Never quoted in errors: it
 * holds secrets.
 */
export async function readDockerConfig(dir: string): Promise<Record<string, unknown>> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw new VcError(`cannot read ${file}: ${code ?? (e as Error).message}`, { code: 'BAD_DOCKER_CONFIG' });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw badInput(
      `${file} is not valid JSON`,
      'BAD_DOCKER_CONFIG',
      'fix or remove it, or run `docker login` again',
    );
  }
}
