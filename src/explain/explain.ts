// From an evaluation to what a person needs: the verdict, why, what the CA will print, and the
// zone lines that fix it. Pure: no I/O. Records are judged in records.ts, fixes built in fix.ts.
import { evaluateCaa, type Evaluation, type RecordAssessment, type RrsetEvaluation, type SharedAssessments } from '../caa/evaluate.js';
import { lookupProblem, refusalProblem } from '../caa/messages.js';
import type { CheckName } from '../caa/name.js';
import { bytesToText, recordText, zoneLine } from '../caa/zone.js';
import type { CaaLookup } from '../dns/lookup.js';
import type { AliasHop, CaaRecord, OwnedCaaRecord } from '../dns/wire.js';
import type { Status } from '../vocabulary.js';
import { once, sharedBy, type SharedBy } from '../memo.js';
import * as finding from './findings.js';
import { fixText, proposeFix, recordOwner, type FixStep } from './fix.js';
import { judgeRecord, unreachable, type JudgedRecord } from './records.js';
import type { CaView, ContextView, Finding, FixLine, LookupLine, NameReport } from './types.js';

/** Explain one name's evaluation; with `shared`, what the run already put in words for the same RRset is reused. */
export function explainName(name: CheckName, evaluation: Evaluation, ca: CaView, context: ContextView, shared?: SharedExplanations): NameReport {
  const base: NameReport = {
    name: name.identifier, unicode: name.unicode, wildcard: name.wildcard,
    status: 'pass', reason: '', fix: null, fixSteps: [], reproduce: null, foundAt: null, cnameChain: [], records: [], recordNotes: [],
    findings: [], caProblem: null, challenge: context.method, lookups: evaluation.levels.map(describeLookup),
    judgedFrom: 'resolver', servers: [], zoneFiles: [],
  };
  switch (evaluation.why) {
    case 'lookup-error': {
      const failed = evaluation.failed;
      if (failed.local) {
        return {
          ...base, status: 'error',
          reason: `could not look up CAA for ${failed.name}: ${failed.detail}; the CA's view is unknown`,
          findings: [finding.localLookupError()],
        };
      }
      const dnssec = failed.ede !== null && failed.ede.code >= 1 && failed.ede.code <= 12;
      return {
        ...base, status: 'fail', caProblem: lookupProblem(name.identifier, failed), cnameChain: failed.chain,
        reproduce: `dig ${failed.name} CAA${dnssec ? ' +dnssec' : ''}`,
        reason: `CAA lookup for ${failed.name} fails (${failed.detail}); the CA refuses when any lookup up to the relevant RRset fails`,
        findings: [finding.lookupFailure(failed, evaluation.levels)],
      };
    }
    case 'no-caa': {
      const tld = evaluation.levels[evaluation.levels.length - 1]?.name ?? name.base;
      return { ...base, reason: `no CAA records at ${name.base} or any parent up to ${tld}: every CA may issue` };
    }
    default:
      return explainRrset(base, name, evaluation, ca, context, shared);
  }
}

