// Every rule of docs/caa-rules.md, end to end: `preflight -d NAME --json` against the in-process
// test DNS server over real UDP/TCP. Each case names the rule and branch it exercises; the
// expected verdicts follow from the rules (and agree with Boulder's own va/caa_test.go cases).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCT, CAA_RULES_ZONE as zone } from './fixtures/caa-rules-zone.js';
import { startBlackhole, startTestDns, type TestDns } from './helpers/test-dns.js';
import { namesOf, runCli } from './helpers/run-cli.js';

let dns: TestDns;
beforeAll(async () => {
  dns = await startTestDns(zone);
});
afterAll(async () => {
  await dns.close();
});

/** The CAA queries our resolver received (discovery of the authoritative servers asks NS too). */
const caaQueries = () => dns.queries.filter((q) => q.type === 'CAA');

interface Expect {
  status: 'pass' | 'warn' | 'fail' | 'error';
  foundAt?: string | null;
  reason?: RegExp;
  caProblem?: string;
  finding?: string;
  fix?: RegExp;
}

async function check(name: string, extra: string[] = [], options: { now?: Date } = {}) {
  const result = await runCli(['-d', name, '--resolver', dns.arg, '--json', '--timeout', '300', '--retries', '1', ...extra], options);
  const [entry] = namesOf(result);
  return { result, entry: entry! };
}

async function expectCase(name: string, extra: string[], expected: Expect): Promise<void> {
  const { result, entry } = await check(name, extra);
  expect(entry.status, `${name}: ${entry.reason}`).toBe(expected.status);
  if (expected.foundAt !== undefined) expect(entry.foundAt).toBe(expected.foundAt);
  if (expected.reason) expect(entry.reason).toMatch(expected.reason);
  if (expected.caProblem !== undefined) expect(entry.caProblem?.detail).toBe(expected.caProblem);
  if (expected.finding) expect(entry.findings.map((f: { code: string }) => f.code)).toContain(expected.finding);
  if (expected.fix) expect(entry.fix).toMatch(expected.fix);
  const exit = { pass: 0, warn: 0, fail: 1, error: 2 }[expected.status];
  expect(result.code).toBe(exit);
}

type Row = [string, string[], Expect];

describe('rule 1: name normalisation', () => {
  it('lowercases, strips a trailing dot and keeps the identifier as ordered', async () => {
    const { entry } = await check('WWW.Present.TEST.');
    expect(entry.name).toBe('www.present.test');
    expect(entry.foundAt).toBe('present.test');
    expect(entry.status).toBe('pass');
  });
  it('strips *. for lookups, reports the wildcard identifier, and finds the RRset at the base name', async () => {
    const { entry } = await check('*.present.test');
    expect(entry).toMatchObject({ name: '*.present.test', wildcard: true, foundAt: 'present.test', status: 'pass' });
  });
  it('checks the A-label of a Unicode name and shows both forms', async () => {
    const { entry } = await check('bücher.other.test');
    expect(entry.name).toBe('xn--bcher-kva.other.test');
    expect(entry.unicode).toBe('bücher.other.test');
    expect(entry.status).toBe('fail');
    expect(entry.caProblem?.detail).toBe(
      'While processing CAA for xn--bcher-kva.other.test: CAA record for other.test prevents issuance',
    );
  });
});

describe('rule 2: every ancestor down to the TLD, never the root', () => {
  it('queries each suffix once and finds the closest RRset', async () => {
    dns.queries.length = 0;
    const { entry } = await check('a.b.c.present.test');
    expect(entry.foundAt).toBe('present.test');
    const asked = caaQueries().map((q) => q.name).sort();
    expect(asked).toEqual(['a.b.c.present.test', 'b.c.present.test', 'c.present.test', 'present.test', 'test'].sort());
  });
  it('applies CAA published at the TLD (no public-suffix stop)', async () => {
    await expectCase('www.example.tldcaa', [], { status: 'fail', foundAt: 'tldcaa' });
  });
});

