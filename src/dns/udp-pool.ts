// Long-lived UDP sockets for a run: a few connected sockets per server, shared by every query to
// it and told apart by their random IDs. A socket per query costs more than the query itself at
// fleet scale; a connected socket also hears a closed port at once (ECONNREFUSED) and lets the
// kernel drop datagrams from anyone but the server. Replies must still carry a pending query's
// ID and echo its question (src/dns/transport.ts answersQuery).
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { answersQuery, errorCode, TransportError, type ServerAddress } from './transport.js';
import { decodeResponse, peekHeader, type DecodedResponse } from './wire.js';

interface Pending {
  name: string;
  type: number;
  resolve: (reply: DecodedResponse) => void;
  reject: (err: TransportError) => void;
  timer: NodeJS.Timeout;
}

/** One connected socket and the queries waiting on it. */
class Channel {
  readonly pending = new Map<number, Pending>();
  private readonly socket: dgram.Socket;
  /** Queries made while handling replies, sent together once those replies are handled. */
  private outbox: Buffer[] = [];
  private closed = false;
  private readonly connected: Promise<TransportError | null>;
  /** How connecting ended, once it has: undefined while it is under way. */
  private connectedWith: TransportError | null | undefined = undefined;

  constructor(private readonly server: ServerAddress) {
    this.socket = dgram.createSocket(server.host.includes(':') && net.isIPv6(server.host) ? 'udp6' : 'udp4');
    this.socket.unref(); // an idle pool never keeps the process alive
    this.connected = new Promise((resolve) => {
      this.socket.connect(server.port, server.host, (err?: Error) =>
        resolve((this.connectedWith = err ? new TransportError('network', `UDP: ${err.message}`, server, errorCode(err)) : null)),
      );
    });
    this.socket.on('message', (msg) => this.receive(msg));
    // A connected socket reports ICMP errors (a closed port) to whoever waits on it: all of them.
    this.socket.on('error', (err) => this.failAll(new TransportError('network', `UDP: ${err.message}`, server, errorCode(err))));
  }

  exchange(build: (id: number) => Buffer, name: string, type: number, timeoutMs: number): Promise<DecodedResponse> {
    // Once connected, no turn of the event loop per query waiting for it.
    if (this.connectedWith === undefined) return this.connected.then(() => this.exchange(build, name, type, timeoutMs));
    if (this.connectedWith) return Promise.reject(this.connectedWith);
    let id = randomInt(0, 0x10000);
    while (this.pending.has(id)) id = randomInt(0, 0x10000);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TransportError('timeout', `no reply within ${timeoutMs} ms (UDP)`, this.server));
      }, timeoutMs);
      this.pending.set(id, { name, type, resolve, reject, timer });
      this.post(build(id));
    });
  }

  /**
   * Send in bursts: queries made while a batch of replies is handled go out together right
   * after, so the server wakes once for many rather than once per query (on loopback the
   * sender pays the wake-up; README "Speed").
   */
  private post(query: Buffer): void {
    this.outbox.push(query);
    if (this.outbox.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const queries = this.outbox;
    this.outbox = [];
    if (this.closed) return;
    // No per-send callback (it costs as much as the send): a failure arrives as 'error', or is
    // thrown here (a socket that cannot send at all), and then fails that query (its ID leads it).
    for (const query of queries) {
      try {
        this.socket.send(query);
      } catch (err) {
        const why = new TransportError('network', `UDP: ${(err as Error).message}`, this.server, errorCode(err as Error));
        this.settle(query.readUInt16BE(0), (p) => p.reject(why));
      }
    }
  }

  private receive(msg: Buffer): void {
    let reply: DecodedResponse;
    try {
      reply = decodeResponse(msg);
    } catch (err) {
      // The server's reply to a query of ours that does not decode (cut short, corrupt): a broken
      // server, said at once. Anything else is garbage, not an answer: keep waiting.
      const head = peekHeader(msg);
      const waiting = head && this.pending.get(head.id);
      if (head?.isResponse && head.question && waiting && answersQuery({ ...head, rcode: 0 }, head.id, waiting.name, waiting.type)) {
        const why = new TransportError('network', `UDP: malformed reply (${(err as Error).message})`, this.server, 'EBADMSG');
        this.settle(head.id, (p) => p.reject(why));
      }
      return;
    }
    const waiting = this.pending.get(reply.id);
    if (waiting && answersQuery(reply, reply.id, waiting.name, waiting.type)) this.settle(reply.id, (p) => p.resolve(reply));
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    fn(p);
  }

  private failAll(err: TransportError): void {
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(err));
  }

  close(): void {
    this.closed = true;
    this.failAll(new TransportError('network', 'UDP: closed', this.server, 'ECLOSED'));
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/** The UDP sockets of one run, `perServer` per server, used in turn. */
export class UdpPool {
  private readonly channels = new Map<string, Channel[]>();
  private turn = 0;

  constructor(private readonly perServer = 4) {}

  /** Send the query `build(id)` builds and wait for the reply that answers it, within `timeoutMs`. */
  exchange(server: ServerAddress, build: (id: number) => Buffer, name: string, type: number, timeoutMs: number): Promise<DecodedResponse> {
    const key = `${server.host}|${server.port}`;
    let channels = this.channels.get(key);
    if (!channels) {
      channels = Array.from({ length: this.perServer }, () => new Channel(server));
      this.channels.set(key, channels);
    }
    const channel = channels[this.turn++ % channels.length]!;
    return channel.exchange(build, name, type, timeoutMs);
  }

  /** Close every socket; queries still waiting fail. */
  close(): void {
    for (const channels of this.channels.values()) for (const c of channels) c.close();
    this.channels.clear();
  }
}
