// `preflight suggest`'s pipeline: lineages -> CA -> every level's CAA and the zone apex -> where
// each name's records go -> the record set per owner -> every renewal verified against the sets
// as published (docs/caa-rules.md §5). DNS through the run's resolver; the deciding is pure
// (placement.ts, policy.ts).
import type { CaResolver } from '../ca/resolve.js';
import { caaLookupNames, toCheckName } from '../caa/name.js';
import type { CaaLookup } from '../dns/lookup.js';
import type { Resolver } from '../dns/resolver.js';
import type { CaaRecord } from '../dns/wire.js';
import { zoneApex } from '../dns/zone-apex.js';
import type { Lineage } from '../sources/lineage.js';
import { isIpAddress } from '../vocabulary.js';
import { placeName, refusalReason, relevantAliasTarget, servedBy, verifyGrant, type ChosenBy, type Placement } from './placement.js';
import { buildRecordSet, diffRecordSets, type BuildOptions, type DiffLine, type Grant } from './policy.js';

/** The suggested RRset at one owner, the change from what is there, and whom it serves. */
export interface ZoneSuggestion {
  owner: string;
  /** The apex of the zone the owner is in. */
  zone: string;
  chosen: ChosenBy;
  published: CaaRecord[];
  records: CaaRecord[];
  diff: DiffLine[];
  grants: Grant[];
  notes: string[];
}

/** A name whose relevant CAA is reached through an alias into another zone, and authorizes it there. */
export interface CoveredName {
  grant: Grant;
  target: string;
  targetZone: string;
  records: CaaRecord[];
}

/** A name with something to say instead of records: why. */
export interface NameProblem {
  name: string;
  lineage: string;
  source: string;
  reason: string;
}

export interface Suggestion {
  zones: ZoneSuggestion[];
  covered: CoveredName[];
  /** Identifiers the CA does not check CAA for (IP addresses). */
  skipped: NameProblem[];
  /** Renewals the suggested sets would not let through: nothing may be printed. */
  refused: NameProblem[];
  /** What could not be looked up or resolved: nothing may be printed. */
  errors: NameProblem[];
}

export interface SuggestDeps {
  resolver: Resolver;
  caResolver: CaResolver;
}

/** What was learnt about one grant's name from DNS. */
interface Located {
  grant: Grant;
  levels: CaaLookup[];
  placement: Placement;
  apex: string;
}

/** Build and verify the suggestion for these lineages. */
export async function planSuggestion(lineages: Lineage[], deps: SuggestDeps, options: BuildOptions): Promise<Suggestion> {
  const result: Suggestion = { zones: [], covered: [], skipped: [], refused: [], errors: [] };
  const grants = await grantsOf(lineages, deps.caResolver, result);
  const located = (await Promise.all(grants.map((g) => locate(g, deps.resolver, result)))).filter((l): l is Located => l !== null);
  if (result.errors.length > 0) return result;

  // A name aliased to another of this run's owners is answered there once the sets are
  // published: its grant joins that owner's set, and the sets are built again until none moves.
  let zones = ownerSets(located, options);
  for (let round = 0; round < MAX_REPLACEMENTS; round++) {
    const sets = new Map(zones.map((z) => [z.owner, z.records]));
    let moved = false;
    for (const [i, l] of located.entries()) {
      const owner = answeringOwner(l.levels, sets);
      if (owner === null || (l.placement.kind === 'owner' && l.placement.owner === owner)) continue;
      const notes = [`${l.grant.name} is an alias into ${owner}: its renewal is authorised by the set there`];
      located[i] = { ...l, placement: { kind: 'owner', owner, chosen: 'alias-target', notes } };
      moved = true;
    }
    if (!moved) break;
    zones = ownerSets(located, options);
  }
  result.zones.push(...zones);
  const sets = new Map(zones.map((z) => [z.owner, z.records]));
  // Refuse rather than print a set that would fail one of the renewals (README "Writing a policy").
  for (const l of located) {
    const evaluation = verifyGrant(l.levels, l.grant, sets);
    const problem = { name: l.grant.name, lineage: l.grant.lineage, source: l.grant.source };
    if (evaluation.outcome !== 'allow') {
      const advice = l.placement.kind === 'alias' ? `; set CAA at ${l.placement.target}, or ask the provider of ${l.placement.targetZone}` : '';
      result.refused.push({ ...problem, reason: `${refusalReason(evaluation, l.grant)}${advice}` });
    } else if (l.placement.kind === 'alias') {
      const records = evaluation.outcome === 'allow' && evaluation.why !== 'no-caa' ? evaluation.relevant.records : [];
      result.covered.push({ grant: l.grant, target: l.placement.target, targetZone: l.placement.targetZone, records: records.map(strip) });
    }
  }
  return result;
}

