// One DNS exchange with one server over UDP or TCP, bounded by a timeout.
// A reply is accepted only if it comes from the server asked, carries our random ID and echoes
// our question; anything else is ignored (spoofed or stale datagrams), so it cannot poison a run.
import dgram from 'node:dgram';
import net from 'node:net';
import { decodeResponse, type DecodedResponse } from './wire.js';

/** A DNS server to query. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** Why an exchange produced no usable reply. */
export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
    readonly server: ServerAddress,
    /** The system error code (ECONNREFUSED, ENETUNREACH, ...) of a network failure. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** host:port with IPv6 bracketed, for messages. */
export function formatServer(server: ServerAddress): string {
  return net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/**
 * Whether a decoded reply answers exactly this query: our ID and our question. An error reply
 * without a question section (old servers answer EDNS with a bare FORMERR) is accepted on the
 * ID alone, as the CA's DNS library does, so it is reported rather than waited out.
 */
function answersQuery(reply: DecodedResponse, id: number, name: string, type: number): boolean {
  if (!reply.isResponse || reply.id !== id) return false;
  if (reply.question === null) return reply.rcode !== 0;
  return reply.question.type === type && reply.question.name.toLowerCase() === name.toLowerCase();
}

/**
 * Send a query over UDP from a fresh random port and wait for the matching reply. The socket is
 * connected, so a closed port comes back at once (ECONNREFUSED) instead of as a timeout, and the
 * kernel already drops datagrams from anyone but the server.
 */
export function exchangeUdp(
  server: ServerAddress,
  query: Buffer,
  match: { id: number; name: string; type: number },
  timeoutMs: number,
): Promise<DecodedResponse> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const finish = (fn: () => void): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.close();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new TransportError('timeout', `no reply within ${timeoutMs} ms (UDP)`, server))),
      timeoutMs,
    );
    socket.on('error', (err) => finish(() => reject(new TransportError('network', `UDP: ${err.message}`, server, errorCode(err)))));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port || !sameAddress(rinfo.address, server.host)) return;
      let reply: DecodedResponse;
      try {
        reply = decodeResponse(msg);
      } catch {
        return; // garbage is not an answer; keep waiting
      }
      if (answersQuery(reply, match.id, match.name, match.type)) finish(() => resolve(reply));
    });
    socket.connect(server.port, server.host, (err?: Error) => {
      if (err) {
        finish(() => reject(new TransportError('network', `UDP: ${err.message}`, server, errorCode(err))));
        return;
      }
      socket.send(query, (sendErr) => {
        if (sendErr) finish(() => reject(new TransportError('network', `UDP send: ${sendErr.message}`, server, errorCode(sendErr))));
      });
    });
  });
}

/** Send a query over TCP (RFC 7766 two-byte length framing) and read one matching reply. */
export function exchangeTcp(
  server: ServerAddress,
  query: Buffer,
  match: { id: number; name: string; type: number },
  timeoutMs: number,
): Promise<DecodedResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    const finish = (fn: () => void): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new TransportError('timeout', `no reply within ${timeoutMs} ms (TCP)`, server))),
      timeoutMs,
    );
    socket.on('error', (err) => finish(() => reject(new TransportError('network', `TCP: ${err.message}`, server, errorCode(err)))));
    socket.on('connect', () => {
      const framed = Buffer.alloc(query.length + 2);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2) {
        const length = received.readUInt16BE(0);
        if (received.length < 2 + length) return;
        const msg = received.subarray(2, 2 + length);
        received = received.subarray(2 + length);
        let reply: DecodedResponse;
        try {
          reply = decodeResponse(msg);
        } catch (err) {
          finish(() => reject(new TransportError('network', `TCP: undecodable reply (${(err as Error).message})`, server)));
          return;
        }
        if (answersQuery(reply, match.id, match.name, match.type)) {
          finish(() => resolve(reply));
          return;
        }
      }
    });
    socket.on('end', () =>
      finish(() => reject(new TransportError('network', 'TCP: connection closed before a reply', server, 'ECLOSED'))),
    );
  });
}

/** Compare addresses, allowing for IPv4-mapped IPv6 forms and zone ids. */
function sameAddress(a: string, b: string): boolean {
  const norm = (s: string): string => s.replace(/^::ffff:/i, '').replace(/%.*$/, '').toLowerCase();
  return norm(a) === norm(b);
}

function errorCode(err: Error): string | null {
  return (err as NodeJS.ErrnoException).code ?? null;
}
