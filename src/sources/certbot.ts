// certbot lineages as certbot itself will renew them (docs/certbot.md §1, §3-5): names from the
// certificate `cert` points to (not the conf's stale lists), server and account from the conf,
// the challenge from the authenticator and pref_challs, due-ness as the writing version decides.
// Small local files, read before any DNS is in flight: synchronous reads cost far less than
// thousands of thread-pool round trips on a fleet.
import { readdirSync } from 'node:fs';
import { linkTargetSync, readSmallFileSync, readSmallTextSync } from '../fsutil.js';
import path from 'node:path';
import { isIpAddress, LETS_ENCRYPT, type SourceError } from '../vocabulary.js';
import { ConfSyntaxError, confList, confString, parseConfigObj, type ConfSection } from './configobj.js';
import type { Lineage } from './lineage.js';
import { certificateFacts, type CertificateFacts } from './x509.js';
import { once } from '../memo.js';
import { dueState } from './certbot-due.js';

/** `host[:port]/path` of a directory URL: certbot's folder name under accounts/ (docs/certbot.md §4). */
function accountsFolder(server: string): string {
  const url = new URL(server);
  return `${url.host}${url.pathname}`;
}

/**
 * certbot constants.LE_REUSE_SERVERS: where an ACMEv1-era account may still live. A Map, not an
 * object: looking a string up as a property key makes V8 hand back two-byte strings from
 * path.join on it later, and one such string in the JSON report makes all of it two-byte, twice
 * the bytes to build and write (README "Speed").
 */
const REUSE_SERVER_PATHS = new Map<string, string>([
  [accountsFolder(LETS_ENCRYPT.production), accountsFolder(LETS_ENCRYPT.productionV1)],
  [accountsFolder(LETS_ENCRYPT.staging), accountsFolder(LETS_ENCRYPT.stagingV1)],
]);

export interface CertbotReadResult {
  lineages: Lineage[];
  errors: SourceError[];
}

/** Read every `renewal/*.conf` under configDir; each broken one becomes an error, never a stop. */
export async function readCertbotLineages(configDir: string, now: Date): Promise<CertbotReadResult> {
  const renewalDir = path.join(configDir, 'renewal');
  let files: string[];
  try {
    files = readdirSync(renewalDir).filter((f) => f.endsWith('.conf')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lineages: [], errors: [] }; // certbot, no certificates yet
    return { lineages: [], errors: [{ source: 'certbot', path: renewalDir, message: `cannot list renewal confs: ${shortError(err)}` }] };
  }
  // One account file serves every lineage of that account: read it once.
  const accounts = new Map<string, Promise<AccountInfo>>();
  const results: Array<{ lineage: Lineage | null; errors: SourceError[] }> = [];
  for (const f of files) results.push(await readCertbotLineage(configDir, path.join(renewalDir, f), now, accounts));
  return {
    lineages: results.flatMap((r) => (r.lineage ? [r.lineage] : [])),
    errors: results.flatMap((r) => r.errors),
  };
}

