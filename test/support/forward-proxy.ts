// A forward proxy of our own on 127.0.0.1, as corporate networks have them: CONNECT tunnels for https
// and absolute-URI requests for plain http, optionally behind basic proxy auth. It alone knows the
// made-up host names it is given (`registry.invalid:PORT` -> 127.0.0.1:PORT of a test registry), so a
// client that ignores the proxy cannot resolve them. Every request is logged for the tests to read.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ProxyLogEntry {
  method: string;
  /** `host:port` of a CONNECT, the absolute URL of a forwarded request */
  target: string;
  /** the request carried the right Proxy-Authorization (or the proxy wants none) */
  authorized: boolean;
}

export interface ForwardProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** `http://user:password@127.0.0.1:PORT` when credentials were asked for */
  urlWithCredentials: string;
  log: ProxyLogEntry[];
  stop(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Host names only this proxy resolves: `registry.invalid` -> `127.0.0.1`. */
  hosts?: Record<string, string>;
  /** Basic proxy auth: requests without these credentials get 407. */
  credentials?: { username: string; password: string };
}

export async function startForwardProxy(opts: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const hosts = opts.hosts ?? {};
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const expected = opts.credentials
    ? `Basic ${Buffer.from(`${opts.credentials.username}:${opts.credentials.password}`).toString('base64')}`
    : undefined;
  const resolveHost = (host: string) => hosts[host.toLowerCase()] ?? host;
  const authorized = (req: IncomingMessage) =>
    expected === undefined || req.headers['proxy-authorization'] === expected;

  const server: Server = createServer((req, res) => {
    // Plain http through the proxy: the request line carries the absolute URL.
    const target = req.url ?? '';
    const ok = authorized(req);
    log.push({ method: req.method ?? '', target, authorized: ok });
    if (!ok) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="vc-test-proxy"' }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      res.writeHead(400).end('not a proxy request');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(
      {
        host: resolveHost(url.hostname),
        port: url.port || 80,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('bad gateway');
      else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const ok = authorized(req);
    log.push({ method: 'CONNECT', target, authorized: ok });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!ok) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="vc-test-proxy"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const i = target.lastIndexOf(':');
    const host = resolveHost(target.slice(0, i));
    const port = Number(target.slice(i + 1));
    const upstream = connect({ host, port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => {
      if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const creds = opts.credentials;
  return {
    url,
    port,
    urlWithCredentials: creds
      ? `http://${encodeURIComponent(creds.username)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}`
      : url,
    log,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
