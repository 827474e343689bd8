// One check, start to finish, shared by every command (check, run, hook, demo): resolver set-up
// from the options, lineage selection, the check, and the outputs the options ask for.
import { CaResolver } from '../ca/resolve.js';
import { checkLineages, type FullReport, type Report } from '../check.js';
import { defaultConcurrency, DEFAULT_CONCURRENCY, readResolvConf } from '../dns/resolvconf.js';
import { AuthorityClient } from '../dns/authority.js';
import { AuthoritativeView } from '../dns/authoritative.js';
import { Delegations } from '../dns/delegation.js';
import { Limiter } from '../dns/limiter.js';
import { Resolver, type QueryEvent } from '../dns/resolver.js';
import { UdpPool } from '../dns/udp-pool.js';
import { formatServer, type ServerAddress } from '../dns/transport.js';
import { WhatIf } from '../dns/what-if.js';
import { selectLineages, type Selection } from '../sources/select.js';
import type { SourceError } from '../vocabulary.js';
import type { CheckOptions } from './options.js';
import { openReport, type CliIo } from './output.js';

export { emitReport, type CliIo } from './output.js';


/**
 * Up to this many names a plain check asks every authoritative server by default; above it the
 * resolver's view alone (the authoritative view costs about 7 times the queries: README "Speed").
 * The wrapper and the hooks, which check only what is due, always default to asking.
 */
export const AUTHORITATIVE_DEFAULT_LIMIT = 1000;

/** Per-try timeout for authoritative servers when --timeout is not given (they answer without recursing). */
export const AUTHORITATIVE_TIMEOUT_MS = 2000;

/**
 * Select (unless given a selection), resolve and check. With `streamTo`, the report is written
 * there (and to the files the options name) as the check goes, and only the outcome is returned;
 * without, the full report is returned for the caller to decide about and write (emitReport).
 */
export async function executeCheck(options: CheckOptions, io: CliIo, given?: Selection): Promise<FullReport>;
export async function executeCheck(options: CheckOptions, io: CliIo, given: Selection | undefined, streamTo: 'stdout' | 'stderr'): Promise<Report>;
export async function executeCheck(options: CheckOptions, io: CliIo, given?: Selection, streamTo?: 'stdout' | 'stderr'): Promise<Report> {
  const started = performance.now(); // monotonic: a clock step does not make a negative duration
  const seconds = (): number => (performance.now() - started) / 1000;
  const dns = await resolverSettings(options, io);
  const selection = given ?? (await selectLineages(options, { env: io.env, cwd: io.cwd ?? process.cwd(), now: io.now() }));
  const errors: SourceError[] = [...selection.errors];
  const notices: string[] = [];
  const caResolver = caResolverFor(options, io.now());
  let resolver: Resolver | null = null;
  let pool: UdpPool | null = null;
  let authority: AuthoritativeView | null = null;
  // What if: the zone files stand in for the zones they cover, in both views (README "What if").
  const whatIf = options.zoneFiles.length > 0 ? new WhatIf(options.zoneFiles) : null;
  let client: AuthorityClient | null = null;
  const trace = options.verbose && !options.json
    ? (e: QueryEvent) => io.stderr.write(`dns: ${e.name} @${e.server} ${e.transport}: ${e.outcome} (${Math.round(e.ms)} ms)\n`)
    : undefined;
  if (dns.missing !== null) {
    errors.push(dns.missing);
  } else {
    const names = selection.lineages.reduce((n, l) => n + l.names.length, 0);
    const authoritative = options.authoritative ?? names <= AUTHORITATIVE_DEFAULT_LIMIT;
    // The zone's own servers are asked through the same bound: the local-resolver default is not for them.
    const concurrency = options.concurrency ?? (authoritative ? DEFAULT_CONCURRENCY : dns.concurrency);
    const limiter = new Limiter(concurrency);
    pool = new UdpPool();
    resolver = new Resolver({ servers: dns.servers, timeoutMs: dns.timeoutMs, retries: dns.retries, concurrency, limiter, pool, onQuery: trace });
    if (!authoritative && options.authoritative === null) {
      notices.push(
        `${names} names: judged from your resolver's view only; asking every nameserver of every zone is the default up to ` +
          `${AUTHORITATIVE_DEFAULT_LIMIT} names (give --authoritative to do it here too)`,
      );
    }
    if (authoritative) {
      // Authoritative servers answer from their own data: unless told otherwise, wait less for
      // them than for a recursive resolver, which may have to ask others first.
      client = new AuthorityClient({
        timeoutMs: options.timeoutMs ?? AUTHORITATIVE_TIMEOUT_MS,
        retries: options.retries ?? 1,
        limiter,
        pool,
        port: options.authoritativePort,
        onQuery: trace,
      });
      authority = new AuthoritativeView(client, new Delegations(client, resolver), resolver, io.now(), whatIf);
    }
  }
  const deps = { resolver: resolver && whatIf ? whatIf.over(resolver) : resolver, caResolver, authority };
  let report: Report;
  try {
    if (streamTo === undefined) {
      const full = await checkLineages(selection.lineages, deps, errors);
      report = { ...full, notices: [...notices, ...full.notices, ...whatIfNotices(options, full)], durationSeconds: seconds() };
    } else {
      const names = selection.lineages.reduce((n, l) => n + l.names.length, 0);
      const sink = await openReport(options, io, streamTo, { names, lineages: selection.lineages.length, errors });
      const checked = await checkLineages(selection.lineages, deps, errors, (l) => sink.lineage(l));
      report = { ...checked, notices: [...notices, ...checked.notices, ...whatIfNotices(options, checked)], durationSeconds: seconds() };
      await sink.finish(report);
    }
  } finally {
    pool?.close();
  }
  if (resolver && options.verbose && !options.json) {
    const direct = client ? ` and ${client.queriesSent} to authoritative servers` : '';
    io.stderr.write(`dns: ${resolver.queriesSent} queries to ${dns.servers.map(formatServer).join(', ')}${direct}\n`);
  }
  return report;
}

