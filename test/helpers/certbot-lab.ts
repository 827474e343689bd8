// Debian's certbot creating real lineages against pebble (pebble-lab.ts) in a throw-away config
// dir. The facts returned come from certbot's own reports (`show_account`, `certificates`) and
// from the arguments passed, never from parsing the renewal confs or regr.json that the tool
// under test parses, so they work as an independent oracle.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { binary, type PebbleLab } from './pebble-lab.js';
import { freePort } from './system.js';

export { startPebble, type PebbleLab } from './pebble-lab.js';

export interface CertbotDirs {
  configDir: string;
  workDir: string;
  logsDir: string;
}

export interface CertbotRunOptions {
  /** Extra environment (merged over process.env and lab.env). */
  env?: Record<string, string>;
  /** Kill certbot after this long (default 90 s). */
  timeoutMs?: number;
  /** Only add the three dir flags and --non-interactive; no --server/--agree-tos/etc. */
  raw?: boolean;
}

export interface CertbotResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  all: string;
  /** The full argv passed to certbot (for failure messages). */
  argv: string[];
}

export interface FixtureAccount {
  /** certbot's account id (directory name under accounts/<netloc>/dir/). */
  id: string;
  /** Account URL as printed by `certbot show_account`. */
  uri: string;
}

export interface FixtureLineage {
  /** Lineage name (renewal/<name>.conf, live/<name>/, archive/<name>/). */
  name: string;
  /** The -d arguments, in the order given. */
  names: string[];
  /** Domains as listed by `certbot certificates` (certbot's order). */
  reportedNames: string[];
  authenticator: 'webroot' | 'standalone' | 'manual';
  accountId: string;
  accountUri: string;
  /** Expiry as printed by `certbot certificates`. */
  expiry?: Date;
  /** Serial (hex) as printed by `certbot certificates`. */
  serial?: string;
  /** N of the live cert (archive/<name>/certN.pem): 1 + number of renewals made. */
  certVersion: number;
  /** The exact certbot arguments used to issue it (after the subcommand). */
  issueArgs: string[];
  /** Extra facts given on the command line: webroot dir, http-01 port, challenge preference. */
  webroot?: string;
  http01Port?: number;
  preferredChallenges?: string;
  manualAuthHook?: string;
}

export interface CertbotFixture extends CertbotDirs {
  root: string;
  serverUrl: string;
  /** Accounts in creation order: [first (used by web, alone, w.example.test), second]. */
  accounts: FixtureAccount[];
  lineages: Record<string, FixtureLineage>;
  /** Raw `certbot certificates` output for the whole config dir. */
  certificatesOutput: string;
  /** Wall time of fixture creation in ms. */
  elapsedMs: number;
  /** Remove root if this helper created it (not when a root was passed in). */
  cleanup(): Promise<void>;
}

const CERTBOT_ISSUE_COMMANDS = new Set(['certonly', 'run', 'register']);
const CERTBOT_SERVER_COMMANDS = new Set(['certonly', 'run', 'register', 'show_account', 'update_account', 'unregister', 'revoke']);

/** First non-option argument: certbot's subcommand ('run' when none is given). */
function subcommandOf(args: string[]): string {
  return args.find((a) => !a.startsWith('-')) ?? 'run';
}

const has = (args: string[], ...flags: string[]): boolean =>
  args.some((a) => flags.some((f) => a === f || a.startsWith(`${f}=`)));

/**
 * Run certbot against the lab with its own config/work/logs dirs. Adds --config-dir, --work-dir,
 * --logs-dir, --non-interactive always; --server for commands that talk to the CA except `renew`
 * (which must use each lineage's stored server; but `renew --dry-run` gets it, see below); --agree-tos and --register-unsafely-without-email
 * for certonly/run/register (not when -m/--email is given); --no-random-sleep-on-renew for renew
 * (certbot otherwise sleeps up to 8 minutes when stdin is not a TTY). Never throws on exit code.
 */
