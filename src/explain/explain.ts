// From an evaluation to what a person needs: the verdict, why, what the CA will print, and the
// zone lines that fix it. Pure: no I/O. Every proposed fix is re-evaluated with the same rules
// before it is offered, so a fix line is never a guess.
import type { CaaFailed, CaaFound, CaaLookup } from '../dns/resolver.js';
import type { AliasHop, CaaRecord } from '../dns/wire.js';
import { AUTHORITIES } from '../ca/authorities.js';
import {
  acceptedAccountUris,
  asciiLower,
  evaluateCaa,
  type CaPolicy,
  type Evaluation,
  type IssuanceContext,
  type RecordAssessment,
} from './evaluate.js';
import { edeSummary, lookupProblem, refusalProblem, type CaProblem } from './messages.js';
import type { CheckName } from './name.js';
import type { ParseFailure } from './parse.js';
import { bytesToText, recordText, zoneLine } from './zone.js';

export type Status = 'pass' | 'warn' | 'fail' | 'error';

/** A remark about one name: `fail` explains a refusal, `warn` makes a pass a warning, `info` is context. */
export interface Finding {
  level: 'fail' | 'warn' | 'info';
  code: string;
  message: string;
  /** The record this is about (zone text), when it restates that record's note. */
  record?: string;
}

/** How one record of the relevant RRset was judged. */
export interface RecordNote {
  owner: string;
  flags: number;
  tag: string;
  /** Value decoded for display (UTF-8); `text` is the exact zone-file form. */
  value: string;
  text: string;
  /** authorizes | rejects | depends | not-applicable | ignored | blocks */
  effect: 'authorizes' | 'rejects' | 'depends' | 'not-applicable' | 'ignored' | 'blocks';
  note: string;
}

/** The per-name result, as reported in text and JSON. */
export interface NameReport {
  name: string;
  unicode: string | null;
  wildcard: boolean;
  status: Status;
  reason: string;
  fix: string | null;
  foundAt: string | null;
  /** Alias hops that led from foundAt to the records. */
  cnameChain: AliasHop[];
  records: Array<{ flags: number; tag: string; value: string }>;
  recordNotes: RecordNote[];
  findings: Finding[];
  caProblem: CaProblem | null;
  challenge: string | null;
  lookups: Array<{ name: string; result: string; server: string | null; detail: string | null }>;
}

/** Who the renewal talks to, as far as explanations need. */
export interface CaView {
  label: string;
  displayName: string;
  policy: CaPolicy;
  staging: boolean;
}

/** The renewal's account and challenge, with where each fact came from. */
export interface ContextView extends IssuanceContext {
  accountSource: string | null;
  methodSource: string | null;
}

