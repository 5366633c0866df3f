// The registry client behind a proxy and with custom CAs: Debian's docker-registry serving TLS with a
// certificate made by openssl here, and a forward/CONNECT proxy of ours that alone resolves the made-up
// host registry.invalid (so only a request that really went through the proxy can succeed).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrySink } from '../../src/publish/registry.js';
import type { NetworkSettings } from '../../src/registry/http.js';
import { anonymous, RegistryClient } from '../../src/registry/index.js';
import { proxySettingsFromEnv } from '../../src/registry/proxy-env.js';
import { loadTrust } from '../../src/registry/trust.js';
import { rejection, thrown } from '../support/errors.js';
import { type ForwardProxy, startForwardProxy } from '../support/forward-proxy.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';
import { makeTestIndex } from '../support/test-image.js';
import { expectNoSecret, fast, rendered } from './helpers.js';

let work: string;
let tlsReg: TestRegistry;
let plainReg: TestRegistry;
let proxy: ForwardProxy;
const proxyUser = 'proxy-user';
const proxyPassword = `pp-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-network-'));
  [tlsReg, plainReg] = await Promise.all([startRegistry({ tls: true }), startRegistry()]);
  proxy = await startForwardProxy({
    hosts: { 'registry.invalid': '127.0.0.1', 'plain.invalid': '127.0.0.1' },
    credentials: { username: proxyUser, password: proxyPassword },
  });
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([tlsReg?.stop(), plainReg?.stop()]);
  await rm(work, { recursive: true, force: true });
});

/** A client with the network settings the CLI would make from this environment and these flags. */
async function client(
  env: NodeJS.ProcessEnv,
  trust: { caFiles?: string[]; skipVerify?: boolean; sslCertFile?: string } = {},
  insecure = false,
): Promise<RegistryClient> {
  const network: NetworkSettings = {
    proxy: proxySettingsFromEnv(env),
    tls: await loadTrust({ caFiles: trust.caFiles ?? [], skipVerify: Boolean(trust.skipVerify), ...trust }),
  };
  return new RegistryClient({ credentials: anonymous, retry: fast, insecure, network });
}

const ca = () => tlsReg.caFile as string;
const viaProxy = () => ({ HTTPS_PROXY: proxy.urlWithCredentials });

describe('proxy settings from the environment, as curl reads them', () => {
  it('takes lower case first, ALL_PROXY for a scheme without its own, http:// for a bare host:port', () => {
    expect(
      proxySettingsFromEnv({
        https_proxy: 'http://lower:3128',
        HTTPS_PROXY: 'http://upper:3128',
        ALL_PROXY: 'socks5://all:1080',
        NO_PROXY: 'example.com,10.0.0.0/8',
      }),
    ).toEqual({
      https: { url: 'http://lower:3128', from: 'https_proxy' },
      http: { url: 'socks5://all:1080', from: 'ALL_PROXY' },
      noProxy: 'example.com,10.0.0.0/8',
    });
    expect(proxySettingsFromEnv({ HTTP_PROXY: 'proxy.corp:8080', https_proxy: '' })).toEqual({
      http: { url: 'http://proxy.corp:8080', from: 'HTTP_PROXY' },
      noProxy: '',
    });
  });

  it('a proxy variable that is no URL is bad input, and the message does not quote it', () => {
    const e = thrown(() => proxySettingsFromEnv({ HTTPS_PROXY: `ftp://user:${proxyPassword}@proxy:21` }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('HTTPS_PROXY is not a proxy URL');
    expect(e.hint).toBe(
      'write it as http://host:port, with user:password@ before the host if the proxy asks (https:// and socks5:// proxies work too)',
    );
    expectNoSecret(rendered(e), 'user', proxyPassword);
  });
});

describe('TLS with custom CAs', () => {
  it('refuses the test CA by default (loopback tries https first), with a hint naming the ways to trust it', async () => {
    const c = await client({});
    const e = await rejection(registrySink(`${tlsReg.host}/untrusted`, c).write(makeTestIndex(), 'v1'));
    expect(e.code).toBe('REGISTRY_TLS');
    expect(e.message).toMatch(
      new RegExp(
        `^TLS connection to registry ${tlsReg.host} failed while .* \\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\)`,
      ),
    );
    expect(e.hint).toBe(
      'trust its CA with --ca-file <ca.pem> (or SSL_CERT_FILE / NODE_EXTRA_CA_CERTS), or pass --insecure-skip-tls-verify to not check certificates',
    );
  });

  it('pushes with --ca-file, with SSL_CERT_FILE as the whole trust store, and unchecked with --insecure-skip-tls-verify', async () => {
    const index = makeTestIndex();
    const cases: [string, Parameters<typeof client>[1]][] = [
      ['ca-file', { caFiles: [ca()] }],
      ['ssl-cert-file', { sslCertFile: ca() }],
      ['skip-verify', { skipVerify: true }],
    ];
    for (const [name, trust] of cases) {
      const c = await client({}, trust);
      await registrySink(`${tlsReg.host}/${name}`, c).write(index, 'v1');
      const r = await skopeo(['inspect', '--raw', `docker://${tlsReg.host}/${name}:v1`]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).manifests).toHaveLength(2);
    }
  });

  it('plain http on loopback still works: https is tried first and the registry answers in plain http', async () => {
    const c = await client({});
    await registrySink(`${plainReg.host}/loopback`, c).write(makeTestIndex(), 'v1');
    expect(c.stats.manifestsPut).toBe(3);
  });

  it('a CA file that is missing or holds no certificate is bad input', async () => {
    const empty = join(work, 'empty.pem');
    await writeFile(empty, 'not a certificate\n');
    const missing = await rejection(loadTrust({ caFiles: [join(work, 'nope.pem')], skipVerify: false }));
    expect([missing.exitCode, missing.message]).toEqual([
      2,
      `--ca-file ${join(work, 'nope.pem')} cannot be read (ENOENT)`,
    ]);
    const none = await rejection(loadTrust({ sslCertFile: empty, caFiles: [], skipVerify: false }));
    expect([none.exitCode, none.message]).toEqual([2, `SSL_CERT_FILE ${empty} holds no PEM certificate`]);
  });
});

