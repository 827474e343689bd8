// The record-set builder, the diff and the placement of `preflight suggest`, directly and
// table-driven (docs/caa-rules.md §5): every set built here is also judged by the CA's rules
// (evaluateCaa), so an assertion about a record is an assertion about what the CA would do.
import { describe, expect, it } from 'vitest';
import { evaluateCaa } from '../src/caa/evaluate.js';
import type { CaaLookup } from '../src/dns/lookup.js';
import type { CaaRecord } from '../src/dns/wire.js';
import { placeName, verifyGrant } from '../src/suggest/placement.js';
import { buildRecordSet, diffRecordSets, type BuildOptions, type Grant } from '../src/suggest/policy.js';
import type { CaPolicy } from '../src/vocabulary.js';

const LE: CaPolicy = {
  identities: ['letsencrypt.org'],
  accountUriPrefixes: ['https://acme-v01.api.letsencrypt.org/acme/reg/', 'https://acme-v02.api.letsencrypt.org/acme/acct/'],
  otherAccountUriPrefixes: ['https://acme-staging-v02.api.letsencrypt.org/acme/acct/'],
  enforcesRfc8657: true,
};
const LE_STAGING: CaPolicy = {
  identities: ['letsencrypt.org'],
  accountUriPrefixes: ['https://acme-staging-v02.api.letsencrypt.org/acme/acct/'],
  otherAccountUriPrefixes: LE.accountUriPrefixes,
  enforcesRfc8657: true,
};
const ZEROSSL: CaPolicy = { identities: ['sectigo.com', 'trust-provider.com'], accountUriPrefixes: [], otherAccountUriPrefixes: [], enforcesRfc8657: false };

const ACCT = (n: number) => `https://acme-v02.api.letsencrypt.org/acme/acct/${n}`;
const STAGING_ACCT = 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/77';
const ZS_ACCT = 'https://acme.zerossl.com/v2/DV90/account/abc';

function grant(name: string, over: Partial<Grant> = {}): Grant {
  return {
    name, lineage: over.lineage ?? name, source: 'certbot', wildcard: name.startsWith('*.'), ca: 'letsencrypt', policy: LE,
    accountUri: ACCT(1), method: 'http-01', staging: false, ...over,
  };
}

const STRICT: BuildOptions = { accountUri: true, methods: true, iodef: null };
const text = (r: CaaRecord): string => `${r.flags} ${r.tag} "${r.value}"`;

/** What the CA decides for a grant with this set as the relevant RRset. */
function decide(records: CaaRecord[], g: Grant): string {
  const level: CaaLookup = { kind: 'records', name: 'example.com', chain: [], server: null, transport: null, validated: false, records: records.map((r) => ({ owner: 'example.com', ...r })) };
  return evaluateCaa([level], g.wildcard, { ...g.policy, enforcesRfc8657: true }, { accountUri: g.accountUri, method: g.method }).outcome;
}

