// Docker credential helpers run for real (small shell scripts on PATH): one that hangs, and one whose
// child keeps our pipes open after it is gone. Each is stopped after VC_COREDNS_HELPER_TIMEOUT with
// everything it started, and the run fails (exit 1) naming the helper.

import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCredentials, helperTimeoutMs } from '../../src/registry/credentials.js';
import { runCli } from '../support/cli.js';
import { rejection, thrown } from '../support/errors.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let bin: string;
let registry: TestRegistry;

async function helper(name: string, body: string): Promise<void> {
  const file = join(bin, `docker-credential-${name}`);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

async function configFor(store: string): Promise<string> {
  const dir = join(work, `config-${store}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: store }));
  return dir;
}

/** Whether pid still runs (a zombie waiting for its new parent to reap it runs nothing). */
async function running(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat === '' || /^\d+ \(.*\) Z/.test(stat)) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-cred-helper-'));
  bin = join(work, 'bin');
  await mkdir(bin);
  // hangs: `sleep` is a child of the shell and holds stdout open even when the shell is killed
  await helper('hang', `echo $$ > "${work}/hang.pid"; sleep 600 & echo $! > "${work}/hang-child.pid"; wait`);
  await helper('ok', 'cat >/dev/null; echo \'{"Username":"u","Secret":"p"}\'');
  registry = await startRegistry({ auth: 'htpasswd' });
});
afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('credential helper timeout', () => {
  it('VC_COREDNS_HELPER_TIMEOUT: 30 s by default, seconds when given, bad values are bad input', () => {
    expect(helperTimeoutMs({})).toBe(30_000);
    expect(helperTimeoutMs({ VC_COREDNS_HELPER_TIMEOUT: '1.5' })).toBe(1500);
    for (const bad of ['0', '-1', 'abc', '1e9']) {
      const e = thrown(() => helperTimeoutMs({ VC_COREDNS_HELPER_TIMEOUT: bad }));
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('VC_COREDNS_HELPER_TIMEOUT must be a number of seconds');
    }
  });

  it('a hanging helper is stopped with its children, and the lookup fails naming it', async () => {
    const env = {
      DOCKER_CONFIG: await configFor('hang'),
      PATH: `${bin}:/usr/bin:/bin`,
      VC_COREDNS_HELPER_TIMEOUT: '1',
    };
    const e = await rejection(dockerCredentials({ env })('127.0.0.1:5999'));
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'the Docker credential helper docker-credential-hang did not answer for 127.0.0.1:5999 within 1 s',
    );
    expect(e.hint).toContain('VC_COREDNS_HELPER_TIMEOUT=SECONDS waits longer');
    for (const f of ['hang.pid', 'hang-child.pid']) {
      const pid = Number(await readFile(join(work, f), 'utf8'));
      expect(await running(pid), f).toBe(false);
    }
    // a helper that answers is unaffected
    const ok = { DOCKER_CONFIG: await configFor('ok'), PATH: `${bin}:/usr/bin:/bin` };
    expect(await dockerCredentials({ env: ok })('127.0.0.1:5999')).toEqual({ username: 'u', password: 'p' });
  });

  it('verify against a registry that asks for a login exits 1 naming the helper', async () => {
    const r = await runCli(['verify', `${registry.host}/coredns:v1.9.3`], {
      env: {
        DOCKER_CONFIG: await configFor('hang'),
        PATH: `${bin}:${process.env.PATH}`,
        VC_COREDNS_HELPER_TIMEOUT: '1',
      },
    });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      `error: the Docker credential helper docker-credential-hang did not answer for ${registry.host} within 1 s`,
    );
  });

  it('a bad VC_COREDNS_HELPER_TIMEOUT stops build before any network', async () => {
    const r = await runCli(['build', '--repo', 'file:///nonexistent', '--version', 'v1.9.3'], {
      env: { VC_COREDNS_HELPER_TIMEOUT: 'soon' },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: VC_COREDNS_HELPER_TIMEOUT must be a number of seconds (more than 0, at most 86400), not "soon"',
    );
  });
});