export async function runCertbot(
  lab: Pick<PebbleLab, 'directoryUrl' | 'env'>,
  dirs: CertbotDirs,
  args: string[],
  options: CertbotRunOptions = {},
): Promise<CertbotResult> {
  const sub = subcommandOf(args);
  const extra: string[] = [];
  if (!has(args, '--config-dir')) extra.push('--config-dir', dirs.configDir);
  if (!has(args, '--work-dir')) extra.push('--work-dir', dirs.workDir);
  if (!has(args, '--logs-dir')) extra.push('--logs-dir', dirs.logsDir);
  if (!has(args, '--non-interactive', '-n', '--noninteractive')) extra.push('--non-interactive');
  if (!options.raw) {
    // renew keeps each lineage's stored server, except with --dry-run: certbot 2.1 then swaps in
    // Let's Encrypt staging unless --server is given on the command line. Note: a command-line
    // --server also stops certbot restoring the lineage's stored account (account depends on
    // server), so with several accounts `renew --dry-run` also needs --account <id>.
    const wantsServer = CERTBOT_SERVER_COMMANDS.has(sub) || (sub === 'renew' && has(args, '--dry-run'));
    if (wantsServer && !has(args, '--server', '--staging', '--test-cert')) {
      extra.push('--server', lab.directoryUrl);
    }
    if (CERTBOT_ISSUE_COMMANDS.has(sub)) {
      if (!has(args, '--agree-tos')) extra.push('--agree-tos');
      if (!has(args, '-m', '--email', '--register-unsafely-without-email')) extra.push('--register-unsafely-without-email');
    }
    if (sub === 'renew' && !has(args, '--no-random-sleep-on-renew')) extra.push('--no-random-sleep-on-renew');
  }
  const argv = [...args, ...extra];
  const result = await execa(binary('certbot'), argv, {
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: options.timeoutMs ?? 90_000,
    env: { ...lab.env, ...options.env },
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    all: String(result.all ?? ''),
    argv,
  };
}

/** runCertbot, throwing with certbot's output (and the tail of its log) on non-zero exit. */
export async function runCertbotOk(
  lab: Pick<PebbleLab, 'directoryUrl' | 'env'>,
  dirs: CertbotDirs,
  args: string[],
  options: CertbotRunOptions = {},
): Promise<CertbotResult> {
  const res = await runCertbot(lab, dirs, args, options);
  if (res.exitCode !== 0) {
    const log = await readFile(path.join(dirs.logsDir, 'letsencrypt.log'), 'utf8').catch(() => '');
    throw new Error(
      `certbot ${res.argv.join(' ')} exited ${res.exitCode}:\n${res.all}\n--- log tail ---\n${log.split('\n').slice(-40).join('\n')}`,
    );
  }
  return res;
}

/** The account URL `certbot show_account` prints. */
export function parseShowAccount(output: string): string {
  const m = /Account URL:\s*(\S+)/.exec(output);
  if (!m?.[1]) throw new Error(`no "Account URL" in show_account output:\n${output}`);
  return m[1];
}

export interface ReportedCertificate {
  name: string;
  serial: string;
  domains: string[];
  expiry: Date;
  certificatePath: string;
}

/** Entries of `certbot certificates` output. */
export function parseCertificates(output: string): ReportedCertificate[] {
  const out: ReportedCertificate[] = [];
  for (const block of output.split(/^\s*Certificate Name:\s*/m).slice(1)) {
    const field = (label: string): string => new RegExp(`^\\s*${label}:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
    const name = block.split('\n')[0]!.trim();
    // "Expiry Date: 2031-11-25 17:03:59+00:00 (VALID: 1825 days)"
    const expiryText = field('Expiry Date').replace(/\s*\(.*\)$/, '').replace(' ', 'T');
    out.push({
      name,
      serial: field('Serial Number'),
      domains: field('Domains').split(/\s+/).filter(Boolean),
      expiry: new Date(expiryText),
      certificatePath: field('Certificate Path'),
    });
  }
  return out;
}

/** Register a fresh account in its own scratch dirs; returns its id, URI and the account dir. */
async function registerScratchAccount(lab: PebbleLab, scratch: string): Promise<FixtureAccount & { accountDir: string; relDir: string }> {
  const dirs = { configDir: path.join(scratch, 'config'), workDir: path.join(scratch, 'work'), logsDir: path.join(scratch, 'logs') };
  await runCertbotOk(lab, dirs, ['register']);
  const uri = parseShowAccount((await runCertbotOk(lab, dirs, ['show_account'])).stdout);
  // The id is only knowable as the directory name certbot chose (md5 of the public key); the
  // scratch config dir holds exactly this one account.
  const base = path.join(dirs.configDir, 'accounts', lab.serverNetloc, new URL(lab.directoryUrl).pathname.replace(/^\//, ''));
  const ids = await readdir(base);
  if (ids.length !== 1) throw new Error(`expected one account in ${base}, found ${ids.join(', ')}`);
  const id = ids[0]!;
  return { id, uri, accountDir: path.join(base, id), relDir: path.relative(dirs.configDir, path.join(base, id)) };
}

/**
 * A certbot config dir with four real lineages against the lab:
 *  - `web`: webroot, web.example.test + www.web.example.test, force-renewed once (live -> cert2);
 *  - `alone`: standalone (own free --http-01-port), alone.example.test;
 *  - `w.example.test`: manual, --preferred-challenges dns, *.w.example.test + w.example.test;
 *  - `second`: webroot, second.example.test, issued with a second account.
 * Both accounts are registered with `certbot register` in scratch config dirs (certbot 2.1 refuses
 * a second `register` in a config dir that has an account) and copied into accounts/.
 */
export async function makeCertbotFixture(lab: PebbleLab, root?: string): Promise<CertbotFixture> {
  const started = Date.now();
  const ownRoot = root === undefined;
  const base = root ?? (await mkdtemp(path.join(os.tmpdir(), 'certbot-lab-')));
  const dirs: CertbotDirs = { configDir: path.join(base, 'config'), workDir: path.join(base, 'work'), logsDir: path.join(base, 'logs') };
  const webroot = path.join(base, 'webroot');
  const webrootSecond = path.join(base, 'webroot-second');
  await Promise.all([dirs.configDir, dirs.workDir, dirs.logsDir, webroot, webrootSecond].map((d) => mkdir(d, { recursive: true })));

  const [first, second] = await Promise.all([
    registerScratchAccount(lab, path.join(base, 'scratch-account-1')),
    registerScratchAccount(lab, path.join(base, 'scratch-account-2')),
  ]);
  const install = async (acct: typeof first): Promise<void> => {
    const dest = path.join(dirs.configDir, acct.relDir);
    await mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
    await cp(acct.accountDir, dest, { recursive: true, preserveTimestamps: true });
  };
  await install(first);

  const lineages: Record<string, FixtureLineage> = {};
  const issue = async (
    name: string,
    names: string[],
    authenticator: FixtureLineage['authenticator'],
    authArgs: string[],
    account: FixtureAccount,
    extras: Partial<FixtureLineage>,
    certName: boolean,
  ): Promise<void> => {
    const issueArgs = [
      ...authArgs,
      ...(certName ? ['--cert-name', name] : []),
      ...(account === first ? [] : ['--account', account.id]),
      ...names.flatMap((n) => ['-d', n]),
    ];
    await runCertbotOk(lab, dirs, ['certonly', ...issueArgs]);
    lineages[name] = {
      name, names, reportedNames: [], authenticator, accountId: account.id, accountUri: account.uri,
      certVersion: 1, issueArgs, ...extras,
    };
  };

  // With one account installed certbot picks it without --account, as on most real hosts.
  await issue('web', ['web.example.test', 'www.web.example.test'], 'webroot', ['--webroot', '-w', webroot], first, { webroot }, true);
  await runCertbotOk(lab, dirs, ['renew', '--cert-name', 'web', '--force-renewal']);
  lineages.web!.certVersion = 2;

  const httpPort = await freePort();
  await issue('alone', ['alone.example.test'], 'standalone', ['--standalone', '--http-01-port', String(httpPort)], first, { http01Port: httpPort }, true);

  // No --cert-name: certbot names the lineage itself (w.example.test).
  await issue('w.example.test', ['*.w.example.test', 'w.example.test'], 'manual',
    ['--manual', '--preferred-challenges', 'dns', '--manual-auth-hook', '/bin/true'], first,
    { preferredChallenges: 'dns', manualAuthHook: '/bin/true' }, false);

  await install(second);
  await issue('second', ['second.example.test'], 'webroot', ['--webroot', '-w', webrootSecond], second, { webroot: webrootSecond }, true);

  const certificatesOutput = (await runCertbotOk(lab, dirs, ['certificates'])).stdout;
  for (const c of parseCertificates(certificatesOutput)) {
    const l = lineages[c.name];
    if (!l) throw new Error(`certbot certificates lists unexpected lineage ${c.name}`);
    l.reportedNames = c.domains;
    l.expiry = c.expiry;
    l.serial = c.serial;
  }
  const missing = Object.keys(lineages).filter((n) => lineages[n]!.reportedNames.length === 0);
  if (missing.length) throw new Error(`certbot certificates does not list ${missing.join(', ')}:\n${certificatesOutput}`);
  await Promise.all(['scratch-account-1', 'scratch-account-2'].map((d) => rm(path.join(base, d), { recursive: true, force: true })));

  return {
    root: base,
    ...dirs,
    serverUrl: lab.directoryUrl,
    accounts: [{ id: first.id, uri: first.uri }, { id: second.id, uri: second.uri }],
    lineages,
    certificatesOutput,
    elapsedMs: Date.now() - started,
    async cleanup() {
      if (ownRoot) await rm(base, { recursive: true, force: true });
    },
  };
}

/** Whether a path exists (small convenience for tests). */
export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