/** Our resolver as the options and resolv.conf say: its servers and waits, or the error that there is none. */
export async function resolverSettings(
  options: CheckOptions,
  io: CliIo,
): Promise<{ servers: ServerAddress[]; timeoutMs: number; retries: number; concurrency: number; missing: SourceError | null }> {
  const path = io.resolvConfPath ?? '/etc/resolv.conf';
  const system = await readResolvConf(path);
  const servers = options.resolvers.length > 0 ? options.resolvers : system.servers;
  return {
    servers,
    timeoutMs: options.timeoutMs ?? system.timeoutMs ?? 5000,
    retries: options.retries ?? (system.attempts !== null ? system.attempts - 1 : 2),
    concurrency: options.concurrency ?? defaultConcurrency(servers),
    missing: servers.length === 0 ? { source: 'dns', path, message: 'no nameserver found; give --resolver ADDR' } : null,
  };
}

/** What the run knows of CAs: the built-in table, under the identities the options and site defaults give. */
export function caResolverFor(options: CheckOptions, now: Date): CaResolver {
  return new CaResolver({ identityOverride: options.caaIdentities, identitiesByCa: options.caIdentitiesByCa, now, directoryTimeoutMs: 5000 });
}

/** Most names a what-if notice lists for one file; the per-name reports say it for every name. */
const NOTICE_NAMES = 10;

/** Once per zone file: the zone it stands for, and which checked names were answered from it. */
export function whatIfNotices(options: CheckOptions, report: Report): string[] {
  return options.zoneFiles.map((zone) => {
    const names = report.lineages.flatMap((l) => l.names.filter((n) => n.zoneFiles?.includes(zone.file)).map((n) => n.name));
    const unique = [...new Set(names)];
    const shown = unique.length > NOTICE_NAMES ? `${unique.slice(0, NOTICE_NAMES).join(', ')} and ${unique.length - NOTICE_NAMES} more` : unique.join(', ');
    const zoneName = zone.apex || '.';
    return unique.length === 0
      ? `what-if: ${zone.file} (zone ${zoneName}) answered for none of the names checked; they were judged from live DNS`
      : `what-if: ${zone.file} stands in for the zone ${zoneName} as if published; answered from it instead of live DNS: ${shown}`;
  });
}
