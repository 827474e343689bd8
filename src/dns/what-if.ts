// The what-if overlay (README "What if"): zone files laid over live DNS. For a name a file
// covers, the file answers as the zone's authoritative servers would once it is published
// (docs/zone-files.md §4); every other name goes to live DNS. Both our resolver's view and the
// authoritative view take their answers for covered names from here, so that the file replaces
// the published zone instead of being compared with it.
import { aliasTrouble, MAX_ALIAS_HOPS, type CaaLookup } from './lookup.js';
import { canonicalName, isWithin } from './delegation.js';
import type { MasterFile, ZoneNode } from './master-file.js';
import type { AliasHop, OwnedCaaRecord } from './wire.js';

/** What a file says about one name: CAA records, an alias, or nothing (NODATA / NXDOMAIN). */
export type FileAnswer =
  | { kind: 'records'; records: OwnedCaaRecord[] }
  | { kind: 'alias'; hop: AliasHop }
  | { kind: 'empty'; nxdomain: boolean };

/** Anything that looks up CAA the way our resolver does. */
export interface CaaSource {
  lookupCaa(name: string): Promise<CaaLookup>;
}

/** The zone files of a run. */
export class WhatIf {
  constructor(readonly zones: readonly MasterFile[]) {}

  /** The file that answers for `name`: the deepest apex covering it, unless delegated away below that apex. */
  zoneFor(name: string): MasterFile | null {
    const key = canonicalName(name);
    let best: MasterFile | null = null;
    for (const zone of this.zones) {
      if (!isWithin(key, zone.apex)) continue;
      if (best !== null && zone.apex.length <= best.apex.length) continue;
      best = zone;
    }
    if (best === null || best.cuts.some((cut) => isWithin(key, cut))) return null;
    return best;
  }

  /** The file's answer for `name`, or null when no file covers it (ask live DNS). */
  answer(name: string): { file: string; answer: FileAnswer } | null {
    const key = canonicalName(name);
    const zone = this.zoneFor(key);
    if (zone === null) return null;
    return { file: zone.file, answer: answerAt(zone, key) };
  }

  /** Our resolver with the files laid over it: covered names answered from them, aliases followed across. */
  over(live: CaaSource): CaaSource {
    return { lookupCaa: (name) => this.lookupCaa(name, live) };
  }

  private async lookupCaa(name: string, live: CaaSource): Promise<CaaLookup> {
    const level = canonicalName(name);
    const chain: AliasHop[] = [];
    let file: string | null = null;
    for (let at = level; ; ) {
      const found = this.answer(at);
      if (found === null) {
        const answer = await live.lookupCaa(at);
        // Live DNS aliased into a name a file covers, at any hop of the chain: from there on the
        // published zone would answer, whatever live DNS says beyond it (even an error).
        const into = answer.chain.findIndex((hop) => this.zoneFor(canonicalName(hop.target)) !== null);
        if (into >= 0 && chain.length + into + 1 <= MAX_ALIAS_HOPS) {
          chain.push(...answer.chain.slice(0, into + 1));
          at = canonicalName(answer.chain[into]!.target);
          continue;
        }
        if (file === null) return answer;
        return { ...answer, name: level, chain: [...chain, ...answer.chain], zoneFile: file };
      }
      file = found.file;
      if (found.answer.kind !== 'alias') return fileLookup(level, found.answer, chain, file);
      chain.push(found.answer.hop);
      const trouble = aliasTrouble(level, chain);
      if (trouble !== null) return aliasError(level, chain, file, trouble);
      at = canonicalName(found.answer.hop.target);
    }
  }
}

/** What an authoritative server loaded with this file answers for `name` (docs/zone-files.md §4). */
export function answerAt(zone: MasterFile, name: string): FileAnswer {
  const node = zone.nodes.get(name) ?? (exists(zone, name) ? null : wildcardFor(zone, name));
  if (node === undefined) return { kind: 'empty', nxdomain: true };
  if (node === null) return { kind: 'empty', nxdomain: false }; // an empty non-terminal
  if (node.cname !== null) return { kind: 'alias', hop: { type: 'CNAME', owner: name, target: node.cname } };
  if (node.caa.length > 0) return { kind: 'records', records: node.caa.map((r) => ({ ...r, owner: name })) };
  return { kind: 'empty', nxdomain: false };
}

/** Every name that exists in each zone: owners and their ancestors up to the apex, made once per zone. */
const EXISTING = new WeakMap<MasterFile, Set<string>>();

/** Whether `name` exists in the zone: an owner, or an ancestor of one (an empty non-terminal). */
function exists(zone: MasterFile, name: string): boolean {
  let names = EXISTING.get(zone);
  if (names === undefined) {
    names = new Set();
    for (let owner of zone.nodes.keys()) {
      for (;;) {
        names.add(owner);
        if (owner === zone.apex || owner === '') break;
        owner = parentOf(owner);
      }
    }
    EXISTING.set(zone, names);
  }
  return names.has(name);
}

/** RFC 4592 §3.3.1: the closest encloser's wildcard, for a name that does not exist; undefined: NXDOMAIN. */
function wildcardFor(zone: MasterFile, name: string): ZoneNode | undefined {
  for (let at = name; at !== zone.apex; ) {
    at = parentOf(at);
    if (at === zone.apex || exists(zone, at)) return zone.nodes.get(at === '' ? '*' : `*.${at}`);
  }
  return undefined;
}

/** A file's answer as the lookup the policy uses, marked with the file. */
export function fileLookup(level: string, answer: Exclude<FileAnswer, { kind: 'alias' }>, chain: AliasHop[], file: string): CaaLookup {
  const base = { name: level, chain, server: null, transport: null, validated: false, zoneFile: file };
  if (answer.kind === 'records') return { ...base, kind: 'records', records: answer.records };
  return { ...base, kind: 'empty', nxdomain: answer.nxdomain };
}

/** Aliases in the files that loop or run too long: a recursor gives up with SERVFAIL (docs/caa-rules.md rule 5). */
export function aliasError(level: string, chain: AliasHop[], file: string, trouble: string): CaaLookup {
  return {
    kind: 'error', name: level, chain, server: null, transport: null, validated: false, zoneFile: file,
    cause: 'alias-loop', rcode: 'SERVFAIL', ede: null, local: false, detail: `the zone file ${file} gives ${trouble}`,
  };
}

/** The parent of a canonical name ('' above a TLD); a dot escaped inside a label does not count (docs/zone-files.md §2). */
function parentOf(name: string): string {
  const first = /^(?:[^.\\]|\\.)*\./.exec(name);
  return first ? name.slice(first[0].length) : '';
}