/** Explain one name's evaluation. */
export function explainName(name: CheckName, evaluation: Evaluation, ca: CaView, context: ContextView): NameReport {
  const base: NameReport = {
    name: name.identifier, unicode: name.unicode, wildcard: name.wildcard,
    status: 'pass', reason: '', fix: null, foundAt: null, cnameChain: [], records: [], recordNotes: [],
    findings: [], caProblem: null, challenge: context.method, lookups: evaluation.levels.map(describeLookup),
  };
  const identity = ca.policy.identities[0] ?? '(none)';

  if (evaluation.outcome === 'lookup-error') {
    const failed = evaluation.failed;
    const problem = lookupProblem(name.identifier, failed);
    if (failed.local) {
      return {
        ...base, status: 'error',
        reason: `could not look up CAA for ${failed.name}: ${failed.detail}; the CA's view is unknown`,
        findings: [{ level: 'info', code: 'local-lookup-error', message: 'this is a problem between this machine and its resolver, not something the CA sees; check --resolver / /etc/resolv.conf' }],
      };
    }
    return {
      ...base, status: 'fail', caProblem: problem, cnameChain: failed.chain,
      reason: `CAA lookup for ${failed.name} fails (${failed.detail}); the CA refuses when any lookup up to the relevant RRset fails`,
      findings: [lookupAdvice(failed, evaluation.levels)],
    };
  }

  if (evaluation.why === 'no-caa') {
    const tld = evaluation.levels[evaluation.levels.length - 1]?.name ?? name.base;
    return { ...base, reason: `no CAA records at ${name.base} or any parent up to ${tld}: every CA may issue` };
  }

  const relevant = evaluation.relevant;
  const foundAt = relevant.name;
  const owner = recordOwner(relevant);
  const via = relevant.chain.length > 0 ? ` (via ${chainText(relevant.chain)})` : '';
  const notes = evaluation.assessments.map((a) => noteFor(a, evaluation.list, name, ca, context));
  const findings: Finding[] = [];
  const common = {
    ...base, foundAt, cnameChain: relevant.chain,
    records: relevant.records.map((r) => ({ flags: r.flags, tag: bytesToText(r.tag), value: bytesToText(r.value) })),
    recordNotes: notes.map((n) => n.record),
  };
  for (const n of notes) findings.push(...n.findings);
  if (relevant.chain.length > 0) {
    findings.push({
      level: 'info', code: 'cname-import',
      message: `${foundAt} is an alias (${chainText(relevant.chain)}): the CA uses the CAA records of ${owner}, a zone you may not control; your own parents are consulted only when ${owner} has none`,
    });
  }
  findings.push(...shadowFindings(evaluation, name, ca, context));

  if (evaluation.outcome === 'allow') {
    const status: Status = findings.some((f) => f.level === 'warn') ? 'warn' : 'pass';
    const reason =
      evaluation.why === 'authorized'
        ? `CAA at ${foundAt}${via} authorizes ${identityList(ca)}${authorizingRecord(evaluation.assessments)}`
        : `CAA at ${foundAt}${via} has no ${evaluation.list} records that apply to ${name.wildcard ? 'wildcard' : 'this'} name: every CA may issue`;
    return { ...common, status, reason, findings: findings.filter((f) => f.level !== 'fail') };
  }

  if (evaluation.outcome === 'depends') {
    const needs = dependsOn(evaluation.assessments);
    return {
      ...common, status: 'error', findings,
      reason: `CAA at ${foundAt}${via} authorizes ${identityList(ca)} only for a specific ${needs}, and this check does not know the renewal's ${needs}${needs === 'account' ? ' (with -d, give --account-uri)' : ' (with -d, give --challenge)'}`,
    };
  }

  const problem = refusalProblem(name.identifier, foundAt);
  const fix = proposeFix(evaluation, relevant, name, ca, context);
  if (owner !== foundAt) {
    findings.push({
      level: 'fail', code: 'fix-at-alias-target',
      message: `the records are served by ${owner}; change them there if you control that zone, otherwise replace the alias at ${foundAt} with A/AAAA records or ask the provider to allow ${identity}`,
    });
  }
  const others = otherAuthorizedCas(evaluation.assessments, ca);
  if (others.length > 0) {
    findings.push({
      level: 'info', code: 'authorizes-other-ca',
      message: `this CAA authorizes ${others.join(' / ')}; if that is the CA you meant to use, point the renewal at it instead (acme.sh: --server or --set-default-ca; certbot: --server) — or add the fix line to allow ${ca.displayName} too`,
    });
  }
  const reason =
    evaluation.why === 'critical-unknown'
      ? `CAA at ${foundAt}${via} has a critical property the CA does not know (${criticalTags(evaluation.assessments)}): it refuses every certificate`
      : `CAA at ${foundAt}${via} does not authorize ${identityList(ca)}: ${mainProblem(notes)}`;
  return { ...common, status: 'fail', reason, fix, caProblem: problem, findings };
}

