// Which Docker daemon `--load` talks to, found as the docker CLI finds it: DOCKER_HOST wins (the
// "default" context); else the context named by DOCKER_CONTEXT, else config.json's currentContext, read
// from the context store ($DOCKER_CONFIG/contexts/meta/<sha256 of the name>/meta.json, TLS files under
// contexts/tls/<same>/docker/); else the default socket. config.json's HttpHeaders go on every request
// to the daemon, as the docker CLI sends them (never replacing a header the client sets itself).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badInput } from '../errors.js';
import { dockerConfigDir, readDockerConfig } from '../util/docker-config.js';

export interface DockerTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** the context's SkipTLSVerify, or DOCKER_TLS without DOCKER_TLS_VERIFY */
  skipVerify: boolean;
}

export interface DockerEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://host:2376` */
  host: string;
  /** Where it came from, for messages: `DOCKER_HOST`, `context "x" (DOCKER_CONTEXT)`... */
  source: string;
  /** TLS for tcp:// endpoints; undefined: plain */
  tls?: DockerTls;
  /** config.json `HttpHeaders` */
  headers: Record<string, string>;
}

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

interface ContextMeta {
  Name?: unknown;
  Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function tlsFiles(dir: string, skipVerify: boolean): Promise<DockerTls | undefined> {
  const [ca, cert, key] = await Promise.all(
    ['ca.pem', 'cert.pem', 'key.pem'].map((f) => readOptional(join(dir, f))),
  );
  if (!ca && !cert && !key) return skipVerify ? { skipVerify } : undefined;
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), skipVerify };
}

function headersOf(config: Record<string, unknown>): Record<string, string> {
  const h = config.HttpHeaders;
  if (!h || typeof h !== 'object' || Array.isArray(h)) return {};
  return Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The "default" context: DOCKER_HOST or the default socket, TLS as DOCKER_TLS_VERIFY/DOCKER_TLS say. */
async function defaultContext(
  env: NodeJS.ProcessEnv,
  configDir: string,
  headers: Record<string, string>,
): Promise<DockerEndpoint> {
  const host = env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  const tls =
    verify || env.DOCKER_TLS
      ? ((await tlsFiles(env.DOCKER_CERT_PATH || configDir, !verify)) ?? { skipVerify: !verify })
      : undefined;
  return {
    host,
    source: env.DOCKER_HOST ? 'DOCKER_HOST' : 'the default socket',
    ...(tls ? { tls } : {}),
    headers,
  };
}

/** Finds the daemon's endpoint; a context that does not exist is bad input (exit 2). */
export async function resolveDockerEndpoint(env: NodeJS.ProcessEnv): Promise<DockerEndpoint> {
  const configDir = dockerConfigDir(env);
  const config = await readDockerConfig(configDir);
  const headers = headersOf(config);
  if (env.DOCKER_HOST) return defaultContext(env, configDir, headers);
  const current = typeof config.currentContext === 'string' ? config.currentContext : '';
  const name = env.DOCKER_CONTEXT || current;
  if (!name || name === 'default') return defaultContext(env, configDir, headers);
  const from = env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : `currentContext in ${join(configDir, 'config.json')}`;
  const id = createHash('sha256').update(name).digest('hex');
  const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json');
  let meta: ContextMeta;
  try {
    meta = JSON.parse(await readFile(metaFile, 'utf8')) as ContextMeta;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw badInput(
      missing
        ? `the Docker context "${name}" (from ${from}) does not exist`
        : `the Docker context "${name}" (from ${from}) is unreadable: ${metaFile} is not valid JSON`,
      'DOCKER_CONTEXT',
      env.DOCKER_CONTEXT
        ? '`docker context ls` lists the contexts; set DOCKER_CONTEXT to one of them, or unset it'
        : '`docker context ls` lists the contexts; `docker context use default` goes back to the default',
    );
  }
  const docker = meta.Endpoints?.docker;
  if (typeof docker?.Host !== 'string' || !docker.Host)
    throw badInput(
      `the Docker context "${name}" (from ${from}) has no Docker endpoint`,
      'DOCKER_CONTEXT',
      `\`docker context inspect ${name}\` shows it`,
    );
  const tls = await tlsFiles(join(configDir, 'contexts', 'tls', id, 'docker'), docker.SkipTLSVerify === true);
  return { host: docker.Host, source: `context "${name}" (${from})`, ...(tls ? { tls } : {}), headers };
}