/** A verdict on a relevant RRset: each record judged, then the set's reason, findings and fix. */
function explainRrset(base: NameReport, name: CheckName, evaluation: RrsetEvaluation, ca: CaView, context: ContextView, shared?: SharedExplanations): NameReport {
  const relevant = evaluation.relevant;
  const foundAt = relevant.name;
  const owner = recordOwner(evaluation);
  const at = `CAA at ${foundAt}${relevant.chain.length > 0 ? ` (via ${chainText(relevant.chain)})` : ''}`;
  const judged = shared ? sharedJudgments(shared, evaluation.assessments, name.identifier, ca, context) : evaluation.assessments.map((a) => judgeRecord(a, name.identifier, ca, context));
  const findings: Finding[] = judged.flatMap((j) => j.findings);
  if (relevant.chain.length > 0) findings.push(finding.cnameImport(foundAt, chainText(relevant.chain), owner));
  findings.push(...shadowFindings(evaluation, name, ca, context, shared));
  const common: NameReport = {
    ...base, foundAt, cnameChain: relevant.chain,
    records: shared ? sharedRecords(shared, relevant.records) : displayedRecords(relevant.records),
    recordNotes: judged.map((j) => j.record),
  };

  switch (evaluation.outcome) {
    case 'allow': {
      const status: Status = findings.some((f) => f.level === 'warn') ? 'warn' : 'pass';
      const reason =
        evaluation.why === 'authorized'
          ? `${at} authorizes ${identityList(ca)}${authorizingRecord(evaluation.assessments, judged)}`
          : `${at} has no ${evaluation.list} records that apply to ${name.wildcard ? 'wildcard' : 'this'} name: every CA may issue`;
      return { ...common, status, reason, findings: findings.filter((f) => f.level !== 'fail') };
    }
    case 'depends': {
      const needs = dependsOn(evaluation.assessments);
      const flag = needs === 'account' ? '--account-uri' : '--challenge';
      return {
        ...common, status: 'error', findings,
        reason: `${at} authorizes ${identityList(ca)} only for a specific ${needs}, and this check does not know the renewal's ${needs} (with -d, give ${flag})`,
      };
    }
    case 'refuse': {
      if (owner !== foundAt) findings.push(finding.fixAtAliasTarget(owner, foundAt, ca.policy.identities[0] ?? '(none)'));
      const others = otherAuthorizedCas(evaluation.assessments, ca);
      if (others.length > 0) findings.push(finding.authorizesOtherCa(others, ca.displayName));
      const reason =
        evaluation.why === 'critical-unknown'
          ? `${at} has a critical property the CA does not know (${criticalTags(evaluation.assessments)}): it refuses every certificate`
          : `${at} does not authorize ${identityList(ca)}: ${mainProblem(judged)}`;
      findings.push(...clientAlternatives(evaluation.assessments, context));
      const steps = proposeFix(evaluation, name.wildcard, ca, context) ?? [];
      return {
        ...common, status: 'fail', reason, findings,
        fix: steps.length > 0 ? fixText(steps) : null,
        fixSteps: steps.map(fixLine),
        reproduce: `dig ${foundAt} CAA`,
        caProblem: refusalProblem(name.identifier, foundAt),
      };
    }
    default:
      return unreachable(evaluation);
  }
}

/** A fix step as reports show it: decoded value, exact zone lines. */
function fixLine(step: FixStep): FixLine {
  return {
    action: step.action, owner: step.owner, flags: step.record.flags, tag: bytesToText(step.record.tag), value: bytesToText(step.record.value),
    text: zoneLine(step.owner, step.record), replaces: step.replaces && zoneLine(step.owner, step.replaces), why: step.why,
  };
}

/**
 * A well-formed record for this CA that restricts the method or the account looks deliberate:
 * besides widening it, the renewal can be changed to meet it (docs/cas-and-failures.md §3.7).
 */
function clientAlternatives(assessments: RecordAssessment[], context: ContextView): Finding[] {
  for (const a of assessments) {
    if (a.role !== 'candidate' || a.check.step !== 'parameters' || a.verdict !== 'fail') continue;
    if (a.check.method.result === 'mismatch' && context.method !== null) return [finding.renewWithAllowedMethod(a.check.method.listed, context.method)];
    if (a.check.account.result === 'mismatch') return [finding.renewWithNamedAccount(a.check.account.values[0] ?? '')];
  }
  return [];
}

/** Production CAs that a well-formed candidate record of the set authorizes instead. */
function otherAuthorizedCas(assessments: RecordAssessment[], ca: CaView): string[] {
  const names = new Set<string>();
  for (const a of assessments) {
    if (a.role !== 'candidate' || a.check.step === 'parse') continue;
    const issuer = a.check.parsed.issuer;
    for (const other of ca.catalog) {
      const isOurs = other.caaIdentities.some((i) => ca.policy.identities.includes(i));
      if (!other.staging && !isOurs && other.caaIdentities.includes(issuer)) names.add(other.displayName);
    }
  }
  return [...names];
}

function chainText(chain: AliasHop[]): string {
  return chain.map((hop) => `${hop.owner} ${hop.type} ${hop.target}`).join(', ');
}

function identityList(ca: CaView): string {
  const ids = ca.policy.identities;
  return ids.length === 1 ? ids[0]! : `${ca.displayName} (${ids.join(', ')})`;
}

/** The first record that authorizes, in zone-file form (its judgment has the text: `judged` goes with `assessments`). */
function authorizingRecord(assessments: RecordAssessment[], judged: JudgedRecord[]): string {
  const at = assessments.findIndex((a) => a.role === 'candidate' && a.verdict === 'pass');
  return at < 0 ? '' : ` (${judged[at]!.record.text})`;
}