/** Production CAs that a well-formed candidate record of the set authorizes instead. */
function otherAuthorizedCas(assessments: RecordAssessment[], ca: CaView): string[] {
  const names = new Set<string>();
  for (const a of assessments) {
    if (a.role !== 'candidate' || !a.parsed?.ok) continue;
    for (const other of AUTHORITIES) {
      if (!other.staging && other.caaIdentities.includes(a.parsed.issuer) && !other.caaIdentities.some((i) => ca.policy.identities.includes(i))) {
        names.add(other.displayName);
      }
    }
  }
  return [...names];
}

/** The name that actually owns the relevant records (the alias target for a CNAME). */
function recordOwner(relevant: CaaFound): string {
  return relevant.records[0]?.owner.toLowerCase() ?? relevant.name;
}

function chainText(chain: AliasHop[]): string {
  return chain.map((hop) => `${hop.owner} ${hop.type} ${hop.target}`).join(', ');
}

function identityList(ca: CaView): string {
  return ca.policy.identities.length === 1 ? ca.policy.identities[0]! : `${ca.displayName} (${ca.policy.identities.join(', ')})`;
}

function authorizingRecord(assessments: RecordAssessment[]): string {
  const ok = assessments.find((a) => a.role === 'candidate' && a.verdict === 'pass');
  return ok ? ` (${recordText(ok.record)})` : '';
}

function criticalTags(assessments: RecordAssessment[]): string {
  return assessments.filter((a) => a.role === 'critical-unknown').map((a) => recordText(a.record)).join(', ');
}

function dependsOn(assessments: RecordAssessment[]): 'account' | 'challenge type' {
  return assessments.some((a) => a.account?.result === 'unknown-account') ? 'account' : 'challenge type';
}

/** The single most useful sentence about why no record authorizes. */
function mainProblem(notes: Array<{ record: RecordNote; rank: number }>): string {
  const candidates = notes.filter((n) => n.record.effect === 'rejects').sort((a, b) => b.rank - a.rank);
  const best = candidates[0];
  if (!best) return 'no record authorizes it';
  const more = candidates.length > 1 ? ` (and ${candidates.length - 1} more record${candidates.length > 2 ? 's' : ''})` : '';
  return `${best.record.text}: ${best.record.note}${more}`;
}

/** One lookup level, for -v and JSON. */
function describeLookup(level: CaaLookup): NameReport['lookups'][number] {
  if (level.kind === 'records') {
    return { name: level.name, result: `${level.records.length} CAA`, server: level.server, detail: level.chain.length ? chainText(level.chain) : null };
  }
  if (level.kind === 'empty') {
    return { name: level.name, result: level.nxdomain ? 'NXDOMAIN (empty)' : 'no CAA', server: level.server, detail: level.chain.length ? chainText(level.chain) : null };
  }
  return { name: level.name, result: `error: ${level.rcode ?? level.cause}`, server: level.server, detail: level.detail };
}

/** Operational advice for a lookup failure the CA would also hit (cas-peers-failures.md §3.4-5, 10). */
function lookupAdvice(failed: CaaFailed, levels: CaaLookup[]): Finding {
  const qname = failed.name;
  const dnssec = failed.ede !== null && failed.ede.code >= 1 && failed.ede.code <= 12;
  let message: string;
  if (failed.cause === 'nxdomain-tld') {
    message = `the TLD ${qname} does not exist in the DNS the CA sees; no certificate can be issued under it`;
  } else if (failed.cause === 'timeout') {
    message =
      `no CAA answer for ${qname} arrives in time: its nameservers do not answer (often a firewall that drops unknown query types, or a provider that does not answer CAA over UDP). ` +
      `Test with \`dig ${qname} CAA @<each authoritative server>\`; the CA's resolvers time out the same way`;
  } else if (failed.cause === 'truncated') {
    message = `the CAA answer for ${qname} is truncated even over TCP; the CA refuses truncated answers. Shrink the RRset or fix the server or middlebox that truncates`;
  } else if (dnssec) {
    message =
      `DNSSEC validation fails for ${qname} (${edeSummary(failed.ede!.code)}). The CA's resolvers validate, so every CAA lookup there fails. ` +
      'Re-sign the zone or fix the DS record at the parent; dnsviz.net shows the broken link';
  } else if (!qname.includes('.')) {
    message = `the failure is at the TLD ${qname}, on the registry side; retry later`;
  } else {
    const hasRecordsAbove = levels.some((l) => l.kind === 'records');
    message =
      `the nameservers of ${qname} answer ${failed.rcode ?? failed.cause} for CAA. The CA treats this as fatal${hasRecordsAbove ? '' : ' even though there are no CAA records'}. ` +
      `Test with \`dig +dnssec ${qname} CAA @<each authoritative server>\` and dnsviz.net: an empty NOERROR answer (with SOA) is correct; ` +
      'SERVFAIL often means broken DNSSEC or a server that does not implement CAA';
  }
  return { level: 'fail', code: `lookup-${failed.cause}`, message };
}

