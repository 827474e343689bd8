// `preflight run [options] -- COMMAND...`: the wrapper that really skips what would fail.
// certbot ignores a failing pre-hook (certbot.md §0), so the check has to run before certbot:
// when no due lineage fails, COMMAND runs unchanged (stdio inherited, signals forwarded, exit
// code passed through); otherwise only the passing lineages are renewed, one by one.
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { findAuthority } from './ca/authorities.js';
import { parseCheckOptions, UsageError, type CheckOptions } from './options.js';
import { printableLine } from './report/escape.js';
import { emitReport, executeCheck, type CliIo } from './session.js';
import { readAcmeHome } from './sources/acmesh.js';
import { LE_PRODUCTION, readAccount, readCertbotLineages } from './sources/certbot.js';
import type { Lineage } from './sources/lineage.js';
import type { Selection } from './sources/select.js';

const LE_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** What the wrapped command is and which of its lineages it would renew. */
export interface WrappedCommand {
  client: 'certbot' | 'acme.sh';
  command: string[];
  /** Whether this command renews at all (certbot renew, acme.sh --cron/--renew-all/--renew). */
  renews: boolean;
  /** The command for renewing exactly one lineage. */
  commandFor(lineage: Lineage): string[];
  /** Lineages it would renew now, as it would see them. */
  select(now: Date): Promise<Selection>;
}

/** certbot flags that take a value (so the value is not mistaken for the subcommand). */
const CERTBOT_VALUE_FLAGS = new Set([
  '-c', '--config', '--config-dir', '--work-dir', '--logs-dir', '--cert-name', '--server', '-a', '--authenticator',
  '-i', '--installer', '--preferred-challenges', '--pre-hook', '--post-hook', '--deploy-hook', '--renew-hook',
  '--account', '-m', '--email', '--key-type', '--rsa-key-size', '--elliptic-curve', '--user-agent', '-w',
  '--webroot-path', '--webroot-map', '--http-01-port', '--http-01-address', '--https-port', '--preferred-chain',
  '--max-log-backups', '--csr', '--cert-path', '--key-path', '--fullchain-path', '--chain-path', '--eab-kid',
  '--eab-hmac-key', '--preferred-profile', '--required-profile', '--issuance-timeout', '-d', '--domains', '--domain',
]);

/** Read the value of a flag (`--flag value` or `--flag=value`); the last one wins. */
function flagValue(args: string[], ...names: string[]): string | null {
  let value: string | null = null;
  args.forEach((arg, i) => {
    for (const name of names) {
      if (arg === name && i + 1 < args.length) value = args[i + 1]!;
      else if (arg.startsWith(`${name}=`)) value = arg.slice(name.length + 1);
    }
  });
  return value;
}

/** Recognise certbot or acme.sh by the executable's name. */
export function parseWrappedCommand(
  command: string[],
  env: NodeJS.ProcessEnv = {},
  defaults: { configDir?: string | null; acmeHome?: string } = {},
): WrappedCommand {
  const exe = path.basename(command[0] ?? '');
  const args = command.slice(1);
  if (/^(certbot|letsencrypt)(-\S+)?$/.test(exe)) return certbotCommand(command, args, defaults.configDir ?? null);
  if (/^acme\.sh$/.test(exe)) return acmeCommand(command, args, env, defaults.acmeHome);
  throw new UsageError(`cannot tell whether ${JSON.stringify(command[0] ?? '')} is certbot or acme.sh (the wrapper needs one of them)`);
}

function certbotCommand(command: string[], args: string[], fallbackConfigDir: string | null): WrappedCommand {
  let subcommand: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (CERTBOT_VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) {
      subcommand = arg;
      break;
    }
  }
  // What certbot will read: its own --config-dir, else ours (--config-dir before --), else the default.
  const configDir = flagValue(args, '--config-dir') ?? fallbackConfigDir ?? '/etc/letsencrypt';
  const certName = flagValue(args, '--cert-name');
  const serverFlag = flagValue(args, '--server');
  const dryRun = args.includes('--dry-run');
  const force = dryRun || args.includes('--force-renewal') || args.includes('--renew-by-default');
  return {
    client: 'certbot',
    command,
    renews: subcommand === 'renew',
    commandFor: (lineage) => [...command, '--cert-name', lineage.name],
    async select(now) {
      const { lineages, errors } = await readCertbotLineages(configDir, now);
      let chosen = certName ? lineages.filter((l) => l.name === certName) : lineages;
      if (certName && chosen.length === 0) errors.push({ source: 'certbot', path: configDir, message: `--cert-name ${certName}: no such lineage` });
      chosen = chosen.filter((l) => force || l.due !== false);
      if (serverFlag) chosen = chosen.map((l) => ({ ...l, server: serverFlag, notes: [...l.notes, `server from --server on the certbot command line`] }));
      if (dryRun) chosen = await Promise.all(chosen.map((l) => asDryRun(l, configDir)));
      return { lineages: chosen, errors, mode: 'installed' };
    },
  };
}

/**
 * certbot --dry-run orders from Let's Encrypt staging with a staging account (certbot.md §4):
 * the accounturi that matters is that account's, not production's.
 */
async function asDryRun(lineage: Lineage, configDir: string): Promise<Lineage> {
  if (lineage.server !== LE_PRODUCTION) return lineage;
  // certbot picks the only staging account, asks when there are several, registers when none.
  const account = await readAccount(configDir, LE_STAGING, null);
  return {
    ...lineage,
    server: LE_STAGING,
    accountUri: account.uri,
    accountSource: account.path,
    notes: [...lineage.notes, `--dry-run: checked against Let's Encrypt staging${account.error ? ` (${account.error})` : ''}`],
  };
}

