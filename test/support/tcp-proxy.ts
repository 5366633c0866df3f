import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server, for fault tests. It reads just enough HTTP/1.1 to
 * know where each request body starts (Content-Length; a chunked body counts to the end of the
 * connection) and, once told to cutAfter(n), resets every connection whose request body passes n bytes:
 * uploads die midway while small requests (HEAD, POST, manifests under n bytes) go through.
 */
export interface TcpProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  cutAfter(bodyBytes: number): void;
  heal(): void;
  /** connections cut so far */
  readonly cuts: number;
  stop(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let limit: number | undefined;
  let cuts = 0;
  const sockets = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = createConnection({ host: target.host, port: target.port });
    sockets.add(client);
    sockets.add(upstream);
    let headers = Buffer.alloc(0);
    let inBody = false;
    let remaining = 0;
    let seen = 0;
    let dead = false;
    const cut = () => {
      dead = true;
      cuts++;
      client.resetAndDestroy();
      upstream.destroy();
    };
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('data', (chunk: Buffer) => {
      let buf = chunk;
      while (buf.length > 0 && !dead) {
        if (!inBody) {
          const before = headers.length;
          headers = Buffer.concat([headers, buf]);
          const end = headers.indexOf(HEADER_END);
          if (end < 0) {
            upstream.write(buf);
            return;
          }
          const used = end + HEADER_END.length - before;
          upstream.write(buf.subarray(0, used));
          const head = headers.subarray(0, end).toString('latin1');
          const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
          remaining = chunked ? Number.POSITIVE_INFINITY : cl ? Number(cl[1]) : 0;
          seen = 0;
          inBody = remaining > 0;
          headers = Buffer.alloc(0);
          buf = buf.subarray(used);
        } else {
          const take = Math.min(buf.length, remaining);
          if (limit !== undefined && seen + take > limit) {
            upstream.write(buf.subarray(0, Math.max(0, limit - seen)));
            cut();
            return;
          }
          upstream.write(buf.subarray(0, take));
          seen += take;
          remaining -= take;
          buf = buf.subarray(take);
          if (remaining === 0) inBody = false;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    port,
    cutAfter(n) {
      limit = n;
    },
    heal() {
      limit = undefined;
    },
    get cuts() {
      return cuts;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