/** Judge one record for the report, with a rank of how close it came to authorizing. */
function noteFor(
  a: RecordAssessment,
  list: 'issue' | 'issuewild',
  name: CheckName,
  ca: CaView,
  context: ContextView,
): { record: RecordNote; findings: Finding[]; rank: number } {
  const r = a.record;
  const head = { owner: r.owner, flags: r.flags, tag: bytesToText(r.tag), value: bytesToText(r.value), text: recordText(r) };
  const findings: Finding[] = [];
  const critical = (r.flags & 0x81) !== 0;
  const make = (effect: RecordNote['effect'], note: string, rank = 0) => ({ record: { ...head, effect, note }, findings, rank });

  if (a.role === 'critical-unknown') {
    findings.push({
      level: 'fail', code: 'critical-unknown-tag',
      message: `${recordText(r)} is marked critical (flag ${r.flags}) and the CA does not know the property "${head.tag}", so it refuses to issue; set the flag to 0 or remove the record (flag 128 is harmless only on issue, issuewild and iodef)`,
    });
    return make('blocks', `unknown property with the critical flag (${r.flags & 128 ? 128 : 1}${r.flags & 128 && r.flags & 1 ? ' and 1' : ''}): blocks all issuance`);
  }
  if (a.role === 'unknown') return make('ignored', 'property unknown to the CA, not critical: ignored');
  if (a.role === 'recognised') {
    if (critical) {
      findings.push({ level: 'warn', code: 'critical-flag-known-tag', message: `${recordText(r)} has the critical flag; harmless for ${a.tag}, but pointless: use flag 0` });
    }
    return make('ignored', `${a.tag}: recognised and ignored by the CA`);
  }
  if (critical) {
    findings.push({ level: 'warn', code: 'critical-flag-known-tag', message: `${recordText(r)} has the critical flag; harmless on ${a.tag}, but pointless: use flag 0` });
  }
  if (a.role === 'not-applicable') {
    return make(
      'not-applicable',
      a.tag === 'issuewild'
        ? 'issuewild applies only to wildcard names'
        : `ignored for ${name.identifier}: issuewild records exist, and they replace issue records for wildcard names`,
    );
  }

  // A candidate: parse, issuer, accounturi, validationmethods (rule 11).
  const parsed = a.parsed!;
  const issuerVerdict = judgeIssuer(parsed.issuer, ca);
  const meantForUs = issuerVerdict.code === 'match' || issuerVerdict.nearMiss;
  if (!parsed.ok) {
    const why = parseFailureText(parsed.failure);
    if (meantForUs) findings.push({ level: 'warn', code: `void-record-${why.code}`, message: `${recordText(r)} is void: ${why.text}`, record: head.text });
    return make('rejects', `void: ${why.text}`, meantForUs ? 3 : 1);
  }
  if (!a.issuerMatches) {
    if (issuerVerdict.nearMiss) findings.push({ level: 'warn', code: issuerVerdict.code, message: `${recordText(r)}: ${issuerVerdict.text}`, record: head.text });
    return make('rejects', issuerVerdict.text, issuerVerdict.nearMiss ? 2 : 0);
  }
  mixedCaseParameterFindings(parsed.parameters, r, findings);
  const reasons: string[] = [];
  const acc = a.account!;
  if (acc.result === 'mismatch') reasons.push(accountMismatchText(acc.values[0]!, context, ca));
  if (acc.result === 'duplicate') reasons.push(`${acc.values.length} accounturi parameters in one record can never match; publish one record per account`);
  if (acc.result === 'unknown-account') reasons.push(`binds issuance to account ${acc.values[0]}, and this renewal's account is not known`);
  const m = a.method!;
  if (m.skipped.length > 0) {
    findings.push({
      level: 'info', code: 'unknown-method-name',
      message: `validationmethods lists ${m.skipped.map((s) => `"${s}"`).join(', ')}, which the CA does not know and skips (names are case-sensitive: ${['http-01', 'dns-01', 'tls-alpn-01'].join(', ')})`,
    });
  }
  const method = context.method ?? 'the renewal\'s method';
  if (m.result === 'mismatch') reasons.push(`validationmethods=${m.listed.join(',')} does not allow ${method}${context.methodSource ? ` (${context.methodSource})` : ''}`);
  if (m.result === 'malformed') reasons.push(`validationmethods element ${JSON.stringify(m.malformed)} is malformed, which fails the record before ${method} is reached`);
  if (m.result === 'duplicate') reasons.push('two validationmethods parameters in one record can never match');
  if (m.result === 'unknown-method') reasons.push(`allows only ${m.allows.join(', ')}, and this renewal's challenge type is not known`);

  if (a.verdict === 'pass' && a.passesUnenforced) {
    findings.push({
      level: 'warn', code: 'rfc8657-not-enforced-yet',
      message: `${recordText(r)}: ${reasons.join('; ')}. ${ca.displayName} does not enforce accounturi/validationmethods yet; from 2027-03-15 (CA/B Forum ballot SC-098) every CA must, and this record will then refuse`,
    });
    return make('authorizes', `authorizes for now (${reasons.join('; ')}; enforced from 2027-03-15)`, 5);
  }
  if (a.verdict === 'pass') return make('authorizes', 'authorizes this request', 5);
  if (a.verdict === 'depends') return make('depends', reasons.join('; '), 4);
  return make('rejects', reasons.join('; '), 4);
}

