import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrySink } from '../../src/publish/registry.js';
import { anonymous, dockerCredentials, RegistryClient } from '../../src/registry/index.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';
import { makeTestIndex, sha256 } from '../support/test-image.js';
import { caught, credentialHelper, dockerConfig, expectNoSecret, fast, rendered } from './helpers.js';

let reg: TestRegistry;
const dirs: string[] = [];
const track = (d: string) => {
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  reg = await startRegistry({ auth: 'htpasswd' });
});

afterAll(async () => {
  await reg?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function pushWith(env: NodeJS.ProcessEnv, repo: string): Promise<RegistryClient> {
  const client = new RegistryClient({ credentials: dockerCredentials({ env }), retry: fast });
  const index = makeTestIndex();
  const published = await registrySink(`${reg.host}/${repo}`, client).write(index, 'v1.9.3');
  expect(published.digest).toBe(index.digest);
  const raw = await skopeo(['inspect', '--raw', `docker://${reg.host}/${repo}:v1.9.3`], {
    creds: `${reg.username}:${reg.password}`,
  });
  expect(raw.exitCode, raw.stderr).toBe(0);
  expect(sha256(Buffer.from(raw.stdout))).toBe(index.digest);
  return client;
}

describe('basic auth (htpasswd)', () => {
  it('pushes with VC_COREDNS_REGISTRY_USERNAME/_PASSWORD, which win over the Docker config', async () => {
    const config = track(
      await dockerConfig({ auths: { [reg.host]: { auth: b64(`${reg.username}:wrong`) } } }),
    );
    await pushWith(
      {
        DOCKER_CONFIG: config,
        VC_COREDNS_REGISTRY_USERNAME: reg.username,
        VC_COREDNS_REGISTRY_PASSWORD: reg.password,
      },
      'from-env',
    );
  });

  it('pushes with an `auths` entry of $DOCKER_CONFIG/config.json (base64 auth, or username/password)', async () => {
    const config = track(
      await dockerConfig({
        auths: { [`http://${reg.host}/v2/`]: { auth: b64(`${reg.username}:${reg.password}`) } },
      }),
    );
    await pushWith({ DOCKER_CONFIG: config }, 'from-config');
    const plain = track(
      await dockerConfig({ auths: { [reg.host]: { username: reg.username, password: reg.password } } }),
    );
    await pushWith({ DOCKER_CONFIG: plain }, 'from-config-plain');
  });

  it('pushes with a credsStore helper, and with credHelpers for this registry', async () => {
    const helper = await credentialHelper('test', reg.host, reg.username, reg.password);
    track(helper.bin);
    const PATH = `${helper.bin}:${process.env.PATH ?? ''}`;
    const store = track(await dockerConfig({ credsStore: 'test', auths: { [reg.host]: {} } }));
    await pushWith({ DOCKER_CONFIG: store, PATH }, 'from-store');
    expect((await readFile(helper.asked, 'utf8')).trim().split('\n')).toEqual([reg.host]);

    const helpers = track(
      await dockerConfig({ credsStore: 'missing-helper', credHelpers: { [reg.host]: 'test' } }),
    );
    await pushWith({ DOCKER_CONFIG: helpers, PATH }, 'from-helper');
  });

  it('a missing credential helper is an auth error that names it', async () => {
    const config = track(await dockerConfig({ credsStore: 'vc-nowhere' }));
    const client = new RegistryClient({
      credentials: dockerCredentials({ env: { DOCKER_CONFIG: config, PATH: '/nonexistent' } }),
      retry: fast,
    });
    const err = await caught(registrySink(`${reg.host}/x`, client).write(makeTestIndex(), 'v1'));
    expect(err.code).toBe('REGISTRY_AUTH');
    expect(err.message).toBe(
      'the Docker credential helper docker-credential-vc-nowhere was not found on PATH',
    );
  });

  it('a wrong password fails with exit 1 naming the registry, and no form of the password is printed', async () => {
    const password = `${reg.password}-not`;
    for (const env of [
      {
        VC_COREDNS_REGISTRY_USERNAME: reg.username,
        VC_COREDNS_REGISTRY_PASSWORD: password,
        DOCKER_CONFIG: '/nonexistent',
      },
      {
        DOCKER_CONFIG: track(
          await dockerConfig({ auths: { [reg.host]: { auth: b64(`${reg.username}:${password}`) } } }),
        ),
      },
    ]) {
      const client = new RegistryClient({ credentials: dockerCredentials({ env }), retry: fast });
      const err = await caught(registrySink(`${reg.host}/denied`, client).write(makeTestIndex(), 'v1'));
      expect(err.exitCode).toBe(1);
      expect(err.code).toBe('REGISTRY_AUTH');
      expect(err.message).toMatch(
        new RegExp(
          `^authentication to registry ${reg.host.replaceAll('.', '\\.')} failed while pushing blob sha256:\\w+ to ${reg.host.replaceAll('.', '\\.')}/denied \\(401 Unauthorized[^)]*\\)$`,
        ),
      );
      expect(err.hint).toBe(
        `check the credentials for ${reg.host}: run \`docker login ${reg.host}\`, or set VC_COREDNS_REGISTRY_USERNAME and VC_COREDNS_REGISTRY_PASSWORD`,
      );
      expectNoSecret(rendered(err), reg.username, password);
    }
    expect(
      await new RegistryClient({ credentials: anonymous })
        .repository(`${reg.host}/denied`)
        .blobExists(sha256(new Uint8Array()))
        .catch((e: Error) => e.message),
    ).toMatch(/^authentication to registry/);
  });

  it('no credentials at all: exit 1 with the login hint', async () => {
    const client = new RegistryClient({ credentials: anonymous, retry: fast });
    const err = await caught(registrySink(`${reg.host}/anon`, client).write(makeTestIndex(), 'v1'));
    expect(err.code).toBe('REGISTRY_AUTH');
    expect(err.message).toContain(`registry ${reg.host}`);
    expect(err.hint).toContain(`docker login ${reg.host}`);
  });
});
