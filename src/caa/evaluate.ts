// The CA's CAA decision as a chain of small pure functions, after Boulder's va/caa.go:
// select the relevant RRset -> sort by tag -> choose the list -> check each record (parse,
// issuer, accounturi, validationmethods). Rule numbers refer to docs/caa-rules.md. No I/O here.
//
// Unlike the CA we also carry "depends": when the account or the challenge is unknown to us,
// a record whose verdict hinges on it is neither a pass nor a refusal.
import type { CaaFailed, CaaFound, CaaLookup } from '../dns/lookup.js';
import type { OwnedCaaRecord } from '../dns/wire.js';
import { CHALLENGE_TYPES, CRITICAL_FLAG_BITS, isChallengeType, type CaPolicy } from '../vocabulary.js';
import { sharedBy, type SharedBy } from '../memo.js';
import { parseIssueValue, type CaaParameter, type ParsedFailure, type ParsedOk } from './parse.js';

/** What the renewal will present. null = not known to us. */
export interface IssuanceContext {
  accountUri: string | null;
  method: string | null;
}

/** Property tags the CA recognises and then ignores (rule 7). */
export const RECOGNISED_IGNORED_TAGS = ['iodef', 'issuemail', 'issuevmc'];

/** A record's or a set's answer: authorizes, refuses, or hinges on what we do not know. */
export type Tristate = 'pass' | 'fail' | 'depends';

export interface AccountCheck {
  result: 'absent' | 'match' | 'mismatch' | 'duplicate' | 'unknown-account';
  /** The accounturi value(s) in the record. */
  values: string[];
  /** Account URIs that would match for the renewal's account. */
  accepted: string[];
}

export interface MethodCheck {
  result: 'absent' | 'match' | 'mismatch' | 'duplicate' | 'malformed' | 'unknown-method';
  /** Elements of the validationmethods value, in order. */
  listed: string[];
  /** Well-formed elements the CA does not know, which it skips. */
  skipped: string[];
  /** The first malformed element, if the walk reached one. */
  malformed: string | null;
  /** Methods for which the record would pass (reached before any malformed element). */
  allows: string[];
}

/** Rule 7's sorting of one record, before the list is chosen. */
export type TagRole = 'issue' | 'issuewild' | 'recognised' | 'unknown' | 'critical-unknown';

/** How far a candidate record got through rule 11's checks, with what each step found. */
export type CandidateCheck =
  /** Rule 12: the value does not parse; the record is skipped. */
  | { step: 'parse'; parsed: ParsedFailure }
  /** Rule 13: it parses but names another issuer. */
  | { step: 'issuer'; parsed: ParsedOk }
  /** Rules 14-15: it names this CA; the RFC 8657 parameters decide. */
  | { step: 'parameters'; parsed: ParsedOk; account: AccountCheck; method: MethodCheck; passesUnenforced: boolean };

/** A record of the relevant RRset as judged; only candidates (the chosen list) carry a verdict. */
export type RecordAssessment =
  | { role: 'candidate'; record: OwnedCaaRecord; tag: string; check: CandidateCheck; verdict: Tristate }
  | {
      /** not-applicable: issue/issuewild outside the chosen list (rule 9); the others as in rule 7. */
      role: 'not-applicable' | 'recognised' | 'unknown' | 'critical-unknown';
      record: OwnedCaaRecord;
      tag: string;
    };

export type CandidateAssessment = Extract<RecordAssessment, { role: 'candidate' }>;

/** The verdict on a relevant RRset (rules 8-11), each outcome with the reasons it can have. */
export type RrsetVerdict =
  | { outcome: 'refuse'; why: 'critical-unknown' | 'not-authorized' }
  | { outcome: 'allow'; why: 'no-relevant-records' | 'authorized' }
  | { outcome: 'depends'; why: 'depends' };

/** The verdict on a relevant RRset with everything it rests on. */
export type RrsetEvaluation = RrsetVerdict & {
  levels: CaaLookup[];
  relevant: CaaFound;
  list: 'issue' | 'issuewild';
  assessments: RecordAssessment[];
};

