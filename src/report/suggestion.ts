// `preflight suggest`'s output. Text: a zone-file fragment — every record line can be pasted as
// it is, everything else is a `;` comment — with the change from what is published marked add /
// replace / remove / keep and the fields a provider's web form asks for, as the check's fixes
// are (text.ts). JSON: the same as data. Names and values from DNS and configs are escaped.
import { bytesToText, recordText, zoneLine } from '../caa/zone.js';
import type { CaaRecord } from '../dns/wire.js';
import type { CoveredName, NameProblem, Suggestion, ZoneSuggestion } from '../suggest/plan.js';
import type { ChosenBy } from '../suggest/placement.js';
import type { DiffLine } from '../suggest/policy.js';
import { printableLine, safeJson } from './escape.js';
import { counted, webFormLines, wrapped } from './terminal.js';

/** How the owner was chosen, in words. */
export function chosenText(chosen: ChosenBy): string {
  switch (chosen) {
    case 'zone-apex': return 'zone apex (SOA)';
    case 'published': return 'where CAA is published now';
    case 'alias-target': return 'where CAA is published now, reached through an alias in the same zone';
  }
}

/** A comment wrapped to 80 columns, every line of it starting with `;`. */
function comment(first: string, text: string, indent: number): string[] {
  return wrapped(first, printableLine(text), indent).map((line, i) => (i === 0 ? line : `;${line.slice(1)}`));
}

/** The text output of a printed suggestion. */
export function renderSuggestionText(s: Suggestion, head: { lineages: number; notices: string[] }): string {
  const names = s.zones.reduce((n, z) => n + z.grants.length, 0) + s.covered.length;
  const out = [
    `; preflight suggest: CAA for ${counted(names, 'name')} in ${counted(head.lineages, 'certificate')}, ${counted(s.zones.length, 'owner')}`,
    ...comment(';', 'Only the renewals configured on this host are authorised: certificates issued elsewhere for names under these owners would be refused. Each owner\'s lines are its whole CAA RRset; record lines are zone-file syntax, the rest comments.', 2),
  ];
  for (const notice of head.notices) out.push(...comment('; note:', notice, 8));
  for (const zone of s.zones) out.push('', ...zoneBlock(zone));
  if (s.covered.length > 0) {
    out.push('', ...comment(';', "covered by an alias into a zone this host's names are not in (set CAA there, or ask its provider):", 2));
    for (const c of s.covered) out.push(...comment(';  ', coveredText(c), 5));
  }
  if (s.skipped.length > 0) {
    out.push('', '; not covered by CAA:');
    for (const k of s.skipped) out.push(...comment(';  ', `${k.name} (${k.source} ${k.lineage}): ${k.reason}`, 5));
  }
  return `${out.join('\n')}\n`;
}

/** One owner: how it was chosen, whom it serves, the RRset, the change, the notes. */
function zoneBlock(zone: ZoneSuggestion): string[] {
  const out = comment(`; ${zone.owner} —`, `${chosenText(zone.chosen)}${zone.owner !== zone.zone ? `, in zone ${zone.zone}` : ''}`, 4);
  for (const line of grantLines(zone)) out.push(...comment(';  ', line, 5));
  for (const record of zone.records) out.push(printableLine(zoneLine(zone.owner, record)));
  out.push(`; change from what ${zone.owner} publishes now${zone.published.length === 0 ? ' (nothing)' : ''}:`);
  for (const line of zone.diff) out.push(...diffLines(zone.owner, line));
  for (const note of zone.notes) out.push(...comment('; note:', note, 8));
  return out;
}

/** One line per lineage: its names, CA, account and challenges. */
function grantLines(zone: ZoneSuggestion): string[] {
  const lines: string[] = [];
  const keys = [...new Set(zone.grants.map((g) => `${g.source}\n${g.lineage}\n${g.staging}`))];
  for (const key of keys) {
    const gs = zone.grants.filter((g) => `${g.source}\n${g.lineage}\n${g.staging}` === key);
    const g = gs[0]!;
    const methods = [...new Set(gs.map((x) => x.method ?? 'challenge unknown'))].join(', ');
    lines.push(`${g.source} ${g.lineage}${g.staging ? ' (--dry-run, staging)' : ''}: ${gs.map((x) => x.name).join(' ')} — ${g.ca}, account ${g.accountUri ?? 'not known'}, ${methods}`);
  }
  return lines;
}

