// The explanation layer tested directly: which CA an issuer value meant, how each record is
// worded, and that every proposed fix passes the CA's rules when applied. No sockets.
import { describe, expect, it } from 'vitest';
import { AUTHORITIES } from '../src/ca/authorities.js';
import { evaluateCaa, type RrsetEvaluation } from '../src/caa/evaluate.js';
import { toCheckName } from '../src/caa/name.js';
import { bytesToText } from '../src/caa/zone.js';
import { caa } from '../src/demo/dns-server.js';
import type { CaaLookup } from '../src/dns/lookup.js';
import { explainName, newSharedExplanations } from '../src/explain/explain.js';
import { fixText, proposeFix } from '../src/explain/fix.js';
import { judgeIssuer } from '../src/explain/issuer.js';
import type { CaView, ContextView } from '../src/explain/types.js';

const PROD = 'https://acme-v02.api.letsencrypt.org/acme/acct/';
const view = (id: string): CaView => {
  const ca = AUTHORITIES.find((a) => a.id === id)!;
  const others = AUTHORITIES.filter((a) => a !== ca).flatMap((a) => a.accountUriPrefixes);
  return {
    label: ca.id, displayName: ca.displayName, staging: ca.staging, catalog: AUTHORITIES,
    policy: { identities: ca.caaIdentities, accountUriPrefixes: ca.accountUriPrefixes, otherAccountUriPrefixes: others, enforcesRfc8657: true },
  };
};
const LE = view('letsencrypt');
const ZEROSSL = view('zerossl');
const CONTEXT: ContextView = { accountUri: `${PROD}123`, method: 'http-01', accountSource: 'regr.json', methodSource: 'webroot' };

/** The relevant RRset `records` (zone-file syntax) at example.com, evaluated for `name`. */
function evaluated(name: string, records: string[], ca = LE, context = CONTEXT): RrsetEvaluation {
  const level: CaaLookup = {
    kind: 'records', name: 'example.com', chain: [], server: null, transport: 'udp', validated: false,
    records: records.map((r) => ({ owner: 'example.com', ...caa(r) })),
  };
  const e = evaluateCaa([level], name.startsWith('*.'), ca.policy, context);
  if (!('relevant' in e)) throw new Error('expected a relevant RRset');
  return e;
}

describe('judgeIssuer: which CA the author meant', () => {
  it.each<[string, CaView, string, string | null, boolean]>([
    ['letsencrypt.org', LE, 'match', 'letsencrypt.org', false],
    ['letsencrypt.org.', LE, 'issuer-trailing-dot', 'letsencrypt.org', true],
    ['LetsEncrypt.org', LE, 'issuer-case', 'letsencrypt.org', true],
    ['"letsencrypt.org"', LE, 'issuer-near-miss', 'letsencrypt.org', true],
    ['www.letsencrypt.org', LE, 'issuer-near-miss', 'letsencrypt.org', true],
    ["Let's Encrypt Authority X3", LE, 'issuer-brand-name', 'letsencrypt.org', true],
    ['R3', LE, 'issuer-brand-name', 'letsencrypt.org', true],
    ['ZeroSSL', LE, 'issuer-brand-name', null, false],
    ['digicert.com', LE, 'other-ca', null, false],
    ['sectigo.com', LE, 'other-ca', null, false],
    ['', LE, 'deny-all', null, false],
    ['ca.example', LE, 'other-issuer', null, false],
    ['sectigo.com', ZEROSSL, 'match', 'sectigo.com', false],
    ['letsencrypt.org', ZEROSSL, 'other-ca', null, false],
  ])('%j for %s', (issuer, ca, code, meant, nearMiss) => {
    expect(judgeIssuer(issuer, ca)).toMatchObject({ code, meant, nearMiss });
  });
  it('names the other CA that a record authorizes', () => {
    expect(judgeIssuer('digicert.com', LE).text).toBe("authorizes DigiCert, not Let's Encrypt");
  });
});