/** The CA's decision for one name: no CAA anywhere, a failed lookup (rule 6), or a judged RRset. */
export type Evaluation =
  | { outcome: 'allow'; why: 'no-caa'; levels: CaaLookup[] }
  | { outcome: 'lookup-error'; why: 'lookup-error'; levels: CaaLookup[]; failed: CaaFailed }
  | RrsetEvaluation;

/** ASCII-only lowercase: the CA lowercases tags with Go's strings.ToLower on escaped ASCII. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]/g, (c) => c.toLowerCase()) : s;
}

/**
 * Rule 6: walk from the full name towards the TLD; the first failed lookup fails the check,
 * the first non-empty set is the relevant RRset; none anywhere means no CAA.
 */
export function selectRelevant(levels: CaaLookup[]): CaaFound | CaaFailed | null {
  for (const level of levels) {
    if (level.kind === 'error' || level.kind === 'records') return level;
  }
  return null;
}

/** Whether flags make an unknown property critical: bit 128, or bit 1 which the CA also honours (rule 7). */
export function isCritical(flags: number): boolean {
  return (flags & CRITICAL_FLAG_BITS) !== 0;
}

/** Rule 7: which role a record plays before list selection (tags compared case-insensitively). */
export function tagRole(record: { flags: number; tag: string }): TagRole {
  const tag = asciiLower(record.tag);
  if (tag === 'issue' || tag === 'issuewild') return tag;
  if (RECOGNISED_IGNORED_TAGS.includes(tag)) return 'recognised';
  return isCritical(record.flags) ? 'critical-unknown' : 'unknown';
}

/** Rule 9: wildcards use issuewild when there is at least one, else issue; others use issue. */
export function chooseList(records: Array<{ flags: number; tag: string }>, wildcard: boolean): 'issue' | 'issuewild' {
  return wildcard && records.some((r) => tagRole(r) === 'issuewild') ? 'issuewild' : 'issue';
}

/** Rule 13: byte-exact equality with one of the CA's identities; no normalisation. */
export function issuerMatches(issuer: string, identities: string[]): boolean {
  return identities.includes(issuer);
}

/**
 * The account URIs the CA would accept for this account (rule 14). Boulder builds them as each
 * configured prefix + the numeric account id, so: an account URI of this CA (prefix + digits)
 * yields every prefix + that id; one that only looks like this CA's or another known CA's (a
 * staging account against production, a trailing slash) yields none; an account URI of a CA
 * we have no prefixes for (a private or test CA) is accepted only as itself.
 */
export function acceptedAccountUris(accountUri: string, policy: Pick<CaPolicy, 'accountUriPrefixes' | 'otherAccountUriPrefixes'>): string[] {
  const prefixes = policy.accountUriPrefixes;
  for (const prefix of prefixes) {
    const rest = accountUri.startsWith(prefix) ? accountUri.slice(prefix.length) : null;
    if (rest !== null && /^\d+$/.test(rest)) {
      const id = BigInt(rest).toString(); // Boulder formats the id with %d
      return prefixes.map((p) => p + id);
    }
  }
  if ([...prefixes, ...policy.otherAccountUriPrefixes].some((p) => accountUri.startsWith(p))) return [];
  return [accountUri];
}

/** Whether a record's accounturi could name some account of this CA (prefix + decimal id). */
function couldBeAccountOf(value: string, policy: Pick<CaPolicy, 'accountUriPrefixes'>): boolean {
  if (value === '') return false;
  if (policy.accountUriPrefixes.length === 0) return true;
  return policy.accountUriPrefixes.some((p) => value.startsWith(p) && /^\d+$/.test(value.slice(p.length)));
}

