#!/usr/bin/env node
// preflight: check that the CA's CAA policy allows the coming renewals, before they are tried.
import { realpathSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkLineages, exitCodeFor, type Report, type SourceError } from './check.js';
import { CaResolver } from './ca/resolve.js';
import { readResolvConf } from './dns/resolvconf.js';
import { Resolver } from './dns/resolver.js';
import { formatServer } from './dns/transport.js';
import { parseCheckOptions, UsageError, USAGE, type CheckOptions } from './options.js';
import { renderJson } from './report/json.js';
import { renderText } from './report/text.js';
import { DEFAULT_CONFIG_DIR, selectLineages } from './sources/select.js';

/** Where a run writes and what it may consult; injectable for tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  resolvConfPath?: string;
  cwd?: string;
}

export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
})();

/** Run the command; resolves to the process exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let options: CheckOptions;
  try {
    options = parseCheckOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`preflight: ${err.message}\nTry 'preflight --help'.\n`);
      return 64;
    }
    throw err;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (options.version) {
    io.stdout.write(`preflight ${VERSION}\n`);
    return 0;
  }

  const system = await readResolvConf(io.resolvConfPath ?? '/etc/resolv.conf');
  const servers = options.resolvers.length > 0 ? options.resolvers : system.servers;
  const selection = await selectLineages(options, { env: io.env, cwd: io.cwd ?? process.cwd(), now: io.now() });
  const errors: SourceError[] = [...selection.errors];
  const lineages = selection.lineages;

  const caResolver = new CaResolver({ identityOverride: options.caaIdentities, now: io.now(), directoryTimeoutMs: 5000 });
  let resolver: Resolver | null = null;
  if (servers.length === 0) {
    errors.push({ source: 'dns', path: io.resolvConfPath ?? '/etc/resolv.conf', message: 'no nameserver found; give --resolver ADDR' });
  } else {
    resolver = new Resolver({
      servers,
      timeoutMs: options.timeoutMs ?? system.timeoutMs ?? 5000,
      retries: options.retries ?? (system.attempts !== null ? system.attempts - 1 : 2),
      concurrency: options.concurrency,
      onQuery: options.verbose && !options.json
        ? (e) => io.stderr.write(`dns: ${e.name} CAA @${e.server} ${e.transport}: ${e.outcome} (${Math.round(e.ms)} ms)\n`)
        : undefined,
    });
  }
  const report: Report = await checkLineages(lineages, { resolver, caResolver }, errors);
  if (resolver && options.verbose && !options.json) {
    io.stderr.write(`dns: ${resolver.queriesSent} queries to ${servers.map(formatServer).join(', ')}\n`);
  }

  const exitCode = exitCodeFor(report);
  if (options.json) {
    io.stdout.write(renderJson(report, { version: VERSION, checkedAt: io.now() }));
  } else if (!(options.quiet && report.status === 'pass')) {
    const color = options.color ?? (Boolean(io.stdout.isTTY) && io.env.NO_COLOR === undefined);
    io.stdout.write(renderText(report, { color: color && io.env.NO_COLOR === undefined, verbose: options.verbose }));
    if (report.lineages.length === 0 && report.errors.length === 0) {
      io.stdout.write(
        `nothing to check: no renewal confs under ${options.configDir ?? DEFAULT_CONFIG_DIR} and no acme.sh home ` +
          '(give --config-dir, --acme-home, or -d NAME)\n',
      );
    }
  }
  return exitCode;
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => new Date() })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`preflight: internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 70;
    });
}