/** Mixed-case accounturi/validationmethods tags are ignored by the CA (fail-open, Boulder #8614). */
function mixedCaseParameterFindings(parameters: Array<{ tag: string }>, r: CaaRecord, findings: Finding[]): void {
  for (const p of parameters) {
    const lower = asciiLower(p.tag);
    if ((lower === 'accounturi' || lower === 'validationmethods') && p.tag !== lower) {
      findings.push({
        level: 'warn', code: 'mixed-case-parameter',
        message: `${recordText(r)}: the CA matches parameter names case-sensitively and ignores "${p.tag}", so the ${lower} restriction you meant is not enforced; write "${lower}"`,
      });
    }
  }
}

function accountMismatchText(recordUri: string, context: ContextView, ca: CaView): string {
  const ours = context.accountUri ?? '?';
  let text = `accounturi=${recordUri} but this renewal uses account ${ours}${context.accountSource ? ` (from ${context.accountSource})` : ''}`;
  const recordCa = AUTHORITIES.find((x) => x.accountUriPrefixes.some((p) => recordUri.startsWith(p)));
  if (recordCa && recordCa.staging !== ca.staging && recordCa.caaIdentities.some((i) => ca.policy.identities.includes(i))) {
    text += recordCa.staging
      ? `; the record names a staging account, which never matches production`
      : `; the record names a production account, and staging (--dry-run) uses a different account: add a record for the staging account too`;
  }
  return text;
}

