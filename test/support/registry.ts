import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { Agent, fetch as undiciFetch } from 'undici';
import { startTokenServer, type TokenServer } from './token-server.js';

export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

export type RegistryAuth = 'none' | 'htpasswd' | 'token';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT` (`https://` with tls) */
  url: string;
  auth: RegistryAuth;
  /** tls: the PEM of the CA that signed the registry's certificate (for 127.0.0.1, localhost, registry.invalid) */
  caFile?: string;
  username: string;
  password: string;
  /** token mode: the token endpoint (its request log too) */
  tokenServer?: TokenServer;
  /** an identity token the token server accepts (token mode) */
  refreshToken: string;
  dir: string;
  /** the registry's own log, for failing tests */
  log(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (closed again: a tiny race nobody else on the machine wins). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([
    new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))),
    sleep(ms).then(() => false),
  ]);
}

/**
 * Starts Debian's docker-registry (distribution 2.8) on 127.0.0.1 with temp storage: open, with
 * htpasswd basic auth, or with bearer tokens from a token server of our own (key and certificate made
 * by openssl here). Resolves once /v2/ answers.
 */
export async function startRegistry(
  opts: { auth?: RegistryAuth; tls?: boolean } = {},
): Promise<TestRegistry> {
  const auth = opts.auth ?? 'none';
  const dir = await mkdtemp(join(tmpdir(), 'vc-registry-'));
  const username = 'vc-user';
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const refreshToken = `rt-${randomBytes(12).toString('hex')}`;
  let tokenServer: TokenServer | undefined;
  let child: ChildProcess | undefined;
  const logFile = join(dir, 'registry.log');
  try {
    await mkdir(join(dir, 'storage'));
    let authYaml = '';
    if (auth === 'htpasswd') {
      const file = join(dir, 'htpasswd');
      await execa('htpasswd', ['-Bbc', file, username, password]);
      authYaml = `auth:\n  htpasswd:\n    realm: vc-test\n    path: ${file}\n`;
    } else if (auth === 'token') {
      const key = join(dir, 'token.key');
      const cert = join(dir, 'token.crt');
      await execa('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=vc-coredns test token issuer',
      ]);
      const service = 'vc-test-registry';
      const issuer = 'vc-test-issuer';
      tokenServer = await startTokenServer({
        keyPem: await readFile(key, 'utf8'),
        certPem: await readFile(cert, 'utf8'),
        issuer,
        service,
        username,
        password,
        refreshToken,
      });
      authYaml =
        `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${service}\n` +
        `    issuer: ${issuer}\n    rootcertbundle: ${cert}\n`;
    }
    const tls = opts.tls ? await makeServerCertificate(dir) : undefined;
    const tlsYaml = tls ? `  tls:\n    certificate: ${tls.cert}\n    key: ${tls.key}\n` : '';
    const port = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'storage')}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
${tlsYaml}${authYaml}`,
    );
    const fd = openSync(logFile, 'a');
    child = spawn(DOCKER_REGISTRY, ['serve', config], { stdio: ['ignore', fd, fd] });
    const started = child;
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    const dispatcher = tls ? new Agent({ connect: { ca: await readFile(tls.ca, 'utf8') } }) : undefined;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`docker-registry exited ${started.exitCode}`);
      const status = await undiciFetch(`${url}/v2/`, dispatcher ? { dispatcher } : {}).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200 || status === 401) break;
      if (Date.now() > deadline) throw new Error('docker-registry did not answer /v2/ within 20 s');
      await sleep(50);
    }
    await dispatcher?.close();
    const log = () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    };
    const stop = async () => {
      if (started.pid !== undefined && started.exitCode === null && started.signalCode === null) {
        process.kill(started.pid, 'SIGTERM');
        if (!(await waitForExit(started, 5000)) && started.exitCode === null)
          process.kill(started.pid, 'SIGKILL');
        await waitForExit(started, 5000);
      }
      await tokenServer?.stop();
      await rm(dir, { recursive: true, force: true });
    };
    return {
      host: `127.0.0.1:${port}`,
      port,
      url,
      auth,
      ...(tls ? { caFile: tls.ca } : {}),
      username,
      password,
      ...(tokenServer ? { tokenServer } : {}),
      refreshToken,
      dir,
      log,
      stop,
    };
  } catch (e) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8');
    } catch {}
    if (child?.pid !== undefined && child.exitCode === null) {
      process.kill(child.pid, 'SIGKILL');
      await waitForExit(child, 5000);
    }
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot start docker-registry (${auth}): ${(e as Error).message}\n${log.slice(-2000)}`);
  }
}

/**
 * A CA and a server certificate it signed for 127.0.0.1, localhost and registry.invalid (the made-up
 * host the proxy tests reach through a proxy), made by openssl in dir.
 */
export async function makeServerCertificate(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await execa('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=vc-coredns test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await execa('openssl', [
    'req',
    ...ec,
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=registry.invalid',
  ]);
  await writeFile(
    f('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:registry.invalid\nextendedKeyUsage=serverAuth\n',
  );
  await execa('openssl', [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
  ]);
  return { ca: f('ca.pem'), cert: f('server.crt'), key: f('server.key') };
}

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** skopeo, the independent client: TLS off (plain http on 127.0.0.1). */
export async function skopeo(args: string[], opts: { creds?: string } = {}): Promise<ToolResult> {
  const [sub, ...rest] = args;
  const tls = sub === 'copy' ? ['--src-tls-verify=false', '--dest-tls-verify=false'] : ['--tls-verify=false'];
  const creds = opts.creds ? (sub === 'copy' ? ['--src-creds', opts.creds] : ['--creds', opts.creds]) : [];
  const r = await execa('skopeo', [sub ?? '', ...tls, ...creds, ...rest], {
    reject: false,
    env: { REGISTRY_AUTH_FILE: '/nonexistent/auth.json' },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
