// The CA judges from several network perspectives, each reaching whichever of a zone's servers
// its resolver picks (docs/caa-rules.md rules 17-18, docs/ca-view.md §2). So the verdict is the
// one the zone's servers give, and every server that would lead the CA elsewhere is a finding.
// Pure: the lookups come from src/dns.
import type { CaaLookup } from '../dns/lookup.js';
import type { CaPolicy } from '../vocabulary.js';
import { evaluateCaa, type Evaluation, type IssuanceContext } from './evaluate.js';

/** One server's version of one level. */
export interface Variant<S> {
  server: S;
  lookup: CaaLookup;
}

/** What the authoritative servers serve for one level: the current answer and every server's. */
export interface ServedLevel<S> {
  baseline: CaaLookup | null;
  variants: Array<Variant<S>>;
}

/** Which view a level is judged from. */
export type ViewSource = 'authoritative' | 'resolver';

/** DNSSEC failures a validating resolver reports with an Extended DNS Error (RFC 8914 codes 1-12). */
export function isDnssecFailure(lookup: CaaLookup): boolean {
  return lookup.kind === 'error' && lookup.ede !== null && lookup.ede.code >= 1 && lookup.ede.code <= 12;
}

/**
 * The levels as the CA will see them: what the zone's servers serve, where we could ask them;
 * our resolver's answer where we could not (or where no server answered us, which may be our
 * own trouble), and where it failed validation (the CA validates, and servers asked directly
 * cannot show a broken chain of trust).
 */
export function publicLevels<S>(resolver: CaaLookup[], served: Array<ServedLevel<S> | null>): { levels: CaaLookup[]; from: ViewSource[] } {
  const from: ViewSource[] = [];
  const levels = resolver.map((own, i) => {
    const baseline = served[i]?.baseline ?? null;
    if (baseline === null || (baseline.kind === 'error' && baseline.local) || isDnssecFailure(own)) {
      from.push('resolver');
      return own;
    }
    from.push('authoritative');
    return baseline;
  });
  return { levels, from };
}

/** A server whose answer, were the CA to get it, changes what the CA sees. */
export interface Deviation<S> {
  /** Index of the level in the lookup list. */
  level: number;
  server: S;
  lookup: CaaLookup;
  evaluation: Evaluation;
  /** It leads to another outcome, or to a lookup error: a refusal at random. */
  changesVerdict: boolean;
}

/** Whether two lookups carry the same thing for the CA: kind, records (as a set), error cause. */
export function sameLookup(a: CaaLookup, b: CaaLookup): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'records' && b.kind === 'records') {
    const key = (l: typeof a): string => l.records.map((r) => `${r.flags} ${r.tag.toLowerCase()} ${r.value}`).sort().join('\n');
    return key(a) === key(b);
  }
  if (a.kind === 'error' && b.kind === 'error') return a.cause === b.cause && a.rcode === b.rcode;
  return true;
}

/**
 * Rule 18 for the servers: for every level the verdict rests on (down to the relevant RRset, or
 * all of them when there is none), evaluate again with one server's answer in place of the
 * zone's; keep each server whose answer differs.
 */
export function deviations<S>(
  levels: CaaLookup[],
  from: ViewSource[],
  served: Array<ServedLevel<S> | null>,
  wildcard: boolean,
  policy: CaPolicy,
  context: IssuanceContext,
  base: Evaluation,
): Array<Deviation<S>> {
  const out: Array<Deviation<S>> = [];
  const last = levelsConsulted(base);
  for (let i = 0; i <= last && i < levels.length; i++) {
    const level = levels[i]!;
    if (from[i] !== 'authoritative') continue; // judged from our resolver: the servers' answers are not the reference
    for (const variant of served[i]?.variants ?? []) {
      if (sameLookup(variant.lookup, level)) continue;
      const evaluation = evaluateCaa(levels.map((l, j) => (j === i ? variant.lookup : l)), wildcard, policy, context);
      const changesVerdict = evaluation.outcome !== base.outcome || evaluation.outcome === 'lookup-error';
      out.push({ level: i, server: variant.server, lookup: variant.lookup, evaluation, changesVerdict });
    }
  }
  return out;
}

/** The index of the last level the CA consults for this evaluation (rule 6). */
export function levelsConsulted(evaluation: Evaluation): number {
  switch (evaluation.why) {
    case 'no-caa':
      return evaluation.levels.length - 1;
    case 'lookup-error':
      return evaluation.levels.indexOf(evaluation.failed);
    default:
      return evaluation.levels.indexOf(evaluation.relevant);
  }
}