describe('rule 3: how queries are sent', () => {
  it('sends CAA with EDNS0 4096, AD and RD set', async () => {
    dns.queries.length = 0;
    await check('present.test');
    expect(caaQueries().length).toBeGreaterThan(0);
    for (const q of caaQueries()) expect(q).toMatchObject({ type: 'CAA', ednsSize: 4096, ad: true, rd: true });
  });
  it('does not retry a SERVFAIL', async () => {
    dns.queries.length = 0;
    await check('servfail.test', ['--retries', '3']);
    expect(caaQueries().filter((q) => q.name === 'servfail.test')).toHaveLength(1);
  });
  it('retries a timeout; a name the working resolver never answers fails, as the CA\'s lookup times out too', async () => {
    dns.queries.length = 0;
    const { entry, result } = await check('silent.test', ['--retries', '2', '--timeout', '100']);
    expect(caaQueries().filter((q) => q.name === 'silent.test')).toHaveLength(3);
    expect(entry.status).toBe('fail');
    expect(entry.caProblem?.detail).toBe('While processing CAA for silent.test: DNS problem: query timed out looking up CAA for silent.test');
    expect(entry.reason).toMatch(/answers for the root but not for silent\.test \(3 tries, 100 ms each\)/);
    expect(result.code).toBe(1);
  });
  it('reports a resolver that answers nothing at all as our own trouble (error, not fail)', async () => {
    const dead = await startBlackhole();
    try {
      const result = await runCli(['-d', 'present.test', '--resolver', dead.arg, '--json', '--timeout', '100', '--retries', '1']);
      const [entry] = namesOf(result);
      expect(entry!.status).toBe('error');
      expect(entry!.reason).toMatch(/no answer from 127\.0\.0\.1:\d+ \(2 tries, 100 ms each\)/);
      expect(result.code).toBe(2);
    } finally {
      await dead.close();
    }
  });
});

describe('rule 4: classifying answers', () => {
  const rows: Row[] = [
    ['missing.present.test', [], { status: 'pass', foundAt: 'present.test' }], // NXDOMAIN below the TLD = empty
    ['host.gonetld', [], {
      status: 'fail',
      caProblem: 'While processing CAA for host.gonetld: DNS problem: NXDOMAIN looking up CAA for gonetld - check that a DNS record exists for this domain',
    }],
    ['servfail.test', [], {
      status: 'fail',
      caProblem: "While processing CAA for servfail.test: DNS problem: SERVFAIL looking up CAA for servfail.test - the domain's nameservers may be malfunctioning",
    }],
    ['refused.test', [], { status: 'fail', caProblem: 'While processing CAA for refused.test: DNS problem: REFUSED looking up CAA for refused.test' }],
    ['formerr.test', [], { status: 'fail', caProblem: 'While processing CAA for formerr.test: DNS problem: FORMERR looking up CAA for formerr.test' }],
    ['notimp.test', [], { status: 'fail', caProblem: 'While processing CAA for notimp.test: DNS problem: NOTIMP looking up CAA for notimp.test' }],
    ['bogus.test', [], {
      status: 'fail',
      caProblem: 'While processing CAA for bogus.test: DNS problem: looking up CAA for bogus.test: DNSSEC: Bogus: validation failure <bogus.test. CAA IN>',
    }],
    ['weird-ede.test', [], {
      status: 'fail',
      caProblem: 'While processing CAA for weird-ede.test: DNS problem: looking up CAA for weird-ede.test: Unknown Extended DNS Error code 1337: mysterious',
    }],
    ['always-truncated.test', [], {
      status: 'fail',
      caProblem: 'While processing CAA for always-truncated.test: DNS problem: response was truncated looking up CAA for always-truncated.test',
    }],
    ['lame.test', [], { status: 'error', reason: /refused the query and offers no recursion/ }],
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));

  it('repeats a truncated UDP answer over TCP and uses the full answer', async () => {
    dns.queries.length = 0;
    const { entry } = await check('truncated.test');
    expect(entry.status).toBe('pass');
    expect(entry.records).toHaveLength(2);
    expect(caaQueries().filter((q) => q.name === 'truncated.test').map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });
  it('ignores replies with a wrong ID, a wrong question or from a wrong port', async () => {
    const { entry } = await check('spoofed.test');
    expect(entry.status).toBe('pass');
    expect(entry.foundAt).toBe('spoofed.test');
  });
});

