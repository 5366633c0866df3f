import { join } from 'node:path';
import { execa } from 'execa';
import { badInput, VcError } from '../errors.js';
import { dockerConfigDir, readDockerConfig } from '../util/docker-config.js';
import { DOCKER_HUB, DOCKER_HUB_AUTH_KEY } from './ref.js';

/** What a registry login is made of. Never printed. */
export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken` of `docker login`), traded at the token realm. */
  identityToken?: string;
  /** A bearer token sent as is (`registrytoken`). */
  registryToken?: string;
}

/** Looks up the credentials for a registry (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
export type CredentialSource = (registry: string, signal?: AbortSignal) => Promise<Credentials | undefined>;

export interface HelperResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** the helper could not be started (not on PATH) */
  notFound?: boolean;
}
/** Runs `docker-credential-<helper> get` with the server URL on stdin. */
export type HelperRunner = (
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
) => Promise<HelperResult>;

export const ENV_USERNAME = 'VC_COREDNS_REGISTRY_USERNAME';
export const ENV_PASSWORD = 'VC_COREDNS_REGISTRY_PASSWORD';

export const execaHelper: HelperRunner = async (helper, serverUrl, env, signal) => {
  const r = await execa(`docker-credential-${helper}`, ['get'], {
    input: serverUrl,
    env,
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  signal?.throwIfAborted();
  const notFound = (r as { code?: string }).code === 'ENOENT';
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), notFound };
};

export interface DockerCredentialOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * The registries that VC_COREDNS_REGISTRY_USERNAME/_PASSWORD are for (e.g. the one pushed to, so a
   * `--base` pull elsewhere stays anonymous or uses the Docker config). All registries when absent.
   */
  envRegistries?: string[];
  runHelper?: HelperRunner;
}

interface DockerConfig {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
  >;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** `https://index.docker.io/v1/` -> `docker.io`; `http://127.0.0.1:5000/v2/` -> `127.0.0.1:5000`. */
export function normalizeServer(key: string): string {
  const host = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? '';
  const h = host.toLowerCase();
  if (h === 'index.docker.io' || h === 'registry-1.docker.io' || h === 'docker.io') return DOCKER_HUB;
  return host;
}

function findKey<T>(map: Record<string, T> | undefined, registry: string): T | undefined {
  if (!map) return undefined;
  if (Object.hasOwn(map, registry)) return map[registry];
  const want = normalizeServer(registry);
  for (const [k, v] of Object.entries(map)) if (normalizeServer(k) === want) return v;
  return undefined;
}

function nonEmpty(c: Credentials): Credentials | undefined {
  return c.username || c.password || c.identityToken || c.registryToken ? c : undefined;
}

/**
 * Credentials the way Docker finds them, with the environment first:
 * VC_COREDNS_REGISTRY_USERNAME/_PASSWORD, then `$DOCKER_CONFIG/config.json` (default ~/.docker):
 * `credHelpers[registry]`, `credsStore`, then `auths[registry]` (`auth` base64 of user:password, or
 * username/password, `identitytoken`, `registrytoken`).
 */
export function dockerCredentials(opts: DockerCredentialOptions = {}): CredentialSource {
  const env = opts.env ?? process.env;
  const runHelper = opts.runHelper ?? execaHelper;
  const dir = dockerConfigDir(env);
  const file = join(dir, 'config.json');
  let config: Promise<DockerConfig> | undefined;
  const cache = new Map<string, Promise<Credentials | undefined>>();
  const loadConfig = (): Promise<DockerConfig> => {
    config ??= readDockerConfig(dir) as Promise<DockerConfig>;
    return config;
  };

  const fromHelper = async (helper: string, registry: string, signal?: AbortSignal) => {
    const serverUrl = normalizeServer(registry) === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
    const r = await runHelper(helper, serverUrl, env, signal);
    if (r.notFound)
      throw new VcError(`the Docker credential helper docker-credential-${helper} was not found on PATH`, {
        code: 'REGISTRY_AUTH',
        hint: `install it, or remove "${helper}" from credsStore/credHelpers in ${file}`,
      });
    if (r.exitCode !== 0) {
      if (/credentials not found/i.test(r.stdout + r.stderr)) return undefined;
      throw new VcError(`docker-credential-${helper} get failed for ${registry} (exit ${r.exitCode})`, {
        code: 'REGISTRY_AUTH',
        hint: `run \`docker-credential-${helper} get\` yourself to see why, or \`docker login ${registry}\``,
      });
    }
    let out: { Username?: string; Secret?: string };
    try {
      out = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
    } catch {
      throw new VcError(`docker-credential-${helper} printed something that is not JSON for ${registry}`, {
        code: 'REGISTRY_AUTH',
      });
    }
    if (!out.Secret) return undefined;
    if (out.Username === '<token>') return { identityToken: out.Secret };
    return { username: out.Username ?? '', password: out.Secret };
  };

  const lookup = async (registry: string, signal?: AbortSignal): Promise<Credentials | undefined> => {
    const user = env[ENV_USERNAME];
    const pass = env[ENV_PASSWORD];
    const envApplies =
      opts.envRegistries === undefined ||
      opts.envRegistries.some((r) => normalizeServer(r) === normalizeServer(registry));
    if (envApplies && (user || pass)) return { username: user ?? '', password: pass ?? '' };

    const cfg = await loadConfig();
    const helper = findKey(cfg.credHelpers, registry) ?? cfg.credsStore;
    if (helper) {
      const c = await fromHelper(helper, registry, signal);
      if (c) return c;
    }
    const entry = findKey(cfg.auths, registry);
    if (!entry) return undefined;
    const c: Credentials = {};
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0)
        throw badInput(
          `the "auth" entry for ${registry} in ${file} is not base64 of user:password`,
          'BAD_DOCKER_CONFIG',
          `run \`docker login ${registry}\` again`,
        );
      c.username = decoded.slice(0, i);
      c.password = decoded.slice(i + 1);
    } else if (entry.username || entry.password) {
      c.username = entry.username ?? '';
      c.password = entry.password ?? '';
    }
    if (entry.identitytoken) c.identityToken = entry.identitytoken;
    if (entry.registrytoken) c.registryToken = entry.registrytoken;
    return nonEmpty(c);
  };

  return (registry, signal) => {
    const key = normalizeServer(registry);
    let p = cache.get(key);
    if (!p) {
      p = lookup(registry, signal);
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  };
}

/** No credentials anywhere: anonymous access only. */
export const anonymous: CredentialSource = async () => undefined;

/** Fixed credentials (for tests and embedding). */
export function staticCredentials(creds: Credentials): CredentialSource {
  return async () => creds;
}

/** Every form a secret could take in text: itself, its base64, and user:password's base64. */
export function secretForms(c: Credentials | undefined): string[] {
  if (!c) return [];
  const out: string[] = [];
  const add = (s: string | undefined) => {
    if (!s || s.length < 3) return;
    out.push(s, Buffer.from(s).toString('base64'), encodeURIComponent(s));
  };
  add(c.password);
  add(c.identityToken);
  add(c.registryToken);
  if (c.username !== undefined && c.password) add(`${c.username}:${c.password}`);
  return [...new Set(out)];
}