describe('buildRecordSet', () => {
  const cases: Array<{ title: string; grants: Grant[]; options?: Partial<BuildOptions>; published?: CaaRecord[]; records: string[]; note?: RegExp }> = [
    {
      title: 'one CA, one account',
      grants: [grant('example.com'), grant('www.example.com')],
      records: [`0 issue "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=http-01"`, '0 issuewild ";"'],
      note: /no wildcard renews here/,
    },
    {
      title: 'two accounts: one record each',
      grants: [grant('a.example.com'), grant('b.example.com', { accountUri: ACCT(2) })],
      records: [
        `0 issue "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=http-01"`,
        `0 issue "letsencrypt.org; accounturi=${ACCT(2)}; validationmethods=http-01"`,
        '0 issuewild ";"',
      ],
    },
    {
      title: 'a wildcard: issuewild bound like issue',
      grants: [grant('*.example.com', { method: 'dns-01' }), grant('example.com', { method: 'dns-01' })],
      records: [
        `0 issue "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=dns-01"`,
        `0 issuewild "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=dns-01"`,
      ],
      note: /issuewild alone governs wildcard names/,
    },
    {
      title: 'only a wildcard: issue ";" keeps the other list from allowing everyone',
      grants: [grant('*.example.com', { method: 'dns-01' })],
      records: ['0 issue ";"', `0 issuewild "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=dns-01"`],
    },
    {
      title: "mixed challenges of one account, in the CA's order",
      grants: [grant('a.example.com', { method: 'tls-alpn-01' }), grant('b.example.com', { method: 'dns-01' }), grant('c.example.com')],
      records: [`0 issue "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=http-01,dns-01,tls-alpn-01"`, '0 issuewild ";"'],
    },
    {
      title: '--no-accounturi: one record per CA',
      grants: [grant('a.example.com'), grant('b.example.com', { accountUri: ACCT(2), method: 'dns-01' })],
      options: { accountUri: false },
      records: ['0 issue "letsencrypt.org; validationmethods=http-01,dns-01"', '0 issuewild ";"'],
    },
    {
      title: '--no-methods',
      grants: [grant('a.example.com'), grant('b.example.com', { method: 'dns-01' })],
      options: { methods: false },
      records: [`0 issue "letsencrypt.org; accounturi=${ACCT(1)}"`, '0 issuewild ";"'],
    },
    {
      title: 'an unknown challenge: no validationmethods on that record, and why',
      grants: [grant('a.example.com', { method: null, lineage: 'plugin' })],
      records: [`0 issue "letsencrypt.org; accounturi=${ACCT(1)}"`, '0 issuewild ";"'],
      note: /no validationmethods, because the challenge of a\.example\.com is not known/,
    },
    {
      title: 'an unknown account: no accounturi on that record, and why',
      grants: [grant('a.example.com', { accountUri: null, lineage: 'lost' })],
      records: ['0 issue "letsencrypt.org; validationmethods=http-01"', '0 issuewild ";"'],
      note: /no accounturi, because the account of lost is not known/,
    },
    {
      title: 'staging: the dry-run account beside the production one',
      grants: [grant('a.example.com'), grant('a.example.com', { policy: LE_STAGING, ca: 'letsencrypt-staging', accountUri: STAGING_ACCT, staging: true })],
      records: [
        `0 issue "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=http-01"`,
        `0 issue "letsencrypt.org; accounturi=${STAGING_ACCT}; validationmethods=http-01"`,
        '0 issuewild ";"',
      ],
    },
    {
      title: 'staging with --no-accounturi: one record, not two alike',
      grants: [grant('a.example.com'), grant('a.example.com', { policy: LE_STAGING, ca: 'letsencrypt-staging', accountUri: STAGING_ACCT, staging: true })],
      options: { accountUri: false },
      records: ['0 issue "letsencrypt.org; validationmethods=http-01"', '0 issuewild ";"'],
    },
    {
      title: 'a CA that does not enforce RFC 8657 yet: parameters written, and said',
      grants: [grant('blog.example.net', { policy: ZEROSSL, ca: 'zerossl', accountUri: ZS_ACCT, source: 'acme.sh' })],
      records: [`0 issue "sectigo.com; accounturi=${ZS_ACCT}; validationmethods=http-01"`, '0 issuewild ";"'],
      note: /zerossl does not enforce accounturi\/validationmethods yet/,
    },
    {
      title: '--iodef replaces the published iodef; other non-issuance tags stay; a critical unknown goes',
      grants: [grant('example.com')],
      options: { iodef: 'mailto:sec@example.com' },
      published: [
        { flags: 0, tag: 'issue', value: 'digicert.com' },
        { flags: 0, tag: 'iodef', value: 'mailto:old@example.com' },
        { flags: 0, tag: 'issuevmc', value: 'digicert.com' },
        { flags: 128, tag: 'tbs', value: 'x' },
      ],
      records: [`0 issue "letsencrypt.org; accounturi=${ACCT(1)}; validationmethods=http-01"`, '0 issuewild ";"', '0 iodef "mailto:sec@example.com"', '0 issuevmc "digicert.com"'],
      note: /the critical tbs record goes/,
    },
  ];

  it.each(cases)('$title', ({ grants, options, published, records, note }) => {
    const set = buildRecordSet(grants, published ?? [], { ...STRICT, ...options });
    expect(set.records.map(text)).toEqual(records);
    if (note) expect(set.notes.join('\n')).toMatch(note);
    // Every grant it was built for passes, as the CA judges it.
    for (const g of grants) expect(decide(set.records, g), g.name).toBe('allow');
  });

  it('lets nothing else through: another account, another method, a wildcard, another CA', () => {
    const grants = [grant('a.example.com'), grant('b.example.com', { accountUri: ACCT(2), method: 'dns-01' })];
    const set = buildRecordSet(grants, [], STRICT).records;
    expect(decide(set, grant('a.example.com', { accountUri: ACCT(3) }))).toBe('refuse');
    expect(decide(set, grant('a.example.com', { method: 'dns-01' }))).toBe('refuse');
    expect(decide(set, grant('b.example.com', { accountUri: ACCT(2), method: 'http-01' }))).toBe('refuse');
    expect(decide(set, grant('*.example.com', { method: 'dns-01' }))).toBe('refuse');
    expect(decide(set, grant('a.example.com', { policy: ZEROSSL, accountUri: ZS_ACCT }))).toBe('refuse');
    // The staging account is not production's (docs/caa-rules.md rule 14).
    expect(decide(set, grant('a.example.com', { policy: LE_STAGING, accountUri: STAGING_ACCT }))).toBe('refuse');
  });
});