describe('rule 5: aliases', () => {
  it("uses the CNAME target's RRset as the alias's own, names the alias, and fixes at the target", async () => {
    const { entry } = await check('www.cname.test');
    expect(entry.status).toBe('fail');
    expect(entry.foundAt).toBe('www.cname.test');
    expect(entry.cnameChain).toEqual([{ type: 'CNAME', owner: 'www.cname.test', target: 'target.provider.test' }]);
    expect(entry.caProblem?.detail).toBe('While processing CAA for www.cname.test: CAA record for www.cname.test prevents issuance');
    expect(entry.fix).toBe('target.provider.test. IN CAA 0 issue "letsencrypt.org"');
    expect(entry.findings.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['cname-import', 'fix-at-alias-target']));
  });
  it("climbs the alias's parents, never the target's, when the target has no CAA", async () => {
    await expectCase('www2.cname.test', [], { status: 'pass', foundAt: 'cname.test' });
  });
  it('treats a chain into a non-existent name as empty', async () => {
    await expectCase('dangling.cname.test', [], { status: 'pass', foundAt: 'cname.test' });
  });
  it('fails when the chain ends in a broken zone', async () => {
    await expectCase('broken.cname.test', [], { status: 'fail', caProblem: "While processing CAA for broken.cname.test: DNS problem: SERVFAIL looking up CAA for broken.cname.test - the domain's nameservers may be malfunctioning" });
  });
  it('follows a multi-hop chain', async () => {
    const { entry } = await check('chain.cname.test');
    expect(entry.status).toBe('pass');
    expect(entry.cnameChain).toHaveLength(2);
  });
});

describe('rule 6: the relevant RRset', () => {
  const rows: Row[] = [
    ['present.servfail.test', [], { status: 'pass', foundAt: 'present.servfail.test' }], // error above is ignored
    ['child.servfail.test', [], { status: 'fail', reason: /servfail\.test/ }], // error below wins over nothing
    ['www.x.brokentld', [], { status: 'fail', caProblem: "While processing CAA for www.x.brokentld: DNS problem: SERVFAIL looking up CAA for brokentld - the domain's nameservers may be malfunctioning" }],
    ['iodefonly.shadow.test', [], { status: 'pass', foundAt: 'iodefonly.shadow.test' }],
    ['open.denyparent.test', [], { status: 'pass', foundAt: 'open.denyparent.test', finding: 'closer-rrset-shadows-parent' }],
    ['strict.shadow.test', [], { status: 'fail', foundAt: 'strict.shadow.test', finding: 'closer-rrset-shadows-parent' }],
    ['void.shadow.test', [], { status: 'fail', foundAt: 'void.shadow.test' }], // an unparsable set still shadows
    ['nothing.example-none.test', [], { status: 'pass', foundAt: null, reason: /no CAA records at nothing\.example-none\.test or any parent up to test/ }],
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));
});

