// CAA lookups through recursive resolvers, classified as the CA classifies them (caa-rules.md
// rule 4). One Resolver serves one run: it caches every answer and shares in-flight queries,
// so a suffix common to many names (example.com, com) is asked once, and it bounds how many
// queries are on the wire at once.
import { randomInt } from 'node:crypto';
import { exchangeTcp, exchangeUdp, formatServer, TransportError, type ServerAddress } from './transport.js';
import {
  encodeCaaQuery,
  rcodeName,
  RCODE,
  TYPE_CAA,
  type AliasHop,
  type CaaRecord,
  type DecodedResponse,
  type ExtendedError,
} from './wire.js';

/** What one CAA query for one name produced. */
export type CaaLookup = CaaFound | CaaEmpty | CaaFailed;

interface LookupBase {
  /** The name queried (lowercase, no trailing dot). */
  name: string;
  /** Alias hops the resolver followed, from the answer section. */
  chain: AliasHop[];
  /** The resolver that gave this answer, as host:port. */
  server: string | null;
  /** Transport that carried the final answer. */
  transport: 'udp' | 'tcp' | null;
}

/** NOERROR with at least one CAA RR (rule 4: every CAA RR of the answer, whatever its owner). */
export interface CaaFound extends LookupBase {
  kind: 'records';
  records: Array<CaaRecord & { owner: string }>;
}

/** NOERROR without CAA, or NXDOMAIN below the TLD (rule 4). */
export interface CaaEmpty extends LookupBase {
  kind: 'empty';
  nxdomain: boolean;
}

/**
 * A lookup error. `local` means our own resolvers could not be reached or used, which says
 * nothing about what the CA will see; otherwise the CA's resolver would report the same.
 */
export interface CaaFailed extends LookupBase {
  kind: 'error';
  cause: 'rcode' | 'nxdomain-tld' | 'truncated' | 'timeout' | 'network' | 'refused-no-recursion';
  rcode: string | null;
  ede: ExtendedError | null;
  local: boolean;
  /** Our own description: which server, what happened. */
  detail: string;
}

export interface ResolverOptions {
  servers: ServerAddress[];
  /** Per-try timeout in milliseconds. */
  timeoutMs: number;
  /** Extra tries after the first, on timeout or network error only (rule 3: SERVFAIL is final). */
  retries: number;
  /** Queries on the wire at once. */
  concurrency: number;
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

/** Caching, de-duplicating, concurrency-bounded CAA resolver for one run. */
export class Resolver {
  private readonly cache = new Map<string, Promise<CaaLookup>>();
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Number of queries actually sent (UDP and TCP), for tests and the benchmark. */
  queriesSent = 0;
  /** Per server, whether it answers a query for the root zone (asked at most once per run). */
  private readonly liveness = new Map<string, Promise<boolean>>();

  constructor(private readonly options: ResolverOptions) {
    if (options.servers.length === 0) throw new Error('no DNS resolver configured');
  }

  /** CAA lookup for one name, answered from the run's cache when already asked. */
  lookupCaa(name: string): Promise<CaaLookup> {
    const key = name.toLowerCase().replace(/\.+$/, '');
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.withSlot(() => this.resolveUncached(key));
      this.cache.set(key, pending);
    }
    return pending;
  }

