// `preflight suggest` through the CLI on the demo sample (certbot and acme.sh, three CAs'
// accounts, http-01 and dns-01, a wildcard) against the in-process DNS server: where each
// owner's set goes and why, the zone-file text and the JSON, the change from what is published,
// a name behind an alias into another zone reported, refusal when a renewal cannot pass, and the
// suggestion published back into the server making the check pass.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { DEMO_ACCOUNT_URI } from '../src/demo/sample.js';
import type { SuggestDocument } from '../src/report/suggestion.js';
import { documentOf, runCli, type CliResult } from './helpers/run-cli.js';
import { startTestDns, type TestDns, type Zone } from './helpers/test-dns.js';

const ACME_LE = 'https://acme-v02.api.letsencrypt.org/acme/acct/3333';
const ZEROSSL = 'https://acme.zerossl.com/v2/DV90/account/demo';

/** Apexes marked for SOA; what each publishes now. */
const zone = (): Zone => ({
  'example.com': { caa: ['0 issue "digicert.com"', '0 iodef "mailto:sec@example.com"'], soa: true },
  // an alias into another zone whose target has no CAA: the climb goes on at example.com
  'www.example.com': { cname: 'www.edge.cdn.test' },
  // an alias into another zone whose CAA authorises this renewal: reported, not written to
  'shop.example.com': { cname: 'shop.edge.cdn.test' },
  'shop.edge.cdn.test': ['0 issue "letsencrypt.org"'],
  'www.edge.cdn.test': { a: ['192.0.2.1'] },
  'cdn.test': { soa: true },
  'example.org': { soa: true },
  'example.net': { caa: ['0 issue "letsencrypt.org"'], soa: true },
  'example.dev': { soa: true },
  'mail.example.dev': ['0 issue "sectigo.com"'],
});

