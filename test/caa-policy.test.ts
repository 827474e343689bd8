// The CA's policy tested directly, without sockets: each pure function of src/caa/ against a
// table of cases, the way Boulder tests filterCAA, selectCAA and friends in va/caa_test.go.
// The end-to-end layer (caa-rules.test.ts) checks the same rules through the CLI and real UDP.
import { describe, expect, it } from 'vitest';
import {
  assessCandidate,
  checkAccountUri,
  checkValidationMethods,
  chooseList,
  evaluateCaa,
  isCritical,
  issuerMatches,
  rrsetVerdict,
  assessRecords,
  selectRelevant,
  tagRole,
  type IssuanceContext,
} from '../src/caa/evaluate.js';
import { caaLookupNames, toCheckName } from '../src/caa/name.js';
import { parseIssueValue } from '../src/caa/parse.js';
import type { CaaLookup } from '../src/dns/lookup.js';
import type { OwnedCaaRecord } from '../src/dns/wire.js';
import type { CaPolicy } from '../src/vocabulary.js';

const PROD = 'https://acme-v02.api.letsencrypt.org/acme/acct/';
const V1 = 'https://acme-v01.api.letsencrypt.org/acme/reg/';
const STAGING = 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/';
const LE: CaPolicy = {
  identities: ['letsencrypt.org'],
  accountUriPrefixes: [V1, PROD],
  otherAccountUriPrefixes: [STAGING],
  enforcesRfc8657: true,
};
const PRIVATE: CaPolicy = { identities: ['ca.internal'], accountUriPrefixes: [], otherAccountUriPrefixes: [PROD], enforcesRfc8657: true };
const CONTEXT: IssuanceContext = { accountUri: `${PROD}123`, method: 'http-01' };

const rec = (flags: number, tag: string, value: string, owner = 'example.com'): OwnedCaaRecord => ({ owner, flags, tag, value });
const records = (name: string, ...rs: OwnedCaaRecord[]): CaaLookup => ({ kind: 'records', name, chain: [], server: null, transport: 'udp', validated: false, records: rs });
const empty = (name: string): CaaLookup => ({ kind: 'empty', name, chain: [], server: null, transport: 'udp', validated: false, nxdomain: false });
const failed = (name: string): CaaLookup => ({
  kind: 'error', name, chain: [], server: null, transport: 'udp', validated: false, cause: 'rcode', rcode: 'SERVFAIL', ede: null, local: false, detail: 'SERVFAIL',
});
const params = (value: string) => {
  const parsed = parseIssueValue(`letsencrypt.org; ${value}`);
  if (!parsed.ok) throw new Error(`test value does not parse: ${value}`);
  return parsed.parameters;
};

describe('rules 1-2: names and lookup levels', () => {
  it.each([
    ['WWW.Example.COM.', { identifier: 'www.example.com', base: 'www.example.com', wildcard: false }],
    ['*.Example.com', { identifier: '*.example.com', base: 'example.com', wildcard: true }],
    ['bücher.example', { identifier: 'xn--bcher-kva.example', base: 'xn--bcher-kva.example', unicode: 'bücher.example' }],
  ])('normalises %s', (input, expected) => {
    expect(toCheckName(input)).toMatchObject(expected);
  });
  it.each(['*.*.example.com', 'a..example', '-bad.example', '192.0.2.1', 'host.123'])('rejects %s', (input) => {
    expect(() => toCheckName(input)).toThrow();
  });
  it('queries the name and every parent down to the TLD, never the root', () => {
    expect(caaLookupNames('a.b.example.com')).toEqual(['a.b.example.com', 'b.example.com', 'example.com', 'com']);
    expect(caaLookupNames('com')).toEqual(['com']);
  });
});

describe('rule 6: selectRelevant', () => {
  it.each<[string, CaaLookup[], string | null]>([
    ['the closest non-empty level', [empty('a.example.com'), records('example.com', rec(0, 'issue', 'x')), records('com', rec(0, 'issue', 'y'))], 'example.com'],
    ['an error below the records', [failed('a.example.com'), records('example.com', rec(0, 'issue', 'x'))], 'a.example.com'],
    ['records before an error above them', [records('a.example.com', rec(0, 'iodef', 'x')), failed('example.com')], 'a.example.com'],
    ['an error at the TLD when nothing has CAA', [empty('a.example.com'), empty('example.com'), failed('com')], 'com'],
    ['nothing at all', [empty('a.example.com'), empty('example.com'), empty('com')], null],
  ])('picks %s', (_, levels, expected) => {
    expect(selectRelevant(levels)?.name ?? null).toBe(expected);
  });
});

