// How an endpoint becomes dockerode's options: every field explicit (docker-modem would otherwise read
// DOCKER_HOST and DOCKER_CERT_PATH from process.env itself), TLS for tcp:// as DOCKER_TLS_VERIFY or the
// context's TLS files say, and a clear refusal for what vc-coredns cannot reach.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dockerodeOptions } from '../../src/publish/daemon.js';
import { resolveDockerEndpoint } from '../../src/publish/docker-endpoint.js';
import { thrown } from '../support/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vc-endpoint-'));
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(dir, f), `${f} bytes`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('unix:// is a socket path; tcp:// is plain on 2375 unless TLS is asked for', () => {
  expect(
    dockerodeOptions({ host: 'unix:///run/user/1000/docker.sock', source: 'x', headers: { A: 'b' } }),
  ).toEqual({
    socketPath: '/run/user/1000/docker.sock',
    host: undefined,
    protocol: 'http',
    headers: { A: 'b' },
    ca: undefined,
    cert: undefined,
    key: undefined,
  });
  expect(dockerodeOptions({ host: 'tcp://10.0.0.5', source: 'x', headers: {} })).toMatchObject({
    host: '10.0.0.5',
    port: '2375',
    protocol: 'http',
  });
});

it('DOCKER_TLS_VERIFY reads ca/cert/key from DOCKER_CERT_PATH and speaks https on 2376', async () => {
  const ep = await resolveDockerEndpoint({
    DOCKER_CONFIG: join(dir, 'none'),
    DOCKER_HOST: 'tcp://docker.example:2376',
    DOCKER_TLS_VERIFY: '1',
    DOCKER_CERT_PATH: dir,
  });
  const opts = dockerodeOptions(ep);
  expect(opts).toMatchObject({ host: 'docker.example', port: '2376', protocol: 'https' });
  expect(String(opts.ca)).toBe('ca.pem bytes');
  expect(String(opts.key)).toBe('key.pem bytes');
  expect((opts as { agent?: unknown }).agent).toBeUndefined();
  // DOCKER_TLS alone: TLS, certificates unchecked (as the docker CLI's --tls without --tlsverify)
  const loose = dockerodeOptions(
    await resolveDockerEndpoint({
      DOCKER_CONFIG: join(dir, 'none'),
      DOCKER_HOST: 'tcp://h:2376',
      DOCKER_TLS: '1',
    }),
  ) as { agent?: Agent };
  expect(loose.agent).toBeInstanceOf(Agent);
  expect(loose.agent?.options.rejectUnauthorized).toBe(false);
});

it('ssh:// and npipe:// are refused as bad input with a way around', () => {
  const e = thrown(() =>
    dockerodeOptions({ host: 'ssh://me@build-host', source: 'DOCKER_HOST', headers: {} }),
  );
  expect([e.exitCode, e.message]).toEqual([
    2,
    'the Docker endpoint ssh://***@build-host (from DOCKER_HOST) is not one vc-coredns can reach',
  ]);
  expect(e.hint).toContain('DOCKER_HOST=unix:///tmp/docker.sock');
  expect(
    thrown(() => dockerodeOptions({ host: 'npipe:////./pipe/docker', source: 'x', headers: {} })).hint,
  ).toBe('use a unix:// or tcp:// endpoint');
});
