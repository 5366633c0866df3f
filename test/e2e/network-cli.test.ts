// The CLI behind a proxy and with custom CAs, as users run it: the environment (HTTPS_PROXY, NO_PROXY,
// SSL_CERT_FILE, NODE_EXTRA_CA_CERTS) and the flags (--ca-file, --insecure-skip-tls-verify) read once
// by the CLI. One build is pushed to registry.invalid (a name only our proxy resolves) on a registry
// serving TLS with an openssl-made certificate; verify then reads it back under each trust setting.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../src/pipeline/build.js';
import { type CliResult, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { type ForwardProxy, startForwardProxy } from '../support/forward-proxy.js';
import { goEnv } from '../support/go-harness.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let proxy: ForwardProxy;
const password = `proxy-pw-${Math.random().toString(36).slice(2)}`;

/** Nothing the machine has set may decide these runs: every trust and proxy variable is ours. */
let base: Record<string, string | undefined>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-network-cli-'));
  [repo, registry] = await Promise.all([createFixtureRepo(join(work, 'repo')), startRegistry({ tls: true })]);
  proxy = await startForwardProxy({
    hosts: { 'registry.invalid': '127.0.0.1' },
    credentials: { username: 'builder', password },
  });
  base = {
    ...goEnv({
      VC_COREDNS_CACHE: join(work, 'cache'),
      DOCKER_CONFIG: join(work, 'docker-config'),
      CI: 'true',
    }),
    HTTPS_PROXY: proxy.urlWithCredentials,
    SSL_CERT_FILE: undefined,
    NODE_EXTRA_CA_CERTS: undefined,
    https_proxy: undefined,
    http_proxy: undefined,
    HTTP_PROXY: undefined,
    all_proxy: undefined,
    ALL_PROXY: undefined,
    no_proxy: undefined,
    NO_PROXY: undefined,
  };
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

const image = () => `registry.invalid:${registry.port}/coredns`;
const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  vc(args, { env: { ...base, ...env } });
/** `build` of the fixture's v1.9.3 pushed to registry.invalid. */
const buildPush = (more: string[], env: Record<string, string | undefined> = {}) =>
  run(['build', '--repo', repo.url, '--version', 'v1.9.3', '--push', image(), ...more], env);
const noSecret = (r: CliResult) => {
  for (const text of [r.stdout, r.stderr]) {
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(`builder:${password}`).toString('base64'));
  }
};

describe('a registry behind a proxy, with its own CA', () => {
  it('build --push goes through the proxy (CONNECT registry.invalid) and trusts --ca-file', async () => {
    const before = proxy.log.length;
    const r = await buildPush([
      '--platforms',
      'linux/amd64',
      '--ca-file',
      registry.caFile as string,
      '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = json<BuildSummary>(r);
    expect(s.builds.map((b) => b.refs)).toEqual([[`${image()}:v1.9.3@${s.builds[0]?.digest}`]]);
    const seen = proxy.log.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(
      seen.every((l) => l.method === 'CONNECT' && l.target === `registry.invalid:${registry.port}`),
    ).toBe(true);
    noSecret(r);
  });

  it('verify trusts the CA from NODE_EXTRA_CA_CERTS, from SSL_CERT_FILE, or checks nothing with --insecure-skip-tls-verify', async () => {
    const ref = `${image()}:v1.9.3`;
    for (const [env, flags] of [
      [{ NODE_EXTRA_CA_CERTS: registry.caFile }, []],
      [{ SSL_CERT_FILE: registry.caFile }, []],
      [{}, ['--insecure-skip-tls-verify']],
    ] as [Record<string, string>, string[]][]) {
      const r = await run(['verify', ref, ...flags], env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('linux/amd64');
      noSecret(r);
      if (flags.length)
        expect(r.stderr).toContain(
          'warning: --insecure-skip-tls-verify: registry certificates are not checked',
        );
    }
  });

  it('without a way to trust the CA, verify fails on the certificate and says how to trust it', async () => {
    const r = await run(['verify', `${image()}:v1.9.3`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: TLS connection to registry registry\\.invalid:${registry.port} failed while .* \\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\)$`,
        'm',
      ),
    );
    expect(r.stderr).toContain(
      'hint: trust its CA with --ca-file <ca.pem> (or SSL_CERT_FILE / NODE_EXTRA_CA_CERTS), or pass --insecure-skip-tls-verify to not check certificates',
    );
    noSecret(r);
  });

  it('NO_PROXY naming the registry sends it directly, where registry.invalid does not resolve', async () => {
    const before = proxy.log.length;
    const r = await run(['verify', `${image()}:v1.9.3`, '--ca-file', registry.caFile as string], {
      NO_PROXY: 'registry.invalid',
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot resolve registry host registry\.invalid:\d+ .*\(ENOTFOUND\)$/m);
    expect(proxy.log.slice(before)).toEqual([]);
  });

  it('a wrong proxy password is a 407 that names the proxy without its credentials', async () => {
    const wrong = `${password}-wrong`;
    const r = await run(['verify', `${image()}:v1.9.3`, '--ca-file', registry.caFile as string], {
      HTTPS_PROXY: `http://builder:${wrong}@127.0.0.1:${proxy.port}`,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `error: the proxy http://***@127.0.0.1:${proxy.port} (HTTPS_PROXY) answered 407 Proxy Authentication Required`,
    );
    expect(r.stderr).not.toContain(wrong);
  });

  it('a bad --ca-file or proxy variable is bad input (exit 2) before anything is cloned', async () => {
    const missing = join(work, 'missing.pem');
    const r = await run([
      'build',
      '--repo',
      repo.url,
      '--version',
      'v1.9.3',
      '--push',
      image(),
      '--ca-file',
      missing,
    ]);
    expect([r.exitCode, r.stderr.trim().split('\n')]).toEqual([
      2,
      [
        `error: --ca-file ${missing} cannot be read (ENOENT)`,
        'hint: name a PEM file with the CA certificates to trust',
      ],
    ]);
    const p = await buildPush([], { HTTPS_PROXY: `gopher://builder:${password}@proxy:70` });
    // two lines and nothing else: no "resolving against" line, nothing cloned
    expect([p.exitCode, p.stderr.trim().split('\n')]).toEqual([
      2,
      [
        'error: HTTPS_PROXY is not a proxy URL',
        'hint: write it as http://host:port, with user:password@ before the host if the proxy asks (https:// and socks5:// proxies work too)',
      ],
    ]);
    noSecret(p);
  });
});
