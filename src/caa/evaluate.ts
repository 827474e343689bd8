// The CA's CAA decision as a chain of small pure functions, after Boulder's va/caa.go:
// select the relevant RRset -> sort by tag -> choose the list -> check each record (parse,
// issuer, accounturi, validationmethods). Rule numbers refer to caa-rules.md. No I/O here.
//
// Unlike the CA we also carry "depends": when the account or the challenge is unknown to us,
// a record whose verdict hinges on it is neither a pass nor a refusal.
import type { CaaFailed, CaaFound, CaaLookup } from '../dns/resolver.js';
import type { CaaRecord } from '../dns/wire.js';
import { parseIssueValue, type CaaParameter, type ParsedValue } from './parse.js';

/** What the CA accepts. */
export interface CaPolicy {
  /** CAA identities (issuer domains) the CA accepts; compared byte-exactly (rule 13). */
  identities: string[];
  /** Account URI prefixes the CA accepts for one account id (rule 14). */
  accountUriPrefixes: string[];
  /** Account URI prefixes of the other known CAs (their accounts never match this CA). */
  otherAccountUriPrefixes: string[];
  /** Whether the CA enforces RFC 8657 accounturi/validationmethods today. */
  enforcesRfc8657: boolean;
}

/** What the renewal will present. null = not known to us. */
export interface IssuanceContext {
  accountUri: string | null;
  method: string | null;
}

/** Challenge types the CA knows (rule 15; Boulder core.AcmeChallenge.IsValid). */
export const CA_METHODS = ['http-01', 'dns-01', 'tls-alpn-01', 'dns-account-01', 'dns-persist-01'];

/** Property tags the CA recognises and then ignores (rule 7). */
export const RECOGNISED_IGNORED_TAGS = ['iodef', 'issuemail', 'issuevmc'];

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

export type RecordRole =
  | 'candidate' // in the chosen list: must authorize
  | 'not-applicable' // issue/issuewild not in the chosen list (rule 9)
  | 'recognised' // iodef, issuemail, issuevmc (rule 7)
  | 'unknown' // unknown tag, not critical (rule 7)
  | 'critical-unknown'; // unknown tag with flag 128 or 1 (rules 7, 8)

export interface RecordAssessment {
  record: CaaRecord & { owner: string };
  /** ASCII-lowercased property tag (rule 7). */
  tag: string;
  role: RecordRole;
  parsed: ParsedValue | null;
  issuerMatches: boolean | null;
  account: AccountCheck | null;
  method: MethodCheck | null;
  /** For candidates: does this record authorize the request? */
  verdict: Tristate | null;
  /** True when the record passes only because the CA does not enforce RFC 8657 yet. */
  passesUnenforced: boolean;
}

export type Evaluation =
  | { outcome: 'allow'; why: 'no-caa'; levels: CaaLookup[] }
  | {
      outcome: 'allow' | 'refuse' | 'depends';
      why: 'critical-unknown' | 'no-relevant-records' | 'authorized' | 'not-authorized' | 'depends';
      levels: CaaLookup[];
      relevant: CaaFound;
      list: 'issue' | 'issuewild';
      assessments: RecordAssessment[];
    }
  | { outcome: 'lookup-error'; why: 'lookup-error'; levels: CaaLookup[]; failed: CaaFailed };

/** ASCII-only lowercase: the CA lowercases tags with Go's strings.ToLower on escaped ASCII. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * Rule 6: walk from the full name towards the TLD; the first failed lookup fails the check,
 * the first non-empty set is the relevant RRset; none anywhere means no CAA.
 */
export function selectRelevant(levels: CaaLookup[]): CaaFound | CaaFailed | null {
  for (const level of levels) {
    if (level.kind === 'error') return level;
    if (level.kind === 'records') return level;
  }
  return null;
}

/** Rule 7: which role a record plays before list selection. */
export function tagRole(record: CaaRecord): 'issue' | 'issuewild' | 'recognised' | 'unknown' | 'critical-unknown' {
  const tag = asciiLower(record.tag);
  if (tag === 'issue' || tag === 'issuewild') return tag;
  if (RECOGNISED_IGNORED_TAGS.includes(tag)) return 'recognised';
  // Rule 7: bit 128 is the critical flag; Boulder also honours bit 1, a common misreading.
  return (record.flags & (128 | 1)) !== 0 ? 'critical-unknown' : 'unknown';
}

