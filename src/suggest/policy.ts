// The strictest CAA RRset that still lets exactly the given renewals through, and the change from
// what is published: pure functions, no I/O (docs/caa-rules.md §5). One `issue` record per CA
// and account, bound with `accounturi` and the `validationmethods` its renewals use (RFC 8657
// §3, §4); `issuewild` likewise for wildcard renewals, else `issuewild ";"` so that no wildcard
// is issued at all (RFC 8659 §4.3).
import { asciiLower, tagRole } from '../caa/evaluate.js';
import type { CaaRecord } from '../dns/wire.js';
import { CHALLENGE_TYPES, type CaPolicy } from '../vocabulary.js';

/** One identifier of one renewal, as the CA will see it: the input of the record-set builder. */
export interface Grant {
  /** The identifier as ordered (A-label, `*.` kept). */
  name: string;
  /** The lineage it renews in, and its client (for the report). */
  lineage: string;
  source: string;
  wildcard: boolean;
  /** CA short name or host, for notes. */
  ca: string;
  /** The CA's policy; its first identity is what the record names. */
  policy: CaPolicy;
  accountUri: string | null;
  method: string | null;
  /** Added by --with-staging: the Let's Encrypt staging account `certbot renew --dry-run` uses. */
  staging: boolean;
}

/** How strict to be: the loosening options of `preflight suggest`. */
export interface BuildOptions {
  /** Bind records to accounts (false: --no-accounturi, for providers that reject parameters). */
  accountUri: boolean;
  /** Bind records to challenge types (false: --no-methods). */
  methods: boolean;
  /** `iodef` URL to publish (--iodef), replacing any published iodef; null keeps what is published. */
  iodef: string | null;
}

/** A suggested RRset for one owner, with what it was built from and what to say about it. */
export interface RecordSet {
  records: CaaRecord[];
  notes: string[];
}

/** RFC 8659 §4.2: a parameter value is printable ASCII without `;` or space. */
const PARAMETER_VALUE = /^[\x21-\x3a\x3c-\x7e]+$/;

/** The record set for one owner: ours first (issue, issuewild), then iodef and what is kept. */
export function buildRecordSet(grants: Grant[], published: CaaRecord[], options: BuildOptions): RecordSet {
  const notes: string[] = [];
  const issue = issueRecords(grants.filter((g) => !g.wildcard), 'issue', options, notes);
  const wild = grants.some((g) => g.wildcard)
    ? issueRecords(grants.filter((g) => g.wildcard), 'issuewild', options, notes)
    : [{ flags: 0, tag: 'issuewild', value: ';' }];
  if (grants.some((g) => g.wildcard)) {
    notes.push('issuewild alone governs wildcard names once present; the issue records cover the names without "*."');
  } else {
    notes.push('issuewild ";": no wildcard renews here, so none may be issued');
  }
  if (issue.length === 0) {
    // Only wildcards renew here: without an issue record the non-wildcard list would be empty,
    // which allows every CA (rule 10); ";" allows none.
    issue.push({ flags: 0, tag: 'issue', value: ';' });
    notes.push('issue ";": only wildcards renew here, so no other name may be issued');
  }
  for (const ca of unenforcing(grants)) {
    notes.push(`${ca} does not enforce accounturi/validationmethods yet; they are written so that the set is right once it does`);
  }
  const kept = keptRecords(published, options, notes);
  const iodef = options.iodef === null ? [] : [{ flags: 0, tag: 'iodef', value: options.iodef }];
  return { records: [...issue, ...wild, ...iodef, ...kept], notes };
}

/** One record per (CA identity, account) of these grants, in a stable order (RFC 8657 §3: one accounturi each). */
function issueRecords(grants: Grant[], tag: 'issue' | 'issuewild', options: BuildOptions, notes: string[]): CaaRecord[] {
  const groups = new Map<string, Grant[]>();
  for (const g of grants) {
    const identity = g.policy.identities[0] ?? '';
    const account = options.accountUri ? g.accountUri ?? '' : '';
    // Production accounts first, the staging ones --with-staging adds after them.
    const key = `${options.accountUri && g.staging ? 1 : 0}\n${identity}\n${account}`;
    groups.set(key, [...(groups.get(key) ?? []), g]);
  }
  const keys = [...groups.keys()].sort();
  return keys.map((key) => ({ flags: 0, tag, value: issueValue(groups.get(key)!, tag, options, notes) }));
}