describe('diffRecordSets', () => {
  const r = (tag: string, value: string, flags = 0): CaaRecord => ({ flags, tag, value });
  it.each([
    { title: 'nothing published: all added', published: [], suggested: [r('issue', 'a')], actions: ['add issue a'] },
    { title: 'identical (tag case aside): kept', published: [r('ISSUE', 'a')], suggested: [r('issue', 'a')], actions: ['keep issue a'] },
    {
      title: 'same tag, other value: replaced; a leftover removed first',
      published: [r('issue', 'old'), r('issue', 'older'), r('iodef', 'mailto:x@y.z')],
      suggested: [r('issue', 'new'), r('iodef', 'mailto:x@y.z')],
      actions: ['remove issue older', 'replace issue new (was old)', 'keep iodef mailto:x@y.z'],
    },
    { title: 'a tag that goes: removed', published: [r('tbs', 'x', 128)], suggested: [r('issue', 'a')], actions: ['remove tbs x', 'add issue a'] },
  ])('$title', ({ published, suggested, actions }) => {
    const lines = diffRecordSets(published, suggested).map((d) => `${d.action} ${d.record.tag} ${d.record.value}${d.replaces ? ` (was ${d.replaces.value})` : ''}`);
    expect(lines).toEqual(actions);
  });
});