/** Rule 9: wildcards use issuewild when there is at least one, else issue; others use issue. */
export function chooseList(records: CaaRecord[], wildcard: boolean): 'issue' | 'issuewild' {
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
export function checkAccountUri(parameters: CaaParameter[], accountUri: string | null, policy: Pick<CaPolicy, 'accountUriPrefixes' | 'otherAccountUriPrefixes'>): AccountCheck {
  const values = parameters.filter((p) => p.tag === 'accounturi').map((p) => p.value);
  if (values.length === 0) return { result: 'absent', values, accepted: [] };
  if (values.length > 1) return { result: 'duplicate', values, accepted: [] };
  if (accountUri === null) {
    // Unknown account: still certain when the value can name no account of this CA at all.
    return { result: couldBeAccountOf(values[0]!, policy) ? 'unknown-account' : 'mismatch', values, accepted: [] };
  }
  const accepted = acceptedAccountUris(accountUri, policy);
  // Boulder also requires url.Parse to succeed; any value equal to an accepted URI does.
  return { result: accepted.includes(values[0]!) ? 'match' : 'mismatch', values, accepted };
}

/**
 * Rule 15: exact lowercase `validationmethods`; absent allows any method; two or more never
 * match. Elements are walked left to right: malformed -> fail at once, unknown to the CA ->
 * skipped, equal to the method used -> pass; the end of the list -> fail.
 */
export function checkValidationMethods(parameters: CaaParameter[], method: string | null): MethodCheck {
  const values = parameters.filter((p) => p.tag === 'validationmethods').map((p) => p.value);
  const blank = { listed: [] as string[], skipped: [] as string[], malformed: null, allows: [] as string[] };
  if (values.length === 0) return { result: 'absent', ...blank, allows: [...CA_METHODS] };
  if (values.length > 1) return { result: 'duplicate', ...blank };
  const listed = values[0]!.split(',');
  const skipped: string[] = [];
  const allows: string[] = [];
  let malformed: string | null = null;
  for (const element of listed) {
    if (!/^[A-Za-z0-9-]+$/.test(element)) {
      malformed = element;
      break;
    }
    if (!CA_METHODS.includes(element)) skipped.push(element);
    else if (!allows.includes(element)) allows.push(element);
  }
  const base = { listed, skipped, malformed, allows };
  const failure = malformed !== null ? 'malformed' : 'mismatch';
  if (method === null) return { result: allows.length === 0 ? failure : 'unknown-method', ...base };
  if (allows.includes(method)) return { result: 'match', ...base };
  return { result: failure, ...base };
}

/** Rule 11: a candidate record authorizes when it parses, names the CA, and both RFC 8657 checks pass. */
export function assessCandidate(
  record: CaaRecord & { owner: string },
  policy: CaPolicy,
  context: IssuanceContext,
): RecordAssessment {
  const parsed = parseIssueValue(record.value);
  const base: RecordAssessment = {
    record, tag: asciiLower(record.tag), role: 'candidate', parsed,
    issuerMatches: null, account: null, method: null, verdict: 'fail', passesUnenforced: false,
  };
  if (!parsed.ok) return base; // rule 12: a record that does not parse is skipped
  const matches = issuerMatches(parsed.issuer, policy.identities);
  const account = checkAccountUri(parsed.parameters, context.accountUri, policy);
  const method = checkValidationMethods(parsed.parameters, context.method);
  const accountState = stateOf(account.result);
  const methodState = stateOf(method.result);
  let verdict: Tristate = !matches ? 'fail' : worst(accountState, methodState);
  let passesUnenforced = false;
  if (matches && verdict !== 'pass' && !policy.enforcesRfc8657) {
    passesUnenforced = true;
    verdict = 'pass';
  }
  return { ...base, issuerMatches: matches, account, method, verdict, passesUnenforced };
}

function stateOf(result: AccountCheck['result'] | MethodCheck['result']): Tristate {
  if (result === 'absent' || result === 'match') return 'pass';
  if (result === 'unknown-account' || result === 'unknown-method') return 'depends';
  return 'fail';
}

function worst(a: Tristate, b: Tristate): Tristate {
  if (a === 'fail' || b === 'fail') return 'fail';
  if (a === 'depends' || b === 'depends') return 'depends';
  return 'pass';
}

/** Rules 6-16 over the per-level lookups of one name (full name first, TLD last). */
export function evaluateCaa(
  levels: CaaLookup[],
  wildcard: boolean,
  policy: CaPolicy,
  context: IssuanceContext,
): Evaluation {
  const selected = selectRelevant(levels);
  if (selected === null) return { outcome: 'allow', why: 'no-caa', levels };
  if (selected.kind === 'error') return { outcome: 'lookup-error', why: 'lookup-error', levels, failed: selected };

  const list = chooseList(selected.records, wildcard);
  const assessments = selected.records.map((record): RecordAssessment => {
    const role = tagRole(record);
    if (role === 'issue' || role === 'issuewild') {
      if (role === list) return assessCandidate(record, policy, context);
      return blankAssessment(record, 'not-applicable');
    }
    return blankAssessment(record, role);
  });
  const common = { levels, relevant: selected, list, assessments };
  // Rule 8: a critical unknown tag refuses before any issue record is looked at.
  if (assessments.some((a) => a.role === 'critical-unknown')) {
    return { outcome: 'refuse', why: 'critical-unknown', ...common };
  }
  const candidates = assessments.filter((a) => a.role === 'candidate');
  // Rule 10: an empty chosen list allows.
  if (candidates.length === 0) return { outcome: 'allow', why: 'no-relevant-records', ...common };
  // Rule 11: records are OR-ed; one that authorizes is enough.
  if (candidates.some((a) => a.verdict === 'pass')) return { outcome: 'allow', why: 'authorized', ...common };
  if (candidates.some((a) => a.verdict === 'depends')) return { outcome: 'depends', why: 'depends', ...common };
  return { outcome: 'refuse', why: 'not-authorized', ...common };
}

function blankAssessment(record: CaaRecord & { owner: string }, role: RecordRole): RecordAssessment {
  return {
    record, tag: asciiLower(record.tag), role, parsed: null,
    issuerMatches: null, account: null, method: null, verdict: null, passesUnenforced: false,
  };
}