/** `identity; accounturi=...; validationmethods=...` for grants sharing a CA and an account. */
export function issueValue(grants: Grant[], tag: string, options: BuildOptions, notes: string[]): string {
  const first = grants[0]!;
  const identity = first.policy.identities[0] ?? '';
  const parameters: string[] = [];
  const uri = first.accountUri;
  const lineages = [...new Set(grants.map((g) => g.lineage))].join(', ');
  if (options.accountUri) {
    if (uri === null) notes.push(`${tag} ${identity}: no accounturi, because the account of ${lineages} is not known`);
    else if (!PARAMETER_VALUE.test(uri)) notes.push(`${tag} ${identity}: no accounturi, because ${JSON.stringify(uri)} cannot be a parameter value`);
    else parameters.push(`accounturi=${uri}`);
  }
  if (options.methods) {
    const unknown = grants.filter((g) => g.method === null).map((g) => g.name);
    if (unknown.length > 0) {
      notes.push(`${tag} ${identity}: no validationmethods, because the challenge of ${[...new Set(unknown)].join(', ')} is not known`);
    } else {
      parameters.push(`validationmethods=${methodsOf(grants).join(',')}`);
    }
  }
  return [identity, ...parameters].join('; ');
}

/** The challenge types in use, in the CA's order (docs/caa-rules.md rule 15). */
function methodsOf(grants: Grant[]): string[] {
  const used = new Set(grants.map((g) => g.method!));
  const known = CHALLENGE_TYPES.filter((t) => used.has(t));
  return [...known, ...[...used].filter((m) => !(CHALLENGE_TYPES as readonly string[]).includes(m)).sort()];
}

/** CAs of these grants that do not enforce RFC 8657 today. */
function unenforcing(grants: Grant[]): string[] {
  return [...new Set(grants.filter((g) => !g.policy.enforcesRfc8657).map((g) => g.ca))];
}

/**
 * What stays of the published set: iodef (unless --iodef replaces it) and non-critical tags that
 * are not about issuance (issuemail, issuevmc, ...). issue/issuewild are ours to write; a critical
 * unknown tag refuses every request (rule 8), so it goes.
 */
function keptRecords(published: CaaRecord[], options: BuildOptions, notes: string[]): CaaRecord[] {
  const kept: CaaRecord[] = [];
  for (const r of published) {
    const role = tagRole(r);
    if (role === 'issue' || role === 'issuewild') continue;
    if (role === 'critical-unknown') {
      notes.push(`the critical ${asciiLower(r.tag)} record goes: the CA refuses everything while it is there`);
      continue;
    }
    if (asciiLower(r.tag) === 'iodef' && options.iodef !== null) continue;
    kept.push({ flags: r.flags, tag: r.tag, value: r.value });
  }
  return kept;
}

/** One line of the change from the published set to the suggested one. */
export interface DiffLine {
  action: 'add' | 'remove' | 'replace' | 'keep';
  record: CaaRecord;
  /** replace: the published record it takes the place of. */
  replaces: CaaRecord | null;
}

/** Same record: flags, tag (case-insensitively, rule 7) and value byte for byte. */
export function sameRecord(a: CaaRecord, b: CaaRecord): boolean {
  return a.flags === b.flags && asciiLower(a.tag) === asciiLower(b.tag) && a.value === b.value;
}

/**
 * Published -> suggested, as the report's fixes mark it: records in both are kept; a removed
 * record and an added one of the same tag pair up as a replace (one edit in a provider's form);
 * the rest are added or removed.
 */
export function diffRecordSets(published: CaaRecord[], suggested: CaaRecord[]): DiffLine[] {
  const removed = published.filter((p) => !suggested.some((s) => sameRecord(p, s)));
  const lines: DiffLine[] = [];
  for (const record of suggested) {
    if (published.some((p) => sameRecord(p, record))) {
      lines.push({ action: 'keep', record, replaces: null });
      continue;
    }
    const at = removed.findIndex((r) => asciiLower(r.tag) === asciiLower(record.tag));
    if (at < 0) {
      lines.push({ action: 'add', record, replaces: null });
      continue;
    }
    lines.push({ action: 'replace', record, replaces: removed[at]! });
    removed.splice(at, 1);
  }
  return [...removed.map((record): DiffLine => ({ action: 'remove', record, replaces: null })), ...lines];
}
