// --zone-file, the what-if overlay (README "What if", docs/zone-files.md), end to end through the
// CLI over real sockets: live DNS where every renewal passes, a proposed zone that breaks some of
// them. The file's names fail, the others are judged from live DNS as before, live DNS is never
// asked about the file's names, and a broken file stops everything before a query is sent.
import { mkdtemp, readFile, rm, writeFile, chmod, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { startAuthServer, type AuthServer, type AuthZone } from '../src/demo/auth-server.js';
import { documentOf, namesOf, runCli } from './helpers/run-cli.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import type { JsonDocument } from '../src/report/json.js';

const NOW = new Date('2026-11-25T12:00:00Z'); // the demo sample's certificates are due then
const LE = '0 issue "letsencrypt.org"';

// Live DNS: every certificate of the demo sample passes (blog.example.net renews with ZeroSSL).
const LIVE = {
  'example.com': [LE],
  'example.org': [LE],
  'example.net': ['0 issue "sectigo.com"', LE],
  'example.dev': [LE],
};

let dir: string;
let sample: { configDir: string; acmeHome: string };
let dns: TestDns;
let log: string;
let stubs: string;

/** Write a zone file into the test directory; returns its path. */
async function zoneFile(name: string, lines: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** A deny-all for shop.example.com, as a proposed change to example.com's zone. */
const DENY_SHOP = [
  '$TTL 3600',
  '$ORIGIN example.com.',
  '@        IN SOA ns1 hostmaster ( 2026112601 ; serial',
  '                 3600 600 86400 60 )',
  '         IN NS  ns1',
  'ns1      IN A   192.0.2.53',
  '@        IN CAA 0 issue "letsencrypt.org"',
  '         IN CAA 0 iodef "mailto:security@example.com"',
  'www      IN CNAME @',
  'shop     IN CAA 0 issue ";" ; nobody may issue for the shop any more',
];

/** Names at or below example.com that live DNS was asked about. */
const askedUnderExampleCom = (): string[] => dns.queries.map((q) => q.name.toLowerCase()).filter((n) => /(^|\.)example\.com\.?$/.test(n));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-whatif-'));
  sample = await writeDemoSample(dir);
  dns = await startTestDns(LIVE);
  stubs = path.join(dir, 'bin');
  await mkdir(stubs);
  log = path.join(dir, 'calls.log');
  await writeFile(path.join(stubs, 'certbot'), `#!/bin/sh\nprintf '%s\\n' "certbot $*" >> "$STUB_LOG"\nexit 0\n`);
  await chmod(path.join(stubs, 'certbot'), 0o755);
});
afterAll(async () => {
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  dns.queries.length = 0;
  await rm(log, { force: true });
});

const dnsArgs = ['--resolver', '', '--timeout', '300', '--retries', '0', '--no-authoritative'];
const withDns = (): string[] => dnsArgs.map((a) => (a === '' ? dns.arg : a));
const check = (args: string[]) =>
  runCli([...args, ...withDns()], { now: NOW, env: { LE_CONFIG_HOME: sample.acmeHome } });
const statuses = (doc: JsonDocument): Record<string, string> =>
  Object.fromEntries(doc.lineages.flatMap((l) => l.names.map((n) => [n.name, n.status])));