/** Rule 14: exact lowercase `accounturi`; absent matches any; two or more never match. */
export function checkAccountUri(
  parameters: CaaParameter[],
  accountUri: string | null,
  policy: Pick<CaPolicy, 'accountUriPrefixes' | 'otherAccountUriPrefixes'>,
): AccountCheck {
  const values = parameters.filter((p) => p.tag === 'accounturi').map((p) => p.value);
  const [value, second] = values;
  if (value === undefined) return { result: 'absent', values, accepted: [] };
  if (second !== undefined) return { result: 'duplicate', values, accepted: [] };
  if (accountUri === null) {
    // Unknown account: still certain when the value can name no account of this CA at all.
    return { result: couldBeAccountOf(value, policy) ? 'unknown-account' : 'mismatch', values, accepted: [] };
  }
  const accepted = acceptedAccountUris(accountUri, policy);
  // Boulder also requires url.Parse to succeed; any value equal to an accepted URI does.
  return { result: accepted.includes(value) ? 'match' : 'mismatch', values, accepted };
}

/**
 * Rule 15: exact lowercase `validationmethods`; absent allows any method; two or more never
 * match. Elements are walked left to right: malformed -> fail at once, unknown to the CA ->
 * skipped, equal to the method used -> pass; the end of the list -> fail.
 */
export function checkValidationMethods(parameters: CaaParameter[], method: string | null): MethodCheck {
  const values = parameters.filter((p) => p.tag === 'validationmethods').map((p) => p.value);
  const [value, second] = values;
  const blank = { listed: [], skipped: [], malformed: null };
  if (value === undefined) return { result: 'absent', ...blank, allows: [...CHALLENGE_TYPES] };
  if (second !== undefined) return { result: 'duplicate', ...blank, allows: [] };
  const listed = value.split(',');
  const skipped: string[] = [];
  const allows: string[] = [];
  let malformed: string | null = null;
  for (const element of listed) {
    if (!/^[A-Za-z0-9-]+$/.test(element)) {
      malformed = element;
      break;
    }
    if (!isChallengeType(element)) skipped.push(element);
    else if (!allows.includes(element)) allows.push(element);
  }
  const base = { listed, skipped, malformed, allows };
  const failure = malformed !== null ? 'malformed' : 'mismatch';
  if (method === null) return { result: allows.length === 0 ? failure : 'unknown-method', ...base };
  if (allows.includes(method)) return { result: 'match', ...base };
  return { result: failure, ...base };
}

/** Rule 11: a candidate record authorizes when it parses, names the CA, and both RFC 8657 checks pass. */
export function assessCandidate(record: OwnedCaaRecord, policy: CaPolicy, context: IssuanceContext): CandidateAssessment {
  const parsed = parseIssueValue(record.value);
  const base = { role: 'candidate', record, tag: asciiLower(record.tag) } as const;
  if (!parsed.ok) return { ...base, check: { step: 'parse', parsed }, verdict: 'fail' }; // rule 12: skipped
  if (!issuerMatches(parsed.issuer, policy.identities)) return { ...base, check: { step: 'issuer', parsed }, verdict: 'fail' };
  const account = checkAccountUri(parsed.parameters, context.accountUri, policy);
  const method = checkValidationMethods(parsed.parameters, context.method);
  const enforced = worst(stateOf(account.result), stateOf(method.result));
  // A CA that does not enforce RFC 8657 yet issues whatever the parameters say.
  const passesUnenforced = enforced !== 'pass' && !policy.enforcesRfc8657;
  return {
    ...base,
    check: { step: 'parameters', parsed, account, method, passesUnenforced },
    verdict: passesUnenforced ? 'pass' : enforced,
  };
}

function stateOf(result: AccountCheck['result'] | MethodCheck['result']): Tristate {
  switch (result) {
    case 'absent':
    case 'match':
      return 'pass';
    case 'unknown-account':
    case 'unknown-method':
      return 'depends';
    case 'mismatch':
    case 'duplicate':
    case 'malformed':
      return 'fail';
  }
}

