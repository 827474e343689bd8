// acme.sh certificates as acme.sh will renew them (docs/acme-sh.md §1-5): one folder per certificate
// under CERT_HOME, names from Le_Domain + Le_Alt, the CA from Le_API, the account from the
// CA folder's ca.conf, the challenge per name from Le_Webroot, due from Le_NextRenewTime.
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import { isDirectory, readSmallFileSync, readSmallTextSync } from '../fsutil.js';
import { certificateFacts } from './x509.js';
import { isIpAddress, ZEROSSL_DIRECTORY, type SourceError } from '../vocabulary.js';
import type { CaBundle, Lineage } from './lineage.js';
import { parseShellConf, type ShellConf } from './shellconf.js';
import { acmeshTrust } from './trust.js';

/** One acme.sh config home, resolved. */
export interface AcmeHome {
  /** LE_CONFIG_HOME: account.conf and, by default, the certificate folders. */
  configHome: string;
  certHome: string;
  caHome: string;
  defaultServer: string | null;
  /** CA_PATH or CA_BUNDLE from account.conf: the roots acme.sh's curl trusts for the CA. */
  caBundle?: CaBundle | null;
}

export interface AcmeReadResult {
  lineages: Lineage[];
  errors: SourceError[];
}

/**
 * The homes to read when none is given: LE_CONFIG_HOME / LE_WORKING_DIR from the environment,
 * else the invoking user's ~/.acme.sh (the sudo caller's too), and root's when run as root.
 */
export async function defaultAcmeHomes(env: NodeJS.ProcessEnv): Promise<string[]> {
  const fromEnv = [env.LE_CONFIG_HOME, env.LE_WORKING_DIR].filter((d): d is string => Boolean(d));
  if (fromEnv.length > 0) return existingUnique(fromEnv);
  const candidates = [path.join(env.HOME ?? os.homedir(), '.acme.sh')];
  if (env.SUDO_USER) {
    const home = await passwdHome(env.SUDO_USER);
    if (home) candidates.push(path.join(home, '.acme.sh'));
  }
  if (process.getuid?.() === 0) candidates.push('/root/.acme.sh');
  return existingUnique(candidates);
}

async function existingUnique(dirs: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of dirs) {
    try {
      const real = await realpath(dir);
      if ((await isDirectory(real)) && !seen.has(real)) {
        seen.add(real);
        out.push(dir);
      }
    } catch {
      // not there: nothing to read
    }
  }
  return out;
}