describe('-d', () => {
  it('fails exactly the names the deny-all covers; the others are judged from live DNS, which is never asked about the file', async () => {
    const file = await zoneFile('db.example.com', DENY_SHOP);
    const names = ['example.com', 'www.example.com', 'shop.example.com', 'a.b.shop.example.com', 'example.net', 'sub.example.org'];
    const live = await check([...names.flatMap((n) => ['-d', n]), '--json']);
    expect(live.code).toBe(0);
    dns.queries.length = 0;
    const result = await check([...names.flatMap((n) => ['-d', n]), '--zone-file', file, '--json']);
    expect(result.code).toBe(1);
    const entries = namesOf(result);
    expect(Object.fromEntries(entries.map((n) => [n.name, n.status]))).toEqual({
      'example.com': 'pass', 'www.example.com': 'pass', 'shop.example.com': 'fail', 'a.b.shop.example.com': 'fail',
      'example.net': 'pass', 'sub.example.org': 'pass',
    });
    const byName = Object.fromEntries(entries.map((n) => [n.name, n]));
    expect(byName['shop.example.com']).toMatchObject({ foundAt: 'shop.example.com', records: [{ flags: 0, tag: 'issue', value: ';' }], zoneFiles: [file] });
    expect(byName['www.example.com']).toMatchObject({ foundAt: 'www.example.com', cnameChain: [{ type: 'CNAME', owner: 'www.example.com', target: 'example.com' }], zoneFiles: [file] });
    expect(byName['example.net']!.zoneFiles).toEqual([]);
    expect(byName['sub.example.org']!.zoneFiles).toEqual([]);
    const shopLookups = byName['a.b.shop.example.com']!.lookups;
    expect(shopLookups.slice(0, 3).map((l) => [l.name, l.result, l.zoneFile])).toEqual([
      ['a.b.shop.example.com', 'NXDOMAIN (empty)', file], ['b.shop.example.com', 'NXDOMAIN (empty)', file], ['shop.example.com', '1 CAA', file],
    ]);
    expect(byName['example.net']!.lookups[0]).toMatchObject({ name: 'example.net', zoneFile: null, server: dns.arg });
    expect(documentOf(result).notices).toContain(
      `what-if: ${file} stands in for the zone example.com as if published; answered from it instead of live DNS: example.com, www.example.com, shop.example.com, a.b.shop.example.com`,
    );
    // Only the names outside the file went to live DNS, and live DNS still says what it said.
    expect(askedUnderExampleCom()).toEqual([]);
    expect(dns.queries.map((q) => q.name)).toEqual(expect.arrayContaining(['example.net', 'net', 'sub.example.org', 'example.org', 'org']));
    expect(dns.zone['shop.example.com']).toBeUndefined();
  });

  it('says in the text report which names were answered from the file, and where each lookup came from under -v', async () => {
    const file = await zoneFile('db.example.com', DENY_SHOP);
    const plain = await check(['-d', 'shop.example.com', '-d', 'example.net', '--zone-file', file]);
    expect(plain.stdout).toMatch(new RegExp(`FAIL\\s+shop\\.example\\.com  \\(answered from ${file.replace(/[.]/g, '\\.')}: what-if\\)`));
    expect(plain.stdout).toMatch(/PASS\s+example\.net\n/);
    expect(plain.stdout).toMatch(/note: what-if: \S*db\.example\.com stands in for the\s+zone example\.com as if published; answered from it instead of live DNS:\s+shop\.example\.com\n/);
    const verbose = await check(['-d', 'shop.example.com', '--zone-file', file, '-v']);
    expect(verbose.stdout).toMatch(new RegExp(`shop\\.example\\.com\\s+1 CAA from zone file ${file.replace(/[.]/g, '\\.')}`));
    expect(verbose.stdout).toMatch(/fix at shop\.example\.com/);
    expect(verbose.stdout).not.toMatch(/check: dig/); // dig would show live DNS, not the file
  });

  it('follows an alias out of the file to live DNS, and a live alias into the file', async () => {
    const alias = await startTestDns({ ...LIVE, 'cdn.example.net': [LE], 'www.example.org': { cname: 'edge.example.com' } });
    try {
      const file = await zoneFile('db.alias', ['$ORIGIN example.com.', '@ CAA 0 issue "digicert.com"', 'out CNAME cdn.example.net.', 'edge CAA 0 issue ";"']);
      const result = await runCli(['-d', 'out.example.com', '-d', 'www.example.org', '--zone-file', file, '--resolver', alias.arg, '--no-authoritative', '--json'], { now: NOW });
      const byName = Object.fromEntries(namesOf(result).map((n) => [n.name, n]));
      // out.example.com: the file's alias, then live DNS's records at the target.
      expect(byName['out.example.com']).toMatchObject({ status: 'pass', foundAt: 'out.example.com', zoneFiles: [file] });
      expect(byName['out.example.com']!.cnameChain).toEqual([{ type: 'CNAME', owner: 'out.example.com', target: 'cdn.example.net' }]);
      // www.example.org: live DNS's alias, into the file's deny-all at the target.
      expect(byName['www.example.org']).toMatchObject({ status: 'fail', records: [{ flags: 0, tag: 'issue', value: ';' }], zoneFiles: [file] });
      expect(alias.queries.map((q) => q.name)).not.toContain('edge.example.com');
    } finally {
      await alias.close();
    }
  });

  it('takes over at the first covered name of a live chain, even when live DNS goes on elsewhere or fails beyond it', async () => {
    // Live: www.example.org -> mid.example.com -> far.example.net (no CAA: example.net's set applies),
    // and www.example.dev -> gone.example.com -> broken.example.net (SERVFAIL). The file makes
    // mid and gone names with their own CAA: published, the chains would end there.
    const alias = await startTestDns({
      ...LIVE,
      'www.example.org': { cname: 'mid.example.com' },
      'mid.example.com': { cname: 'far.example.net' },
      'www.example.dev': { cname: 'gone.example.com' },
      'gone.example.com': { cname: 'broken.example.net' },
      'broken.example.net': { rcode: 'SERVFAIL' },
    });
    try {
      const file = await zoneFile('db.mid', ['$ORIGIN example.com.', '@ CAA 0 issue "letsencrypt.org"', 'mid CAA 0 issue ";"', 'gone CAA 0 issue "letsencrypt.org"']);
      const live = await runCli(['-d', 'www.example.org', '-d', 'www.example.dev', '--resolver', alias.arg, '--no-authoritative', '--json'], { now: NOW });
      expect(Object.fromEntries(namesOf(live).map((n) => [n.name, n.status]))).toEqual({ 'www.example.org': 'pass', 'www.example.dev': 'fail' });
      const result = await runCli(['-d', 'www.example.org', '-d', 'www.example.dev', '--zone-file', file, '--resolver', alias.arg, '--no-authoritative', '--json'], { now: NOW });
      const byName = Object.fromEntries(namesOf(result).map((n) => [n.name, n]));
      expect(byName['www.example.org']).toMatchObject({ status: 'fail', foundAt: 'www.example.org', records: [{ flags: 0, tag: 'issue', value: ';' }], zoneFiles: [file] });
      expect(byName['www.example.org']!.cnameChain).toEqual([{ type: 'CNAME', owner: 'www.example.org', target: 'mid.example.com' }]);
      expect(byName['www.example.dev']).toMatchObject({ status: 'pass', foundAt: 'www.example.dev', zoneFiles: [file] });
    } finally {
      await alias.close();
    }
  });

  it('answers an alias loop inside the file as the CA would: a lookup error', async () => {
    const file = await zoneFile('db.loop', ['$ORIGIN example.com.', 'a CNAME b', 'b CNAME a']);
    const result = await check(['-d', 'a.example.com', '--zone-file', file, '--json']);
    expect(namesOf(result)[0]).toMatchObject({ status: 'fail', reason: expect.stringMatching(/alias loop/) });
  });
});