describe('preflight suggest on the demo sample', () => {
  let root: string;
  let dns: TestDns;
  let args: string[];
  let text: CliResult;
  let doc: SuggestDocument;
  const owner = (name: string) => doc.zones.find((z) => z.owner === name)!;

  beforeAll(async () => {
    root = await mkdtemp('/tmp/ps-');
    const { configDir, acmeHome } = await writeDemoSample(root);
    dns = await startTestDns(zone());
    args = ['suggest', '--config-dir', configDir, '--acme-home', acmeHome, '--resolver', dns.arg];
    text = await runCli(args);
    const json = await runCli([...args, '--json']);
    expect(json.code).toBe(0);
    doc = JSON.parse(json.stdout) as SuggestDocument;
  });
  afterAll(async () => {
    await dns.close();
    await rm(root, { recursive: true, force: true });
  });

  it('chooses each owner: the apex from its SOA, or where CAA is published now', () => {
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    expect(doc.status).toBe('suggested');
    expect(doc.zones.map((z) => [z.owner, z.zone, z.chosen])).toEqual([
      ['example.com', 'example.com', 'published'],
      ['example.dev', 'example.dev', 'zone-apex'],
      ['example.net', 'example.net', 'published'],
      ['example.org', 'example.org', 'zone-apex'],
      ['mail.example.dev', 'example.dev', 'published'],
    ]);
    expect(text.stdout).toContain('; example.dev — zone apex (SOA)\n');
    expect(text.stdout).toContain('; mail.example.dev — where CAA is published now, in zone example.dev\n');
  });

  it('binds each record to the account and the challenges in use; issuewild only where wildcards renew', () => {
    const values = (name: string) => owner(name).records.map((r) => `${r.flags} ${r.tag} "${r.value}"`);
    expect(values('example.com')).toEqual([
      `0 issue "letsencrypt.org; accounturi=${DEMO_ACCOUNT_URI}; validationmethods=http-01"`,
      '0 issuewild ";"',
      '0 iodef "mailto:sec@example.com"',
    ]);
    expect(values('example.dev')).toEqual([
      `0 issue "letsencrypt.org; accounturi=${ACME_LE}; validationmethods=dns-01"`,
      `0 issuewild "letsencrypt.org; accounturi=${ACME_LE}; validationmethods=dns-01"`,
    ]);
    expect(values('mail.example.dev')).toEqual([`0 issue "letsencrypt.org; accounturi=${ACME_LE}; validationmethods=http-01"`, '0 issuewild ";"']);
    expect(values('example.net')).toEqual([`0 issue "sectigo.com; accounturi=${ZEROSSL}; validationmethods=http-01"`, '0 issuewild ";"']);
    expect(owner('example.net').notes.join('\n')).toMatch(/zerossl does not enforce accounturi\/validationmethods yet/);
    expect(owner('example.dev').names.map((n) => [n.name, n.method])).toEqual([['*.example.dev', 'dns-01'], ['example.dev', 'dns-01']]);
  });

  it('prints each set as zone lines, exactly the JSON records, the rest comments', () => {
    const records = text.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(';'));
    expect(records).toEqual(doc.zones.flatMap((z) => z.records.map((r) => r.text)));
    for (const line of text.stdout.split('\n')) {
      if (!records.includes(line) && !/^;\s+(replace|with|add|remove|keep)\s|^;\s+value /.test(line)) expect(line.length, line).toBeLessThanOrEqual(80);
    }
  });

  it("prints the README's example exactly", async () => {
    const readme = await readFile(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');
    const example = /\n\$ preflight suggest --cert-name example\.com\n([\s\S]*?)```/.exec(readme)?.[1];
    const result = await runCli([...args, '--cert-name', 'example.com']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(example);
  });

  it('marks the change from what is published: replace, keep, add, with the web-form fields', () => {
    expect(owner('example.com').diff.map((d) => [d.action, d.record.value, d.replaces?.value ?? null])).toEqual([
      ['replace', `letsencrypt.org; accounturi=${DEMO_ACCOUNT_URI}; validationmethods=http-01`, 'digicert.com'],
      ['add', ';', null],
      ['keep', 'mailto:sec@example.com', null],
    ]);
    expect(text.stdout).toContain(
      ';   replace  example.com. IN CAA 0 issue "digicert.com"\n' +
        `;   with     example.com. IN CAA 0 issue "letsencrypt.org; accounturi=${DEMO_ACCOUNT_URI}; validationmethods=http-01"\n` +
        ';            web form: name example.com, flags 0, tag issue\n' +
        `;              value letsencrypt.org; accounturi=${DEMO_ACCOUNT_URI}; validationmethods=http-01\n`,
    );
    expect(text.stdout).toContain(';   add      example.com. IN CAA 0 issuewild ";"\n;            web form: name example.com, flags 0, tag issuewild, value ;\n');
    expect(text.stdout).toContain(';   keep     example.com. IN CAA 0 iodef "mailto:sec@example.com"\n');
    expect(text.stdout).toContain('; change from what example.org publishes now (nothing):\n');
  });

  it('reports a name behind an alias into another zone, and notes one whose target has no CAA', () => {
    expect(doc.covered).toEqual([
      {
        name: 'shop.example.com', lineage: 'example.com', source: 'certbot', alias: 'shop.edge.cdn.test', zone: 'cdn.test',
        records: [{ flags: 0, tag: 'issue', value: 'letsencrypt.org', text: 'shop.edge.cdn.test. IN CAA 0 issue "letsencrypt.org"' }],
      },
    ]);
    expect(owner('example.com').names.map((n) => n.name)).toEqual(['example.com', 'www.example.com']);
    const flat = text.stdout.replace(/\n;\s*/g, ' ');
    expect(flat).toContain(
      "covered by an alias into a zone this host's names are not in (set CAA there, or ask its provider): " +
        'shop.example.com (certbot example.com): alias to shop.edge.cdn.test in zone cdn.test, whose CAA (0 issue "letsencrypt.org") authorises this renewal now',
    );
    expect(owner('example.com').notes.join('\n')).toMatch(/www\.example\.com is an alias to www\.edge\.cdn\.test, which has no CAA/);
  });

  it('published into the zone, the check passes every renewal', async () => {
    const published = zone();
    for (const z of doc.zones) {
      const spec = published[z.owner];
      const caa = z.records.map((r) => `${r.flags} ${r.tag} "${r.value}"`);
      published[z.owner] = Array.isArray(spec) || spec === undefined ? caa : { ...spec, caa };
    }
    const before = documentOf(await runCli(['--config-dir', args[2]!, '--acme-home', args[4]!, '--resolver', dns.arg, '--no-authoritative', '--json']));
    expect(before.status).toBe('fail');
    const server = await startTestDns(published);
    try {
      const after = await runCli(['--config-dir', args[2]!, '--acme-home', args[4]!, '--resolver', server.arg, '--no-authoritative', '--json']);
      const statuses = documentOf(after).lineages.flatMap((l) => l.names.map((n) => [n.name, n.status]));
      expect(statuses.filter(([, s]) => s !== 'pass')).toEqual([]);
      expect(after.code).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('refuses, and prints nothing, when a renewal cannot pass: an alias into a zone whose CAA names another CA', async () => {
    const server = await startTestDns({ ...zone(), 'shop.edge.cdn.test': ['0 issue "digicert.com"'] });
    try {
      const refused = await runCli([...args.slice(0, 5), '--resolver', server.arg]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^preflight suggest: refusing/);
      expect(refused.stderr.replace(/\s+/g, ' ')).toContain(
        'shop.example.com (certbot example.com): the relevant CAA at shop.edge.cdn.test (0 issue "digicert.com") does not authorize letsencrypt',
      );
      expect(refused.stderr.replace(/\s+/g, ' ')).toContain('set CAA at shop.edge.cdn.test, or ask the provider of cdn.test');
      const json = JSON.parse((await runCli([...args.slice(0, 5), '--resolver', server.arg, '--json'])).stdout) as SuggestDocument;
      expect(json.status).toBe('refused');
      expect(json.zones).toEqual([]);
      expect(json.refused.map((r) => r.name)).toEqual(['shop.example.com']);
    } finally {
      await server.close();
    }
  });

  it("joins a name aliased to another owner of the suggestion to that owner's set, and the set passes both", async () => {
    // www.example.com is an alias to example.net, where blog.example.net (ZeroSSL, acme.sh) gets a
    // set: published, that set answers for www.example.com too, so it must let its renewal through.
    const server = await startTestDns({
      'example.com': { soa: true }, 'www.example.com': { cname: 'example.net' }, 'shop.example.com': { cname: 'shop.edge.cdn.test' },
      'shop.edge.cdn.test': ['0 issue "letsencrypt.org"'], 'cdn.test': { soa: true },
      'example.net': { soa: true }, 'example.org': { soa: true }, 'example.dev': { soa: true },
    });
    try {
      const result = await runCli([...args.slice(0, 5), '--resolver', server.arg, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const suggested = JSON.parse(result.stdout) as SuggestDocument;
      const net = suggested.zones.find((z) => z.owner === 'example.net')!;
      expect(net.records.filter((r) => r.tag === 'issue').map((r) => r.value.split(';')[0])).toEqual(expect.arrayContaining(['letsencrypt.org', 'sectigo.com']));
      expect(net.notes.join(' ')).toContain('www.example.com is an alias into example.net');
      // Published as suggested, every renewal passes.
      const published: Zone = {
        'www.example.com': { cname: 'example.net' }, 'shop.example.com': { cname: 'shop.edge.cdn.test' }, 'shop.edge.cdn.test': ['0 issue "letsencrypt.org"'],
      };
      for (const z of suggested.zones) published[z.owner] = z.records.map((r) => `${r.flags} ${r.tag} "${r.value}"`);
      const after = await startTestDns(published);
      try {
        const check = await runCli(['--config-dir', args[2]!, '--acme-home', args[4]!, '--resolver', after.arg, '--no-authoritative', '--json']);
        expect(documentOf(check).lineages.flatMap((l) => l.names.filter((n) => n.status !== 'pass').map((n) => n.name))).toEqual([]);
      } finally {
        await after.close();
      }
    } finally {
      await server.close();
    }
  });

  it('stops with status 2 when a level cannot be looked up', async () => {
    const server = await startTestDns({ ...zone(), 'example.org': { rcode: 'SERVFAIL' } });
    try {
      const failed = await runCli([...args.slice(0, 5), '--resolver', server.arg, '--cert-name', 'api.example.org', '--timeout', '500', '--retries', '0']);
      expect(failed.code).toBe(2);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(/api\.example\.org/);
      expect(failed.stderr).toMatch(/SERVFAIL/);
    } finally {
      await server.close();
    }
  });

  it('--no-accounturi, --no-methods and --iodef loosen and add as asked', async () => {
    const loose = JSON.parse((await runCli([...args, '--cert-name', 'example.com', '--no-accounturi', '--no-methods', '--iodef', 'https://example.com/caa-report', '--json'])).stdout) as SuggestDocument;
    expect(loose.zones.map((z) => z.records.map((r) => `${r.tag} ${r.value}`))).toEqual([['issue letsencrypt.org', 'issuewild ;', 'iodef https://example.com/caa-report']]);
    expect(loose.zones[0]!.diff.map((d) => d.action)).toEqual(['replace', 'add', 'replace']);
  });

  it('--with-staging adds the staging account certbot renew --dry-run uses, or says there is none', async () => {
    const none = await runCli([...args, '--cert-name', 'api.example.org', '--with-staging']);
    expect(none.code).toBe(0);
    expect(none.stdout.replace(/\n;\s*/g, ' ')).toMatch(/no Let's Encrypt staging account under \S+, so none is authorised for api\.example\.org/);
    const staging = 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/4444';
    const accountDir = path.join(args[2]!, 'accounts', 'acme-staging-v02.api.letsencrypt.org', 'directory', 'abc123');
    await mkdir(accountDir, { recursive: true });
    await writeFile(path.join(accountDir, 'regr.json'), JSON.stringify({ body: {}, uri: staging }));
    try {
      const json = JSON.parse((await runCli([...args, '--cert-name', 'api.example.org', '--with-staging', '--json'])).stdout) as SuggestDocument;
      expect(json.zones[0]!.records.map((r) => r.value)).toEqual([
        `letsencrypt.org; accounturi=${DEMO_ACCOUNT_URI}; validationmethods=dns-01`,
        `letsencrypt.org; accounturi=${staging}; validationmethods=dns-01`,
        ';',
      ]);
      expect(json.zones[0]!.names.map((n) => [n.name, n.ca, n.staging])).toEqual([['api.example.org', 'letsencrypt', false], ['api.example.org', 'letsencrypt-staging', true]]);
    } finally {
      await rm(path.join(args[2]!, 'accounts', 'acme-staging-v02.api.letsencrypt.org'), { recursive: true });
    }
  });

  it.each([
    [['--iodef', 'ftp://example.com/x'], /--iodef must be a mailto: or http\(s\): URL/],
    [['--iodef', 'mailto:nobody'], /--iodef must be/],
    [['-d', 'example.com'], /-d does not apply to preflight suggest/],
    [['--strict'], /--strict does not apply to preflight suggest/],
    [['example.com'], /unexpected argument "example.com"/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('usage error: %j', async (extra, message) => {
    const result = await runCli([...args, ...extra]);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it("the check does not take suggest's options", async () => {
    const result = await runCli(['--iodef', 'mailto:a@example.com']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown option '--iodef'/);
  });
});