/** How often grants may move to the owner an alias leads them to (a chain of moves is short). */
const MAX_REPLACEMENTS = 4;

/** One suggested set per owner, from the grants placed there, with what is published there now. */
function ownerSets(located: Located[], options: BuildOptions): ZoneSuggestion[] {
  const byOwner = new Map<string, Located[]>();
  for (const l of located) {
    if (l.placement.kind !== 'owner') continue;
    byOwner.set(l.placement.owner, [...(byOwner.get(l.placement.owner) ?? []), l]);
  }
  const zones: ZoneSuggestion[] = [];
  for (const [owner, members] of [...byOwner].sort(([a], [b]) => a.localeCompare(b))) {
    const published = publishedAt(owner, located);
    const set = buildRecordSet(members.map((m) => m.grant), published, options);
    // An owner some name reaches directly is said as such, even when others reach it through an alias.
    const choices = members.map((m) => (m.placement as Extract<Placement, { kind: 'owner' }>).chosen);
    const chosen = choices.find((c) => c !== 'alias-target') ?? choices[0]!;
    const notes = [...new Set([...members.flatMap((m) => (m.placement.kind === 'owner' ? m.placement.notes : [])), ...set.notes])];
    zones.push({
      owner, zone: members[0]!.apex, chosen, published, records: set.records,
      diff: diffRecordSets(published, set.records), grants: members.map((m) => m.grant), notes,
    });
  }
  return zones;
}

/**
 * The suggested owner that will answer a name's CAA once the sets are published (rule 6: the
 * first level with records, an alias leading there), or null when none of them does.
 */
function answeringOwner(levels: CaaLookup[], sets: ReadonlyMap<string, CaaRecord[]>): string | null {
  for (const lookup of levels) {
    if (lookup.kind === 'error') return null;
    const owner = servedBy(lookup);
    if (sets.has(owner)) return owner;
    if (lookup.kind === 'records') return null;
  }
  return null;
}

/** Every identifier of every lineage as a grant; IPs skipped, unknown CAs and bad names as errors. */
async function grantsOf(lineages: Lineage[], caResolver: CaResolver, result: Suggestion): Promise<Grant[]> {
  const grants: Grant[] = [];
  for (const lineage of lineages) {
    const resolution = await caResolver.resolve(lineage.server, { bundle: lineage.caBundle, client: lineage.source });
    for (const raw of lineage.names) {
      const problem = { name: raw, lineage: lineage.name, source: lineage.source };
      if (isIpAddress(raw)) {
        result.skipped.push({ ...problem, reason: 'an IP address: the CA does not check CAA for it' });
        continue;
      }
      if (!resolution.ok) {
        result.errors.push({ ...problem, reason: resolution.message });
        continue;
      }
      let name;
      try {
        name = toCheckName(raw);
      } catch (err) {
        result.errors.push({ ...problem, reason: (err as Error).message });
        continue;
      }
      grants.push({
        name: name.identifier, lineage: lineage.name, source: lineage.source, wildcard: name.wildcard,
        ca: resolution.ca.label, policy: resolution.ca.policy,
        accountUri: lineage.accountUri, method: lineage.challengeFor(name.identifier),
        staging: resolution.ca.authority?.staging ?? false,
      });
    }
  }
  return grants;
}

/** Look up every level of a grant's name and its zone apex, and place it; null (and an error) when DNS fails. */
async function locate(grant: Grant, resolver: Resolver, result: Suggestion): Promise<Located | null> {
  const base = grant.name.replace(/^\*\./, '');
  const [levels, apex] = await Promise.all([Promise.all(caaLookupNames(base).map((n) => resolver.lookupCaa(n))), zoneApex(resolver, base)]);
  const problem = { name: grant.name, lineage: grant.lineage, source: grant.source };
  if ('error' in apex) {
    result.errors.push({ ...problem, reason: `cannot find the zone of ${base}: ${apex.error}` });
    return null;
  }
  const target = relevantAliasTarget(levels);
  let targetZone: string | null = null;
  if (target !== null) {
    const zone = await zoneApex(resolver, target);
    targetZone = 'apex' in zone ? zone.apex : null;
  }
  const placement = placeName(levels, apex.apex, targetZone);
  if (placement.kind === 'error') {
    result.errors.push({ ...problem, reason: placement.reason });
    return null;
  }
  return { grant, levels, placement, apex: apex.apex };
}

/** What the owner publishes now, as the lookups of the names saw it (empty when nothing). */
function publishedAt(owner: string, located: Located[]): CaaRecord[] {
  for (const l of located) {
    const lookup = l.levels.find((level) => level.kind === 'records' && servedBy(level) === owner);
    if (lookup?.kind === 'records') return lookup.records.map(strip);
  }
  return [];
}

function strip(record: CaaRecord): CaaRecord {
  return { flags: record.flags, tag: record.tag, value: record.value };
}