describe('rule 7: tags and the critical flag', () => {
  it.each<[number, string, ReturnType<typeof tagRole>]>([
    [0, 'issue', 'issue'],
    [0, 'ISSUE', 'issue'],
    [128, 'IssueWild', 'issuewild'],
    [128, 'iodef', 'recognised'],
    [129, 'issuemail', 'recognised'],
    [1, 'issuevmc', 'recognised'],
    [0, 'contactemail', 'unknown'],
    [126, 'foo', 'unknown'], // only bits 128 and 1 count
    [2, 'foo', 'unknown'],
    [128, 'tbs', 'critical-unknown'],
    [1, 'contactemail', 'critical-unknown'], // Boulder honours bit 1 too
    [9, 'foo', 'critical-unknown'],
    [255, 'iodeff', 'critical-unknown'],
  ])('flags %i tag %s is %s', (flags, tag, role) => {
    expect(tagRole({ flags, tag })).toBe(role);
  });
  it.each([[0, false], [1, true], [2, false], [64, false], [128, true], [129, true], [254, true]])('flags %i critical: %s', (flags, critical) => {
    expect(isCritical(flags)).toBe(critical);
  });
});

describe('rule 9: chooseList', () => {
  const both = [{ flags: 0, tag: 'issue' }, { flags: 0, tag: 'IssueWild' }];
  it.each<[string, Array<{ flags: number; tag: string }>, boolean, 'issue' | 'issuewild']>([
    ['a wildcard with issuewild records', both, true, 'issuewild'],
    ['a wildcard without issuewild records', [{ flags: 0, tag: 'issue' }], true, 'issue'],
    ['a non-wildcard, whatever issuewild says', both, false, 'issue'],
    ['a wildcard with only iodef', [{ flags: 0, tag: 'iodef' }], true, 'issue'],
  ])('uses the right list for %s', (_, rs, wildcard, list) => {
    expect(chooseList(rs, wildcard)).toBe(list);
  });
});

describe('rule 12: parseIssueValue', () => {
  it.each<[string, string, Array<[string, string]>]>([
    ['letsencrypt.org', 'letsencrypt.org', []],
    ['letsencrypt.org;', 'letsencrypt.org', []],
    ['letsencrypt.org;   ', 'letsencrypt.org', []],
    ['  letsencrypt.org\t; a=1;b = 2', 'letsencrypt.org', [['a', '1'], ['b', '2']]],
    [';', '', []],
    ['', '', []],
    ['letsencrypt.org; =x', 'letsencrypt.org', [['', 'x']]],
    ['letsencrypt.org; foo=', 'letsencrypt.org', [['foo', '']]],
    ['letsencrypt.org; foo=a=b', 'letsencrypt.org', [['foo', 'a=b']]],
  ])('parses %j', (value, issuer, parameters) => {
    expect(parseIssueValue(value)).toEqual({ ok: true, issuer, parameters: parameters.map(([tag, v]) => ({ tag, value: v })) });
  });
  it.each<[string, string]>([
    ['letsencrypt.org; foo=bar;', 'no-equals'],
    ['letsencrypt.org;;', 'no-equals'],
    ['letsencrypt.org; foo', 'no-equals'],
    ['letsencrypt.org; a_b=1', 'tag-char'],
    ['letsencrypt.org; account-uri=x', 'tag-char'],
    ['letsencrypt.org; a b=1', 'tag-char'],
    ['letsencrypt.org; validationmethods=http-01, dns-01', 'value-char'],
    ['letsencrypt.org; foo=a\u2615b', 'value-char'],
    ['letsencrypt.org; foo=a\x01b', 'value-char'],
  ])('voids %j (%s)', (value, kind) => {
    const parsed = parseIssueValue(value);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.failure.kind).toBe(kind);
  });
});

describe('rule 13: issuerMatches', () => {
  it.each([
    ['letsencrypt.org', true],
    ['LetsEncrypt.org', false],
    ['letsencrypt.org.', false],
    ['', false],
    ['www.letsencrypt.org', false],
  ])('%j matches: %s', (issuer, matches) => {
    expect(issuerMatches(issuer, LE.identities)).toBe(matches);
  });
});

