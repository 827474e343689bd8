// `preflight list` on the demo sample (a certbot config dir and an acme.sh home in their real
// formats) and on confs written here: names, CA, account, challenge, expiry and due as the
// configuration says, the typed JSON document, configuration errors listed with their path while
// the rest is listed, 80 columns, escaping, exit codes, and no DNS at all.
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { ACME_CA_CONFS, ACME_CERTS, API_EXAMPLE_ORG_CERT, DEMO_ACCOUNT_URI, EXAMPLE_COM_CERT } from '../src/demo/sample.js';
import type { ListDocument, ListLineage } from '../src/report/listing.js';
import { VERSION } from '../src/version.js';
import { runCli } from './helpers/run-cli.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;

/** The certificate facts from node's own X.509 parser, not ours. */
function certFacts(pem: string): { names: string[]; expires: Date } {
  const cert = new X509Certificate(pem.trim());
  return { names: (cert.subjectAltName ?? '').split(', ').map((s) => s.replace(/^DNS:/, '')), expires: new Date(cert.validTo) };
}

/** A value of an acme.sh conf line (KEY='value'), read here without our shell-conf reader. */
function confValue(lines: string[], key: string): string {
  const line = lines.find((l) => l.startsWith(`${key}=`));
  if (!line) throw new Error(`no ${key}`);
  return line.slice(key.length + 2, -1);
}

/** The block of one lineage in the text listing. */
function blockOf(text: string, name: string): string {
  const block = text.split('\n\n').find((b) => b.startsWith(`Certificate Name: ${name} `));
  if (!block) throw new Error(`no block for ${name} in:\n${text}`);
  return block;
}

