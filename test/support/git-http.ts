// A git smart-HTTP server on 127.0.0.1 for tests: git's own `git http-backend` (CGI) behind a small
// node:http front that demands basic auth, so a URL's user and password are really sent and used.

import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';

export interface GitHttpServer {
  /** `http://USER:PASSWORD@127.0.0.1:PORT/NAME` */
  url: string;
  /** requests that came with the right credentials / without them */
  authorized: number;
  refused: number;
  stop(): Promise<void>;
}

/** Parses a CGI response (headers, blank line, body) into status, headers and body. */
function sendCgi(res: ServerResponse, out: Buffer): void {
  let split = out.indexOf('\r\n\r\n');
  let gap = 4;
  if (split < 0) {
    split = out.indexOf('\n\n');
    gap = 2;
  }
  const head = out.subarray(0, Math.max(split, 0)).toString('latin1');
  const body = split < 0 ? out : out.subarray(split + gap);
  let status = 200;
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else res.setHeader(name, value);
  }
  res.statusCode = status;
  res.end(body);
}

/** Serves the repository at `repoDir` (a work tree or bare repo) as /NAME, for USER:PASSWORD only. */
export async function startGitHttp(
  repoDir: string,
  opts: { name?: string; username: string; password: string },
): Promise<GitHttpServer> {
  const name = opts.name ?? 'coredns.git';
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  const state = { authorized: 0, refused: 0 };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== expected) {
      state.refused++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
      return;
    }
    state.authorized++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const prefix = `/${name}`;
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: dirname(repoDir),
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: `/${repoDir.split('/').pop()}${url.pathname.slice(prefix.length)}`,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        REMOTE_USER: opts.username,
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => res.writeHead(500).end());
    child.on('close', () => sendCgi(res, Buffer.concat(chunks)));
    req.pipe(child.stdin);
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.username}:${opts.password}@127.0.0.1:${port}/${name}`,
    get authorized() {
      return state.authorized;
    },
    get refused() {
      return state.refused;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
