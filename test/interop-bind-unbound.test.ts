// Interop: real BIND (authoritative) behind real Unbound (recursive), as the CA sees DNS.
// Checks that what the in-process test server imitates is what real servers do: CNAME chasing,
// truncation over UDP, SERVFAIL from a broken zone, DNSSEC failures with EDE, TLD NXDOMAIN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsLab, type DnsLab } from './helpers/dns-lab.js';
import { namesOf, runCli } from './helpers/run-cli.js';
import { requireBinaries } from './helpers/system.js';

const available = requireBinaries('BIND+Unbound interop', ['named', 'unbound', 'dnssec-keygen', 'dnssec-signzone']);

const bigRRset = Array.from({ length: 70 }, (_, i) => `big IN CAA 0 iodef "mailto:security-team-member-${i}@big.test"`).join('\n');

describe.skipIf(!available)('interop with BIND behind Unbound', () => {
  let lab: DnsLab;
  beforeAll(async () => {
    lab = await startDnsLab({
      zones: {
        test: [
          'present IN CAA 0 issue "letsencrypt.org"',
          'critiodef IN CAA 128 iodef "mailto:caa@critiodef.test"',
          'critiodef IN CAA 0 issue "letsencrypt.org"',
          'dot IN CAA 0 issue "letsencrypt.org."',
          'www.cname IN CNAME target.provider.test.',
          'target.provider IN CAA 0 issue "digicert.com"',
          'cname IN CAA 0 issue "letsencrypt.org"',
          'www2.cname IN CNAME empty.provider2.test.',
          'empty.provider2 IN A 192.0.2.1',
          'provider2 IN CAA 0 issue "digicert.com"',
          'dangling.cname IN CNAME nothing.nowhere.test.',
          'raw IN CAA 0 issue "letsencrypt.org\\255\\027[31m"',
          'wild IN CAA 0 issue "letsencrypt.org"',
          'wild IN CAA 0 issuewild ";"',
          'acct IN CAA 0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/42; validationmethods=dns-01"',
          'servfail IN NS ns.test.',
          'signed IN NS ns.test.',
          'big IN CAA 0 issue "letsencrypt.org"',
          bigRRset,
          '',
        ].join('\n'),
        'signed.test': '@ IN CAA 0 issue "letsencrypt.org"\n',
      },
      unloadable: ['servfail.test'],
      expiredSignatures: ['signed.test'],
      unboundServer: ['local-zone: "refused.test." refuse'],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  // BIND serves every zone of the lab on one port: the authoritative view asks it there.
  async function check(name: string, extra: string[] = []) {
    const port = lab.bindArg.split(':')[1]!;
    const result = await runCli(['-d', name, '--resolver', lab.resolverArg, '--authoritative-port', port, '--json', '--timeout', '3000', ...extra]);
    return { result, entry: namesOf(result)[0]! };
  }

  it('passes a name whose own RRset authorizes the CA', async () => {
    const { entry, result } = await check('present.test');
    expect(entry).toMatchObject({ status: 'pass', foundAt: 'present.test', judgedFrom: 'authoritative' });
    expect(entry.servers.map((s) => `${s.level} ${s.result}`)).toEqual(['present.test records', 'present.test records']);
    expect(result.code).toBe(0);
  });
  it('treats NXDOMAIN below the TLD as empty and climbs', async () => {
    expect((await check('nope.present.test')).entry).toMatchObject({ status: 'pass', foundAt: 'present.test' });
  });
  it('seed: a critical iodef is harmless (the CA issues) but warned about', async () => {
    const { entry, result } = await check('critiodef.test');
    expect(entry.status).toBe('warn');
    expect(result.code).toBe(0);
  });
  it('seed: a trailing dot on the issuer refuses, and the fix removes the dot', async () => {
    const { entry } = await check('dot.test');
    expect(entry.status).toBe('fail');
    expect(entry.fix).toBe('; replace:  dot.test. IN CAA 0 issue "letsencrypt.org."\ndot.test. IN CAA 0 issue "letsencrypt.org"');
  });
  it("uses Unbound's CNAME chase: the target's CAA counts, named after the alias", async () => {
    const { entry } = await check('www.cname.test');
    expect(entry.status).toBe('fail');
    expect(entry.cnameChain).toEqual([{ type: 'CNAME', owner: 'www.cname.test', target: 'target.provider.test' }]);
    expect(entry.caProblem?.detail).toBe('While processing CAA for www.cname.test: CAA record for www.cname.test prevents issuance');
  });
  it("climbs the alias's own parents when the target has no CAA", async () => {
    expect((await check('www2.cname.test')).entry).toMatchObject({ status: 'pass', foundAt: 'cname.test' });
    expect((await check('dangling.cname.test')).entry).toMatchObject({ status: 'pass', foundAt: 'cname.test' });
  });
  it('retries over TCP when Unbound truncates a large RRset, and sees all of it', async () => {
    const { entry } = await check('big.test');
    expect(entry.status).toBe('pass');
    expect(entry.records).toHaveLength(71);
  });
  it('fails on a zone whose nameserver answers SERVFAIL, at the name and below it', async () => {
    const direct = (await check('servfail.test')).entry;
    expect(direct.status).toBe('fail');
    expect(direct.caProblem?.type).toBe('urn:ietf:params:acme:error:dns');
    expect(direct.caProblem?.detail).toMatch(/^While processing CAA for servfail\.test: DNS problem: /);
    const below = (await check('www.servfail.test')).entry;
    expect(below.status).toBe('fail');
  });
  it('reports a DNSSEC failure with the EDE text Unbound attaches, in the CA\'s wording', async () => {
    const { entry } = await check('signed.test');
    expect(entry.status).toBe('fail');
    expect(entry.caProblem?.detail).toMatch(/^While processing CAA for signed\.test: DNS problem: looking up CAA for signed\.test: DNSSEC: .*signature expired/);
  });
  it('fails a name under a TLD that does not exist', async () => {
    const { entry } = await check('host.gonetld');
    expect(entry.caProblem?.detail).toBe(
      'While processing CAA for host.gonetld: DNS problem: NXDOMAIN looking up CAA for gonetld - check that a DNS record exists for this domain',
    );
  });
  it('judges a name our resolver REFUSEs from the zone\'s servers', async () => {
    // Unbound refuses the name, BIND (as the CA's resolvers would reach it) answers: our
    // resolver's trouble is a warning, never a block. From the resolver alone it is a refusal.
    const { entry } = await check('www.refused.test');
    expect(entry).toMatchObject({ status: 'warn', judgedFrom: 'authoritative' });
    expect(entry.findings.map((f) => f.code)).toContain('resolver-failed');
    const alone = (await check('www.refused.test', ['--no-authoritative'])).entry;
    expect(alone.status).toBe('fail');
    expect(alone.caProblem?.detail).toMatch(/REFUSED looking up CAA for www\.refused\.test/);
  });
  it('uses issuewild for wildcards and issue for the base name', async () => {
    expect((await check('*.wild.test')).entry.status).toBe('fail');
    expect((await check('wild.test')).entry.status).toBe('pass');
  });
  it('checks accounturi and validationmethods on real data', async () => {
    const acct = ['--account-uri', 'https://acme-v02.api.letsencrypt.org/acme/acct/42'];
    expect((await check('acct.test', [...acct, '--challenge', 'dns-01'])).entry.status).toBe('pass');
    expect((await check('acct.test', [...acct, '--challenge', 'http-01'])).entry.status).toBe('fail');
  });
  it('keeps raw bytes exact and escapes control characters in the text report', async () => {
    const { entry } = await check('raw.test');
    expect(entry.status).toBe('fail');
    const text = await runCli(['-d', 'raw.test', '--resolver', lab.resolverArg]);
    expect(text.stdout).toContain('"letsencrypt.org\\255\\027[31m"');
    expect(text.stdout).not.toContain('\x1b[31m');
  });
});