describe('rule 14: checkAccountUri', () => {
  it.each<[string, string, CaPolicy, string | null, string]>([
    ['no parameter matches any account', 'foo=bar', LE, `${PROD}123`, 'absent'],
    ['the same URI', `accounturi=${PROD}123`, LE, `${PROD}123`, 'match'],
    ['the ACMEv1 form of the same account', `accounturi=${V1}123`, LE, `${PROD}123`, 'match'],
    ['an ACMEv1 account against its v2 record', `accounturi=${PROD}123`, LE, `${V1}123`, 'match'],
    ['another account', `accounturi=${PROD}321`, LE, `${PROD}123`, 'mismatch'],
    ['a staging account in production', `accounturi=${STAGING}123`, LE, `${PROD}123`, 'mismatch'],
    ['a trailing slash', `accounturi=${PROD}123/`, LE, `${PROD}123`, 'mismatch'],
    ['http instead of https', 'accounturi=http://acme-v02.api.letsencrypt.org/acme/acct/123', LE, `${PROD}123`, 'mismatch'],
    ['leading zeros', `accounturi=${PROD}0123`, LE, `${PROD}123`, 'mismatch'],
    ['an empty value', 'accounturi=', LE, `${PROD}123`, 'mismatch'],
    ['two parameters, even identical', `accounturi=${PROD}123; accounturi=${PROD}123`, LE, `${PROD}123`, 'duplicate'],
    ['mixed case is not the parameter', `AccountURI=${PROD}999`, LE, `${PROD}123`, 'absent'],
    ['an unknown account against a URI of this CA', `accounturi=${PROD}5`, LE, null, 'unknown-account'],
    ['an unknown account against a URI no account of this CA has', `accounturi=${STAGING}5`, LE, null, 'mismatch'],
    ['a private CA: exactly the same URI', 'accounturi=https://ca.internal/acct/7', PRIVATE, 'https://ca.internal/acct/7', 'match'],
    ['a private CA: another URI', 'accounturi=https://ca.internal/acct/8', PRIVATE, 'https://ca.internal/acct/7', 'mismatch'],
  ])('%s', (_, parameters, policy, account, result) => {
    expect(checkAccountUri(params(parameters), account, policy).result).toBe(result);
  });
});

describe('rule 15: checkValidationMethods', () => {
  it.each<[string, string, string | null, string, Partial<ReturnType<typeof checkValidationMethods>>]>([
    ['no parameter allows every method', 'foo=bar', 'dns-01', 'absent', {}],
    ['the method listed', 'validationmethods=http-01', 'http-01', 'match', {}],
    ['another method', 'validationmethods=dns-01', 'http-01', 'mismatch', { allows: ['dns-01'] }],
    ['one of several', 'validationmethods=dns-01,http-01', 'http-01', 'match', {}],
    ['unknown names are skipped', 'validationmethods=tls-sni-01,http-01', 'http-01', 'match', { skipped: ['tls-sni-01'] }],
    ['names are case-sensitive', 'validationmethods=HTTP-01', 'http-01', 'mismatch', { skipped: ['HTTP-01'] }],
    ['a malformed element fails the walk', 'validationmethods=dns-01,,http-01', 'http-01', 'malformed', { malformed: '' }],
    ['a match before the malformed element passes', 'validationmethods=http-01,,dns-01', 'http-01', 'match', {}],
    ['an underscore is malformed', 'validationmethods=http_01', 'http-01', 'malformed', { malformed: 'http_01' }],
    ['an empty value fails', 'validationmethods=', 'http-01', 'malformed', {}],
    ['two parameters never match', 'validationmethods=http-01; validationmethods=http-01', 'http-01', 'duplicate', {}],
    ['an unknown method against a usable list', 'validationmethods=dns-01', null, 'unknown-method', { allows: ['dns-01'] }],
    ['an unknown method against a list that allows nothing', 'validationmethods=foo-01', null, 'mismatch', { allows: [] }],
  ])('%s', (_, parameters, method, result, extra) => {
    expect(checkValidationMethods(params(parameters), method)).toMatchObject({ result, ...extra });
  });
});

