// One check, start to finish, shared by every command (check, run, hook, demo): resolver set-up
// from the options, lineage selection, the check, and the outputs the options ask for.
import { CaResolver } from '../ca/resolve.js';
import { checkLineages, type Report } from '../check.js';
import { readResolvConf } from '../dns/resolvconf.js';
import { AuthorityClient } from '../dns/authority.js';
import { AuthoritativeView } from '../dns/authoritative.js';
import { Delegations } from '../dns/delegation.js';
import { Limiter } from '../dns/limiter.js';
import { Resolver, type QueryEvent } from '../dns/resolver.js';
import { UdpPool } from '../dns/udp-pool.js';
import { formatServer } from '../dns/transport.js';
import { writeFileAtomic } from '../fsutil.js';
import { jsonChunks } from '../report/json.js';
import { renderMetrics } from '../report/metrics.js';
import { logToSyslog } from '../report/syslog.js';
import { textChunks } from '../report/text.js';
import { DEFAULT_CONFIG_DIR, selectLineages, type Selection } from '../sources/select.js';
import type { SourceError } from '../vocabulary.js';
import { VERSION } from '../version.js';
import type { CheckOptions } from './options.js';

/** Where a run writes and what it may consult; injectable for tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  now: () => Date;
  resolvConfPath?: string;
  cwd?: string;
}

/**
 * Up to this many names a plain check asks every authoritative server by default; above it the
 * resolver's view alone (the authoritative view costs about 7 times the queries: README "Speed").
 * The wrapper and the hooks, which check only what is due, always default to asking.
 */
export const AUTHORITATIVE_DEFAULT_LIMIT = 1000;

/** Per-try timeout for authoritative servers when --timeout is not given (they answer without recursing). */
export const AUTHORITATIVE_TIMEOUT_MS = 2000;

/** Select (unless given a selection), resolve and check. */
export async function executeCheck(options: CheckOptions, io: CliIo, given?: Selection): Promise<Report> {
  const system = await readResolvConf(io.resolvConfPath ?? '/etc/resolv.conf');
  const servers = options.resolvers.length > 0 ? options.resolvers : system.servers;
  const selection = given ?? (await selectLineages(options, { env: io.env, cwd: io.cwd ?? process.cwd(), now: io.now() }));
  const errors: SourceError[] = [...selection.errors];
  const notices: string[] = [];
  const caResolver = new CaResolver({ identityOverride: options.caaIdentities, now: io.now(), directoryTimeoutMs: 5000 });
  let resolver: Resolver | null = null;
  let pool: UdpPool | null = null;
  let authority: AuthoritativeView | null = null;
  let client: AuthorityClient | null = null;
  const timeoutMs = options.timeoutMs ?? system.timeoutMs ?? 5000;
  const retries = options.retries ?? (system.attempts !== null ? system.attempts - 1 : 2);
  const trace = options.verbose && !options.json
    ? (e: QueryEvent) => io.stderr.write(`dns: ${e.name} @${e.server} ${e.transport}: ${e.outcome} (${Math.round(e.ms)} ms)\n`)
    : undefined;
  if (servers.length === 0) {
    errors.push({ source: 'dns', path: io.resolvConfPath ?? '/etc/resolv.conf', message: 'no nameserver found; give --resolver ADDR' });
  } else {
    const limiter = new Limiter(options.concurrency);
    pool = new UdpPool();
    resolver = new Resolver({ servers, timeoutMs, retries, concurrency: options.concurrency, limiter, pool, onQuery: trace });
    const names = selection.lineages.reduce((n, l) => n + l.names.length, 0);
    const authoritative = options.authoritative ?? names <= AUTHORITATIVE_DEFAULT_LIMIT;
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
      authority = new AuthoritativeView(client, new Delegations(client, resolver), resolver, io.now());
    }
  }
  let checked: Report;
  try {
    checked = await checkLineages(selection.lineages, { resolver, caResolver, authority }, errors);
  } finally {
    pool?.close();
  }
  const report = { ...checked, notices: [...notices, ...checked.notices] };
  if (resolver && options.verbose && !options.json) {
    const direct = client ? ` and ${client.queriesSent} to authoritative servers` : '';
    io.stderr.write(`dns: ${resolver.queriesSent} queries to ${servers.map(formatServer).join(', ')}${direct}\n`);
  }
  return report;
}

/**
 * Write what the options ask for: the report (JSON or text, on `stream`), the status file, the
 * metrics file and syslog. A file that cannot be written is reported, never fatal.
 */
export async function emitReport(
  report: Report,
  options: CheckOptions,
  io: CliIo,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<void> {
  const out = io[stream];
  const meta = { version: VERSION, checkedAt: io.now() };
  if (options.json) {
    await writeAll(out, jsonChunks(report, meta));
  } else if (!(options.quiet && report.status === 'pass')) {
    const noColor = Boolean(io.env.NO_COLOR); // no-color.org: any non-empty value
    const color = (options.color ?? Boolean(out.isTTY)) && !noColor;
    await writeAll(out, textChunks(report, { color, verbose: options.verbose }));
    if (report.lineages.length === 0 && report.errors.length === 0) {
      out.write(
        `nothing to check: no renewal confs under ${options.configDir ?? DEFAULT_CONFIG_DIR} and no acme.sh home ` +
          '(give --config-dir, --acme-home, or -d NAME)\n',
      );
    }
  }
  const files: Array<[string | null, () => string | Iterable<string>]> = [
    [options.statusFile, () => jsonChunks(report, meta)],
    [options.metricsFile, () => renderMetrics(report, meta.checkedAt)],
  ];
  for (const [file, render] of files) {
    if (file === null) continue;
    try {
      await writeFileAtomic(file, render());
    } catch (err) {
      io.stderr.write(`preflight: cannot write ${file}: ${(err as Error).message}\n`);
    }
  }
  if (options.syslog) await logToSyslog(report);
}


/**
 * Write pieces to a stream, waiting whenever it asks to (a pipe to a slow reader): a fleet's
 * report must not pile up in memory behind a pipe.
 */
async function writeAll(out: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  for (const piece of pieces) {
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
}