function acmeCommand(command: string[], args: string[], env: NodeJS.ProcessEnv, fallbackHome?: string): WrappedCommand {
  // acme.sh's own resolution: --home, else LE_WORKING_DIR, else ~/.acme.sh (or our --acme-home).
  const home = flagValue(args, '--home') ?? env.LE_WORKING_DIR ?? fallbackHome ?? path.join(env.HOME ?? os.homedir(), '.acme.sh');
  const configHome = flagValue(args, '--config-home') ?? env.LE_CONFIG_HOME ?? home;
  const certHome = flagValue(args, '--cert-home') ?? undefined;
  const server = flagValue(args, '--server');
  const single = args.includes('--renew') || args.includes('-r') ? flagValue(args, '-d', '--domain') : null;
  const renews = args.includes('--cron') || args.includes('--renew-all') || single !== null;
  const force = args.includes('--force') || args.includes('-f');
  const staging = args.includes('--staging') || args.includes('--test');
  const wantEcc = args.includes('--ecc');
  // Options that must reach a per-certificate `--renew` (where things are, which CA).
  const carried: string[] = [];
  for (const flag of ['--home', '--config-home', '--cert-home', '--accountconf', '--server']) {
    const value = flagValue(args, flag);
    if (value !== null) carried.push(flag, value);
  }
  for (const flag of ['--staging', '--test', '--force', '-f', '--debug', '--log']) if (args.includes(flag)) carried.push(flag);
  const override = staging ? LE_STAGING : server ? (findAuthority(server)?.directories[0] ?? server) : undefined;
  return {
    client: 'acme.sh',
    command,
    renews,
    commandFor: (lineage) => {
      const target = lineage.renewal?.kind === 'acme.sh' ? lineage.renewal : null;
      return [command[0]!, ...carried, '--renew', '-d', target?.domain ?? lineage.name, ...(target?.ecc ? ['--ecc'] : [])];
    },
    async select(now) {
      const { lineages, errors } = await readAcmeHome(configHome, now, { certHome, server: override });
      let chosen = lineages;
      if (single !== null) {
        const named = lineages.filter((l) => l.name === single);
        const isEcc = (l: Lineage) => l.renewal?.kind === 'acme.sh' && l.renewal.ecc;
        // Without --ecc acme.sh takes the RSA folder, or the _ecc one when it is the only one.
        const rsa = named.filter((l) => !isEcc(l));
        chosen = wantEcc ? named.filter(isEcc) : rsa.length > 0 ? rsa : named;
      }
      chosen = chosen.filter((l) => force || l.due !== false);
      return { lineages: chosen, errors, mode: 'installed' };
    },
  };
}

/** Run `preflight run [options] -- COMMAND...`. */
export async function runWrapper(argv: string[], io: CliIo, spawn: Spawner = spawnInherit): Promise<number> {
  const split = argv.indexOf('--');
  if (split < 0 || split === argv.length - 1) throw new UsageError('run needs the renewal command after --, e.g. preflight run -- certbot -q renew');
  const options = parseCheckOptions(argv.slice(0, split));
  if (options.domains.length > 0 || options.all || options.certNames.length > 0) {
    throw new UsageError('run checks what COMMAND renews; -d, --all and --cert-name do not apply');
  }
  if (options.json) throw new UsageError('run shares stdout with COMMAND; use --status-file FILE for a JSON report');
  const wrapped = parseWrappedCommand(argv.slice(split + 1), io.env, { configDir: options.configDir, acmeHome: options.acmeHomes[0] });
  if (!wrapped.renews) {
    io.stderr.write(`preflight run: ${printableLine(wrapped.command.join(' '))} does not renew; running it unchanged\n`);
    return spawn(wrapped.command, io.env);
  }

  const selection = await wrapped.select(io.now());
  const report = await executeCheck(options, io, selection);
  const blocking = (status: string) => status === 'fail' || (options.strict && status === 'error');
  const blocked = report.lineages.filter((l) => blocking(l.status));
  const shouldReport = report.status !== 'pass' || report.errors.length > 0;
  if (blocked.length === 0) {
    if (shouldReport) await emitReport(report, options, io, 'stderr');
    else await emitReport(report, { ...options, quiet: true }, io, 'stderr');
    return spawn(wrapped.command, io.env);
  }

  await emitReport(report, options, io, 'stderr');
  const passing = selection.lineages.filter((l) => !blocked.some((b) => b.name === l.name && b.confPath === l.confPath));
  const outcomes: string[] = [];
  for (const lineage of passing) {
    const command = wrapped.commandFor(lineage);
    const code = await spawn(command, io.env);
    outcomes.push(`${lineage.name}: ${code === 0 ? 'renewed' : `renewal exited ${code}`}`);
    if (code >= 128) break; // interrupted by a signal: stop here
  }
  io.stderr.write(
    `preflight run: blocked ${blocked.map((b) => printableLine(b.name)).join(', ')} (the CA would refuse; nothing was ordered)` +
      `${outcomes.length ? `; ${outcomes.map(printableLine).join('; ')}` : '; nothing else was due'}\n`,
  );
  return 1;
}

/** Runs a command; resolves to its exit code (128 + signal number when killed). */
export type Spawner = (command: string[], env: NodeJS.ProcessEnv) => Promise<number>;

/** Run with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT to the child while it runs. */
export async function spawnInherit(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child: ResultPromise = execa(command[0]!, command.slice(1), { stdio: 'inherit', reject: false, env, extendEnv: false });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const).map((s) => [s, forward(s)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    const result = await child;
    if (result.signal) return 128 + (os.constants.signals[result.signal as NodeJS.Signals] ?? 0);
    if (result.exitCode === undefined) return 127; // could not start (ENOENT and the like)
    return result.exitCode;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

