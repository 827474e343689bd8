// Where a name's CAA should live, and whether a suggested set lets its renewal through: pure
// functions over the lookups of every level the CA consults (docs/caa-rules.md §5, rules 5-6).
import { evaluateCaa, selectRelevant, type Evaluation } from '../caa/evaluate.js';
import { recordText } from '../caa/zone.js';
import { canonicalName, isWithin } from '../dns/delegation.js';
import type { CaaFound, CaaLookup } from '../dns/lookup.js';
import type { CaaRecord } from '../dns/wire.js';
import type { Grant } from './policy.js';

/** How an owner was chosen, as the report says it. */
export type ChosenBy = 'zone-apex' | 'published' | 'alias-target';

/** Where a name's records go, or why they cannot go anywhere we hold. */
export type Placement =
  | { kind: 'owner'; owner: string; chosen: ChosenBy; notes: string[] }
  /** The relevant set is reached through an alias into another zone (rule 5). */
  | { kind: 'alias'; target: string; targetZone: string }
  | { kind: 'error'; reason: string };


/** The name whose records a lookup holds: the alias target when the resolver followed one. */
export function servedBy(lookup: CaaLookup): string {
  if (lookup.kind === 'records' && lookup.records[0]) return canonicalName(lookup.records[0].owner);
  const last = lookup.chain.at(-1);
  return last ? canonicalName(last.target) : lookup.name;
}

/** The alias target holding the relevant set (rule 5), or null when none is reached through an alias. */
export function relevantAliasTarget(levels: CaaLookup[]): string | null {
  const relevant = selectRelevant(levels);
  return relevant?.kind === 'records' && relevant.chain.length > 0 ? servedBy(relevant) : null;
}

/**
 * Rule 6 decides: the relevant RRset's owner, when it is in the name's own zone (a record higher
 * up would be shadowed by it); the zone apex when there is none, or when it is in a parent zone
 * (records at the apex shadow it). An alias into another zone is reported, not written to.
 * `targetZone`: the zone of the relevant set's alias target, when there is one.
 */
export function placeName(levels: CaaLookup[], apex: string, targetZone: string | null): Placement {
  const relevant = selectRelevant(levels);
  const aliasNotes = levels
    .filter((l) => l.kind === 'empty' && l.chain.length > 0)
    .map((l) => `${l.name} is an alias to ${servedBy(l)}, which has no CAA: CAA published there later would take precedence`);
  if (relevant === null) return { kind: 'owner', owner: apex, chosen: 'zone-apex', notes: aliasNotes };
  if (relevant.kind === 'error') return { kind: 'error', reason: `the CAA lookup of ${relevant.name} failed (${relevant.detail}); the CA would refuse until it answers` };
  if (relevant.chain.length > 0) {
    const target = servedBy(relevant);
    if (targetZone !== null && targetZone === apex) return { kind: 'owner', owner: target, chosen: 'alias-target', notes: aliasNotes };
    return { kind: 'alias', target, targetZone: targetZone ?? target };
  }
  if (isWithin(relevant.name, apex)) return { kind: 'owner', owner: relevant.name, chosen: 'published', notes: aliasNotes };
  return {
    kind: 'owner', owner: apex, chosen: 'zone-apex',
    notes: [...aliasNotes, `the CAA at ${relevant.name} is in a parent zone; records at ${apex} take its place for names below`],
  };
}

/** The lookups as the CA would see them once the suggested sets are published at their owners. */
export function withSuggestion(levels: CaaLookup[], sets: ReadonlyMap<string, CaaRecord[]>): CaaLookup[] {
  return levels.map((lookup): CaaLookup => {
    if (lookup.kind === 'error') return lookup;
    const owner = servedBy(lookup);
    const set = sets.get(owner);
    if (set === undefined) return lookup;
    const found: CaaFound = {
      name: lookup.name, chain: lookup.chain, server: lookup.server, transport: lookup.transport, validated: lookup.validated,
      kind: 'records', records: set.map((r) => ({ owner, ...r })),
    };
    return found;
  });
}

/**
 * The CA's decision for one grant with the sets published (rules 6-16). The CA's enforcement of
 * RFC 8657 is assumed, so that parameters written for a CA that enforces them later are right.
 */
export function verifyGrant(levels: CaaLookup[], grant: Grant, sets: ReadonlyMap<string, CaaRecord[]>): Evaluation {
  const policy = { ...grant.policy, enforcesRfc8657: true };
  return evaluateCaa(withSuggestion(levels, sets), grant.wildcard, policy, { accountUri: grant.accountUri, method: grant.method });
}

/** Why an evaluation is not an allow, in one line. */
export function refusalReason(evaluation: Evaluation, grant: Grant): string {
  if (evaluation.outcome === 'allow') return 'allowed';
  if (evaluation.outcome === 'lookup-error') return `the CAA lookup of ${evaluation.failed.name} fails (${evaluation.failed.detail})`;
  const at = servedBy(evaluation.relevant);
  const records = evaluation.relevant.records.map(recordText).join('; ');
  const who = `${grant.ca}${grant.accountUri ? ` account ${grant.accountUri}` : ''}${grant.method ? ` over ${grant.method}` : ''}`;
  const verdict = evaluation.outcome === 'depends' ? 'may not authorize' : 'does not authorize';
  return `the relevant CAA at ${at} (${records}) ${verdict} ${who}`;
}
