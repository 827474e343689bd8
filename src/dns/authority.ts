// Questions to authoritative servers, asked as the CA's own resolvers ask them: directly, without
// recursion (RD=0), with EDNS0 and the DO bit, over UDP or TCP, each wait bounded.
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { Limiter } from './limiter.js';
import { exchangeTcp, TransportError } from './transport.js';
import type { UdpPool } from './udp-pool.js';
import { encodeQuery, type DecodedResponse } from './wire.js';

/** One address of one authoritative server: the NS host name and the address asked. */
export interface NameServer {
  host: string;
  address: string;
}

/** `host (address)`, for messages. */
export function serverLabel(server: NameServer): string {
  return server.host === server.address ? server.address : `${server.host} (${server.address})`;
}

/** A reply and how long it took. */
export interface TimedReply {
  reply: DecodedResponse;
  ms: number;
}

/** System error codes that mean "this host has no path there", which says nothing about the server. */
const NO_PATH = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPERM', 'EACCES']);

/** Whether a failed exchange is our own network's trouble rather than the server's. */
export function isLocalFailure(err: TransportError): boolean {
  return err.code !== null && NO_PATH.has(err.code);
}

export interface AuthorityOptions {
  /** Per-try timeout in milliseconds. */
  timeoutMs: number;
  /** Extra tries after a timeout (a lost datagram is not a dead server). */
  retries: number;
  /** The run's bound on queries in flight, shared with the resolver. */
  limiter: Limiter;
  /** Port authoritative servers listen on: 53, except in test labs and the demo. */
  port: number;
  /** The run's UDP sockets. */
  pool: UdpPool;
  /** Called once per query sent, for -v traces. */
  onQuery?: (event: { name: string; server: string; transport: 'udp' | 'tcp'; outcome: string; ms: number }) => void;
}

/** Asks authoritative servers; counts what it sends. */
export class AuthorityClient {
  /** Queries sent (UDP and TCP), for tests and the benchmark. */
  queriesSent = 0;

  constructor(private readonly options: AuthorityOptions) {}

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  get retries(): number {
    return this.options.retries;
  }

  /**
   * Ask one address one question over one transport; a timeout is retried (`retries`, else the
   * run's setting: discovery asks once and moves on to another server). Throws TransportError.
   */
  async ask(address: string, name: string, type: number, transport: 'udp' | 'tcp', retries = this.options.retries): Promise<TimedReply> {
    const server = { host: address, port: this.options.port };
    for (let attempt = 0; ; attempt++) {
      const build = (id: number): Buffer => encodeQuery(id, name, type, { recursion: false, dnssecOk: true });
      const started = performance.now();
      try {
        const reply = await this.options.limiter.run(() => {
          this.queriesSent++;
          if (transport === 'udp') return this.options.pool.exchange(server, build, name, type, this.options.timeoutMs);
          const id = randomInt(0, 0x10000);
          return exchangeTcp(server, build(id), { id, name, type }, this.options.timeoutMs);
        });
        const ms = performance.now() - started;
        this.options.onQuery?.({ name, server: label(address), transport, outcome: `rcode ${reply.rcode}${reply.authoritative ? ' AA' : ''}`, ms });
        return { reply, ms };
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        this.options.onQuery?.({ name, server: label(address), transport, outcome: err.message, ms: performance.now() - started });
        // Refused or unreachable: asking again tells nothing new.
        if (err.kind !== 'timeout' || attempt >= retries) throw err;
      }
    }
  }
}

function label(address: string): string {
  return net.isIPv6(address) ? `[${address}]` : address;
}