  private async withSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.options.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Try each server in turn, retrying on timeouts and network errors only. */
  private async resolveUncached(name: string): Promise<CaaLookup> {
    const { servers, retries } = this.options;
    const failures: TransportError[] = [];
    for (let attempt = 0; attempt <= retries; attempt++) {
      for (const server of servers) {
        try {
          const { reply, transport } = await this.exchange(server, name);
          return classify(name, reply, formatServer(server), transport);
        } catch (err) {
          if (!(err instanceof TransportError)) throw err;
          failures.push(err);
        }
      }
    }
    const timedOut = failures.every((f) => f.kind === 'timeout');
    const tries = retries + 1;
    const servedBy = servers.map(formatServer).join(', ');
    const last = failures[failures.length - 1];
    const each = `${tries} ${tries === 1 ? 'try' : 'tries'}, ${this.options.timeoutMs} ms each`;
    // A resolver that answers a query for the root but stays silent on this name is stuck on the
    // name's own servers: the CA's resolvers wait for them too (caa-rules.md rule 4). One that
    // answers nothing is our own trouble. The probe makes this independent of query order.
    const alive = timedOut && (await this.anyAlive(servers));
    return {
      kind: 'error',
      name,
      chain: [],
      server: null,
      transport: null,
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

  /** Whether any of these servers answers at all (a CAA query for the root, once per server). */
  private async anyAlive(servers: ServerAddress[]): Promise<boolean> {
    const probes = servers.map((server) => {
      const key = formatServer(server);
      let probe = this.liveness.get(key);
      if (!probe) {
        probe = this.exchange(server, '.').then(() => true, () => false);
        this.liveness.set(key, probe);
      }
      return probe;
    });
    return (await Promise.all(probes)).some(Boolean);
  }

  /** One query to one server: UDP first, the same query over TCP when the reply is truncated. */
  private async exchange(
    server: ServerAddress,
    name: string,
  ): Promise<{ reply: DecodedResponse; transport: 'udp' | 'tcp' }> {
    const id = randomInt(0, 0x10000);
    const query = encodeCaaQuery(id, name);
    const match = { id, name, type: TYPE_CAA };
    const udp = await this.timed(name, server, 'udp', () => exchangeUdp(server, query, match, this.options.timeoutMs));
    if (!udp.truncated) return { reply: udp, transport: 'udp' };
    const tcp = await this.timed(name, server, 'tcp', () => exchangeTcp(server, query, match, this.options.timeoutMs));
    return { reply: tcp, transport: 'tcp' };
  }

  private async timed(
    name: string,
    server: ServerAddress,
    transport: 'udp' | 'tcp',
    run: () => Promise<DecodedResponse>,
  ): Promise<DecodedResponse> {
    const started = performance.now();
    this.queriesSent++;
    const report = (outcome: string): void =>
      this.options.onQuery?.({ name, server: formatServer(server), transport, outcome, ms: performance.now() - started });
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

/** Rule 4: turn a reply into records, empty, or a lookup error the CA would also see. */
export function classify(
  name: string,
  reply: DecodedResponse,
  server: string,
  transport: 'udp' | 'tcp',
): CaaLookup {
  const base = { name, chain: reply.aliases, server, transport };
  const rcode = rcodeName(reply.rcode);
  // Rule 4: TC is an error whatever the rcode, NXDOMAIN included (Boulder #8839).
  if (reply.truncated) {
    return {
      ...base, kind: 'error', cause: 'truncated', rcode, ede: reply.ede, local: false,
      detail: `${server} returned a truncated reply over ${transport.toUpperCase()}`,
    };
  }
  if (reply.rcode === RCODE.NXDOMAIN) {
    // Rule 4: NXDOMAIN counts as empty, except for a TLD (a name without a dot).
    if (name.includes('.')) return { ...base, kind: 'empty', nxdomain: true };
    return {
      ...base, kind: 'error', cause: 'nxdomain-tld', rcode, ede: reply.ede, local: false,
      detail: `${server} says the TLD ${name} does not exist (NXDOMAIN)`,
    };
  }
  if (reply.rcode === RCODE.REFUSED && !reply.recursionAvailable) {
    // A server that refuses and offers no recursion is not a recursive resolver: the
    // --resolver/resolv.conf setting is wrong, which tells nothing about the CA's view.
    return {
      ...base, kind: 'error', cause: 'refused-no-recursion', rcode, ede: reply.ede, local: true,
      detail: `${server} refused the query and offers no recursion; is it a recursive resolver?`,
    };
  }
  if (reply.rcode !== RCODE.NOERROR) {
    return {
      ...base, kind: 'error', cause: 'rcode', rcode, ede: reply.ede, local: false,
      detail: `${server} answered ${rcode || `rcode ${reply.rcode}`}${reply.ede ? ` (EDE ${reply.ede.code}${reply.ede.text ? `: ${reply.ede.text}` : ''})` : ''}`,
    };
  }
  if (reply.caa.length > 0) return { ...base, kind: 'records', records: reply.caa };
  return { ...base, kind: 'empty', nxdomain: false };
}