interface IssuerVerdict {
  nearMiss: boolean;
  code: string;
  text: string;
  /** The identity the author evidently meant, when it is one of ours. */
  meant: string | null;
}

/** Why an issuer domain does not match, with the hints of cas-peers-failures.md §3.2-3. */
export function judgeIssuer(issuer: string, ca: CaView): IssuerVerdict {
  const ids = ca.policy.identities;
  const shown = JSON.stringify(bytesToText(issuer));
  if (ids.includes(issuer)) return { nearMiss: false, code: 'match', text: 'matches', meant: issuer };
  if (issuer === '') {
    return { nearMiss: false, code: 'deny-all', text: 'empty issuer domain: authorizes no CA (deny-all)', meant: null };
  }
  const bare = issuer.replace(/\.+$/, '');
  const simple = asciiLower(bare.replace(/^["']+|["']+$/g, '').trim());
  const meant = ids.find((id) => id === simple || `www.${id}` === simple) ?? null;
  if (meant !== null) {
    const problems: string[] = [];
    if (bare !== issuer) problems.push('has a trailing dot (CAA issuer names are not FQDNs and are matched exactly)');
    if (/^["']|["']$/.test(bare)) problems.push('contains quote characters inside the value');
    if (asciiLower(bare) !== bare && asciiLower(bare).includes(meant)) problems.push('differs in case (the CA compares byte for byte)');
    if (simple.startsWith('www.')) problems.push('has a "www." prefix');
    if (problems.length === 0) problems.push('has extra characters');
    const code = bare !== issuer ? 'issuer-trailing-dot' : asciiLower(bare) !== bare ? 'issuer-case' : 'issuer-near-miss';
    return { nearMiss: true, code, text: `issuer ${shown} ${problems.join(' and ')}; write "${meant}"`, meant };
  }
  const owners = AUTHORITIES.filter((x) => !x.staging && x.caaIdentities.includes(asciiLower(bare)));
  if (owners.length > 0) {
    return { nearMiss: false, code: 'other-ca', text: `authorizes ${[...new Set(owners.map((o) => o.displayName))].join(' / ')}, not ${ca.displayName}`, meant: null };
  }
  const brand = BRANDS.find((b) => b.pattern.test(bytesToText(issuer)));
  if (brand) {
    const brandCa = AUTHORITIES.find((x) => x.id === brand.ca)!;
    const ours = brandCa.caaIdentities.some((i) => ids.includes(i));
    const identity = brandCa.caaIdentities[0]!;
    return {
      nearMiss: ours, code: 'issuer-brand-name',
      text: `${shown} is not a CAA identity; ${brandCa.displayName}'s CAA identity is "${identity}"`,
      meant: ours ? identity : null,
    };
  }
  return { nearMiss: false, code: 'other-issuer', text: `issuer ${shown} is not ${ids.map((i) => `"${i}"`).join(' or ')}`, meant: null };
}

/** Strings people put in CAA that name a CA but are not its CAA identity. */
const BRANDS: Array<{ pattern: RegExp; ca: string }> = [
  { pattern: /let'?s\s*encrypt|letsencrypt|\bisrg\b|^(r3|r1[0-4]|e[1-9])$/i, ca: 'letsencrypt' },
  { pattern: /zerossl/i, ca: 'zerossl' },
  { pattern: /sectigo|comodo/i, ca: 'sectigo' },
  { pattern: /google|\bgts\b|pki\.goog/i, ca: 'google' },
  { pattern: /digicert|geotrust|rapidssl|thawte/i, ca: 'digicert' },
  { pattern: /buypass/i, ca: 'buypass' },
  { pattern: /ssl\.?com/i, ca: 'sslcom' },
  { pattern: /actalis/i, ca: 'actalis' },
  { pattern: /globalsign/i, ca: 'globalsign' },
];

/** Rule 12 failures in words, naming the offending character and parameter. */
function parseFailureText(failure: ParseFailure): { code: string; text: string } {
  const piece = JSON.stringify(bytesToText(failure.piece));
  if (failure.kind === 'no-equals') {
    if (failure.piece.trim() === '') {
      return { code: 'empty-parameter', text: 'an empty parameter (a trailing ";" after the parameters, or ";;") makes the whole record unusable' };
    }
    return { code: 'parameter-syntax', text: `parameter ${piece} is not tag=value` };
  }
  const ch = failure.char;
  const shownChar = ch === ' ' ? 'a space' : ch === '\t' ? 'a tab' : /^[\x21-\x7e]$/.test(ch) ? `"${ch}"` : `byte 0x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  if (failure.kind === 'tag-char') {
    const tag = failure.piece.slice(0, failure.piece.indexOf('=')).trim();
    const squashed = asciiLower(tag.replace(/[-_\s]/g, ''));
    const meant = squashed === 'accounturi' || squashed === 'validationmethods' ? `; write "${squashed}"` : '';
    return { code: 'parameter-tag', text: `parameter tag ${JSON.stringify(bytesToText(tag))} contains ${shownChar}: the CA allows only letters and digits in parameter tags${meant}` };
  }
  if (ch === ' ' && /,\s/.test(failure.piece)) {
    return { code: 'space-after-comma', text: `a space after a comma in ${piece} makes the whole record unusable; write the list without spaces (http-01,dns-01)` };
  }
  return { code: 'parameter-value', text: `parameter ${piece} contains ${shownChar}; values must be printable ASCII without spaces` };
}

/** Findings about the closer RRset replacing a parent's policy (caa-rules.md §5.1). */
function shadowFindings(evaluation: Evaluation, name: CheckName, ca: CaView, context: ContextView): Finding[] {
  if (evaluation.outcome === 'lookup-error' || evaluation.why === 'no-caa') return [];
  const index = evaluation.levels.indexOf(evaluation.relevant);
  const above = evaluation.levels.slice(index + 1);
  const parent = above.find((l) => l.kind !== 'empty');
  if (!parent || parent.kind !== 'records') return [];
  const parentVerdict = evaluateCaa(above, name.wildcard, ca.policy, context);
  const here = evaluation.outcome;
  if (parentVerdict.outcome === here || parentVerdict.outcome === 'lookup-error') return [];
  const says = parentVerdict.outcome === 'allow' ? 'would allow' : parentVerdict.outcome === 'refuse' ? 'would refuse' : 'would depend on the account or challenge';
  return [{
    level: 'info', code: 'closer-rrset-shadows-parent',
    message: `the CAA records at ${evaluation.relevant.name} replace the policy at ${parent.name} entirely; ${parent.name}'s records alone ${says} this request`,
  }];
}

/**
 * Zone lines that make the CA authorize this request: repair the record that was meant for
 * this CA, or add one. Each proposal is re-evaluated; only one that passes is returned.
 */
function proposeFix(
  evaluation: Extract<Evaluation, { relevant: CaaFound }>,
  relevant: CaaFound,
  name: CheckName,
  ca: CaView,
  context: ContextView,
): string | null {
  const owner = recordOwner(relevant);
  const identity = ca.policy.identities[0];
  if (identity === undefined) return null;
  const lines: string[] = [];
  let records = relevant.records.map((r) => ({ ...r }));

  // Rule 8 first: critical unknown properties block everything else.
  for (const a of evaluation.assessments.filter((x) => x.role === 'critical-unknown')) {
    const cleared = { ...a.record, flags: a.record.flags & ~0x81 };
    lines.push(`; remove, or clear the critical flag of:  ${zoneLine(owner, a.record)}`, zoneLine(owner, cleared));
    records = replaceRecord(records, a.record, cleared);
  }
  const check = (candidate: Array<CaaRecord & { owner: string }>): boolean =>
    evaluateCaa([{ ...relevant, records: candidate }], name.wildcard, ca.policy, context).outcome === 'allow';
  if (check(records)) return lines.join('\n');

  // Repair the candidate that came closest, if it was meant for this CA.
  const list = evaluation.list;
  for (const a of evaluation.assessments.filter((x) => x.role === 'candidate')) {
    const repaired = repairValue(a.record.value, ca, context);
    if (repaired === null || repaired.value === a.record.value) continue;
    const fixed = { ...a.record, flags: a.record.flags & ~0x81, value: repaired.value };
    const next = repaired.add ? [...records, fixed] : replaceRecord(records, a.record, fixed);
    if (check(next)) {
      if (repaired.add) lines.push(`; add (keeps ${zoneLine(owner, a.record)} for the account it names)`);
      else lines.push(`; replace:  ${zoneLine(owner, a.record)}`);
      lines.push(zoneLine(owner, fixed));
      return lines.join('\n');
    }
  }
  const added = { owner, flags: 0, tag: list, value: identity };
  if (!check([...records, added])) return lines.length > 0 ? lines.join('\n') : null;
  lines.push(zoneLine(owner, added));
  return lines.join('\n');
}

/** The set with the first record equal to `target` (flags, tag, value) replaced. */
function replaceRecord<T extends CaaRecord>(records: T[], target: CaaRecord, replacement: T): T[] {
  const at = records.findIndex((r) => r.flags === target.flags && r.tag === target.tag && r.value === target.value);
  return records.map((r, i) => (i === at ? replacement : r));
}

/**
 * Rewrite an issue value that was evidently meant for this CA so that it parses and matches:
 * issuer spelled exactly, parameters well-formed and lowercase, accounturi/validationmethods
 * satisfied. `add` means publish it next to the original (another account's record).
 */
function repairValue(value: string, ca: CaView, context: ContextView): { value: string; add: boolean } | null {
  const pieces = value.split(';');
  const verdict = judgeIssuer(pieces[0]!.replace(/^[ \t]+|[ \t]+$/g, ''), ca);
  if (verdict.meant === null) return null;
  let add = false;
  const params: Array<[string, string]> = [];
  for (const piece of pieces.slice(1)) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue; // empty or tag-less pieces: drop (trailing ';', ';;')
    const rawTag = piece.slice(0, eq).trim();
    let tag = asciiLower(rawTag.replace(/[-_\s]/g, ''));
    if (tag !== 'accounturi' && tag !== 'validationmethods') tag = rawTag;
    let paramValue = piece.slice(eq + 1).trim().replace(/\s*,\s*/g, ',');
    if (!/^[A-Za-z0-9]+$/.test(tag) || !/^[\x21-\x3a\x3c-\x7e]*$/.test(paramValue)) continue;
    if (tag === 'accounturi') {
      if (params.some(([t]) => t === 'accounturi')) continue; // one per record
      if (context.accountUri !== null && paramValue !== context.accountUri) {
        const accepted = acceptedAccountUris(context.accountUri, ca.policy);
        if (!accepted.includes(paramValue)) {
          paramValue = context.accountUri;
          add = true;
        }
      }
    }
    if (tag === 'validationmethods') {
      if (params.some(([t]) => t === 'validationmethods')) continue;
      const methods = paramValue.split(',').filter((m) => /^[A-Za-z0-9-]+$/.test(m));
      const fixedMethods = methods.map((m) => (['http-01', 'dns-01', 'tls-alpn-01'].includes(m.toLowerCase()) ? m.toLowerCase() : m));
      if (context.method !== null && !fixedMethods.includes(context.method)) fixedMethods.push(context.method);
      paramValue = fixedMethods.join(',');
    }
    params.push([tag, paramValue]);
  }
  const rebuilt = [verdict.meant, ...params.map(([t, v]) => `${t}=${v}`)].join('; ');
  return { value: rebuilt, add };
}