/** A line of the change, marked as the report's fixes are, with the web-form fields for what to enter. */
function diffLines(owner: string, line: DiffLine): string[] {
  const form = (r: CaaRecord): string[] => webFormLines(';            ', owner, { flags: r.flags, tag: r.tag, value: bytesToText(r.value) });
  switch (line.action) {
    case 'keep': return [`;   keep     ${printableLine(zoneLine(owner, line.record))}`];
    case 'remove': return [`;   remove   ${printableLine(zoneLine(owner, line.record))}`];
    case 'add': return [`;   add      ${printableLine(zoneLine(owner, line.record))}`, ...form(line.record)];
    case 'replace':
      return [`;   replace  ${printableLine(zoneLine(owner, line.replaces!))}`, `;   with     ${printableLine(zoneLine(owner, line.record))}`, ...form(line.record)];
  }
}

function coveredText(c: CoveredName): string {
  const records = c.records.map(recordText).join('; ');
  return `${c.grant.name} (${c.grant.source} ${c.grant.lineage}): alias to ${c.target} in zone ${c.targetZone}, whose CAA (${records}) authorises this renewal now; a change there can stop it`;
}

/** Why nothing was printed: one line per name, for stderr. */
export function problemLines(title: string, problems: NameProblem[]): string {
  const lines = [printableLine(title)];
  for (const p of problems) lines.push(...wrapped('  ', printableLine(`${p.name} (${p.source} ${p.lineage}): ${p.reason}`), 4));
  return `${lines.join('\n')}\n`;
}

/** The JSON document of `preflight suggest --json` (keys are only ever added). */
export interface SuggestDocument {
  status: 'suggested' | 'refused' | 'error';
  zones: Array<{
    owner: string;
    zone: string;
    chosen: ChosenBy;
    how: string;
    records: JsonRecord[];
    published: JsonRecord[];
    diff: Array<{ action: DiffLine['action']; record: JsonRecord; replaces: JsonRecord | null }>;
    names: Array<{ name: string; lineage: string; source: string; ca: string; accountUri: string | null; method: string | null; staging: boolean }>;
    notes: string[];
  }>;
  covered: Array<{ name: string; lineage: string; source: string; alias: string; zone: string; records: JsonRecord[] }>;
  skipped: NameProblem[];
  refused: NameProblem[];
  errors: Array<{ source: string; path: string | null; message: string }>;
  notices: string[];
  schemaVersion: 1;
  version: string;
  checkedAt: string;
}

interface JsonRecord {
  flags: number;
  tag: string;
  value: string;
  /** The zone line, exact to the byte (`\DDD` for non-printables). */
  text: string;
}

/** The suggestion as data; a refused or failed one carries no zones. */
export function suggestDocument(
  s: Suggestion,
  extra: { errors: SuggestDocument['errors']; notices: string[]; version: string; checkedAt: Date },
): SuggestDocument {
  const status = s.errors.length > 0 || extra.errors.length > 0 ? 'error' : s.refused.length > 0 ? 'refused' : 'suggested';
  const record = (owner: string) => (r: CaaRecord): JsonRecord => ({ flags: r.flags, tag: r.tag, value: r.value, text: zoneLine(owner, r) });
  return {
    status,
    zones: status !== 'suggested' ? [] : s.zones.map((z) => ({
      owner: z.owner, zone: z.zone, chosen: z.chosen, how: chosenText(z.chosen),
      records: z.records.map(record(z.owner)), published: z.published.map(record(z.owner)),
      diff: z.diff.map((d) => ({ action: d.action, record: record(z.owner)(d.record), replaces: d.replaces && record(z.owner)(d.replaces) })),
      names: z.grants.map((g) => ({ name: g.name, lineage: g.lineage, source: g.source, ca: g.ca, accountUri: g.accountUri, method: g.method, staging: g.staging })),
      notes: z.notes,
    })),
    covered: s.covered.map((c) => ({
      name: c.grant.name, lineage: c.grant.lineage, source: c.grant.source, alias: c.target, zone: c.targetZone, records: c.records.map(record(c.target)),
    })),
    skipped: s.skipped,
    refused: s.refused,
    errors: [...extra.errors, ...s.errors.map((e) => ({ source: e.source, path: null, message: `${e.name} (${e.lineage}): ${e.reason}` }))],
    notices: extra.notices,
    schemaVersion: 1,
    version: extra.version,
    checkedAt: extra.checkedAt.toISOString(),
  };
}

/** The document as written: one JSON text and a newline. */
export function renderSuggestJson(doc: SuggestDocument): string {
  return `${safeJson(doc)}\n`;
}