/** One renewal conf -> one lineage (or the reason certbot would skip it too). */
export async function readCertbotLineage(
  configDir: string,
  confPath: string,
  now: Date,
  accounts = new Map<string, Promise<AccountInfo>>(),
): Promise<{ lineage: Lineage | null; errors: SourceError[] }> {
  const fail = (message: string, where = confPath) => ({ lineage: null, errors: [{ source: 'certbot', path: where, message }] });
  const name = path.basename(confPath, '.conf');
  let text: string;
  try {
    text = readSmallTextSync(confPath);
  } catch (err) {
    return fail(`cannot read the renewal configuration: ${shortError(err)}`);
  }
  let conf: ConfSection;
  try {
    conf = parseConfigObj(text);
  } catch (err) {
    const why = err instanceof ConfSyntaxError ? err.message : (err as Error).message;
    return fail(`renewal configuration is broken (${why}); certbot skips it too`);
  }
  // storage.RenewableCert: all four file paths are required.
  const missing = ['cert', 'privkey', 'chain', 'fullchain'].filter((k) => confString(conf, k) === null);
  if (missing.length > 0) return fail(`renewal configuration lacks ${missing.join(', ')}; certbot skips it too`);
  const params = conf.renewalparams;
  if (typeof params !== 'object') return fail('renewal configuration lacks [renewalparams]; certbot skips it too');
  const authenticator = confString(params, 'authenticator');
  if (authenticator === null) return fail('renewal configuration does not specify an authenticator; certbot skips it too');

  const certPath = path.resolve(configDir, confString(conf, 'cert')!);
  let cert: CertificateFacts;
  let certTarget: string;
  try {
    certTarget = linkTargetSync(certPath);
    cert = certificateFacts(readSmallFileSync(certTarget));
  } catch (err) {
    return fail(`cannot read the certificate ${certPath}: ${shortError(err)}`);
  }
  const names = identifiersOf(cert);
  const notes: string[] = [`names from ${certTarget}`];
  const errors: SourceError[] = [];

  // renewal._restore_str: a stored ACMEv1 server means the current default.
  let server = confString(params, 'server') ?? LETS_ENCRYPT.production;
  if (server === LETS_ENCRYPT.productionV1) server = LETS_ENCRYPT.production;
  const accountId = confString(params, 'account');
  const account = await once(accounts, `${server}|${accountId}`, () => readAccount(configDir, server, accountId));
  if (account.error) errors.push({ source: 'certbot', path: account.path ?? confPath, message: account.error });

  const prefs = confList(params, 'pref_challs').map(normalizeChallenge);
  const method = challengePlan(authenticator, prefs);
  if (method.note) notes.push(method.note);
  const perName = new Map(names.map((n) => [n, method.forName(n)]));
  for (const [n, m] of perName) {
    if (n.startsWith('*.') && m !== null && m !== 'dns-01') {
      notes.push(`${n} is a wildcard but the renewal would use ${m}; CAs validate wildcards only with dns-01`);
    }
  }
  const distinct = [...new Set(perName.values())];

  const due = await dueState(conf, params, configDir, name, { path: certTarget, facts: cert }, now);
  if (due.note) notes.push(due.note);

  return {
    lineage: {
      source: 'certbot',
      name,
      server,
      names,
      accountUri: account.uri,
      accountSource: account.path,
      challengeFor: (n) => perName.get(n) ?? method.forName(n),
      challenge: distinct.length === 1 ? distinct[0]! : null,
      challengeSource: `authenticator ${authenticator}${prefs.length ? `, pref_challs ${prefs.join(',')}` : ''}`,
      due: due.due,
      dueAt: due.dueAt,
      expires: due.expires,
      confPath,
      notes,
      caBundle: null, // certbot's roots come from its environment (trust.ts)
    },
    errors,
  };
}

/** certbot's order: the subject CN first, then SAN DNS names not equal to it; IPs have no CAA. */
export function identifiersOf(cert: CertificateFacts): string[] {
  const cn = cert.commonName?.trim().toLowerCase();
  const sans = cert.dnsNames.map((name) => name.trim().toLowerCase());
  const names = cn && !isIpAddress(cn) ? [cn] : [];
  for (const san of sans) if (!names.includes(san)) names.push(san);
  return names;
}

/** `dns`/`http` aliases as certbot's cli_utils.parse_preferred_challenges maps them. */
function normalizeChallenge(value: string): string {
  const v = value.trim().toLowerCase();
  if (v === 'dns') return 'dns-01';
  if (v === 'http') return 'http-01';
  if (v === 'tls-alpn') return 'tls-alpn-01';
  return v;
}

const HTTP_AUTHENTICATORS = ['webroot', 'standalone', 'nginx', 'apache'];