describe('a broken or unreadable zone file is a clean usage error, before anything is checked', () => {
  it.each<[string, string[], RegExp]>([
    ['an unknown type', ['$ORIGIN example.com.', '@ CAA 0 issue "letsencrypt.org"', 'shop CAAA 0 issue ";"'], /:3: unknown record type CAAA/],
    ['an unterminated quote', ['$ORIGIN example.com.', '@ CAA 0 issue "letsencrypt.org'], /:2: unterminated quoted string/],
    ['$INCLUDE', ['$ORIGIN example.com.', '$INCLUDE /etc/shadow'], /:2: \$INCLUDE is refused/],
  ])('%s: exit 64 with file:line, no stack trace, no DNS query', async (_, lines, message) => {
    const file = await zoneFile('db.broken', lines);
    const result = await check(['-d', 'example.com', '-d', 'example.net', '--zone-file', file]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(`preflight: --zone-file ${file}:`);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    expect(dns.queries).toEqual([]);
  });
  it('a missing file, a directory, and two files for one zone', async () => {
    const missing = await check(['-d', 'example.com', '--zone-file', path.join(dir, 'nope')]);
    expect([missing.code, missing.stderr]).toEqual([64, expect.stringMatching(/--zone-file .*nope: cannot read it: .*ENOENT/)]);
    const directory = await check(['-d', 'example.com', '--zone-file', dir]);
    expect([directory.code, directory.stderr]).toEqual([64, expect.stringMatching(/cannot read it: (is a directory|EISDIR)/)]);
    const a = await zoneFile('db.a', ['$ORIGIN example.com.', '@ CAA 0 issue ";"']);
    const b = await zoneFile('db.b', ['example.com. CAA 0 issue "letsencrypt.org"']);
    const twins = await check(['-d', 'example.com', '--zone-file', a, '--zone-file', b]);
    expect([twins.code, twins.stderr]).toEqual([64, expect.stringMatching(/db\.a and .*db\.b are both the zone example\.com: give one file per zone/)]);
    expect(dns.queries).toEqual([]);
  });
});

describe('--all, run and the hooks', () => {
  it('--all: the what-if changes exactly the lineage whose names the file covers', async () => {
    const file = await zoneFile('db.example.com', DENY_SHOP);
    const base = ['--all', '--config-dir', sample.configDir, '--acme-home', sample.acmeHome, '--json'];
    const live = documentOf(await check(base));
    const whatIf = await check([...base, '--zone-file', file]);
    expect(whatIf.code).toBe(1);
    const changed = Object.entries(statuses(documentOf(whatIf))).filter(([name, status]) => statuses(live)[name] !== status);
    expect(changed).toEqual([['shop.example.com', 'fail']]);
    expect(documentOf(whatIf).lineages.filter((l) => l.status === 'fail').map((l) => l.name)).toEqual(['example.com']);
  });

  it('run: a certbot renewal is narrowed to what still passes under the file; nothing runs when the file is broken', async () => {
    const certbot = path.join(stubs, 'certbot');
    const command = [certbot, 'renew', '--config-dir', sample.configDir];
    const run = (extra: string[]) =>
      runCli(['run', ...withDns().filter((a) => a !== '--no-authoritative'), '--no-authoritative', ...extra, '--', ...command], {
        now: NOW, env: { PATH: process.env.PATH, STUB_LOG: log },
      });
    const calls = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    expect((await run([])).code).toBe(0);
    expect(await calls()).toEqual([`certbot renew --config-dir ${sample.configDir}`]);
    await rm(log, { force: true });

    const file = await zoneFile('db.example.com', DENY_SHOP);
    const blocked = await run(['--zone-file', file]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/preflight run: blocked example\.com \(the CA would refuse\)/);
    expect(await calls()).toEqual([`certbot renew --config-dir ${sample.configDir} --cert-name api.example.org`]);
    await rm(log, { force: true });

    const broken = await zoneFile('db.broken', ['$ORIGIN example.com.', '@ CAA 0 issue (']);
    dns.queries.length = 0;
    const refused = await run(['--zone-file', broken]);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toMatch(/db\.broken:2: "\(" is never closed/);
    expect(await calls()).toEqual([]);
    expect(dns.queries).toEqual([]);
  });

  it('run: any other command is not run at all when the file would make a renewal fail', async () => {
    const marker = path.join(dir, 'ran');
    const file = await zoneFile('db.example.com', DENY_SHOP);
    const result = await runCli(
      ['run', ...withDns(), '--config-dir', sample.configDir, '--acme-home', sample.acmeHome, '--zone-file', file, '--', 'sh', '-c', `touch ${marker}`],
      { now: NOW, env: { PATH: process.env.PATH } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/preflight run: not running sh -c/);
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it('hook certbot and hook acme.sh judge their selection with the file', async () => {
    const file = await zoneFile('db.example.com', DENY_SHOP);
    const state = path.join(dir, 'state');
    const certbot = await runCli(['hook', 'certbot', '--config-dir', sample.configDir, ...withDns(), '--zone-file', file], {
      now: NOW, env: { CAA_PREFLIGHT_STATE_DIR: state },
    });
    expect(certbot.code).toBe(1);
    expect(certbot.stderr).toMatch(/FAIL\s+shop\.example\.com  \(answered from .*db\.example\.com: what-if\)/);
    const wild = await zoneFile('db.example.dev', ['$ORIGIN example.dev.', '@ CAA 0 issue "letsencrypt.org"', '@ CAA 0 issuewild ";"']);
    const acme = (extra: string[]) =>
      runCli(['hook', 'acme.sh', ...withDns(), ...extra], {
        now: NOW, env: { Le_Domain: '*.example.dev', LE_CONFIG_HOME: sample.acmeHome, CAA_PREFLIGHT_STATE_DIR: state },
        cwd: path.join(sample.acmeHome, '*.example.dev_ecc'),
      });
    expect((await acme([])).code).toBe(0);
    const denied = await acme(['--zone-file', wild]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/stopping acme\.sh's renewal of \*\.example\.dev/);
  });
});

describe('the authoritative view takes covered names from the file too', () => {
  // A root serving the TLD "wi", and example.wi on two servers, the second a stale secondary.
  const servers: AuthServer[] = [];
  let resolver: TestDns;
  let port = 0;
  const OTHER = '0 issue "digicert.com"';
  beforeAll(async () => {
    const root: AuthZone = {
      apex: '', serial: 1, ns: ['a.root.wi'],
      names: { wi: { ns: ['a.root.wi'] }, 'a.root.wi': { a: ['127.53.12.1'] } },
    };
    const tld: AuthZone = {
      apex: 'wi', serial: 1, ns: ['a.root.wi'],
      names: { 'a.root.wi': { a: ['127.53.12.1'] }, 'example.wi': { ns: ['ns1.example.wi', 'ns2.example.wi'] }, 'ns1.example.wi': { a: ['127.53.12.11'] }, 'ns2.example.wi': { a: ['127.53.12.12'] } },
    };
    const zone = (serial: number, caa: string[]): AuthZone => ({ apex: 'example.wi', serial, ns: ['ns1.example.wi', 'ns2.example.wi'], names: { 'example.wi': { caa }, 'www.example.wi': { a: ['192.0.2.1'] } } });
    const first = await startAuthServer({ host: '127.53.12.1', zones: [root, tld] });
    port = first.port;
    servers.push(first);
    servers.push(await startAuthServer({ host: '127.53.12.11', port, zones: [zone(5, [LE])] }));
    servers.push(await startAuthServer({ host: '127.53.12.12', port, zones: [zone(3, [OTHER])] }));
    resolver = await startTestDns({ '.': { ns: ['a.root.wi'] }, 'a.root.wi': { a: ['127.53.12.1'] }, wi: [], 'example.wi': [LE] });
  });
  afterAll(async () => {
    await Promise.all([...servers.map((s) => s.close()), resolver.close()]);
  });
  const run = (extra: string[]) =>
    runCli(['-d', 'www.example.wi', '--resolver', resolver.arg, '--authoritative-port', String(port), '--timeout', '300', '--retries', '0', '--json', ...extra], { now: NOW });
  const caaQueriesUnder = (): number => servers.flatMap((s) => s.queries).filter((q) => q.type === 'CAA' && /(^|\.)example\.wi$/.test(q.name)).length;

  it('live: the stale secondary fails the name; with the file: it passes, no server is compared with it, and none is asked', async () => {
    const live = namesOf(await run([]))[0]!;
    expect(live).toMatchObject({ status: 'fail', judgedFrom: 'authoritative', zoneFiles: [] });
    expect(live.findings.map((f) => f.code)).toContain('server-stale');
    const before = caaQueriesUnder();
    const file = await zoneFile('db.example.wi', ['$ORIGIN example.wi.', '@ SOA ns1 hostmaster 6 3600 600 86400 60', '@ NS ns1', '@ CAA 0 issue "letsencrypt.org"', 'www A 192.0.2.1']);
    const result = await run(['--zone-file', file]);
    const entry = namesOf(result)[0]!;
    expect(entry).toMatchObject({ status: 'pass', foundAt: 'example.wi', zoneFiles: [file] });
    expect(entry.findings).toEqual([]);
    expect(entry.servers).toEqual([]);
    expect(documentOf(result).notices.filter((n) => /no authoritative nameserver/.test(n))).toEqual([]);
    expect(caaQueriesUnder()).toBe(before);
  });
  it('a deny-all in the file fails the name even though every live server authorizes it', async () => {
    const file = await zoneFile('db.example.wi', ['$ORIGIN example.wi.', '@ CAA 0 issue ";"']);
    const entry = namesOf(await run(['--zone-file', file]))[0]!;
    expect(entry).toMatchObject({ status: 'fail', records: [{ flags: 0, tag: 'issue', value: ';' }] });
    expect(entry.findings.filter((f) => f.code.startsWith('server-') || f.code === 'resolver-differs')).toEqual([]);
  });
});
