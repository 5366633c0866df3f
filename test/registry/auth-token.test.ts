import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrySink } from '../../src/publish/registry.js';
import { anonymous, dockerCredentials, RegistryClient, staticCredentials } from '../../src/registry/index.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';
import { makeTestIndex, sha256 } from '../support/test-image.js';
import type { TokenServer } from '../support/token-server.js';
import { caught, dockerConfig, expectNoSecret, fast, rendered } from './helpers.js';

let reg: TestRegistry;
let tokens: TokenServer;
const dirs: string[] = [];

beforeAll(async () => {
  reg = await startRegistry({ auth: 'token' });
  if (!reg.tokenServer) throw new Error('no token server');
  tokens = reg.tokenServer;
});

afterAll(async () => {
  await reg?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('bearer token auth', () => {
  it('follows the challenge, gets one token for pull,push and pushes; skopeo reads the result', async () => {
    const before = tokens.requests.length;
    const client = new RegistryClient({
      credentials: staticCredentials({ username: reg.username, password: reg.password }),
      retry: fast,
    });
    const index = makeTestIndex({ sharedLayerSize: 3000 });
    const published = await registrySink(`${reg.host}/coredns`, client).write(index, 'v1.9.3');
    expect(published.digest).toBe(index.digest);
    // cached per scope: one token for the whole push, five blobs and three manifests
    expect(tokens.requests.slice(before)).toEqual([
      { method: 'GET', account: reg.username, grant: 'basic', scopes: ['repository:coredns:pull,push'] },
    ]);
    expect(client.stats.tokenRequests).toBe(1);

    const raw = await skopeo(['inspect', '--raw', `docker://${reg.host}/coredns:v1.9.3`], {
      creds: `${reg.username}:${reg.password}`,
    });
    expect(raw.exitCode, raw.stderr).toBe(0);
    expect(sha256(Buffer.from(raw.stdout))).toBe(index.digest);

    // a pull-only handle asks for pull only
    const pulled = await client.pullImage(`${reg.host}/coredns:v1.9.3`, { os: 'linux', arch: 'amd64' });
    expect(pulled.indexDigest).toBe(index.digest);
    expect(tokens.requests.at(-1)?.scopes).toEqual(['repository:coredns:pull']);
  });

  it('asks for pull on the source repository of a cross-repository mount', async () => {
    const client = new RegistryClient({
      credentials: staticCredentials({ username: reg.username, password: reg.password }),
      retry: fast,
    });
    const index = makeTestIndex();
    await registrySink(`${reg.host}/team/a`, client).write(index, 'v1');
    const before = tokens.requests.length;
    const mounted = new RegistryClient({
      credentials: staticCredentials({ username: reg.username, password: reg.password }),
      retry: fast,
    });
    await registrySink(`${reg.host}/team/b`, mounted, { mountFrom: `${reg.host}/team/a` }).write(index, 'v1');
    expect(mounted.stats.blobsMounted).toBe(4);
    expect(mounted.stats.blobBytesUploaded).toBe(0);
    expect(tokens.requests.slice(before).map((r) => r.scopes)).toEqual([
      ['repository:team/b:pull,push', 'repository:team/a:pull'],
    ]);
  });

  it('trades an identitytoken of the Docker config for an access token (OAuth2 refresh_token)', async () => {
    const config = await dockerConfig({
      auths: { [reg.host]: { auth: '', identitytoken: reg.refreshToken } },
    });
    dirs.push(config);
    const client = new RegistryClient({
      credentials: dockerCredentials({ env: { DOCKER_CONFIG: config } }),
      retry: fast,
    });
    const before = tokens.requests.length;
    const index = makeTestIndex({ platforms: [{ os: 'linux', arch: 'amd64' }] });
    await registrySink(`${reg.host}/identity`, client).write(index, 'v1');
    expect(tokens.requests.slice(before)).toEqual([
      {
        method: 'POST',
        account: reg.username,
        grant: 'refresh_token',
        scopes: ['repository:identity:pull,push'],
      },
    ]);
  });

  it('a wrong password fails with exit 1 naming the registry, and no form of the password is printed', async () => {
    const password = `${reg.password}x`;
    const client = new RegistryClient({
      credentials: dockerCredentials({
        env: {
          VC_COREDNS_REGISTRY_USERNAME: reg.username,
          VC_COREDNS_REGISTRY_PASSWORD: password,
          DOCKER_CONFIG: '/nonexistent',
        },
      }),
      retry: fast,
    });
    const err = await caught(registrySink(`${reg.host}/denied`, client).write(makeTestIndex(), 'v1'));
    expect(err.exitCode).toBe(1);
    expect(err.code).toBe('REGISTRY_AUTH');
    expect(err.message).toBe(
      `authentication to registry ${reg.host} failed: its token service ${new URL(tokens.realm).origin} answered 401 (UNAUTHORIZED: invalid username or password)`,
    );
    expect(err.hint).toContain('VC_COREDNS_REGISTRY_USERNAME');
    expectNoSecret(rendered(err), reg.username, password);
    expect(tokens.requests.at(-1)?.grant).toBe('denied');
  });

  it('an anonymous token without access is refused by the registry: exit 1 with the login hint', async () => {
    const client = new RegistryClient({ credentials: anonymous, retry: fast });
    const err = await caught(registrySink(`${reg.host}/anon`, client).write(makeTestIndex(), 'v1'));
    expect(err.exitCode).toBe(1);
    expect(err.code).toBe('REGISTRY_AUTH');
    expect(err.message).toContain(`authentication to registry ${reg.host} failed while pushing blob`);
    expect(err.message).toContain(`${reg.host}/anon`);
    expect(err.hint).toContain(`docker login ${reg.host}`);
    // no token ever in an error
    expect(rendered(err)).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
  });
});
