import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VcError } from '../../src/errors.js';
import {
  anonymous,
  type Credentials,
  dockerCredentials,
  type HelperRunner,
  RegistryClient,
  staticCredentials,
} from '../../src/registry/index.js';
import { mergeScopes } from '../../src/registry/transport.js';
import { caught, expectNoSecret, fast, rendered } from './helpers.js';

// A registry played by a function: each test says what every request gets.
type Handler = (req: { method: string; url: URL; headers: Headers }) => Response | Promise<Response>;

function fakeFetch(handler: Handler, log: string[] = []): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    log.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
    return handler({ method: init?.method ?? 'GET', url, headers });
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function configDir(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vc-docker-config-'));
  dirs.push(dir);
  await writeFile(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

describe('credentials', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('finds Docker Hub credentials under https://index.docker.io/v1/ and a host under any URL form', async () => {
    const dir = await configDir({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
        'https://ghcr.io': { auth: b64('gh:colon:in:pw') },
        'registry.example.com:5000': { identitytoken: 'idtok' },
      },
    });
    const creds = dockerCredentials({ env: { DOCKER_CONFIG: dir } });
    expect(await creds('docker.io')).toEqual({ username: 'hub', password: 'hubpw' });
    expect(await creds('ghcr.io')).toEqual({ username: 'gh', password: 'colon:in:pw' });
    expect(await creds('registry.example.com:5000')).toEqual({ identityToken: 'idtok' });
    expect(await creds('quay.io')).toBeUndefined();
  });

  it('asks credHelpers first, then credsStore, then auths; a helper without the entry falls through', async () => {
    const asked: string[] = [];
    const runHelper: HelperRunner = async (helper, server) => {
      asked.push(`${helper} ${server}`);
      if (helper === 'gcr')
        return { exitCode: 0, stdout: JSON.stringify({ Username: '_token', Secret: 's1' }), stderr: '' };
      if (server === 'https://index.docker.io/v1/')
        return {
          exitCode: 0,
          stdout: JSON.stringify({ Username: '<token>', Secret: 'refresh' }),
          stderr: '',
        };
      return { exitCode: 1, stdout: 'credentials not found in native keychain', stderr: '' };
    };
    const dir = await configDir({
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcr' },
      auths: { 'quay.io': { auth: b64('q:qpw') } },
    });
    const creds = dockerCredentials({ env: { DOCKER_CONFIG: dir }, runHelper });
    expect(await creds('gcr.io')).toEqual({ username: '_token', password: 's1' });
    expect(await creds('docker.io')).toEqual({ identityToken: 'refresh' });
    expect(await creds('quay.io')).toEqual({ username: 'q', password: 'qpw' });
    expect(asked).toEqual(['gcr gcr.io', 'desktop https://index.docker.io/v1/', 'desktop quay.io']);
  });

  it('environment credentials win, for every registry or only the ones named', async () => {
    const dir = await configDir({ auths: { 'ghcr.io': { auth: b64('cfg:cfgpw') } } });
    const env = {
      DOCKER_CONFIG: dir,
      VC_COREDNS_REGISTRY_USERNAME: 'env',
      VC_COREDNS_REGISTRY_PASSWORD: 'envpw',
    };
    expect(await dockerCredentials({ env })('ghcr.io')).toEqual({ username: 'env', password: 'envpw' });
    const scoped = dockerCredentials({ env, envRegistries: ['quay.io'] });
    expect(await scoped('ghcr.io')).toEqual({ username: 'cfg', password: 'cfgpw' });
    expect(await scoped('quay.io')).toEqual({ username: 'env', password: 'envpw' });
  });

  it('a config.json that is not JSON is bad input and its text is never quoted', async () => {
    const dir = await configDir('{"auths": {"x": {"auth": "c2VjcmV0"');
    const err = await caught(dockerCredentials({ env: { DOCKER_CONFIG: dir } })('ghcr.io'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`${join(dir, 'config.json')} is not valid JSON`);
    expect(rendered(err)).not.toContain('c2VjcmV0');
    // no config at all: anonymous
    expect(await dockerCredentials({ env: { DOCKER_CONFIG: join(dir, 'none') } })('ghcr.io')).toBeUndefined();
  });
});

describe('client against a scripted registry', () => {
  const password = 'hunter2-secret';
  const creds: Credentials = { username: 'me', password };

  it('scrubs every form of the password from what a registry echoes back', async () => {
    const basic = `Basic ${Buffer.from(`me:${password}`).toString('base64')}`;
    const fetch = fakeFetch(({ url, headers }) => {
      if (headers.get('authorization') !== basic)
        return json(401, {}, { 'WWW-Authenticate': 'Basic realm="x"' });
      if (url.pathname === '/v2/') return json(200, {});
      return json(400, {
        errors: [
          {
            code: 'DENIED',
            message: `user me:${password} sent ${basic} and ${Buffer.from(password).toString('base64')}`,
          },
        ],
      });
    });
    const client = new RegistryClient({
      credentials: staticCredentials(creds),
      retry: fast,
      fetch,
      insecure: true,
    });
    const err = await caught(client.repository('example.com/me/x', { push: true }).getManifest('v1'));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain(
      'registry example.com answered 400 Bad Request: DENIED: user *** sent Basic *** and ***',
    );
    expectNoSecret(rendered(err), 'me', password);
  });

  it('retries 429 and 5xx honouring Retry-After, then succeeds', async () => {
    let n = 0;
    const logs: string[] = [];
    const fetch = fakeFetch(({ url }) => {
      if (url.pathname === '/v2/') return json(200, {});
      n++;
      if (n === 1)
        return json(
          429,
          { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] },
          { 'Retry-After': '0' },
        );
      if (n === 2) return new Response('oops', { status: 503 });
      return new Response(
        '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}',
        {
          status: 200,
          headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' },
        },
      );
    });
    const client = new RegistryClient({
      credentials: anonymous,
      retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 },
      fetch,
      log: (l) => logs.push(l),
    });
    const m = await client.repository('127.0.0.1:1/x').getManifest('v1');
    expect(m.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(client.stats.retries).toBe(2);
    expect(logs[0]).toBe(
      'registry 127.0.0.1:1 answered 429 Too Many Requests: TOOMANYREQUESTS: slow down while reading 127.0.0.1:1/x:v1; retrying reading 127.0.0.1:1/x:v1 in 0 ms (attempt 2 of 5)',
    );
  });

  it('does not retry a 4xx and reports the registry error code', async () => {
    const log: string[] = [];
    const fetch = fakeFetch(({ url }) => {
      if (url.pathname === '/v2/') return json(200, {});
      return json(400, { errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] });
    }, log);
    const client = new RegistryClient({ credentials: anonymous, retry: fast, fetch });
    const err = await caught(
      client
        .repository('127.0.0.1:1/x', { push: true })
        .putManifest('v1', 'application/vnd.oci.image.index.v1+json', new Uint8Array([1])),
    );
    expect(err.message).toBe(
      'registry 127.0.0.1:1 answered 400 Bad Request: MANIFEST_INVALID: manifest invalid while pushing manifest v1 to 127.0.0.1:1/x',
    );
    expect(log).toEqual(['GET /v2/', 'PUT /v2/x/manifests/v1']);
  });

  it('refuses to send credentials to a token realm over plain http on another host', async () => {
    const fetch = fakeFetch(() =>
      json(401, {}, { 'WWW-Authenticate': 'Bearer realm="http://auth.example.com/token",service="s"' }),
    );
    const client = new RegistryClient({ credentials: staticCredentials(creds), retry: fast, fetch });
    const err = await caught(client.repository('example.com/x').blobExists(`sha256:${'0'.repeat(64)}`));
    expect(err.code).toBe('REGISTRY_AUTH');
    expect(err.message).toBe(
      'registry example.com sends clients for tokens to http://auth.example.com, which is not https',
    );
  });

  it('a registry that serves other bytes than the digest asked for is an error', async () => {
    const fetch = fakeFetch(({ url }) =>
      url.pathname === '/v2/' ? json(200, {}) : new Response('not the blob'),
    );
    const client = new RegistryClient({ credentials: anonymous, retry: fast, fetch });
    const err = await caught(client.repository('127.0.0.1:1/x').getBlob(`sha256:${'0'.repeat(64)}`));
    expect(err.code).toBe('REGISTRY_DIGEST_MISMATCH');
  });

  it('an abort during a backoff wait ends it with the signal reason', async () => {
    let requests = 0;
    const fetch = fakeFetch(() => {
      requests++;
      return new Response('', { status: 503 });
    });
    // A backoff of an hour: only the abort can end the wait before the test's timeout.
    const client = new RegistryClient({
      credentials: anonymous,
      retry: { attempts: 10, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
      fetch,
    });
    const ac = new AbortController();
    const p = client.repository('127.0.0.1:1/x').getManifest('v1', ac.signal);
    setTimeout(() => ac.abort(new Error('stop now')), 50);
    await expect(p).rejects.toThrow('stop now');
    expect(requests).toBe(1);
  });

  it('a registry that accepts the connection and never answers times out, retried, then exit 1', async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new RegistryClient({ credentials: anonymous, retry: fast, requestTimeoutMs: 100 });
      const err = await caught(client.repository(`127.0.0.1:${port}/x`).getManifest('v1'));
      expect(err.code).toBe('REGISTRY_UNREACHABLE');
      expect(err.message).toBe(
        `registry 127.0.0.1:${port} did not answer in time while reading 127.0.0.1:${port}/x:v1; gave up after 3 attempts`,
      );
      expect(client.stats.requests).toBe(3);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('retry notices carry no secret either', async () => {
    let n = 0;
    const logs: string[] = [];
    const fetch = fakeFetch(({ url }) => {
      if (url.pathname === '/v2/') return json(401, {}, { 'WWW-Authenticate': 'Basic realm="x"' });
      n++;
      if (n === 1)
        return json(503, { errors: [{ code: 'UNAVAILABLE', message: `no backend for ${password}` }] });
      return new Response('{"schemaVersion":2,"manifests":[]}', { status: 200 });
    });
    const client = new RegistryClient({
      credentials: staticCredentials(creds),
      retry: fast,
      fetch,
      log: (l) => logs.push(l),
    });
    expect((await client.repository('127.0.0.1:1/x').getManifest('v1')).mediaType).toBe(
      'application/vnd.oci.image.index.v1+json',
    );
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('no backend for ***');
  });

  it('a blob download cut halfway is retried', async () => {
    const content = new TextEncoder().encode('the whole blob');
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    let n = 0;
    const fetch = fakeFetch(({ url }) => {
      if (url.pathname === '/v2/') return json(200, {});
      n++;
      if (n > 1) return new Response(content);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(content.subarray(0, 4));
          controller.error(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }));
        },
      });
      return new Response(body);
    });
    const client = new RegistryClient({ credentials: anonymous, retry: fast, fetch });
    const bytes = await client.repository('127.0.0.1:1/x').getBlob(digest, undefined, content.byteLength);
    expect(Buffer.from(bytes).toString()).toBe('the whole blob');
    expect(client.stats.retries).toBe(1);
  });

  it('merges scopes per repository', () => {
    expect(
      mergeScopes(['repository:a:pull,push', 'repository:b:pull', 'repository:a:pull', 'registry:catalog:*']),
    ).toEqual(['repository:a:pull,push', 'repository:b:pull', 'registry:catalog:*']);
  });

  it('bad input never reaches the network', () => {
    const client = new RegistryClient({ credentials: anonymous });
    expect(() => client.repository('Not A Ref')).toThrow(VcError);
    expect(() => client.repository('127.0.0.1:1/x', { push: true, mountFrom: 'ghcr.io/other/x' })).toThrow(
      'cannot mount blobs from ghcr.io/other/x into 127.0.0.1:1/x: mounts work within one registry',
    );
  });
});