function criticalTags(assessments: RecordAssessment[]): string {
  return assessments.filter((a) => a.role === 'critical-unknown').map((a) => recordText(a.record)).join(', ');
}

function dependsOn(assessments: RecordAssessment[]): 'account' | 'challenge type' {
  const unknownAccount = assessments.some(
    (a) => a.role === 'candidate' && a.check.step === 'parameters' && a.check.account.result === 'unknown-account',
  );
  return unknownAccount ? 'account' : 'challenge type';
}

/** The single most useful sentence about why no record authorizes. */
function mainProblem(judged: JudgedRecord[]): string {
  const rejecting = judged.filter((j) => j.record.effect === 'rejects').sort((a, b) => b.rank - a.rank);
  const best = rejecting[0];
  if (!best) return 'no record authorizes it';
  const more = rejecting.length > 1 ? ` (and ${rejecting.length - 1} more record${rejecting.length > 2 ? 's' : ''})` : '';
  return `${best.record.text}: ${best.record.note}${more}`;
}

/** One lookup level, for -v and JSON. */
function describeLookup(level: CaaLookup): LookupLine {
  const detail = level.chain.length ? chainText(level.chain) : null;
  const zoneFile = level.zoneFile ?? null;
  switch (level.kind) {
    case 'records':
      return { name: level.name, result: `${level.records.length} CAA`, server: level.server, detail, zoneFile };
    case 'empty':
      return { name: level.name, result: level.nxdomain ? 'NXDOMAIN (empty)' : 'no CAA', server: level.server, detail, zoneFile };
    case 'error':
      return { name: level.name, result: `error: ${level.rcode ?? level.cause}`, server: level.server, detail: level.detail, zoneFile };
    default:
      return unreachable(level);
  }
}

/** A closer RRset that replaces a parent policy deciding otherwise (docs/caa-rules.md §3.1). */
function shadowFindings(evaluation: RrsetEvaluation, name: CheckName, ca: CaView, context: ContextView, shared?: SharedExplanations): Finding[] {
  const above = evaluation.levels.slice(evaluation.levels.indexOf(evaluation.relevant) + 1);
  const parent = above.find((l) => l.kind !== 'empty');
  if (!parent || parent.kind !== 'records') return [];
  const parentVerdict = evaluateCaa(above, name.wildcard, ca.policy, context, shared?.assessments).outcome;
  if (parentVerdict === evaluation.outcome || parentVerdict === 'lookup-error') return [];
  return [finding.closerRrsetShadowsParent(evaluation.relevant.name, parent.name, parentVerdict)];
}

/** An RRset's records as reports show them (decoded values). */
function displayedRecords(records: OwnedCaaRecord[]): CaaRecord[] {
  return records.map((r) => ({ flags: r.flags, tag: bytesToText(r.tag), value: bytesToText(r.value) }));
}

/**
 * What a run has put in words, shared by the names that reach the same RRset (each looked up once
 * per run): a fleet's names under one zone are explained once (README "Speed"). Made per run by
 * newSharedExplanations and dropped with it; report parts are data nothing mutates, so sharing
 * them is safe.
 */
export interface SharedExplanations {
  assessments: SharedAssessments;
  records: Map<OwnedCaaRecord[], CaaRecord[]>;
  judgments: SharedBy<RecordAssessment[], JudgedRecord[]>;
}

export function newSharedExplanations(): SharedExplanations {
  return { assessments: new Map(), records: new Map(), judgments: new Map() };
}

function sharedRecords(shared: SharedExplanations, records: OwnedCaaRecord[]): CaaRecord[] {
  return once(shared.records, records, () => displayedRecords(records));
}

/**
 * judgeRecord for each assessment, once per set of assessments (shared: evaluateCaa), CA view and
 * request. The name matters only to an issue record set aside for a wildcard name (its note names
 * the name), so only then is it part of the key.
 */
function sharedJudgments(shared: SharedExplanations, assessments: RecordAssessment[], identifier: string, ca: CaView, context: ContextView): JudgedRecord[] {
  const named = assessments.some((a) => a.role === 'not-applicable' && a.tag !== 'issuewild') ? identifier : null;
  const key = JSON.stringify([named, context.accountUri, context.accountSource, context.method, context.methodSource]);
  return sharedBy(shared.judgments, assessments, ca, key, () => assessments.map((a) => judgeRecord(a, identifier, ca, context)));
}
