import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpPort(): Promise<{ port: number; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A port of 127.0.0.1 that is free for both TCP and UDP right now (the caller binds it next). */
export async function freeDnsPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const tcp = await tcpPort();
    const ok = await udpFree(tcp.port);
    await tcp.close();
    if (ok) return tcp.port;
  }
  throw new Error('found no port of 127.0.0.1 free for both TCP and UDP in 20 tries');
}