describe('preflight list on the demo sample', () => {
  let root: string;
  let args: string[];
  let text: { code: number; stdout: string; stderr: string };
  let doc: ListDocument;
  const lineage = (name: string): ListLineage => doc.lineages.find((l) => l.name === name)!;

  beforeAll(async () => {
    // A short root, so that the sample's paths fit 80 columns as they would under /etc.
    root = await mkdtemp('/tmp/pl-');
    const { configDir, acmeHome } = await writeDemoSample(root);
    args = ['--config-dir', configDir, '--acme-home', acmeHome];
    text = await runCli(['list', ...args], { now: NOW });
    const json = await runCli(['list', ...args, '--json'], { now: NOW });
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    doc = JSON.parse(json.stdout) as ListDocument;
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists every lineage of both clients, and exits 0', () => {
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    const expected = ['example.com', 'api.example.org', ...ACME_CERTS.map((c) => confValue(c.conf, 'Le_Domain'))];
    expect(doc.lineages.map((l) => l.name).sort()).toEqual(expected.sort());
    for (const name of expected) expect(text.stdout).toContain(`Certificate Name: ${name}   (`);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('5 certificates (certbot: 2, acme.sh: 3); 5 due now; 0 configuration errors');
  });

  it("shows the certbot certificates' own names and expiry, and certbot's 30-day due date", () => {
    for (const [name, pem] of [['example.com', EXAMPLE_COM_CERT], ['api.example.org', API_EXAMPLE_ORG_CERT]] as const) {
      const facts = certFacts(pem);
      const l = lineage(name);
      expect(l.source).toBe('certbot');
      expect(l.names).toEqual(facts.names);
      expect(l.expires).toBe(facts.expires.toISOString());
      expect(l.dueAt).toBe(new Date(facts.expires.getTime() - 30 * DAY).toISOString());
      expect(l.due).toBe(true);
      const block = blockOf(text.stdout, name);
      expect(block).toContain(`  Domains: ${facts.names.join(' ')}\n`);
      // 2026-11-30 00:00 is 4.5 days after NOW; due since 2026-10-31, 25.5 days before it
      expect(block).toContain('  Expiry: in 4 days (2026-11-30 00:00 UTC)\n');
      expect(block).toContain('  Due: now, became due 25 days ago (2026-10-31 00:00 UTC)\n');
      expect(block).toContain(`  Account: ${DEMO_ACCOUNT_URI}\n`);
      expect(block).toContain('  CA: letsencrypt (https://acme-v02.api.letsencrypt.org/directory)\n');
      expect(block).toMatch(new RegExp(`  Conf: .*/letsencrypt/renewal/${name}\\.conf\\n`));
    }
    expect(blockOf(text.stdout, 'example.com')).toContain('  Challenge: http-01 (authenticator webroot)\n');
    expect(blockOf(text.stdout, 'api.example.org')).toContain('  Challenge: dns-01 (authenticator dns-cloudflare)\n');
  });

  it("shows acme.sh's names, CA (short name), account and challenge from each conf", () => {
    for (const cert of ACME_CERTS) {
      const domain = confValue(cert.conf, 'Le_Domain');
      const alt = confValue(cert.conf, 'Le_Alt');
      const api = confValue(cert.conf, 'Le_API');
      const l = lineage(domain);
      expect(l.source).toBe('acme.sh');
      expect(l.names).toEqual(alt === 'no' ? [domain] : [domain, alt]);
      expect(l.server).toBe(api);
      expect(l.ca).toBe(api.includes('zerossl') ? 'zerossl' : 'letsencrypt');
      const caConf = ACME_CA_CONFS.find((c) => api.includes(c.dir))!;
      expect(l.accountUri).toBe(caConf.accountUrl);
      expect(l.ecc).toBe(cert.folder.endsWith('_ecc'));
      const due = new Date(Number(confValue(cert.conf, 'Le_NextRenewTime')) * 1000);
      expect(l.dueAt).toBe(due.toISOString());
      const block = blockOf(text.stdout, domain);
      expect(block.split('\n')[0]).toBe(`Certificate Name: ${domain}   (acme.sh${l.ecc ? ', ECC' : ''})`);
      expect(block).toContain(`  CA: ${l.ca} (${api})\n`);
      expect(block).toContain(`  Account: ${caConf.accountUrl}\n`);
      expect(block).toContain(`  Challenge: ${confValue(cert.conf, 'Le_Webroot').startsWith('dns') ? 'dns-01' : 'http-01'} (Le_Webroot=`);
      // the sample has no .cer files: the expiry is not known, and says so
      expect(l.expires).toBeNull();
      expect(block).toContain('  Expiry: unknown (no certificate read)\n');
    }
  });

  it('writes the JSON document with exactly the documented keys', () => {
    expect(Object.keys(doc)).toEqual(['lineages', 'errors', 'schemaVersion', 'version', 'checkedAt']);
    expect(doc.errors).toEqual([]);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.version).toBe(VERSION);
    expect(doc.checkedAt).toBe(NOW.toISOString());
    const keys = [
      'source', 'name', 'names', 'server', 'ca', 'accountUri', 'accountSource', 'challenge', 'challenges', 'challengeSource',
      'due', 'dueAt', 'expires', 'confPath', 'ecc', 'notes',
    ];
    for (const l of doc.lineages) {
      expect(Object.keys(l)).toEqual(keys);
      expect(Object.keys(l.challenges)).toEqual(l.names);
      expect(l.confPath).toMatch(/\.conf$/);
      expect(l.accountSource).not.toBeNull();
    }
  });

  it('fits 80 columns', () => {
    const long = text.stdout.split('\n').filter((line) => line.length > 80);
    expect(long).toEqual([]);
  });

  it('reads the clock it is given: --due keeps nothing a month earlier, and says when each becomes due', async () => {
    const early = new Date('2026-10-01T00:00:00Z');
    const all = await runCli(['list', ...args], { now: early });
    expect(blockOf(all.stdout, 'example.com')).toContain('  Due: in 30 days (2026-10-31 00:00 UTC)\n');
    expect(blockOf(all.stdout, 'example.com')).toContain('  Expiry: in 60 days (2026-11-30 00:00 UTC)\n');
    const due = await runCli(['list', ...args, '--due', '--json'], { now: early });
    expect((JSON.parse(due.stdout) as ListDocument).lineages).toEqual([]);
    const late = await runCli(['list', ...args], { now: new Date('2026-12-03T00:00:00Z') });
    expect(blockOf(late.stdout, 'example.com')).toContain('  Expiry: EXPIRED 3 days ago (2026-11-30 00:00 UTC)\n');
  });

  it('selects with --cert-name, and an unknown name is an error (exit 2) listed with the rest', async () => {
    const one = await runCli(['list', ...args, '--cert-name', 'example.com', '--cert-name', 'mail.example.dev', '--json'], { now: NOW });
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as ListDocument).lineages.map((l) => l.name).sort()).toEqual(['example.com', 'mail.example.dev']);
    const missing = await runCli(['list', ...args, '--cert-name', 'example.com', '--cert-name', 'nope.example'], { now: NOW });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('Certificate Name: example.com ');
    expect(missing.stderr).toMatch(/^preflight list: selection: --cert-name nope\.example: no certbot lineage/m);
    expect(missing.stdout).toMatch(/1 configuration error\n$/);
  });

  it('lists everything even inside an acme.sh pre-hook environment, where the check narrows to Le_Domain', async () => {
    const folder = path.join(root, 'acme.sh', 'mail.example.dev');
    const env = { Le_Domain: 'mail.example.dev', LE_CONFIG_HOME: path.join(root, 'acme.sh') };
    const result = await runCli(['list', '--config-dir', path.join(root, 'letsencrypt'), '--json'], { now: NOW, env, cwd: folder });
    expect((JSON.parse(result.stdout) as ListDocument).lineages).toHaveLength(5);
  });

  it('takes the config dir and acme.sh home from the site defaults', async () => {
    const site = path.join(root, 'caa-preflight.conf');
    await writeFile(site, `config-dir = ${path.join(root, 'letsencrypt')}\nacme-home = ${path.join(root, 'acme.sh')}\n`);
    const result = await runCli(['list', '--json'], { now: NOW, env: { CAA_PREFLIGHT_CONFIG: site } });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as ListDocument).lineages.map((l) => l.name).sort()).toEqual(doc.lineages.map((l) => l.name).sort());
  });

  it('asks no DNS: a resolver in the site defaults gets no query from list (and does from a check)', async () => {
    const dns: TestDns = await startTestDns({});
    try {
      const site = path.join(root, 'with-resolver.conf');
      await writeFile(site, `resolver = ${dns.arg}\nauthoritative = no\ntimeout = 500\nretries = 0\n`);
      const env = { CAA_PREFLIGHT_CONFIG: site };
      const listed = await runCli(['list', ...args], { now: NOW, env });
      expect(listed.code).toBe(0);
      expect(dns.queries).toEqual([]);
      await runCli([...args, '--cert-name', 'mail.example.dev'], { now: NOW, env });
      expect(dns.queries.length).toBeGreaterThan(0);
    } finally {
      await dns.close();
    }
  });
});

