// One record of the relevant RRset in words: its effect on this request (authorizes, rejects,
// blocks, ...), the findings it raises, and how close it came to authorizing (to pick the most
// useful reason when none does).
import { asciiLower, isCritical, type AccountCheck, type MethodCheck, type RecordAssessment } from '../caa/evaluate.js';
import type { CaaParameter, ParseFailure } from '../caa/parse.js';
import { bytesToText, recordText } from '../caa/zone.js';
import { CHALLENGE_TYPES, CRITICAL_FLAG_BITS } from '../vocabulary.js';
import * as finding from './findings.js';
import type { ParseProblem } from './findings.js';
import { judgeIssuer } from './issuer.js';
import type { CaView, ContextView, Finding, RecordEffect, RecordNote } from './types.js';

/** A record's note, its findings, and a rank of how close it came to authorizing (higher = closer). */
export interface JudgedRecord {
  record: RecordNote;
  findings: Finding[];
  rank: number;
}

/** Judge one record for the report. */
export function judgeRecord(a: RecordAssessment, identifier: string, ca: CaView, context: ContextView): JudgedRecord {
  const r = a.record;
  const text = recordText(r);
  const head = { owner: r.owner, flags: r.flags, tag: bytesToText(r.tag), value: bytesToText(r.value), text };
  const findings: Finding[] = [];
  const make = (effect: RecordEffect, note: string, rank = 0): JudgedRecord => ({ record: { ...head, effect, note }, findings, rank });

  switch (a.role) {
    case 'critical-unknown': {
      findings.push(finding.criticalUnknownTag(text, r.flags, head.tag));
      const bits = [128, 1].filter((bit) => (r.flags & bit & CRITICAL_FLAG_BITS) !== 0).join(' and ');
      return make('blocks', `unknown property with the critical flag (${bits}): blocks all issuance`);
    }
    case 'unknown':
      return make('ignored', 'property unknown to the CA, not critical: ignored');
    case 'recognised':
      if (isCritical(r.flags)) findings.push(finding.criticalFlagKnownTag(text, a.tag, 'for'));
      return make('ignored', `${a.tag}: recognised and ignored by the CA`);
    case 'not-applicable':
      if (isCritical(r.flags)) findings.push(finding.criticalFlagKnownTag(text, a.tag, 'on'));
      return make(
        'not-applicable',
        a.tag === 'issuewild'
          ? 'issuewild applies only to wildcard names'
          : `ignored for ${identifier}: issuewild records exist, and they replace issue records for wildcard names`,
      );
    case 'candidate':
      break;
    default:
      return unreachable(a);
  }

  // A candidate: parse, issuer, accounturi, validationmethods (rule 11).
  if (isCritical(r.flags)) findings.push(finding.criticalFlagKnownTag(text, a.tag, 'on'));
  const check = a.check;
  const issuer = judgeIssuer(check.parsed.issuer, ca);
  const meantForUs = issuer.code === 'match' || issuer.nearMiss;
  switch (check.step) {
    case 'parse': {
      const why = parseFailureText(check.parsed.failure);
      if (meantForUs) findings.push(finding.voidRecord(why.problem, text, why.text));
      return make('rejects', `void: ${why.text}`, meantForUs ? 3 : 1);
    }
    case 'issuer':
      if (issuer.nearMiss) findings.push(finding.issuerNearMiss(issuer.code, text, issuer.text));
      return make('rejects', issuer.text, issuer.nearMiss ? 2 : 0);
    case 'parameters':
      break;
    default:
      return unreachable(check);
  }

  findings.push(...mixedCaseParameters(check.parsed.parameters, text));
  const reasons = [...accountReasons(check.account, context, ca), ...methodReasons(check.method, context)];
  if (check.method.skipped.length > 0) findings.push(finding.unknownMethodName(check.method.skipped, CHALLENGE_TYPES));
  switch (a.verdict) {
    case 'pass':
      if (!check.passesUnenforced) return make('authorizes', 'authorizes this request', 5);
      findings.push(finding.rfc8657NotEnforcedYet(text, reasons.join('; '), ca.displayName));
      return make('authorizes', `authorizes for now (${reasons.join('; ')}; enforced from 2027-03-15)`, 5);
    case 'depends':
      return make('depends', reasons.join('; '), 4);
    case 'fail':
      return make('rejects', reasons.join('; '), 4);
    default:
      return unreachable(a.verdict);
  }
}

