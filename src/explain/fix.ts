// The zone changes that make the CA authorize a refused request: clear a critical flag, repair
// the record that was meant for this CA, or add one. Every proposal is re-evaluated with the same
// rules (src/caa/evaluate.ts) and offered only when it passes, so a fix line is never a guess.
import { acceptedAccountUris, asciiLower, evaluateCaa, type RrsetEvaluation } from '../caa/evaluate.js';
import { zoneLine } from '../caa/zone.js';
import type { CaaRecord, OwnedCaaRecord } from '../dns/wire.js';
import { CRITICAL_FLAG_BITS, isChallengeType } from '../vocabulary.js';
import { judgeIssuer } from './issuer.js';
import type { CaView, ContextView } from './types.js';

/** The name that actually owns the relevant records (the alias target for a CNAME). */
export function recordOwner(evaluation: RrsetEvaluation): string {
  return evaluation.relevant.records[0]?.owner.toLowerCase() ?? evaluation.relevant.name;
}

/** One change to the zone: what to publish, what it replaces, and why in a few words. */
export interface FixStep {
  action: 'add' | 'replace';
  owner: string;
  record: CaaRecord;
  /** replace: the record to take out. */
  replaces: CaaRecord | null;
  /** Why: 'critical' (the flag cleared; removing the record works too), 'other-account' (the
   * record for the account it names is kept), or null. */
  why: 'critical' | 'other-account' | null;
}

/** The steps that make this request pass (each set re-evaluated), or null when none does. */
export function proposeFix(evaluation: RrsetEvaluation, wildcard: boolean, ca: CaView, context: ContextView): FixStep[] | null {
  const relevant = evaluation.relevant;
  const owner = recordOwner(evaluation);
  const identity = ca.policy.identities[0];
  if (identity === undefined) return null;
  const steps: FixStep[] = [];
  let records: OwnedCaaRecord[] = relevant.records.map((r) => ({ ...r }));

  // Rule 8 first: critical unknown properties block everything else.
  for (const a of evaluation.assessments) {
    if (a.role !== 'critical-unknown') continue;
    const cleared = { ...a.record, flags: a.record.flags & ~CRITICAL_FLAG_BITS };
    steps.push({ action: 'replace', owner, record: strip(cleared), replaces: strip(a.record), why: 'critical' });
    records = replaceRecord(records, a.record, cleared);
  }
  const passes = (candidate: OwnedCaaRecord[]): boolean =>
    evaluateCaa([{ ...relevant, records: candidate }], wildcard, ca.policy, context).outcome === 'allow';
  if (passes(records)) return steps;

  // Repair the candidate that came closest, if it was meant for this CA.
  for (const a of evaluation.assessments) {
    if (a.role !== 'candidate') continue;
    const repaired = repairValue(a.record.value, ca, context);
    if (repaired === null || repaired.value === a.record.value) continue;
    const fixed = { ...a.record, flags: a.record.flags & ~CRITICAL_FLAG_BITS, value: repaired.value };
    const next = repaired.add ? [...records, fixed] : replaceRecord(records, a.record, fixed);
    if (passes(next)) {
      steps.push(
        repaired.add
          ? { action: 'add', owner, record: strip(fixed), replaces: strip(a.record), why: 'other-account' }
          : { action: 'replace', owner, record: strip(fixed), replaces: strip(a.record), why: null },
      );
      return steps;
    }
  }
  const added = { owner, flags: 0, tag: evaluation.list, value: identity };
  if (!passes([...records, added])) return steps.length > 0 ? steps : null;
  steps.push({ action: 'add', owner, record: strip(added), replaces: null, why: null });
  return steps;
}

/** The contract's `fix` text: zone lines with `; replace:` / `; add` comments (README "JSON"). */
export function fixText(steps: FixStep[]): string {
  return steps
    .flatMap((s) => {
      const line = zoneLine(s.owner, s.record);
      if (s.why === 'critical') return [`; remove, or clear the critical flag of:  ${zoneLine(s.owner, s.replaces!)}`, line];
      if (s.why === 'other-account') return [`; add (keeps ${zoneLine(s.owner, s.replaces!)} for the account it names)`, line];
      if (s.action === 'replace') return [`; replace:  ${zoneLine(s.owner, s.replaces!)}`, line];
      return [line];
    })
    .join('\n');
}

function strip(record: CaaRecord): CaaRecord {
  return { flags: record.flags, tag: record.tag, value: record.value };
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
  const [first = '', ...rest] = value.split(';');
  const verdict = judgeIssuer(first.replace(/^[ \t]+|[ \t]+$/g, ''), ca);
  if (verdict.meant === null) return null;
  let add = false;
  const params: Array<[string, string]> = [];
  for (const piece of rest) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue; // empty or tag-less pieces: drop (trailing ';', ';;')
    const rawTag = piece.slice(0, eq).trim();
    let tag = asciiLower(rawTag.replace(/[-_\s]/g, ''));
    if (tag !== 'accounturi' && tag !== 'validationmethods') tag = rawTag;
    let paramValue = piece.slice(eq + 1).trim().replace(/\s*,\s*/g, ',');
    if (!/^[A-Za-z0-9]+$/.test(tag) || !/^[\x21-\x3a\x3c-\x7e]*$/.test(paramValue)) continue;
    if (params.some(([t]) => t === tag && (tag === 'accounturi' || tag === 'validationmethods'))) continue; // one per record
    if (tag === 'accounturi' && context.accountUri !== null && paramValue !== context.accountUri) {
      if (!acceptedAccountUris(context.accountUri, ca.policy).includes(paramValue)) {
        paramValue = context.accountUri;
        add = true;
      }
    }
    if (tag === 'validationmethods') {
      const methods = paramValue
        .split(',')
        .filter((m) => /^[A-Za-z0-9-]+$/.test(m))
        .map((m) => (isChallengeType(m.toLowerCase()) ? m.toLowerCase() : m));
      if (context.method !== null && !methods.includes(context.method)) methods.push(context.method);
      paramValue = methods.join(',');
    }
    params.push([tag, paramValue]);
  }
  return { value: [verdict.meant, ...params.map(([t, v]) => `${t}=${v}`)].join('; '), add };
}