describe('preflight list on unusual and broken configuration', () => {
  let root: string;
  let configDir: string;
  let acmeHome: string;

  /** An acme.sh certificate conf in the home, in acme.sh's format. */
  const acmeCert = async (domain: string, lines: string[]): Promise<void> => {
    await mkdir(path.join(acmeHome, domain), { recursive: true });
    await writeFile(path.join(acmeHome, domain, `${domain}.conf`), `Le_Domain='${domain}'\n${lines.join('\n')}\nLe_CertCreateTime='1788220800'\nLe_NextRenewTime='1793404800'\n`);
  };

  beforeAll(async () => {
    root = await mkdtemp('/tmp/pl-');
    ({ configDir, acmeHome } = await writeDemoSample(root));
    // certbot would not read it: a line configobj rejects
    const conf = path.join(configDir, 'renewal', 'example.com.conf');
    await writeFile(conf, (await readFile(conf, 'utf8')).replace('[renewalparams]', 'this line is not valid\n[renewalparams]'));
    // a private CA the built-in table does not know: named by its directory's host
    await acmeCert('private.example', ["Le_Alt='no'", "Le_Webroot='/var/www/p'", "Le_API='https://ca.internal:8443/acme/directory'"]);
    // one name over DNS, one over HTTP
    await acmeCert('mixed.example', ["Le_Alt='www.mixed.example'", "Le_Webroot='dns_cf,/var/www/mixed'", "Le_API='https://acme-v02.api.letsencrypt.org/directory'"]);
    // control characters in a config value
    await acmeCert('esc.example', ["Le_Alt='no'", "Le_Webroot='/var/www/\u001b]0;owned\u0007x'", "Le_API='https://acme-v02.api.letsencrypt.org/directory'"]);
    // many names
    const many = Array.from({ length: 14 }, (_, i) => `host${i}.many.example`);
    await acmeCert('many.example', [`Le_Alt='${many.join(',')}'`, "Le_Webroot='dns_cf'", "Le_API='https://acme-v02.api.letsencrypt.org/directory'"]);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists a broken conf as an error with its path, the others as usual, and exits 2', async () => {
    const text = await runCli(['list', '--config-dir', configDir, '--acme-home', acmeHome], { now: NOW });
    expect(text.code).toBe(2);
    const conf = path.join(configDir, 'renewal', 'example.com.conf');
    expect(text.stderr).toContain(`preflight list: certbot ${conf}: `);
    expect(text.stderr).toMatch(/invalid line "this line is not valid"/);
    expect(text.stdout).not.toContain('Certificate Name: example.com ');
    expect(text.stdout).toContain('Certificate Name: api.example.org ');
    expect(text.stdout).toMatch(/\n8 certificates \(certbot: 1, acme\.sh: 7\); 8 due now; 1 configuration error\n$/);
    const json = await runCli(['list', '--config-dir', configDir, '--acme-home', acmeHome, '--json'], { now: NOW });
    expect(json.code).toBe(2);
    expect(json.stderr).toBe('');
    const doc = JSON.parse(json.stdout) as ListDocument;
    expect(doc.errors).toEqual([{ source: 'certbot', path: conf, message: expect.stringMatching(/this line is not valid/) }]);
    expect(doc.lineages.map((l) => l.name)).toContain('api.example.org');
  });

  it("names an unknown CA by its directory's host", async () => {
    const doc = JSON.parse((await runCli(['list', '--acme-home', acmeHome, '--config-dir', configDir, '--json', '--cert-name', 'private.example'], { now: NOW })).stdout) as ListDocument;
    expect(doc.lineages[0]!.ca).toBe('ca.internal:8443');
    const text = await runCli(['list', '--acme-home', acmeHome, '--config-dir', configDir, '--cert-name', 'private.example'], { now: NOW });
    expect(text.stdout).toContain('  CA: ca.internal:8443 (https://ca.internal:8443/acme/directory)\n');
  });

  it('gives the challenge name by name when the names differ', async () => {
    const args = ['list', '--acme-home', acmeHome, '--config-dir', configDir, '--cert-name', 'mixed.example'];
    const doc = JSON.parse((await runCli([...args, '--json'], { now: NOW })).stdout) as ListDocument;
    expect(doc.lineages[0]!.challenge).toBeNull();
    expect(doc.lineages[0]!.challenges).toEqual({ 'mixed.example': 'dns-01', 'www.mixed.example': 'http-01' });
    const text = (await runCli(args, { now: NOW })).stdout;
    expect(text).toContain('  Challenge: mixed.example dns-01, www.mixed.example http-01\n             (Le_Webroot=dns_cf,/var/www/mixed)\n');
  });

  it('escapes control characters from the configuration', async () => {
    const text = await runCli(['list', '--acme-home', acmeHome, '--config-dir', configDir, '--cert-name', 'esc.example'], { now: NOW });
    expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text.stdout).toContain('Le_Webroot=/var/www/\\x1b]0;owned\\x07x');
  });

  it('wraps a long list of names within 80 columns, in order, under the first', async () => {
    const text = await runCli(['list', '--acme-home', acmeHome, '--config-dir', configDir, '--cert-name', 'many.example'], { now: NOW });
    const lines = text.stdout.split('\n');
    const start = lines.findIndex((l) => l.startsWith('  Domains: '));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith(' '.repeat(11)));
    expect(end - start).toBeGreaterThan(1);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    const listed = lines.slice(start, end).join(' ').replace('Domains:', '').trim().split(/\s+/);
    expect(listed).toEqual(['many.example', ...Array.from({ length: 14 }, (_, i) => `host${i}.many.example`)]);
  });
});

