import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A bearer token endpoint for Debian's docker-registry (distribution 2.8) in `auth.token` mode:
 * checks basic credentials (or a refresh token), then issues an RS256 JWT with the `access` claims the
 * scopes ask for. distribution trusts a token whose `kid` header is the libtrust key ID of a key in its
 * rootcertbundle, so that is what the header carries.
 */
export interface TokenServerOptions {
  keyPem: string;
  certPem: string;
  issuer: string;
  service: string;
  username: string;
  password: string;
  /** an identity token (docker's `identitytoken`) accepted with grant_type=refresh_token */
  refreshToken?: string;
  ttlSeconds?: number;
}

export interface TokenRequest {
  method: string;
  account: string | null;
  grant: 'basic' | 'refresh_token' | 'password' | 'anonymous' | 'denied';
  scopes: string[];
}

export interface TokenServer {
  /** the realm: http://127.0.0.1:PORT/token */
  realm: string;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** libtrust's key ID: base32 of the first 240 bits of SHA-256(DER SubjectPublicKeyInfo), 4-char groups. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const b32 = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return (b32.match(/.{4}/g) ?? []).join(':');
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** `repository:name:pull,push` -> access entries (every action granted to a known user). */
function accessFor(scopes: string[]): { type: string; name: string; actions: string[] }[] {
  const out: { type: string; name: string; actions: string[] }[] = [];
  for (const scope of scopes) {
    const parts = scope.split(':');
    if (parts.length < 3) continue;
    const actions = (parts.pop() ?? '').split(',').filter(Boolean);
    const type = parts.shift() ?? '';
    out.push({ type, name: parts.join(':'), actions });
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(opts.keyPem);
  const kid = libtrustKeyId(createPublicKey(opts.certPem));
  const ttl = opts.ttlSeconds ?? 300;
  const requests: TokenRequest[] = [];

  const issue = (account: string, scopes: string[], service: string, grant: boolean): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', kid };
    const claims = {
      iss: opts.issuer,
      sub: account,
      aud: service,
      exp: now + ttl,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access: grant ? accessFor(scopes) : [],
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  };

  const deny = (res: ServerResponse) => {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/token') {
        res.writeHead(404).end();
        return;
      }
      let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
      let service = url.searchParams.get('service') ?? opts.service;
      let account: string | null = url.searchParams.get('account');
      let grant: TokenRequest['grant'];
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        service = form.get('service') ?? service;
        const type = form.get('grant_type');
        if (
          type === 'refresh_token' &&
          opts.refreshToken &&
          form.get('refresh_token') === opts.refreshToken
        ) {
          grant = 'refresh_token';
          account = opts.username;
        } else if (
          type === 'password' &&
          form.get('username') === opts.username &&
          form.get('password') === opts.password
        ) {
          grant = 'password';
          account = opts.username;
        } else grant = 'denied';
      } else {
        const auth = req.headers.authorization;
        if (!auth) grant = 'anonymous';
        else {
          const m = /^Basic\s+(\S+)$/i.exec(auth);
          const decoded = m ? Buffer.from(m[1] ?? '', 'base64').toString('utf8') : '';
          grant = decoded === `${opts.username}:${opts.password}` ? 'basic' : 'denied';
          if (grant === 'basic') account = opts.username;
        }
      }
      requests.push({ method: req.method ?? 'GET', account, grant, scopes });
      if (grant === 'denied') return deny(res);
      const token = issue(account ?? '', scopes, service, grant !== 'anonymous');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({ token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() }),
      );
    })().catch(() => {
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
