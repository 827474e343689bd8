// One DNS exchange over TCP, bounded by a timeout, and what UDP shares with it (src/dns/udp-pool.ts).
// A reply is accepted only if it comes from the server asked, carries our random ID and echoes
// our question; anything else is ignored (spoofed or stale datagrams), so it cannot poison a run.
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
  // Not an IPv6 address without a colon: spares net.isIPv6's long pattern on every query.
  return server.host.includes(':') && net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/**
 * Whether a decoded reply answers exactly this query: our ID and our question. An error reply
 * without a question section (old servers answer EDNS with a bare FORMERR) is accepted on the
 * ID alone, as the CA's DNS library does, so it is reported rather than waited out.
 */
export function answersQuery(reply: Pick<DecodedResponse, 'isResponse' | 'id' | 'question' | 'rcode'>, id: number, name: string, type: number): boolean {
  if (!reply.isResponse || reply.id !== id) return false;
  if (reply.question === null) return reply.rcode !== 0;
  return reply.question.type === type && reply.question.name.toLowerCase() === name.toLowerCase();
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

/** The system error code of an error, if it has one. */
export function errorCode(err: Error): string | null {
  return (err as NodeJS.ErrnoException).code ?? null;
}