/**
 * docs/certbot.md §5: the plugin's challenge list, narrowed and ordered by pref_challs; then the CA
 * offers only dns-01 for wildcards. null = an authenticator whose challenges we cannot know.
 */
export function challengePlan(authenticator: string, prefs: string[]): { forName: (name: string) => string | null; note: string | null } {
  const plugin = authenticator.replace(/^certbot-[a-z0-9-]+:/, '');
  let supported: string[] | null;
  if (HTTP_AUTHENTICATORS.includes(plugin)) supported = ['http-01'];
  else if (plugin === 'manual') supported = ['http-01', 'dns-01'];
  else if (plugin.startsWith('dns-') || authenticator === 'certbot-route53:auth') supported = ['dns-01'];
  else supported = null;
  if (supported === null) {
    return {
      forName: () => null,
      note: `authenticator ${authenticator} is not one certbot ships; its challenge type is unknown, so validationmethods is evaluated as unknown`,
    };
  }
  const usable = prefs.length > 0 ? prefs.filter((p) => supported!.includes(p)) : supported;
  if (usable.length === 0) {
    return {
      forName: () => null,
      note: `pref_challs ${prefs.join(',')} has nothing ${authenticator} can do; certbot fails with "None of the preferred challenges are supported"`,
    };
  }
  return {
    forName: (name) => (name.startsWith('*.') ? (usable.includes('dns-01') ? 'dns-01' : usable[0]!) : usable[0]!),
    note: null,
  };
}

export interface AccountInfo {
  uri: string | null;
  path: string | null;
  error: string | null;
}

/** `accounts/<netloc+path>/<id>/regr.json` "uri", with certbot's ACMEv1 fallback (docs/certbot.md §4). */
export async function readAccount(configDir: string, server: string, accountId: string | null): Promise<AccountInfo> {
  let serverPath: string;
  try {
    serverPath = accountsFolder(server);
  } catch {
    return { uri: null, path: null, error: `server ${JSON.stringify(server)} is not a URL; the account cannot be located` };
  }
  const dirs = [serverPath, REUSE_SERVER_PATHS.get(serverPath)].filter((d): d is string => d !== undefined);
  const accountsRoot = path.join(configDir, 'accounts');
  if (accountId === null) {
    // Very old confs: certbot uses the only account for the server, and asks when there are several.
    for (const dir of dirs) {
      const ids = listOrNothing(path.join(accountsRoot, dir));
      if (ids.length === 1) return readRegr(path.join(accountsRoot, dir, ids[0]!, 'regr.json'));
      if (ids.length > 1) return { uri: null, path: null, error: `the conf names no account and ${path.join(accountsRoot, dir)} holds ${ids.length}; certbot would have to ask` };
    }
    return { uri: null, path: null, error: `the conf names no account and none exists under ${path.join(accountsRoot, serverPath)}` };
  }
  const candidates = dirs.map((dir) => path.join(accountsRoot, dir, accountId, 'regr.json'));
  let first: AccountInfo | null = null;
  for (const candidate of candidates) {
    const info = readRegr(candidate);
    if (info.uri !== null) return info;
    first ??= info;
  }
  return first!;
}

function readRegr(regrPath: string): AccountInfo {
  let text: string;
  try {
    text = readSmallTextSync(regrPath);
  } catch (err) {
    return { uri: null, path: regrPath, error: `cannot read the account: ${shortError(err)}` };
  }
  try {
    const uri = (JSON.parse(text) as { uri?: unknown }).uri;
    if (typeof uri === 'string' && uri !== '') return { uri, path: regrPath, error: null };
    return { uri: null, path: regrPath, error: 'account file has no "uri"' };
  } catch (err) {
    return { uri: null, path: regrPath, error: `account file is not JSON: ${(err as Error).message}` };
  }
}

function listOrNothing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function shortError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied (run preflight as the user certbot runs as, usually root)';
  return e.message;
}
