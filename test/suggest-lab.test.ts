// `preflight suggest` end to end on real parts: certbot lineages issued by pebble (two accounts,
// http-01 and dns-01, a wildcard) under a zone served by BIND behind Unbound whose CAA names
// another CA. The check fails; the suggestion, published verbatim as the zone's CAA, makes every
// lineage pass; and it is exact: another account, or another challenge, is still refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertbotFixture, startPebble, type CertbotFixture, type PebbleLab } from './helpers/certbot-lab.js';
import { startDnsLab, type DnsLab } from './helpers/dns-lab.js';
import { documentOf, namesOf, runCli, type CliResult } from './helpers/run-cli.js';
import { requireBinaries } from './helpers/system.js';
import type { SuggestDocument } from '../src/report/suggestion.js';

const available = requireBinaries('suggest with certbot, pebble, BIND and Unbound', ['certbot', 'pebble', 'openssl', 'named', 'unbound']);

/** The TLD delegates example.test; BIND serves both (dns-lab.ts adds SOA and NS). */
const TLD = 'example IN NS ns.test.\n';
const PUBLISHED = '@ IN CAA 0 issue "otherca.test"\n@ IN CAA 0 iodef "mailto:hostmaster@example.test"\n';

describe.skipIf(!available)('preflight suggest, published into BIND', () => {
  let lab: PebbleLab;
  let fx: CertbotFixture;
  let before: DnsLab;
  let after: DnsLab | undefined;
  let suggestion: CliResult;

  /** A run against one DNS lab, asking BIND directly for the authoritative view. */
  const run = (dns: DnsLab, args: string[]): Promise<CliResult> =>
    runCli([...args, '--resolver', dns.resolverArg, '--authoritative-port', dns.bindArg.split(':')[1]!, '--caa-identity', 'pebble.test', '--timeout', '3000'], {
      env: { ...lab.env },
    });
  const check = (dns: DnsLab): Promise<CliResult> => run(dns, ['--all', '--config-dir', fx.configDir, '--json']);
  const byHand = (dns: DnsLab, name: string, account: string, challenge: string): Promise<CliResult> =>
    run(dns, ['-d', name, '--ca', fx.serverUrl, '--account-uri', account, '--challenge', challenge, '--json']);

  beforeAll(async () => {
    lab = await startPebble();
    fx = await makeCertbotFixture(lab);
    before = await startDnsLab({ zones: { test: TLD, 'example.test': PUBLISHED } });
    suggestion = await runCli(
      ['suggest', '--all', '--config-dir', fx.configDir, '--resolver', before.resolverArg, '--caa-identity', 'pebble.test', '--timeout', '3000'],
      { env: { ...lab.env } },
    );
    // Published verbatim: the whole output is a zone-file fragment (comments and record lines).
    if (suggestion.code === 0) after = await startDnsLab({ zones: { test: TLD, 'example.test': suggestion.stdout } });
  }, 240_000);
  afterAll(async () => {
    await after?.stop();
    await before?.stop();
    await fx?.cleanup();
    await lab?.stop();
  });

  it('the check fails every lineage while the zone names another CA', async () => {
    const result = await check(before);
    expect(result.code).toBe(1);
    const doc = documentOf(result);
    expect(doc.lineages.map((l) => [l.name, l.status]).sort()).toEqual(Object.keys(fx.lineages).sort().map((n) => [n, 'fail']));
  });

  it('suggests one RRset at example.test: an issue record per account, issuewild for the wildcard, iodef kept', () => {
    expect(suggestion.stderr).toBe('');
    expect(suggestion.code).toBe(0);
    const [first, second] = fx.accounts;
    const records = suggestion.stdout.split('\n').filter((l) => !l.startsWith(';') && l.trim() !== '');
    expect(records.sort()).toEqual([
      // web and alone over http-01, w.example.test over dns-01 (manual, --preferred-challenges dns): account 1
      `example.test. IN CAA 0 issue "pebble.test; accounturi=${first!.uri}; validationmethods=http-01,dns-01"`,
      `example.test. IN CAA 0 issue "pebble.test; accounturi=${second!.uri}; validationmethods=http-01"`,
      `example.test. IN CAA 0 issuewild "pebble.test; accounturi=${first!.uri}; validationmethods=dns-01"`,
      'example.test. IN CAA 0 iodef "mailto:hostmaster@example.test"',
    ].sort());
    expect(suggestion.stdout).toContain('; example.test — where CAA is published now');
    expect(suggestion.stdout).toContain(';   replace  example.test. IN CAA 0 issue "otherca.test"');
    expect(suggestion.stdout).toContain(';   keep     example.test. IN CAA 0 iodef "mailto:hostmaster@example.test"');
  });

  it('the JSON says the same, with how the owner was chosen and every name it serves', async () => {
    const json = await runCli(
      ['suggest', '--config-dir', fx.configDir, '--resolver', before.resolverArg, '--caa-identity', 'pebble.test', '--json'],
      { env: { ...lab.env } },
    );
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as SuggestDocument;
    expect(doc.status).toBe('suggested');
    expect(doc.zones.map((z) => [z.owner, z.zone, z.chosen])).toEqual([['example.test', 'example.test', 'published']]);
    const textLines = suggestion.stdout.split('\n').filter((l) => l.startsWith('example.test.'));
    expect(doc.zones[0]!.records.map((r) => r.text)).toEqual(textLines);
    const names = Object.values(fx.lineages).flatMap((l) => l.reportedNames);
    expect(doc.zones[0]!.names.map((n) => n.name).sort()).toEqual(names.sort());
  });

  it('published verbatim into BIND, every lineage passes', async () => {
    expect(after, 'the suggestion was printed and BIND loaded it').toBeDefined();
    const result = await check(after!);
    const doc = documentOf(result);
    expect(doc.lineages.map((l) => [l.name, l.status]).sort()).toEqual(Object.keys(fx.lineages).sort().map((n) => [n, 'pass']));
    expect(result.code).toBe(0);
    // Judged from BIND itself, not only from Unbound's cache.
    expect(namesOf(result).every((n) => n.judgedFrom === 'authoritative')).toBe(true);
  });

  it('and it is exact: another account, or another challenge than the account uses, is refused', async () => {
    const [first, second] = fx.accounts;
    const stranger = first!.uri.replace(/\/[^/]+$/, '/999999');
    const cases: Array<[string, string, string, string]> = [
      ['web.example.test', first!.uri, 'http-01', 'pass'],
      ['web.example.test', stranger, 'http-01', 'fail'], // an account not on this host
      ['second.example.test', second!.uri, 'dns-01', 'fail'], // account 2 renews over http-01 only
      ['web.example.test', first!.uri, 'tls-alpn-01', 'fail'], // a challenge nobody here uses
      ['*.w.example.test', second!.uri, 'dns-01', 'fail'], // wildcards: account 1 only
      ['*.w.example.test', first!.uri, 'dns-01', 'pass'],
    ];
    for (const [name, account, challenge, status] of cases) {
      const entry = namesOf(await byHand(after!, name, account, challenge))[0]!;
      expect([name, account, challenge, entry.status]).toEqual([name, account, challenge, status]);
    }
  });
});