describe('rules 7-8: tags and the critical flag', () => {
  const rows: Row[] = [
    ['mixedcase.test', [], { status: 'fail' }], // iSsUe is issue
    ['uppercase-ok.test', [], { status: 'pass' }],
    ['critiodef.test', [], { status: 'warn', finding: 'critical-flag-known-tag' }], // seed case 1
    ['critissue.test', [], { status: 'warn', finding: 'critical-flag-known-tag' }],
    ['critissuemail.test', [], { status: 'warn', finding: 'critical-flag-known-tag' }],
    ['flag126.test', [], { status: 'pass' }],
    ['flag2.test', [], { status: 'pass' }],
    ['flag9.test', [], { status: 'fail', finding: 'critical-unknown-tag', fix: /^; remove, or clear the critical flag of: {2}flag9\.test\. IN CAA 9 foo "bar"\nflag9\.test\. IN CAA 8 foo "bar"$/ }],
    ['unknowncrit.test', [], { status: 'fail', finding: 'critical-unknown-tag', reason: /critical property the CA does not know \(128 tbs "unknown"\)/ }],
    ['unknowncrit1.test', [], { status: 'fail', finding: 'critical-unknown-tag' }],
    ['unknownnoncrit.test', [], { status: 'pass', foundAt: 'unknownnoncrit.test' }],
    ['*.unknownnoncrit.test', [], { status: 'pass', foundAt: 'unknownnoncrit.test' }], // Boulder #8033
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));
});

describe('rules 9-11: list choice, empty lists, OR-ed records', () => {
  const rows: Row[] = [
    ['*.wildonly.test', [], { status: 'pass' }],
    ['wildonly.test', [], { status: 'pass', reason: /no issue records that apply/ }],
    ['*.override.test', [], { status: 'fail', fix: /override\.test\. IN CAA 0 issuewild "letsencrypt\.org"/ }],
    ['override.test', [], { status: 'pass' }],
    ['*.satover.test', [], { status: 'pass' }],
    ['satover.test', [], { status: 'fail' }],
    ['*.multiwild.test', [], { status: 'pass' }],
    ['*.present.test', [], { status: 'pass' }], // no issuewild: the issue list applies
    ['*.unsat.test', [], { status: 'fail' }],
    ['*.unsatwild.test', [], { status: 'fail' }],
    ['unsatwild.test', [], { status: 'pass' }],
    ['multi.test', [], { status: 'pass' }],
    ['multibad.test', [], { status: 'fail', fix: /; replace: {2}multibad\.test\. IN CAA 0 issue "letsencrypt\.org\."\nmultibad\.test\. IN CAA 0 issue "letsencrypt\.org"/ }],
    ['iodef.test', [], { status: 'pass', foundAt: 'iodef.test' }],
    ['*.iodef.test', [], { status: 'pass' }],
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));
});