function worst(a: Tristate, b: Tristate): Tristate {
  if (a === 'fail' || b === 'fail') return 'fail';
  if (a === 'depends' || b === 'depends') return 'depends';
  return 'pass';
}

/** Rules 7-9: judge every record of the relevant RRset; only the chosen list's are candidates. */
export function assessRecords(
  records: OwnedCaaRecord[],
  list: 'issue' | 'issuewild',
  policy: CaPolicy,
  context: IssuanceContext,
): RecordAssessment[] {
  return records.map((record): RecordAssessment => {
    const role = tagRole(record);
    const tag = asciiLower(record.tag);
    if (role === 'issue' || role === 'issuewild') {
      return role === list ? assessCandidate(record, policy, context) : { role: 'not-applicable', record, tag };
    }
    return { role, record, tag };
  });
}

/** Rules 8, 10 and 11: the set's verdict from its judged records. */
export function rrsetVerdict(assessments: RecordAssessment[]): RrsetVerdict {
  // Rule 8: a critical unknown tag refuses before any issue record is looked at.
  if (assessments.some((a) => a.role === 'critical-unknown')) return { outcome: 'refuse', why: 'critical-unknown' };
  const candidates = assessments.filter((a): a is CandidateAssessment => a.role === 'candidate');
  // Rule 10: an empty chosen list allows.
  if (candidates.length === 0) return { outcome: 'allow', why: 'no-relevant-records' };
  // Rule 11: records are OR-ed; one that authorizes is enough.
  if (candidates.some((a) => a.verdict === 'pass')) return { outcome: 'allow', why: 'authorized' };
  if (candidates.some((a) => a.verdict === 'depends')) return { outcome: 'depends', why: 'depends' };
  return { outcome: 'refuse', why: 'not-authorized' };
}

/**
 * Rules 6-16 over the per-level lookups of one name (full name first, TLD last). With `shared`,
 * an RRset already assessed in this run for the same policy, account and method is not
 * assessed again.
 */
export function evaluateCaa(levels: CaaLookup[], wildcard: boolean, policy: CaPolicy, context: IssuanceContext, shared?: SharedAssessments): Evaluation {
  const selected = selectRelevant(levels);
  if (selected === null) return { outcome: 'allow', why: 'no-caa', levels };
  if (selected.kind === 'error') return { outcome: 'lookup-error', why: 'lookup-error', levels, failed: selected };
  const list = chooseList(selected.records, wildcard);
  const { assessments, verdict } = shared ? sharedAssessment(shared, selected.records, list, policy, context) : assessed(selected.records, list, policy, context);
  // Built field by field: spreading the verdict cost more than the whole evaluation on a fleet.
  // outcome and why come as the pair rrsetVerdict made.
  return { outcome: verdict.outcome, why: verdict.why, levels, relevant: selected, list, assessments } as RrsetEvaluation;
}

/** An RRset's assessments under one list, policy and request, and the verdict they give. */
interface Assessed {
  assessments: RecordAssessment[];
  verdict: RrsetVerdict;
}

function assessed(records: OwnedCaaRecord[], list: 'issue' | 'issuewild', policy: CaPolicy, context: IssuanceContext): Assessed {
  const assessments = assessRecords(records, list, policy, context);
  return { assessments, verdict: rrsetVerdict(assessments) };
}

/**
 * What a run has assessed, by RRset (the records of one lookup, made once per run and shared by
 * every name that reaches it), policy, and list, account and method: a fleet's names under one
 * zone are assessed once (README "Speed"). Made per run and dropped with it; assessments are
 * data nothing mutates, so sharing them is safe.
 */
export type SharedAssessments = SharedBy<OwnedCaaRecord[], Assessed>;

function sharedAssessment(shared: SharedAssessments, records: OwnedCaaRecord[], list: 'issue' | 'issuewild', policy: CaPolicy, context: IssuanceContext): Assessed {
  return sharedBy(shared, records, policy, JSON.stringify([list, context.accountUri, context.method]), () => assessed(records, list, policy, context));
}
