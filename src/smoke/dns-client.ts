// A minimal DNS client for the smoke cases: one question over UDP or TCP to 127.0.0.1:PORT. The wire
// format is dns-packet's; this file only moves bytes and reduces a reply to rcode + answer data.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsAnswer, QuestionType, Transport } from './cases.js';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export interface DnsQuery {
  port: number;
  name: string;
  type: QuestionType;
  transport: Transport;
  /** per attempt */
  timeoutMs: number;
  /** UDP attempts (TCP: one) */
  attempts?: number;
  signal?: AbortSignal;
}

export class DnsTimeout extends Error {}

let nextId = Math.floor(Math.random() * 0xffff);

function encodeQuery(name: string, type: QuestionType): { id: number; packet: dnsPacket.Packet } {
  nextId = (nextId + 1) & 0xffff;
  return {
    id: nextId,
    packet: {
      type: 'query',
      id: nextId,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
    },
  };
}

/** rcode and the sorted data of the answers of the asked type (names without the final dot, lower case). */
export function reduceReply(reply: dnsPacket.DecodedPacket, type: QuestionType): DnsAnswer {
  const rcode = RCODES[(reply.flags ?? 0) & 0xf] ?? `RCODE${(reply.flags ?? 0) & 0xf}`;
  const data = (reply.answers ?? [])
    .filter((a): a is dnsPacket.StringAnswer => a.type === type)
    .map((a) => a.data.toLowerCase().replace(/\.$/, ''))
    .sort();
  return { rcode, data };
}

function matches(reply: dnsPacket.DecodedPacket, id: number, name: string, type: QuestionType): boolean {
  const q = reply.questions?.[0];
  return (
    reply.type === 'response' &&
    reply.id === id &&
    q !== undefined &&
    q.type === type &&
    q.name.toLowerCase().replace(/\.$/, '') === name.toLowerCase().replace(/\.$/, '')
  );
}

function once(q: DnsQuery): Promise<DnsAnswer> {
  const { id, packet } = encodeQuery(q.name, q.type);
  return new Promise<DnsAnswer>((resolve, reject) => {
    let settle: (() => void) | null = null;
    const timer = setTimeout(() => done(new DnsTimeout(`no reply within ${q.timeoutMs} ms`)), q.timeoutMs);
    const onAbort = () => done(new Error('aborted'));
    q.signal?.addEventListener('abort', onAbort, { once: true });
    function done(err: Error | null, value?: DnsAnswer) {
      clearTimeout(timer);
      q.signal?.removeEventListener('abort', onAbort);
      settle?.();
      settle = null;
      if (err) reject(err);
      else resolve(value as DnsAnswer);
    }
    if (q.signal?.aborted) return done(new Error('aborted'));

    if (q.transport === 'udp') {
      const socket = createSocket('udp4');
      settle = () => socket.close();
      socket.on('error', (e) => done(e));
      socket.on('message', (msg) => {
        let reply: dnsPacket.DecodedPacket;
        try {
          reply = dnsPacket.decode(msg);
        } catch {
          return; // not a DNS message: keep waiting
        }
        if (matches(reply, id, q.name, q.type)) done(null, reduceReply(reply, q.type));
      });
      socket.send(dnsPacket.encode(packet), q.port, '127.0.0.1', (e) => {
        if (e) done(e);
      });
      return;
    }

    const socket = connect({ host: '127.0.0.1', port: q.port });
    settle = () => socket.destroy();
    let buffered = Buffer.alloc(0);
    socket.on('error', (e) => done(e));
    socket.on('connect', () => socket.write(dnsPacket.streamEncode(packet)));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const length = buffered.readUInt16BE(0);
      if (buffered.length < 2 + length) return;
      try {
        const reply = dnsPacket.decode(buffered.subarray(2, 2 + length));
        if (matches(reply, id, q.name, q.type)) done(null, reduceReply(reply, q.type));
        else done(new Error('the TCP reply does not answer the question'));
      } catch (e) {
        done(new Error(`undecodable TCP reply: ${(e as Error).message}`));
      }
    });
    socket.on('end', () => done(new Error('the server closed the TCP connection without a reply')));
  });
}

/** Asks one question; UDP retries on timeout. Rejects with the last error when no reply came. */
export async function queryDns(q: DnsQuery): Promise<DnsAnswer> {
  const attempts = q.transport === 'udp' ? Math.max(1, q.attempts ?? 2) : 1;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await once(q);
    } catch (e) {
      last = e;
      if (!(e instanceof DnsTimeout) || q.signal?.aborted) break;
    }
  }
  throw last;
}