describe('rule 12: parsing issue values', () => {
  const rows: Row[] = [
    ['semi.test', [], { status: 'pass' }],
    ['semispace.test', [], { status: 'pass' }],
    ['ws.test', [], { status: 'pass' }],
    ['tabs.test', [], { status: 'pass' }],
    ['trailsemi.test', [], { status: 'fail', finding: 'void-record-empty-parameter', fix: /trailsemi\.test\. IN CAA 0 issue "letsencrypt\.org; foo=bar"$/ }],
    ['doublesemi.test', [], { status: 'fail', finding: 'void-record-empty-parameter' }],
    ['underscore.test', [], { status: 'fail', finding: 'void-record-parameter-tag' }],
    ['hyphentag.test', ['--account-uri', ACCT], { status: 'fail', reason: /write "accounturi"/, fix: /issue "letsencrypt\.org; accounturi=https:\/\/acme-v02\.api\.letsencrypt\.org\/acme\/acct\/123"$/ }],
    ['spacevalue.test', [], { status: 'fail', finding: 'void-record-parameter-value' }],
    ['commaspace.test', ['--challenge', 'dns-01'], { status: 'fail', finding: 'void-record-space-after-comma', fix: /validationmethods=http-01,dns-01"$/ }],
    ['nonascii.test', [], { status: 'fail', reason: /byte 0xe2/ }],
    ['emptytag.test', [], { status: 'pass' }],
    ['emptyvalue.test', [], { status: 'pass' }],
    ['eqvalue.test', [], { status: 'pass' }],
    ['ctrl.test', [], { status: 'fail', reason: /byte 0x01/ }],
    ['noequals.test', [], { status: 'fail', finding: 'void-record-parameter-syntax' }],
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));
});

describe('rule 13: exact issuer match', () => {
  const rows: Row[] = [
    ['case.test', [], { status: 'fail', finding: 'issuer-case', fix: /case\.test\. IN CAA 0 issue "letsencrypt\.org"$/ }],
    ['dot.test', [], { status: 'fail', finding: 'issuer-trailing-dot', reason: /trailing dot/, fix: /^; replace: {2}dot\.test\. IN CAA 0 issue "letsencrypt\.org\."\ndot\.test\. IN CAA 0 issue "letsencrypt\.org"$/ }], // seed case 2
    ['emptyissuer.test', [], { status: 'fail', reason: /deny-all/ }],
    ['unsat.test', [], { status: 'fail', reason: /deny-all/ }],
    ['spacesemi.test', [], { status: 'fail' }],
    ['quoted.test', [], { status: 'fail', reason: /quote characters/ }],
    ['brand.test', [], { status: 'fail', reason: /not a CAA identity; Let's Encrypt's CAA identity is "letsencrypt\.org"/ }],
    ['www.test', [], { status: 'fail', reason: /www\./ }],
    ['zerossl.test', ['--ca', 'zerossl'], { status: 'fail', reason: /ZeroSSL's CAA identity is "sectigo\.com"/, fix: /issue "sectigo\.com"$/ }],
    ['sectigo.test', ['--ca', 'zerossl'], { status: 'pass' }],
    ['sectigo.test', [], { status: 'fail', reason: /authorizes ZeroSSL \/ Sectigo, not Let's Encrypt/ }],
    ['badbyte.test', [], { status: 'fail' }],
    ['present.test', ['--ca', 'letsencrypt-staging'], { status: 'pass' }],
    ['present.test', ['--ca', 'google'], { status: 'fail' }],
    ['present.test', ['--caa-identity', 'LetsEncrypt.org.'], { status: 'pass' }], // the CA normalises its own identity
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));
});

describe('rule 14: accounturi', () => {
  const acct = ['--account-uri', ACCT];
  const rows: Row[] = [
    ['acct.test', acct, { status: 'pass' }],
    ['acct321.test', acct, { status: 'fail', fix: /^; add .*\nacct321\.test\. IN CAA 0 issue "letsencrypt\.org; accounturi=https:\/\/acme-v02\.api\.letsencrypt\.org\/acme\/acct\/123"$/ }],
    ['acctv1.test', acct, { status: 'pass' }], // v01 /acme/reg/N is the same account as /acme/acct/N
    ['acct.test', ['--account-uri', 'https://acme-v01.api.letsencrypt.org/acme/reg/123'], { status: 'pass' }],
    ['acctstaging.test', acct, { status: 'fail', reason: /staging account, which never matches production/ }],
    ['acctstaging.test', ['--ca', 'letsencrypt-staging', '--account-uri', 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/123'], { status: 'pass' }],
    ['acct.test', ['--ca', 'letsencrypt-staging', '--account-uri', 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/123'], { status: 'fail', reason: /production account/ }],
    ['acctdup.test', acct, { status: 'fail', reason: /2 accounturi parameters/ }],
    ['acctmixed.test', acct, { status: 'warn', finding: 'mixed-case-parameter' }], // fail-open, Boulder #8614
    ['acctempty.test', acct, { status: 'fail' }],
    ['acctslash.test', acct, { status: 'fail' }],
    ['accthttp.test', acct, { status: 'fail' }],
    ['acctzero.test', acct, { status: 'fail' }],
    ['acctmulti.test', acct, { status: 'pass' }],
    ['acctboulder.test', ['--account-uri', 'https://letsencrypt.org/acct/reg/123'], { status: 'pass' }],
    ['acctboulder.test', ['--account-uri', 'https://letsencrypt.org/acct/reg/321'], { status: 'fail' }],
    ['acct.test', [], { status: 'error', reason: /specific account.*--account-uri/ }],
    // an account of another CA, or one malformed for this CA, never matches (Boulder builds prefix + id)
    ['acctstaging.test', ['--account-uri', 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/123'], { status: 'fail' }],
    ['acct.test', ['--ca', 'letsencrypt-staging', '--account-uri', ACCT], { status: 'fail' }],
    ['acctslash.test', ['--account-uri', `${ACCT}/`], { status: 'fail' }],
    // with the account unknown, a value that can name no account of this CA is still certain
    ['acctempty.test', [], { status: 'fail' }],
    ['acctboulder.test', [], { status: 'fail' }],
    ['present.test', [], { status: 'pass' }], // no accounturi: any account
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));
});

describe('rule 15: validationmethods', () => {
  const http = ['--challenge', 'http-01'];
  const dnsc = ['--challenge', 'dns-01'];
  const rows: Row[] = [
    ['dnsonly.test', http, { status: 'fail', reason: /validationmethods=dns-01 does not allow http-01/, fix: /validationmethods=dns-01,http-01"$/ }],
    ['dnsonly.test', dnsc, { status: 'pass' }],
    ['dnsonly.test', [], { status: 'fail' }], // -d defaults to http-01 for a plain name
    ['*.dnsonly.test', [], { status: 'pass' }], // ... and dns-01 for a wildcard
    ['httponly.test', http, { status: 'pass' }],
    ['httpordns.test', dnsc, { status: 'pass' }],
    ['httpordns.test', ['--challenge', 'tls-alpn-01'], { status: 'fail' }],
    ['sni.test', http, { status: 'pass' }], // unknown method skipped
    ['howdy.test', http, { status: 'fail', reason: /malformed/ }],
    ['trailcomma.test', http, { status: 'pass' }], // matched before the empty element
    ['trailcomma.test', dnsc, { status: 'fail' }],
    ['leadcomma.test', http, { status: 'fail' }],
    ['upper.test', http, { status: 'fail', finding: 'unknown-method-name' }],
    ['methdup.test', http, { status: 'fail' }],
    ['methmixed.test', http, { status: 'warn', finding: 'mixed-case-parameter' }],
    ['methempty.test', http, { status: 'fail' }],
    ['acctmeth.test', [...http, '--account-uri', ACCT], { status: 'fail' }],
    ['acctmeth.test', [...dnsc, '--account-uri', ACCT], { status: 'pass' }],
    ['dnsaccount.test', ['--challenge', 'dns-account-01'], { status: 'pass' }],
  ];
  it.each(rows)('%s %j', async (name, extra, expected) => expectCase(name, extra, expected));
});

describe('rule 16 and CAs that do not enforce RFC 8657 yet', () => {
  it('ignores unknown parameters', async () => {
    await expectCase('params.test', [], { status: 'pass' });
  });
  it('warns (not fails) for a CA that enforces accounturi only from 2027-03-15, and fails after', async () => {
    zone['zs-acct.test'] = ['0 issue "sectigo.com; accounturi=https://acme.zerossl.com/v2/DV90/account/AAA"'];
    const args = ['--ca', 'zerossl', '--account-uri', 'https://acme.zerossl.com/v2/DV90/account/BBB'];
    const before = await check('zs-acct.test', args, { now: new Date('2026-11-25T00:00:00Z') });
    expect(before.entry.status).toBe('warn');
    expect(before.entry.findings.map((f: { code: string }) => f.code)).toContain('rfc8657-not-enforced-yet');
    const after = await check('zs-acct.test', args, { now: new Date('2027-03-15T00:00:00Z') });
    expect(after.entry.status).toBe('fail');
  });
});