/** Compile-time proof that a switch covers every case of a union. */
export function unreachable(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

/** Mixed-case accounturi/validationmethods tags are ignored by the CA (fail-open, Boulder #8614). */
function mixedCaseParameters(parameters: CaaParameter[], text: string): Finding[] {
  return parameters.flatMap((p) => {
    const lower = asciiLower(p.tag);
    const meant = (lower === 'accounturi' || lower === 'validationmethods') && p.tag !== lower;
    return meant ? [finding.mixedCaseParameter(text, p.tag, lower)] : [];
  });
}

/** Rule 14 in words. */
function accountReasons(account: AccountCheck, context: ContextView, ca: CaView): string[] {
  const [value] = account.values;
  switch (account.result) {
    case 'absent':
    case 'match':
      return [];
    case 'mismatch':
      return [accountMismatchText(value ?? '', context, ca)];
    case 'duplicate':
      return [`${account.values.length} accounturi parameters in one record can never match; publish one record per account`];
    case 'unknown-account':
      return [`binds issuance to account ${value}, and this renewal's account is not known`];
    default:
      return unreachable(account.result);
  }
}

/** Rule 15 in words. */
function methodReasons(method: MethodCheck, context: ContextView): string[] {
  const used = context.method ?? "the renewal's method";
  switch (method.result) {
    case 'absent':
    case 'match':
      return [];
    case 'mismatch':
      return [`validationmethods=${method.listed.join(',')} does not allow ${used}${context.methodSource ? ` (${context.methodSource})` : ''}`];
    case 'malformed':
      return [`validationmethods element ${JSON.stringify(method.malformed)} is malformed, which fails the record before ${used} is reached`];
    case 'duplicate':
      return ['two validationmethods parameters in one record can never match'];
    case 'unknown-method':
      return [`allows only ${method.allows.join(', ')}, and this renewal's challenge type is not known`];
    default:
      return unreachable(method.result);
  }
}

/** An accounturi for another account; says so when it is the staging/production mix-up. */
function accountMismatchText(recordUri: string, context: ContextView, ca: CaView): string {
  const ours = context.accountUri ?? '?';
  // Where the account came from is said once, with the lineage (README "Reading the report").
  const text = `its accounturi names another account; this renewal uses ${ours}`;
  const recordCa = ca.catalog.find((x) => x.accountUriPrefixes.some((p) => recordUri.startsWith(p)));
  const sameIdentity = recordCa?.caaIdentities.some((i) => ca.policy.identities.includes(i)) ?? false;
  if (!recordCa || recordCa.staging === ca.staging || !sameIdentity) return text;
  return recordCa.staging
    ? `${text}; the record names a staging account, which never matches production`
    : `${text}; the record names a production account, and staging (--dry-run) uses a different account: add a record for the staging account too`;
}

/** Rule 12 failures in words, naming the offending character and parameter. */
function parseFailureText(failure: ParseFailure): { problem: ParseProblem; text: string } {
  const piece = JSON.stringify(bytesToText(failure.piece));
  if (failure.kind === 'no-equals') {
    if (failure.piece.trim() === '') {
      return { problem: 'empty-parameter', text: 'an empty parameter (a trailing ";" after the parameters, or ";;") makes the whole record unusable' };
    }
    return { problem: 'parameter-syntax', text: `parameter ${piece} is not tag=value` };
  }
  const ch = failure.char;
  const shownChar = ch === ' ' ? 'a space' : ch === '\t' ? 'a tab' : /^[\x21-\x7e]$/.test(ch) ? `"${ch}"` : `byte 0x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  if (failure.kind === 'tag-char') {
    const tag = failure.piece.slice(0, failure.piece.indexOf('=')).trim();
    const squashed = asciiLower(tag.replace(/[-_\s]/g, ''));
    const meant = squashed === 'accounturi' || squashed === 'validationmethods' ? `; write "${squashed}"` : '';
    return { problem: 'parameter-tag', text: `parameter tag ${JSON.stringify(bytesToText(tag))} contains ${shownChar}: the CA allows only letters and digits in parameter tags${meant}` };
  }
  if (ch === ' ' && /,\s/.test(failure.piece)) {
    return { problem: 'space-after-comma', text: `a space after a comma in ${piece} makes the whole record unusable; write the list without spaces (http-01,dns-01)` };
  }
  return { problem: 'parameter-value', text: `parameter ${piece} contains ${shownChar}; values must be printable ASCII without spaces` };
}