async function passwdHome(user: string): Promise<string | null> {
  try {
    const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${user}:`));
    return line?.split(':')[5] ?? null;
  } catch {
    return null;
  }
}

/** Resolve CERT_HOME, CA_HOME, DEFAULT_ACME_SERVER and CA_PATH/CA_BUNDLE from a config home's account.conf. */
export async function resolveAcmeHome(configHome: string): Promise<{ home: AcmeHome; error: SourceError | null }> {
  const accountConf = path.join(configHome, 'account.conf');
  let conf: ShellConf | null = null;
  let error: SourceError | null = null;
  try {
    conf = parseShellConf(readSmallTextSync(accountConf));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      error = { source: 'acme.sh', path: accountConf, message: `cannot read: ${(err as Error).message}` };
    }
  }
  const value = (key: string): string | null => conf?.values.get(key) || null;
  return {
    home: {
      configHome,
      certHome: value('CERT_HOME') ?? configHome,
      caHome: value('CA_HOME') ?? path.join(configHome, 'ca'),
      defaultServer: value('DEFAULT_ACME_SERVER'),
      caBundle: acmeshTrust(value, accountConf),
    },
    error,
  };
}

/**
 * Every certificate folder of one home: `<name>[_ecc]/<name>.conf`, wildcard folders included.
 * `override` carries what an acme.sh command line changes: --cert-home, and --server (which
 * also decides which CA folder's account is used).
 */
export async function readAcmeHome(
  configHome: string,
  now: Date,
  override: { certHome?: string; server?: string } = {},
): Promise<AcmeReadResult> {
  const resolved = await resolveAcmeHome(configHome);
  const error = resolved.error;
  const home = override.certHome ? { ...resolved.home, certHome: override.certHome } : resolved.home;
  const errors: SourceError[] = error ? [error] : [];
  let entries: string[];
  try {
    entries = (await readdir(home.certHome)).sort();
  } catch (err) {
    return { lineages: [], errors: [...errors, { source: 'acme.sh', path: home.certHome, message: `cannot list certificates: ${(err as Error).message}` }] };
  }
  const lineages: Lineage[] = [];
  for (const entry of entries) {
    // renewAll globs $CERT_HOME/*.* and $CERT_HOME/*:* (docs/acme-sh.md §1).
    if (!entry.includes('.') && !entry.includes(':')) continue;
    const folder = path.join(home.certHome, entry);
    const domain = entry.replace(/_ecc$/, '');
    const confPath = path.join(folder, `${domain}.conf`);
    // renewAll globs directories only (`*.*/`); in a certificate folder, anything by the conf's
    // name that is not a readable file is reported.
    if ((await kindOf(folder)) !== 'directory') continue;
    const kind = await kindOf(confPath);
    if (kind === 'missing') continue;
    if (kind !== 'file') {
      errors.push({ source: 'acme.sh', path: confPath, message: `cannot read: ${kind === 'directory' ? 'is a directory' : 'not a regular file (a FIFO, socket or device)'}` });
      continue;
    }
    const result = await readAcmeCert(home, confPath, entry.endsWith('_ecc'), now, override.server ? { server: override.server } : {});
    errors.push(...result.errors);
    if (result.lineage) lineages.push(result.lineage);
  }
  return { lineages, errors };
}


/** One domain conf -> one lineage, or an error naming the file. */
export async function readAcmeCert(
  home: AcmeHome,
  confPath: string,
  ecc: boolean,
  now: Date,
  override: { server?: string; caConf?: string } = {},
): Promise<{ lineage: Lineage | null; errors: SourceError[] }> {
  let conf: ShellConf;
  try {
    conf = parseShellConf(readSmallTextSync(confPath));
  } catch (err) {
    return { lineage: null, errors: [{ source: 'acme.sh', path: confPath, message: `cannot read: ${(err as Error).message}` }] };
  }
  const errors: SourceError[] = [];
  if (conf.problems.length > 0) {
    const first = conf.problems[0]!;
    errors.push({ source: 'acme.sh', path: confPath, message: `line ${first.line} is not a KEY='value' assignment${conf.problems.length > 1 ? ` (and ${conf.problems.length - 1} more)` : ''}` });
  }
  const get = (key: string): string | null => conf.values.get(key) || null;
  const mainDomain = get('Le_Domain');
  if (mainDomain === null) {
    return { lineage: null, errors: [...errors, { source: 'acme.sh', path: confPath, message: 'no Le_Domain: not a certificate conf acme.sh can renew' }] };
  }
  const notes: string[] = [];

  // Le_Domain + Le_Alt; `no` means none; IPs carry no CAA; IDNs go to the CA as A-labels.
  const raw = [...mainDomain.replace(/,no$/, '').split(','), ...(get('Le_Alt') ?? '').split(',')]
    .map((n) => n.trim())
    .filter((n) => n !== '' && n !== 'no');
  const names: string[] = [];
  const indexOf: number[] = [];
  raw.forEach((n, i) => {
    if (isIpAddress(n)) {
      notes.push(`${n} is an IP identifier: the CA does not check CAA for it`);
      return;
    }
    const wildcard = n.startsWith('*.');
    const ascii = domainToASCII(wildcard ? n.slice(2) : n) || n;
    names.push((wildcard ? '*.' : '') + ascii);
    indexOf.push(i);
  });

  const server = override.server ?? get('Le_API') ?? home.defaultServer ?? ZEROSSL_DIRECTORY;
  const serverSource = override.server
    ? 'the acme.sh command line / ACME_DIRECTORY'
    : get('Le_API') ? `Le_API in ${confPath}` : home.defaultServer ? `DEFAULT_ACME_SERVER in account.conf` : "acme.sh's default CA";
  notes.push(`CA from ${serverSource}`);

  const account = await readAccountUrl(home, server, override.caConf);
  if (account.note) notes.push(account.note);

  const webroot = get('Le_Webroot') ?? '';
  const methods = indexOf.map((i) => methodFor(acmeField(webroot, i + 1)));
  const perName = new Map(names.map((n, k) => [n, methods[k]!]));
  if (webroot.split(',').includes('dns')) notes.push('manual DNS mode (Le_Webroot=dns): acme.sh refuses to renew it from cron regardless of CAA');
  for (const [n, m] of perName) {
    if (n.startsWith('*.') && m !== 'dns-01' && m !== 'dns-persist-01') {
      notes.push(`${n} is a wildcard but Le_Webroot gives ${m}; CAs validate wildcards only over DNS`);
    }
  }
  const distinct = [...new Set(perName.values())];

  const next = renewTimeOf(get('Le_NextRenewTime'));
  let due: boolean | null;
  if (next instanceof Date) {
    due = now.getTime() >= next.getTime();
    notes.push(`due from ${next.toISOString()} (Le_NextRenewTime)`);
  } else if (next === 'never') {
    due = false;
    notes.push('Le_NextRenewTime is further away than any date: acme.sh --cron skips it');
  } else if (next === 'not-a-number') {
    due = true;
    notes.push("Le_NextRenewTime is not a number acme.sh's test can compare: it renews on the next run");
  } else if (get('Le_CertCreateTime') === null) {
    due = false;
    notes.push('never issued (no Le_CertCreateTime): acme.sh --cron skips it');
  } else {
    due = true; // renew() skips only while now < Le_NextRenewTime
    notes.push('no Le_NextRenewTime: acme.sh renews it on the next run');
  }

  return {
    lineage: {
      source: 'acme.sh',
      name: mainDomain,
      server,
      names,
      accountUri: account.uri,
      accountSource: account.uri ? account.path : null,
      challengeFor: (n) => perName.get(n) ?? null,
      challenge: distinct.length === 1 ? distinct[0]! : null,
      challengeSource: `Le_Webroot=${get('Le_Webroot') ?? ''}`,
      due,
      dueAt: next instanceof Date ? next : null,
      expires: certificateExpiry(confPath),
      confPath,
      notes: ecc ? ['ECC certificate (renew with --ecc)', ...notes] : notes,
      caBundle: home.caBundle ?? null,
      ecc,
    },
    errors,
  };
}

/** notAfter of the certificate acme.sh keeps next to the conf (`<domain>.cer`); null when there is none to read. */
function certificateExpiry(confPath: string): Date | null {
  try {
    return certificateFacts(readSmallFileSync(path.join(path.dirname(confPath), `${path.basename(confPath, '.conf')}.cer`))).notAfter;
  } catch {
    return null;
  }
}

/** What is at `p`, following symlinks (a dangling or looping link reads as a file, so that reading it says why). */
async function kindOf(p: string): Promise<'missing' | 'file' | 'directory' | 'other'> {
  const st = await stat(p).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? null : ('unreadable' as const)));
  if (st === null) return 'missing';
  if (st === 'unreadable') return 'file';
  return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other';
}

/**
 * Le_NextRenewTime as acme.sh's `[ "$(_time)" -lt "$Le_NextRenewTime" ]` reads it: epoch
 * seconds; a whole number past any date (but within the shell's 64 bits) is never reached; a
 * value the test cannot compare makes it fail, so acme.sh renews. null when the field is absent.
 */
function renewTimeOf(raw: string | null): Date | 'never' | 'not-a-number' | null {
  if (raw === null) return null;
  const text = raw.trim();
  if (!/^[-+]?\d+$/.test(text)) return 'not-a-number';
  const seconds = BigInt(text);
  if (seconds > 2n ** 63n - 1n || seconds < -(2n ** 63n)) return 'not-a-number';
  const ms = Number(seconds) * 1000;
  if (ms > 8.64e15) return 'never';
  return new Date(Math.max(ms, -8.64e15));
}

/**
 * acme.sh's `_getfield` (docs/acme-sh.md §3): field `index` (1-based) of a comma list, walking back past
 * missing or empty fields; when none is left (or the list has no comma, as `cut` prints a line
 * without the delimiter whole), the whole string.
 */
export function acmeField(list: string, index: number): string {
  const fields = list.split(',');
  if (fields.length === 1) return list;
  for (let i = Math.min(index, fields.length); i > 0; i--) {
    if (fields[i - 1]) return fields[i - 1]!;
  }
  return list;
}

/** Le_Webroot value -> ACME challenge, with acme.sh's tests in its order (docs/acme-sh.md §3). */
export function methodFor(webroot: string): string {
  if (webroot === 'dns_persist') return 'dns-persist-01';
  if (webroot.startsWith('dns')) return 'dns-01';
  if (webroot === 'alpn') return 'tls-alpn-01';
  return 'http-01'; // a path, `no` (standalone), apache, nginx[:conf], stateless
}

/** ACCOUNT_URL from `<CA_HOME>/<host>/<path>/ca.conf` (host without port), or the legacy `<host>/ca.conf`. */
async function readAccountUrl(home: AcmeHome, server: string, caConfOverride?: string): Promise<{ uri: string | null; path: string | null; note: string | null }> {
  let candidates: string[];
  if (caConfOverride) {
    candidates = [caConfOverride];
  } else {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      return { uri: null, path: null, note: `server ${server} is not a URL: the account cannot be located` };
    }
    const caDir = path.join(home.caHome, url.hostname, url.pathname);
    candidates = [path.join(caDir, 'ca.conf'), path.join(home.caHome, url.hostname, 'ca.conf')];
  }
  for (const candidate of candidates) {
    let text: string;
    try {
      text = readSmallTextSync(candidate);
    } catch {
      continue;
    }
    const uri = parseShellConf(text).values.get('ACCOUNT_URL') || null;
    if (uri) return { uri, path: candidate, note: null };
  }
  return {
    uri: null,
    path: null,
    note: `no ACCOUNT_URL in ${candidates[0]} yet: acme.sh registers the account at renewal, so an accounturi restriction cannot be checked now`,
  };
}
