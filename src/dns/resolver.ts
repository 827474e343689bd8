// CAA lookups through recursive resolvers, classified as the CA classifies them (docs/caa-rules.md
// rule 4). One Resolver serves one run: it caches every answer and shares in-flight queries,
// so a suffix common to many names (example.com, com) is asked once, and it bounds how many
// queries are on the wire at once.
import { randomInt } from 'node:crypto';
import { Limiter } from './limiter.js';
import { classify, type CaaLookup } from './lookup.js';
import { exchangeTcp, formatServer, TransportError, type ServerAddress } from './transport.js';
import { UdpPool } from './udp-pool.js';
import { encodeCaaQuery, encodeQuery, rcodeName, TYPE_CAA, type DecodedResponse } from './wire.js';
import { once } from '../memo.js';

export interface ResolverOptions {
  servers: ServerAddress[];
  /** Per-try timeout in milliseconds. */
  timeoutMs: number;
  /** Extra tries after the first, on timeout or network error only (rule 3: SERVFAIL is final). */
  retries: number;
  /** Queries on the wire at once. */
  concurrency: number;
  /** A bound shared with other askers of the same run (the authoritative view); else our own. */
  limiter?: Limiter;
  /** UDP sockets shared with the rest of the run; else our own (closed by close()). */
  pool?: UdpPool;
  /** Called once per query sent, for -v traces and tests. */
  onQuery?: (event: QueryEvent) => void;
}

export interface QueryEvent {
  name: string;
  server: string;
  transport: 'udp' | 'tcp';
  outcome: string;
  ms: number;
}

/** A reply from one of our resolvers, with who gave it and over what. */
export interface ResolverReply {
  reply: DecodedResponse;
  server: string;
  transport: 'udp' | 'tcp';
}

/** The code of a try not made: the server had been found dead earlier in the run. */
const SKIPPED = 'ESKIPPED';

/** Caching, de-duplicating, concurrency-bounded resolver for one run (CAA, and what discovery needs). */
export class Resolver {
  private readonly cache = new Map<string, Promise<CaaLookup>>();
  private readonly replies = new Map<string, Promise<ResolverReply | null>>();
  private readonly limiter: Limiter;
  /** Per server, whether it answers a query for the root zone (asked at most once per run). */
  private readonly liveness = new Map<string, Promise<boolean>>();
  /** Servers that answered nothing, not even for the root: not asked again in this run. */
  private readonly dead = new Set<string>();

  /** Number of queries actually sent (UDP and TCP), for tests and the benchmark. */
  queriesSent = 0;

  private readonly pool: UdpPool;
  /** Each server as host:port, written once rather than per query. */
  private readonly labels: Map<ServerAddress, string>;

  constructor(private readonly options: ResolverOptions) {
    if (options.servers.length === 0) throw new Error('no DNS resolver configured');
    this.labels = new Map(options.servers.map((s) => [s, formatServer(s)]));
    this.limiter = options.limiter ?? new Limiter(options.concurrency);
    this.pool = options.pool ?? new UdpPool();
  }

  /** Close the sockets this resolver opened itself (a shared pool is closed by its owner). */
  close(): void {
    if (!this.options.pool) this.pool.close();
  }

  /** The resolvers this run asks, as host:port. */
  get serverNames(): string[] {
    return this.options.servers.map(formatServer);
  }

  /** CAA lookup for one name, answered from the run's cache when already asked. */
  lookupCaa(name: string): Promise<CaaLookup> {
    const key = name.toLowerCase().replace(/\.+$/, '');
    return once(this.cache, key, () => this.limiter.run(() => this.resolveCaa(key)));
  }

  /**
   * Any other query (NS, A, AAAA, DS) through our resolvers, cached for the run: the raw reply,
   * or null when none of them answered. Discovery of the authoritative servers uses this.
   */
  query(name: string, type: number): Promise<ResolverReply | null> {
    const key = `${name.toLowerCase().replace(/\.+$/, '') || '.'}/${type}`;
    return once(this.replies, key, () =>
      this.limiter.run(async () => {
        const outcome = await this.ask(name, type);
        return 'reply' in outcome ? outcome : null;
      }),
    );
  }