describe('through a forward/CONNECT proxy', () => {
  it('pushes to registry.invalid over a CONNECT tunnel with proxy credentials; skopeo reads it back directly', async () => {
    const before = proxy.log.length;
    const c = await client(viaProxy(), { caFiles: [ca()] });
    const index = makeTestIndex();
    const host = `registry.invalid:${tlsReg.port}`;
    const published = await registrySink(`${host}/via-proxy`, c).write(index, 'v1');
    expect(published.refs).toEqual([`${host}/via-proxy:v1@${index.digest}`]);
    const seen = proxy.log.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((l) => l.method === 'CONNECT' && l.target === host && l.authorized)).toBe(true);
    const r = await skopeo(['inspect', '--raw', `docker://${tlsReg.host}/via-proxy:v1`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).manifests).toHaveLength(2);
  });

  it('without the proxy registry.invalid cannot even be resolved', async () => {
    const c = await client({}, { caFiles: [ca()] });
    const e = await rejection(c.ping(`registry.invalid:${tlsReg.port}`));
    expect(e.code).toBe('REGISTRY_UNREACHABLE');
    expect(e.message).toBe(
      `cannot resolve registry host registry.invalid:${tlsReg.port} while contacting registry.invalid:${tlsReg.port} (ENOTFOUND)`,
    );
  });

  it('plain http (--insecure) goes to HTTP_PROXY as absolute-URI requests', async () => {
    const before = proxy.log.length;
    const c = await client({ http_proxy: proxy.urlWithCredentials }, {}, true);
    const host = `plain.invalid:${plainReg.port}`;
    await registrySink(`${host}/forwarded`, c).write(makeTestIndex(), 'v1');
    const seen = proxy.log.slice(before);
    expect(seen[0]).toEqual({ method: 'GET', target: `http://${host}/v2/`, authorized: true });
    expect(
      seen.some((l) => l.method === 'PUT' && l.target === `http://${host}/v2/forwarded/manifests/v1`),
    ).toBe(true);
  });

  it('NO_PROXY: a listed name, domain suffix or CIDR range is reached directly', async () => {
    const before = proxy.log.length;
    // 127.0.0.0/8 as a CIDR range: the push to 127.0.0.1 goes around the proxy...
    const direct = await client({ ...viaProxy(), NO_PROXY: '10.0.0.0/8, 127.0.0.0/8' }, { caFiles: [ca()] });
    await registrySink(`${tlsReg.host}/no-proxy`, direct).write(makeTestIndex(), 'v1');
    expect(proxy.log.slice(before)).toEqual([]);
    // ...while without NO_PROXY the same push goes through it,
    const proxied = await client(viaProxy(), { caFiles: [ca()] });
    await registrySink(`${tlsReg.host}/no-proxy`, proxied).write(makeTestIndex(), 'v2');
    expect(proxy.log.slice(before).some((l) => l.target === tlsReg.host)).toBe(true);
    // and `.invalid` sends registry.invalid directly, where nobody can resolve it.
    const after = proxy.log.length;
    const suffix = await client({ ...viaProxy(), no_proxy: '.invalid' }, { caFiles: [ca()] });
    const e = await rejection(suffix.ping(`registry.invalid:${tlsReg.port}`));
    expect(e.message).toMatch(/^cannot resolve registry host registry\.invalid:\d+ .*\(ENOTFOUND\)$/);
    expect(proxy.log.slice(after)).toEqual([]);
  });

  it('https never goes to http_proxy (curl sends https only to HTTPS_PROXY or ALL_PROXY)', async () => {
    const before = proxy.log.length;
    const c = await client({ http_proxy: proxy.urlWithCredentials }, { caFiles: [ca()] });
    await registrySink(`${tlsReg.host}/https-direct`, c).write(makeTestIndex(), 'v1');
    expect(proxy.log.slice(before)).toEqual([]);
  });

  it('a wrong proxy password fails with the 407 and never shows the password', async () => {
    const wrong = `wrong-${proxyPassword}`;
    const url = `http://${proxyUser}:${wrong}@127.0.0.1:${proxy.port}`;
    const c = await client({ HTTPS_PROXY: url }, { caFiles: [ca()] });
    const e = await rejection(
      registrySink(`registry.invalid:${tlsReg.port}/denied`, c).write(makeTestIndex(), 'v1'),
    );
    expect(e.code).toBe('REGISTRY_PROXY');
    expect(e.message).toMatch(
      new RegExp(
        `^the proxy http://\\*\\*\\*@127\\.0\\.0\\.1:${proxy.port} \\(HTTPS_PROXY\\) answered 407 Proxy Authentication Required to the request for registry registry\\.invalid:${tlsReg.port} while `,
      ),
    );
    expect(e.hint).toBe(
      'the proxy asks for a user and password: check those in HTTPS_PROXY (user:password@ before its host)',
    );
    expectNoSecret(rendered(e), proxyUser, wrong);
  });
});