describe('placeName and verifyGrant', () => {
  const base = { chain: [], server: null, transport: null, validated: false };
  const empty = (name: string, chain: Array<{ owner: string; target: string }> = []): CaaLookup => ({ ...base, name, kind: 'empty', nxdomain: false, chain: chain.map((h) => ({ type: 'CNAME', ...h })) });
  const found = (name: string, owner: string, values: string[], chain: Array<{ owner: string; target: string }> = []): CaaLookup => ({
    ...base, name, kind: 'records', chain: chain.map((h) => ({ type: 'CNAME', ...h })), records: values.map((value) => ({ owner, flags: 0, tag: 'issue', value })),
  });

  it.each([
    { title: 'no CAA anywhere: the zone apex', levels: [empty('www.example.com'), empty('example.com'), empty('com')], apex: 'example.com', target: null, expected: { kind: 'owner', owner: 'example.com', chosen: 'zone-apex' } },
    { title: 'CAA published below the apex: there', levels: [found('www.example.com', 'www.example.com', ['digicert.com']), empty('example.com'), empty('com')], apex: 'example.com', target: null, expected: { kind: 'owner', owner: 'www.example.com', chosen: 'published' } },
    { title: 'CAA only in a parent zone: the apex, which shadows it', levels: [empty('www.shop.example.com'), empty('shop.example.com'), found('example.com', 'example.com', ['digicert.com']), empty('com')], apex: 'shop.example.com', target: null, expected: { kind: 'owner', owner: 'shop.example.com', chosen: 'zone-apex' } },
    { title: 'an alias into the same zone: its target', levels: [found('www.example.com', 'edge.example.com', ['digicert.com'], [{ owner: 'www.example.com', target: 'edge.example.com' }]), empty('example.com'), empty('com')], apex: 'example.com', target: 'example.com', expected: { kind: 'owner', owner: 'edge.example.com', chosen: 'alias-target' } },
    { title: 'an alias into another zone: reported, not written to', levels: [found('www.example.com', 'x.cdn.net', ['digicert.com'], [{ owner: 'www.example.com', target: 'x.cdn.net' }]), empty('example.com'), empty('com')], apex: 'example.com', target: 'cdn.net', expected: { kind: 'alias', target: 'x.cdn.net', targetZone: 'cdn.net' } },
  ])('$title', ({ levels, apex, target, expected }) => {
    expect(placeName(levels, apex, target)).toMatchObject(expected);
  });

  it('an alias whose target has no CAA leaves the name to its parent, and says so', () => {
    const placement = placeName([empty('www.example.com', [{ owner: 'www.example.com', target: 'x.cdn.net' }]), empty('example.com'), empty('com')], 'example.com', null);
    expect(placement).toMatchObject({ kind: 'owner', owner: 'example.com', chosen: 'zone-apex' });
    expect(placement.kind === 'owner' && placement.notes.join()).toMatch(/alias to x\.cdn\.net, which has no CAA/);
  });

  it('a failed lookup at the relevant level is an error, not a placement', () => {
    const failed: CaaLookup = { ...base, name: 'example.com', kind: 'error', cause: 'rcode', rcode: 'SERVFAIL', ede: null, local: false, detail: 'SERVFAIL' };
    expect(placeName([empty('www.example.com'), failed, empty('com')], 'example.com', null)).toMatchObject({ kind: 'error' });
  });

  it('verifies with the sets in place of what is published, and not through a foreign alias', () => {
    const set = new Map([['example.com', buildRecordSet([grant('www.example.com')], [], STRICT).records]]);
    const published = [empty('www.example.com'), found('example.com', 'example.com', ['digicert.com']), empty('com')];
    expect(evaluateCaa(published, false, LE, { accountUri: ACCT(1), method: 'http-01' }).outcome).toBe('refuse');
    expect(verifyGrant(published, grant('www.example.com'), set).outcome).toBe('allow');
    expect(verifyGrant(published, grant('www.example.com', { accountUri: ACCT(2) }), set).outcome).toBe('refuse');
    const aliased = [found('www.example.com', 'x.cdn.net', ['digicert.com'], [{ owner: 'www.example.com', target: 'x.cdn.net' }]), empty('example.com'), empty('com')];
    expect(verifyGrant(aliased, grant('www.example.com'), set).outcome).toBe('refuse');
  });

  it('checks parameters for a CA that does not enforce them yet as if it did', () => {
    const zs = grant('blog.example.net', { policy: ZEROSSL, accountUri: ZS_ACCT });
    const set = new Map([['example.net', [{ flags: 0, tag: 'issue', value: 'sectigo.com; accounturi=https://acme.zerossl.com/v2/DV90/account/other' }]]]);
    const levels = [empty('blog.example.net'), empty('example.net'), empty('net')];
    expect(evaluateCaa(levels.map((l) => (l.name === 'example.net' ? found('example.net', 'example.net', [set.get('example.net')![0]!.value]) : l)), false, ZEROSSL, { accountUri: ZS_ACCT, method: 'http-01' }).outcome).toBe('allow');
    expect(verifyGrant(levels, zs, set).outcome).toBe('refuse');
  });
});