  /**
   * Try each server in turn, `retries` more times after a timeout (resolv.conf's order). A
   * server's first timeout starts a probe of whether it answers at all, alongside the retries; a
   * server found dead is skipped at once for the rest of the run, so a dead resolver costs one
   * lookup's wait, not one per name.
   */
  private async ask(name: string, type: number): Promise<ResolverReply | { failures: TransportError[] }> {
    const failures: TransportError[] = [];
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      for (const server of this.options.servers) {
        const label = this.labels.get(server)!;
        if (this.dead.has(label)) {
          failures.push(new TransportError('timeout', 'did not answer earlier in this run', server, SKIPPED));
          continue;
        }
        try {
          const { reply, transport } = await this.exchange(server, name, type);
          return { reply, server: label, transport };
        } catch (err) {
          if (!(err instanceof TransportError)) throw err;
          failures.push(err);
          if (err.kind === 'timeout') void this.probe(server);
        }
      }
    }
    return { failures };
  }

  /** A CAA lookup classified per rule 4; silence is told apart from a dead resolver. */
  private async resolveCaa(name: string): Promise<CaaLookup> {
    const outcome = await this.ask(name, TYPE_CAA);
    if ('reply' in outcome) return classify(name, outcome.reply, outcome.server, outcome.transport);
    const { servers } = this.options;
    const failures = outcome.failures;
    const timedOut = failures.every((f) => f.kind === 'timeout');
    const servedBy = servers.map(formatServer).join(', ');
    const last = failures[failures.length - 1];
    // The tries really made: a server found dead is not asked again, and the message says so.
    const tries = failures.filter((f) => f.code !== SKIPPED).length;
    const skipped = failures.length - tries;
    const each =
      tries === 0
        ? 'not asked: it answered nothing earlier in this run, not even for the root'
        : `${tries} ${tries === 1 ? 'try' : 'tries'}, ${this.options.timeoutMs} ms each` +
          (skipped > 0 ? '; then not asked again: it answers nothing, not even for the root' : '');
    // A resolver that answers a query for the root but stays silent on this name is stuck on the
    // name's own servers: the CA's resolvers wait for them too (docs/caa-rules.md rule 4). One that
    // answers nothing is our own trouble. The probe makes this independent of query order.
    const alive = timedOut && (await this.anyAlive(servers));
    return {
      kind: 'error',
      name,
      chain: [],
      server: null,
      transport: null,
      validated: false,
      cause: timedOut ? 'timeout' : 'network',
      rcode: null,
      ede: null,
      local: !alive,
      detail: alive
        ? `${servedBy} answers for the root but not for ${name} (${each}): the nameservers of ${name} do not answer`
        : timedOut
          ? `no answer from ${servedBy} (${each})`
          : `could not query ${servedBy}: ${last?.message ?? 'unknown error'}`,
    };
  }

  /** Whether any of these servers answers at all. */
  private async anyAlive(servers: ServerAddress[]): Promise<boolean> {
    return (await Promise.all(servers.map((server) => this.probe(server)))).some(Boolean);
  }

  /** Whether a server answers at all: a CAA query for the root, once per run; dead ones are remembered. */
  private probe(server: ServerAddress): Promise<boolean> {
    const key = formatServer(server);
    return once(this.liveness, key, () =>
      this.exchange(server, '.', TYPE_CAA).then(
        () => true,
        () => {
          this.dead.add(key);
          return false;
        },
      ),
    );
  }

  /** One query to one server: UDP first, the same query over TCP when the reply is truncated. */
  private async exchange(
    server: ServerAddress,
    name: string,
    type: number,
  ): Promise<{ reply: DecodedResponse; transport: 'udp' | 'tcp' }> {
    const build = (id: number): Buffer =>
      type === TYPE_CAA ? encodeCaaQuery(id, name) : encodeQuery(id, name, type, { recursion: true, dnssecOk: false });
    const udp = await this.timed(name, server, 'udp', () => this.pool.exchange(server, build, name, type, this.options.timeoutMs));
    if (!udp.truncated) return { reply: udp, transport: 'udp' };
    const id = randomInt(0, 0x10000);
    try {
      const tcp = await this.timed(name, server, 'tcp', () => exchangeTcp(server, build(id), { id, name, type }, this.options.timeoutMs));
      return { reply: tcp, transport: 'tcp' };
    } catch (err) {
      // It has just answered over UDP: silence over TCP is the resolver's own trouble (or the
      // path's), not the zone's, so it must not read as "the zone's servers do not answer".
      if (err instanceof TransportError && err.kind === 'timeout') {
        throw new TransportError('network', `${err.message} after a truncated UDP reply`, server, 'ETIMEDOUT');
      }
      throw err;
    }
  }

  private timed(name: string, server: ServerAddress, transport: 'udp' | 'tcp', run: () => Promise<DecodedResponse>): Promise<DecodedResponse> {
    this.queriesSent++;
    const onQuery = this.options.onQuery;
    // Nobody to tell: the exchange's own promise, no outcome text and no extra turn per query.
    return onQuery === undefined ? run() : this.traced(name, server, transport, run, onQuery);
  }

  private async traced(
    name: string,
    server: ServerAddress,
    transport: 'udp' | 'tcp',
    run: () => Promise<DecodedResponse>,
    onQuery: (event: QueryEvent) => void,
  ): Promise<DecodedResponse> {
    const started = performance.now();
    const report = (outcome: string): void => onQuery({ name, server: formatServer(server), transport, outcome, ms: performance.now() - started });
    try {
      const reply = await run();
      report(`${rcodeName(reply.rcode)}${reply.truncated ? ' TC' : ''} ${reply.caa.length} CAA`);
      return reply;
    } catch (err) {
      report((err as Error).message);
      throw err;
    }
  }
}