describe('preflight list usage', () => {
  it.each([
    [['-d', 'example.com']], [['--resolver', '192.0.2.53']], [['--ca', 'zerossl']], [['--format', 'json']],
    [['--timeout', '100']], [['--status-file', '/tmp/x.json']], [['--strict']], [['--version']],
  ])('rejects the check-only %j (exit 64), before reading anything', async (extra) => {
    const result = await runCli(['list', '--config-dir', '/nonexistent', ...extra]);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^preflight: ${extra[0]} does not apply to preflight list`));
  });
  it('rejects stray arguments and unknown options (exit 64)', async () => {
    expect((await runCli(['list', 'example.com'])).stderr).toMatch(/unexpected argument "example\.com"/);
    expect((await runCli(['list', '--bogus'])).code).toBe(64);
    expect((await runCli(['list', '--cert-name'])).code).toBe(64);
  });
  it('says so when there is nothing to list, and a missing --config-dir is an error (exit 2)', async () => {
    const empty = await mkdtemp('/tmp/pl-');
    try {
      const none = await runCli(['list', '--config-dir', empty, '--acme-home', empty]);
      expect(none.code).toBe(0);
      expect(none.stdout).toMatch(/^0 certificates \(certbot: 0, acme\.sh: 0\); 0 due now; 0 configuration errors\n\nnothing to list/);
      const missing = await runCli(['list', '--config-dir', path.join(empty, 'nope'), '--acme-home', empty, '--json']);
      expect(missing.code).toBe(2);
      expect((JSON.parse(missing.stdout) as ListDocument).errors).toEqual([
        { source: 'certbot', path: path.join(empty, 'nope'), message: 'no such directory (--config-dir)' },
      ]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
