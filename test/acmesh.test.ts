// acme.sh homes in the documented format (docs/acme-sh.md §1-4): RSA and ECC folders, a wildcard
// folder, Le_Alt 'no', base64 hooks, a missing ca.conf, a non-default CERT_HOME, a broken conf,
// and the pre-hook environment. Checked end to end against the test DNS server.
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { EXAMPLE_COM_CERT } from '../src/demo/sample.js';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeField, methodFor, readAcmeCert } from '../src/sources/acmesh.js';
import { decodeAcmeValue, encodeAcmeValue, parseShellConf } from '../src/sources/shellconf.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import { runCli } from './helpers/run-cli.js';
import type { JsonDocument } from '../src/report/json.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const epoch = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));
const b64 = (s: string) => `__ACME_BASE64__START_${Buffer.from(s).toString('base64')}__ACME_BASE64__END_`;

let dir: string;
let home: string;
let certHome: string;
let dns: TestDns;

async function put(file: string, lines: string[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-acmesh-'));
  home = path.join(dir, 'acme-home');
  certHome = path.join(dir, 'certs');
  await put(path.join(home, 'account.conf'), [
    '#LOG_FILE="/root/.acme.sh/acme.sh.log"',
    '#AUTO_UPGRADE="1"',
    `CERT_HOME='${certHome}'`,
    "ACCOUNT_EMAIL='hostmaster@example.org'",
    "SAVED_CF_Token='secret-token'",
    "DEFAULT_ACME_SERVER='https://acme-v02.api.letsencrypt.org/directory'",
  ]);
  await put(path.join(home, 'ca/acme-v02.api.letsencrypt.org/directory/ca.conf'), [
    "CA_EMAIL='hostmaster@example.org'",
    "ACCOUNT_URL='https://acme-v02.api.letsencrypt.org/acme/acct/4242'",
    "CA_KEY_HASH='0f0e'",
  ]);
  await put(path.join(home, 'ca/acme.zerossl.com/v2/DV90/ca.conf'), [
    "CA_EAB_KEY_ID='kid'",
    "CA_EAB_HMAC_KEY='hmac-secret'",
    "ACCOUNT_URL='https://acme.zerossl.com/v2/DV90/account/zzz'",
  ]);
  await mkdir(path.join(home, 'dnsapi'), { recursive: true });
  // A. ZeroSSL (acme.sh's default CA) ECC, one name, webroot; due.
  await put(path.join(certHome, 'www.example.org_ecc/www.example.org.conf'), [
    "Le_Domain='www.example.org'", "Le_Alt='no'", "Le_Webroot='/var/www/example'",
    "Le_PreHook=''", "Le_PostHook=''", "Le_RenewHook=''",
    "Le_API='https://acme.zerossl.com/v2/DV90'", "Le_Keylength='ec-256'",
    `Le_CertCreateTime='${epoch('2026-09-26T08:53:20Z')}'`,
    `Le_NextRenewTime='${epoch('2026-11-24T08:53:20Z')}'`,
    `Le_ReloadCmd='${b64('systemctl reload nginx')}'`,
  ]);
  // B. Let's Encrypt wildcard + apex over Cloudflare DNS, base64 pre-hook, RSA; not due yet.
  await put(path.join(certHome, '*.shop.example.net/*.shop.example.net.conf'), [
    "Le_Domain='*.shop.example.net'", "Le_Alt='shop.example.net'", "Le_Webroot='dns_cf'",
    `Le_PreHook='${b64('/usr/local/bin/caa-preflight')}'`,
    "Le_ChallengeAlias='acme-delegate.example.com,'",
    "Le_API='https://acme-v02.api.letsencrypt.org/directory'", "Le_Keylength='3072'",
    `Le_CertCreateTime='${epoch('2026-11-01T00:00:00Z')}'`,
    `Le_NextRenewTime='${epoch('2026-12-30T00:00:00Z')}'`,
  ]);
  // C. Google, mixed methods (standalone for the first name, alpn after), no ca.conf for it.
  await put(path.join(certHome, 'mail.example.com_ecc/mail.example.com.conf'), [
    "Le_Domain='mail.example.com'", "Le_Alt='smtp.example.com,imap.example.com'", "Le_Webroot='no,alpn'",
    "Le_API='https://dv.acme-v02.api.pki.goog/directory'", "Le_Keylength='ec-384'",
    `Le_CertCreateTime='${epoch('2026-09-01T00:00:00Z')}'`, `Le_NextRenewTime='${epoch('2026-10-31T00:00:00Z')}'`,
  ]);
  // The RSA twin of C, issued long ago with Let's Encrypt.
  await put(path.join(certHome, 'mail.example.com/mail.example.com.conf'), [
    "Le_Domain='mail.example.com'", "Le_Alt='no'", "Le_Webroot='/srv/mail'",
    "Le_API='https://acme-v02.api.letsencrypt.org/directory'", "Le_Keylength='2048'",
    `Le_CertCreateTime='${epoch('2026-09-01T00:00:00Z')}'`, `Le_NextRenewTime='${epoch('2026-10-31T00:00:00Z')}'`,
  ]);
  // No Le_API: renews against DEFAULT_ACME_SERVER; IDN main name and an IP.
  await put(path.join(certHome, 'bücher.example/bücher.example.conf'), [
    'Le_Domain="bücher.example"', "Le_Alt='192.0.2.7,www.bücher.example'", 'Le_Webroot=dns_aws',
    `Le_CertCreateTime='${epoch('2026-09-01T00:00:00Z')}'`, `Le_NextRenewTime='${epoch('2026-10-31T00:00:00Z')}'`,
  ]);
  // Broken: no Le_Domain, a stray line.
  await put(path.join(certHome, 'broken.example/broken.example.conf'), ["Le_Alt='no'", 'this is not an assignment']);
  // Folders acme.sh ignores.
  await put(path.join(certHome, 'nodot/nodot.conf'), ["Le_Domain='nodot'"]);

  dns = await startTestDns({
    'example.org': ['0 issue "letsencrypt.org"'],
    'shop.example.net': ['0 issue "letsencrypt.org; validationmethods=dns-01"', '0 issuewild "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/4242"'],
    'example.com': ['0 issue "pki.goog; validationmethods=tls-alpn-01"', '0 issue "letsencrypt.org"'],
    'xn--bcher-kva.example': ['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/4242; validationmethods=dns-01"'],
  });
});
afterAll(async () => {
  await dns?.close();
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) =>
  runCli([...args, '--resolver', dns.arg, '--json', '--config-dir', path.join(dir, 'no-certbot')], { now: NOW, env, ...(cwd ? { cwd } : {}) });


describe('acme.sh homes', () => {
  let doc: JsonDocument;
  let code: number;
  beforeAll(async () => {
    const result = await run(['--acme-home', home]);
    code = result.code;
    doc = JSON.parse(result.stdout) as JsonDocument;
  });
  const lineage = (name: string, ecc?: boolean) =>
    doc.lineages.find((l) => l.name === name && (ecc === undefined || l.notes.some((n) => n.startsWith('ECC')) === ecc))!;

  it('finds every certificate folder under a non-default CERT_HOME, RSA and ECC, wildcard folder included', () => {
    expect(doc.lineages.map((l) => l.name).sort()).toEqual(
      ['*.shop.example.net', 'bücher.example', 'mail.example.com', 'mail.example.com', 'www.example.org'].sort(),
    );
    expect(doc.lineages.every((l) => l.source === 'acme.sh')).toBe(true);
  });
  it('reports a broken conf with its path, and still checks the others', () => {
    const broken = doc.errors.filter((e) => e.path?.endsWith('broken.example.conf'));
    expect(broken.map((e) => e.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/line 2 is not a KEY='value' assignment/), expect.stringMatching(/no Le_Domain/)]),
    );
    expect(code).toBe(1);
  });
  it("drops Le_Alt 'no', maps Le_Webroot per name, and reads the CA and account", () => {
    const a = lineage('www.example.org');
    expect(a.names.map((n) => n.name)).toEqual(['www.example.org']);
    expect(a).toMatchObject({ server: 'https://acme.zerossl.com/v2/DV90', accountUri: 'https://acme.zerossl.com/v2/DV90/account/zzz', challenge: 'http-01', due: true });
  });
  it('fails ZeroSSL renewals when CAA allows only letsencrypt.org, naming sectigo.com (failure mode 1)', () => {
    const name = lineage('www.example.org').names[0]!;
    expect(name.status).toBe('fail');
    expect(name.reason).toMatch(/sectigo\.com/);
  });
  it('checks a wildcard + apex over dns_cf against issuewild/issue with the account from ca.conf', () => {
    const b = lineage('*.shop.example.net');
    expect(b).toMatchObject({ challenge: 'dns-01', due: false, accountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/4242' });
    expect(b.names.map((n) => [n.name, n.status])).toEqual([['*.shop.example.net', 'pass'], ['shop.example.net', 'pass']]);
  });
  it('carries the last Le_Webroot field over to later names (no,alpn -> http-01, tls-alpn-01, tls-alpn-01)', () => {
    const c = lineage('mail.example.com', true);
    expect(c.names.map((n) => [n.name, n.challenge])).toEqual([
      ['mail.example.com', 'http-01'], ['smtp.example.com', 'tls-alpn-01'], ['imap.example.com', 'tls-alpn-01'],
    ]);
    expect(c.challenge).toBeNull();
    expect(c.accountUri).toBeNull();
    expect(c.notes.join('\n')).toMatch(/no ACCOUNT_URL in .*dv\.acme-v02\.api\.pki\.goog\/directory\/ca\.conf/);
    // pki.goog does not enforce validationmethods before 2027-03-15 (SC-098): a warning, not a failure.
    expect(c.names.map((n) => n.status)).toEqual(['warn', 'pass', 'pass']);
    expect(c.names[0]!.reason).toMatch(/authorizes/);
  });
  it('keeps the RSA and ECC certificates of one name apart', () => {
    expect(lineage('mail.example.com', false)).toMatchObject({ server: 'https://acme-v02.api.letsencrypt.org/directory', challenge: 'http-01' });
  });
  it('falls back to DEFAULT_ACME_SERVER, checks IDNs as A-labels and skips IP identifiers', () => {
    const d = lineage('bücher.example');
    expect(d.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(d.names.map((n) => n.name)).toEqual(['xn--bcher-kva.example', 'www.xn--bcher-kva.example']);
    expect(d.notes.join('\n')).toMatch(/192\.0\.2\.7 is an IP identifier/);
    expect(d.names.map((n) => n.status)).toEqual(['pass', 'pass']);
  });
  it('does not leak secrets from account.conf or ca.conf into the report', () => {
    expect(JSON.stringify(doc)).not.toMatch(/secret-token|hmac-secret/);
  });
});

describe('selection', () => {
  it('--cert-name picks by main domain (both key types), and reports unknown names', async () => {
    const doc = JSON.parse((await run(['--acme-home', home, '--cert-name', 'mail.example.com', '--cert-name', 'nope.example'])).stdout) as JsonDocument;
    expect(doc.lineages.map((l) => l.name)).toEqual(['mail.example.com', 'mail.example.com']);
    expect(doc.errors.map((e: { message: string }) => e.message)).toContainEqual(expect.stringMatching(/--cert-name nope\.example/));
  });
  it('--due keeps only what is due', async () => {
    const doc = JSON.parse((await run(['--acme-home', home, '--due'])).stdout) as JsonDocument;
    expect(doc.lineages.map((l) => l.name).sort()).toEqual(['bücher.example', 'mail.example.com', 'mail.example.com', 'www.example.org']);
  });
  it('as an acme.sh pre-hook (Le_Domain set, cwd = the certificate folder) checks just that certificate', async () => {
    const folder = path.join(certHome, '*.shop.example.net');
    const result = await run([], { Le_Domain: '*.shop.example.net', Le_Alt: 'shop.example.net', LE_CONFIG_HOME: home }, folder);
    const doc = JSON.parse(result.stdout) as JsonDocument;
    expect(doc.lineages).toHaveLength(1);
    expect(doc.lineages[0]).toMatchObject({ name: '*.shop.example.net', accountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/4242' });
    expect(result.code).toBe(0);
  });
  it('uses ACME_DIRECTORY from acme.sh in pre-hook mode (a --server override on the renew line)', async () => {
    const folder = path.join(certHome, 'mail.example.com');
    const result = await run([], { Le_Domain: 'mail.example.com', LE_CONFIG_HOME: home, ACME_DIRECTORY: 'https://acme.zerossl.com/v2/DV90' }, folder);
    const l = (JSON.parse(result.stdout) as JsonDocument).lineages[0]!;
    expect(l.server).toBe('https://acme.zerossl.com/v2/DV90');
    expect(l.accountUri).toBe('https://acme.zerossl.com/v2/DV90/account/zzz');
    expect(result.code).toBe(1); // example.com allows pki.goog and letsencrypt.org, not Sectigo
  });
  it('reports a missing --acme-home as an error', async () => {
    const result = await run(['--acme-home', path.join(dir, 'missing')]);
    expect(result.code).toBe(2);
    expect((JSON.parse(result.stdout) as JsonDocument).errors[0]?.message).toMatch(/no such directory/);
  });
});

describe('acme.sh conf syntax', () => {
  it('parses single-, double- and un-quoted values, last assignment winning, comments skipped', () => {
    const conf = parseShellConf("# c\nA='x y'\nB=\"a \\\"q\\\" b\"\nC=bare\nA='second'\nD='v' # note\n");
    expect(Object.fromEntries(conf.values)).toEqual({ A: 'second', B: 'a "q" b', C: 'bare', D: 'v' });
    expect(conf.problems).toEqual([]);
  });
  it('round-trips the base64 hook encoding and leaves legacy plain values alone', () => {
    const hook = 'systemctl stop nginx && echo "done; ok"';
    expect(decodeAcmeValue(encodeAcmeValue(hook))).toBe(hook);
    expect(encodeAcmeValue('')).toBe('');
    expect(decodeAcmeValue('plain || true')).toBe('plain || true');
  });
  it.each([
    ['dns_cf', 3, 'dns_cf'], // no comma: cut prints the whole line
    ['no,alpn', 1, 'no'],
    ['no,alpn', 3, 'alpn'], // missing fields repeat the last one
    ['dns_cf,,', 3, 'dns_cf'], // empty fields too
    [',,', 2, ',,'], // nothing at all: the whole string
  ])('_getfield(%j, %i) = %j', (list, index, expected) => {
    expect(acmeField(list, index)).toBe(expected);
  });
  it.each([
    ['/var/www/html', 'http-01'], ['no', 'http-01'], ['apache', 'http-01'], ['nginx:/etc/nginx/site.conf', 'http-01'],
    ['stateless', 'http-01'], ['alpn', 'tls-alpn-01'], ['dns_cf', 'dns-01'], ['dns', 'dns-01'], ['dns_persist', 'dns-persist-01'],
  ])('Le_Webroot %s -> %s', (webroot, method) => {
    expect(methodFor(webroot)).toBe(method);
  });
});

describe("Le_NextRenewTime as acme.sh's shell test reads it", () => {
  it.each<[string, boolean, RegExp]>([
    [epoch('2026-11-01T00:00:00Z'), true, /due from 2026-11-01/],
    [epoch('2027-01-01T00:00:00Z'), false, /due from 2027-01-01/],
    ['99999999999999', false, /further away than any date/], // within 64 bits: never reached
    ['99999999999999999999', true, /not a number .* renews/], // past 64 bits: `[` fails, acme.sh renews
    ['soon', true, /not a number .* renews/],
    ['', true, /renews it on the next run/], // empty: acme.sh skips the test and renews
  ])('%j: due %s', async (value, due, note) => {
    const folder = path.join(dir, `next-${value.length}-${value.slice(0, 4)}`);
    const conf = path.join(folder, 'x.example.conf');
    await put(conf, ["Le_Domain='x.example'", "Le_Alt='no'", "Le_Webroot='/var/www'", `Le_NextRenewTime='${value}'`, "Le_CertCreateTime='1788220800'"]);
    const home = { configHome: folder, certHome: folder, caHome: path.join(folder, 'ca'), defaultServer: null };
    const { lineage } = await readAcmeCert(home, conf, false, NOW);
    expect(lineage?.due).toBe(due);
    expect(lineage?.notes.join('\n')).toMatch(note);
  });
});

describe('expiry from the certificate acme.sh keeps next to the conf', () => {
  it('reads <domain>.cer; none there is null, not an error', async () => {
    const folder = path.join(dir, 'with-cert.example');
    const conf = path.join(folder, 'with-cert.example.conf');
    await put(conf, ["Le_Domain='with-cert.example'", "Le_Alt='no'", "Le_Webroot='/var/www'", `Le_NextRenewTime='${epoch('2026-11-20T00:00:00Z')}'`]);
    const home = { configHome: folder, certHome: folder, caHome: path.join(folder, 'ca'), defaultServer: null };
    const without = await readAcmeCert(home, conf, false, NOW);
    expect(without.lineage?.expires).toBeNull();
    expect(without.lineage?.dueAt?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    await writeFile(path.join(folder, 'with-cert.example.cer'), EXAMPLE_COM_CERT);
    const withCert = await readAcmeCert(home, conf, false, NOW);
    expect(withCert.lineage?.expires?.getTime()).toBe(Date.parse(new X509Certificate(EXAMPLE_COM_CERT).validTo));
    expect(withCert.errors).toEqual([]);
  });
});