describe('rule 11: assessCandidate, step by step', () => {
  it.each<[string, string, CaPolicy, IssuanceContext, string, string]>([
    ['a void value stops at parsing', 'letsencrypt.org; a_b=1', LE, CONTEXT, 'parse', 'fail'],
    ['another issuer stops at the issuer', 'digicert.com', LE, CONTEXT, 'issuer', 'fail'],
    ['a plain identity passes', 'letsencrypt.org', LE, CONTEXT, 'parameters', 'pass'],
    ['a wrong account fails', `letsencrypt.org; accounturi=${PROD}9`, LE, CONTEXT, 'parameters', 'fail'],
    ['an unknown account depends', `letsencrypt.org; accounturi=${PROD}9`, LE, { ...CONTEXT, accountUri: null }, 'parameters', 'depends'],
    ['a CA not enforcing RFC 8657 yet passes', `letsencrypt.org; validationmethods=dns-01`, { ...LE, enforcesRfc8657: false }, CONTEXT, 'parameters', 'pass'],
  ])('%s', (_, value, policy, context, step, verdict) => {
    const a = assessCandidate(rec(0, 'issue', value), policy, context);
    expect(a.check.step).toBe(step);
    expect(a.verdict).toBe(verdict);
  });
  it('says when a pass rests only on the CA not enforcing RFC 8657 yet', () => {
    const a = assessCandidate(rec(0, 'issue', 'letsencrypt.org; validationmethods=dns-01'), { ...LE, enforcesRfc8657: false }, CONTEXT);
    expect(a.check.step === 'parameters' && a.check.passesUnenforced).toBe(true);
    const enforced = assessCandidate(rec(0, 'issue', 'letsencrypt.org'), { ...LE, enforcesRfc8657: false }, CONTEXT);
    expect(enforced.check.step === 'parameters' && enforced.check.passesUnenforced).toBe(false);
  });
});

describe('rules 8, 10, 11: the set verdict', () => {
  const verdict = (wildcard: boolean, ...rs: OwnedCaaRecord[]) =>
    rrsetVerdict(assessRecords(rs, chooseList(rs, wildcard), LE, CONTEXT));
  it.each<[string, boolean, OwnedCaaRecord[], string, string]>([
    ['a critical unknown tag beats a matching issue', false, [rec(0, 'issue', 'letsencrypt.org'), rec(128, 'tbs', 'x')], 'refuse', 'critical-unknown'],
    ['an iodef-only set allows', false, [rec(0, 'iodef', 'mailto:a@b')], 'allow', 'no-relevant-records'],
    ['an issuewild-only set allows a non-wildcard', false, [rec(0, 'issuewild', ';')], 'allow', 'no-relevant-records'],
    ['issuewild ";" refuses the wildcard', true, [rec(0, 'issue', 'letsencrypt.org'), rec(0, 'issuewild', ';')], 'refuse', 'not-authorized'],
    ['one good record among bad ones is enough', false, [rec(0, 'issue', 'digicert.com'), rec(0, 'issue', 'letsencrypt.org.'), rec(0, 'issue', 'letsencrypt.org')], 'allow', 'authorized'],
    ['deny-all refuses', false, [rec(0, 'issue', ';')], 'refuse', 'not-authorized'],
  ])('%s', (_, wildcard, rs, outcome, why) => {
    expect(verdict(wildcard, ...rs)).toEqual({ outcome, why });
  });
  it('depends when the only candidate hinges on an unknown account', () => {
    const rs = [rec(0, 'issue', `letsencrypt.org; accounturi=${PROD}9`)];
    expect(rrsetVerdict(assessRecords(rs, 'issue', LE, { ...CONTEXT, accountUri: null }))).toEqual({ outcome: 'depends', why: 'depends' });
  });
});

describe('rules 6-16 together: evaluateCaa', () => {
  it('allows when no level has CAA, and names no relevant set', () => {
    expect(evaluateCaa([empty('a.example'), empty('example')], false, LE, CONTEXT)).toMatchObject({ outcome: 'allow', why: 'no-caa' });
  });
  it('fails on the first lookup error below any records', () => {
    const e = evaluateCaa([failed('a.example'), records('example', rec(0, 'issue', 'letsencrypt.org'))], false, LE, CONTEXT);
    expect(e).toMatchObject({ outcome: 'lookup-error', failed: { name: 'a.example' } });
  });
  it('judges the closest set only: a subdomain iodef shadows a parent deny-all', () => {
    const e = evaluateCaa([records('a.example', rec(0, 'iodef', 'mailto:x@y')), records('example', rec(0, 'issue', ';'))], false, LE, CONTEXT);
    expect(e).toMatchObject({ outcome: 'allow', why: 'no-relevant-records', relevant: { name: 'a.example' } });
  });
  it('uses issuewild for a wildcard and marks issue records not applicable', () => {
    const e = evaluateCaa([records('example', rec(0, 'issue', 'digicert.com'), rec(0, 'issuewild', 'letsencrypt.org'))], true, LE, { ...CONTEXT, method: 'dns-01' });
    expect(e.outcome).toBe('allow');
    expect('assessments' in e && e.assessments.map((a) => a.role)).toEqual(['not-applicable', 'candidate']);
  });
});