describe('proposeFix: every proposal passes when applied', () => {
  /** Apply fix lines (zone lines, `; replace:` comments) to the set and evaluate again. */
  function applied(records: string[], fix: string): string[] {
    let out = [...records];
    for (const line of fix.split('\n')) {
      const replaced = /^; (?:replace|remove, or clear the critical flag of):\s+example\.com\. IN CAA (.*)$/.exec(line);
      if (replaced) out = out.filter((r) => r !== replaced[1]);
      else if (!line.startsWith(';')) out.push(line.replace(/^example\.com\. IN CAA /, ''));
    }
    return out;
  }
  it.each<[string, string, string[], ContextView, RegExp]>([
    ['a trailing dot is replaced', 'www.example.com', ['0 issue "letsencrypt.org."'], CONTEXT, /^; replace: .*"letsencrypt\.org\."\nexample\.com\. IN CAA 0 issue "letsencrypt\.org"$/],
    ['another CA gets a record added next to it', 'www.example.com', ['0 issue "digicert.com"'], CONTEXT, /^example\.com\. IN CAA 0 issue "letsencrypt\.org"$/],
    ['a critical unknown flag is cleared', 'www.example.com', ['0 issue "letsencrypt.org"', '128 tbs "x"'], CONTEXT, /clear the critical flag.*\nexample\.com\. IN CAA 0 tbs "x"$/],
    ['another account keeps its record and gets one for ours', 'www.example.com', [`0 issue "letsencrypt.org; accounturi=${PROD}9"`], CONTEXT, /^; add \(keeps .*\)\nexample\.com\. IN CAA 0 issue "letsencrypt\.org; accounturi=https:\/\/acme-v02\.api\.letsencrypt\.org\/acme\/acct\/123"$/],
    ['a method restriction gains the method in use', 'www.example.com', ['0 issue "letsencrypt.org; validationmethods=dns-01"'], CONTEXT, /validationmethods=dns-01,http-01"$/],
    ['a wildcard gets an issuewild record', '*.example.com', ['0 issuewild "digicert.com"'], { ...CONTEXT, method: 'dns-01' }, /0 issuewild "letsencrypt\.org"$/],
    ['a space after a comma is repaired', 'www.example.com', ['0 issue "letsencrypt.org; validationmethods=dns-01, http-01"'], CONTEXT, /validationmethods=dns-01,http-01"$/],
  ])('%s', (_, name, records, context, shape) => {
    const e = evaluated(name, records, LE, context);
    expect(e.outcome).toBe('refuse');
    const steps = proposeFix(e, name.startsWith('*.'), LE, context);
    const fix = steps && fixText(steps);
    expect(fix).toMatch(shape);
    const after = evaluated(name, applied(records, fix!), LE, context);
    expect(after.outcome).toBe('allow');
  });
  it('offers nothing when the CA has no identity to name', () => {
    const none = { ...LE, policy: { ...LE.policy, identities: [] } };
    expect(proposeFix(evaluated('www.example.com', ['0 issue "digicert.com"'], none), false, none, CONTEXT)).toBeNull();
  });
});

describe('explainName: verdict, reason and findings', () => {
  const explain = (records: string[], context = CONTEXT) =>
    explainName(toCheckName('www.example.com'), evaluated('www.example.com', records, LE, context), LE, context);
  it.each<[string, string[], string, string[]]>([
    ['a critical iodef warns', ['0 issue "letsencrypt.org"', '128 iodef "mailto:a@example.com"'], 'warn', ['critical-flag-known-tag']],
    ['a trailing dot fails with the near-miss finding', ['0 issue "letsencrypt.org."'], 'fail', ['issuer-trailing-dot']],
    ['a mixed-case parameter warns (fail-open)', [`0 issue "letsencrypt.org; AccountURI=${PROD}9"`], 'warn', ['mixed-case-parameter']],
    ['a void record next to a good one warns', ['0 issue "letsencrypt.org"', '0 issue "letsencrypt.org; a_b=1"'], 'warn', ['void-record-parameter-tag']],
    ['another CA only: info about it', ['0 issue "digicert.com"'], 'fail', ['authorizes-other-ca']],
    ['a critical unknown tag fails', ['0 issue "letsencrypt.org"', '1 contactemail "x@example.com"'], 'fail', ['critical-unknown-tag']],
  ])('%s', (_, records, status, codes) => {
    const report = explain(records);
    expect(report.status).toBe(status);
    expect(report.findings.map((f) => f.code)).toEqual(codes);
  });
  it('is an error, not a verdict, when the account is unknown and the record names one', () => {
    const report = explain([`0 issue "letsencrypt.org; accounturi=${PROD}9"`], { ...CONTEXT, accountUri: null });
    expect(report.status).toBe('error');
    expect(report.reason).toMatch(/give --account-uri/);
  });
  it("quotes the CA's refusal, naming where the records were found", () => {
    expect(explain(['0 issue ";"']).caProblem).toEqual({
      type: 'urn:ietf:params:acme:error:caa',
      detail: 'While processing CAA for www.example.com: CAA record for example.com prevents issuance',
    });
  });
});

describe('bytes as served', () => {
  it.each<[string, string]>([
    ['letsencrypt.org', 'letsencrypt.org'],
    [Buffer.from('café ☕ 𝄞', 'utf8').toString('latin1'), 'café ☕ 𝄞'],
    ['letsencrypt.org\xff', 'letsencrypt.org\\xff'],
    ['a\xe2\x98b', 'a\\xe2\\x98b'], // a cut sequence
    ['\xed\xa0\x80', '\\xed\\xa0\\x80'], // an encoded surrogate is not UTF-8
    ['\xc0\xaf', '\\xc0\\xaf'], // nor is an overlong form
  ])('shows %j as %j, invalid bytes escaped rather than replaced', (bytes, shown) => {
    expect(bytesToText(bytes)).toBe(shown);
  });
});

describe('explanations shared between names that reach one RRset (README "Speed")', () => {
  /** One lookup object, as the resolver's cache hands the same one to every name under it. */
  const shared: CaaLookup = {
    kind: 'records', name: 'example.com', chain: [], server: null, transport: 'udp', validated: false,
    records: ['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123"', '0 issuewild "sectigo.com"'].map((r) => ({
      owner: 'example.com', ...caa(r),
    })),
  };
  /** One run's shared explanations, as checkLineages makes them. */
  const run = newSharedExplanations();
  const explainVia = (name: string, context: ContextView, ca = LE) => {
    const n = toCheckName(name);
    const empty: CaaLookup = { kind: 'empty', nxdomain: true, name: n.base, chain: [], server: null, transport: 'udp', validated: false };
    return explainName(n, evaluateCaa([empty, shared], n.wildcard, ca.policy, context, run.assessments), ca, context, run);
  };
  /** The same name judged with nothing shared: a fresh copy of the RRset, no run. */
  const fresh = (name: string, context: ContextView, ca = LE) => {
    const n = toCheckName(name);
    const copy: CaaLookup = { ...shared, records: shared.records.map((r) => ({ ...r })) } as CaaLookup;
    const empty: CaaLookup = { kind: 'empty', nxdomain: true, name: n.base, chain: [], server: null, transport: 'udp', validated: false };
    return explainName(n, evaluateCaa([empty, copy], n.wildcard, ca.policy, context), ca, context);
  };

  it('gives each name, account, method and CA the report it would get alone', () => {
    const other: ContextView = { ...CONTEXT, accountUri: `${PROD}999`, accountSource: 'other/regr.json' };
    const dns: ContextView = { ...CONTEXT, method: 'dns-01', methodSource: 'manual' };
    const cases: Array<[string, ContextView, CaView]> = [
      ['a.example.com', CONTEXT, LE], ['b.example.com', CONTEXT, LE], ['a.example.com', other, LE], ['b.example.com', other, LE],
      ['*.a.example.com', CONTEXT, LE], ['*.b.example.com', CONTEXT, LE], ['*.c.example.com', dns, LE], ['a.example.com', dns, ZEROSSL],
      ['*.a.example.com', CONTEXT, ZEROSSL],
    ];
    // Twice round: the second time everything comes from what the first put in words.
    for (let round = 0; round < 2; round++) {
      for (const [name, context, ca] of cases) expect(explainVia(name, context, ca)).toEqual(fresh(name, context, ca));
    }
    expect(explainVia('a.example.com', other).status).toBe('fail');
    expect(explainVia('a.example.com', CONTEXT).status).toBe('pass');
    // Shared indeed: Let's Encrypt's assessments once per list, account and method (issue and
    // issuewild for account 123 with http-01, issue for 999, issuewild with dns-01).
    expect(run.assessments.get(shared.records)?.filter((e) => e.other === LE.policy)).toHaveLength(4);
    expect(explainVia('b.example.com', CONTEXT).recordNotes[0]).toBe(explainVia('c.example.com', CONTEXT).recordNotes[0]);
  });
  it('names the name itself in a note that depends on it', () => {
    const notes = ['*.a.example.com', '*.b.example.com'].map((n) => explainVia(n, CONTEXT).recordNotes[0]!.note);
    expect(notes[0]).toContain('*.a.example.com');
    expect(notes[1]).toContain('*.b.example.com');
  });
});
