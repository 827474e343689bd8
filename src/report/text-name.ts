// One name of the text report: by default its verdict, one reason and how to see it from here;
// under -v the records, every finding, the CA's own words, the lookups and every server's answer.
import type { NameReport } from '../explain/types.js';
import type { Status } from '../vocabulary.js';
import { printableLine } from './escape.js';
import { wrapped, type Paint, type TextOptions } from './terminal.js';

const INDENT = 8;
const PAD = ' '.repeat(INDENT);

/** Findings that are the fix's alternatives: shown with the fix, not with the name. */
export const ALTERNATIVE_CODES = new Set(['renew-with-allowed-method', 'renew-with-named-account', 'authorizes-other-ca']);

/** Status words of one width. */
export function label(status: Status): string {
  return status.toUpperCase().padEnd(5);
}

/** The lines of one name. */
export function renderName(name: NameReport, options: TextOptions, paint: Paint): string[] {
  const shown = name.unicode ? `${name.name} (${printableLine(name.unicode)})` : name.name;
  // Said on the name's own line, at every verbosity: this verdict is about the file, not live DNS.
  const whatIf = name.zoneFiles.length > 0 ? paint('dim', `  (answered from ${printableLine(name.zoneFiles.join(', '))}: what-if)`) : '';
  const lines = [`  ${paint(name.status, label(name.status))} ${paint('bold', printableLine(shown))}${whatIf}`];
  const say = (text: string, mark = ''): void => {
    lines.push(...wrapped(`${PAD}${mark}${mark ? ' ' : ''}`, printableLine(text), INDENT + (mark ? 2 : 0)));
  };
  if (!options.verbose) {
    if (name.status === 'pass') return lines;
    // A warning's point is the warning; a failure's, its reason and the advice that goes with it.
    if (name.status !== 'warn') say(name.reason);
    for (const f of name.findings) {
      if (f.level === 'info' || f.record !== undefined || ALTERNATIVE_CODES.has(f.code)) continue;
      if (name.status === 'warn' && f.level !== 'warn') continue;
      say(f.message, f.level === 'warn' && name.status !== 'warn' ? paint('warn', '!') : '');
    }
    if (name.status === 'error') for (const f of name.findings.filter((x) => x.code === 'local-lookup-error')) say(f.message);
    if (name.reproduce) say(`check: ${name.reproduce}`);
    return lines;
  }

  say(name.reason);
  if (name.recordNotes.length > 0) {
    const owner = name.recordNotes[0]!.owner.toLowerCase();
    lines.push(`${PAD}records at ${name.foundAt}${owner !== name.foundAt ? ` (served by ${printableLine(owner)})` : ''}:`);
    const width = Math.min(40, Math.max(...name.recordNotes.map((n) => printableLine(n.text).length)));
    for (const note of name.recordNotes) {
      const text = printableLine(note.text);
      // A long record gets its note on the lines below, not squeezed into a narrow column.
      if (text.length > width) lines.push(`${PAD}  ${text}`, ...wrapped(`${PAD}    ${effectMark(note.effect)}`, printableLine(note.note), INDENT + 6));
      else lines.push(...wrapped(`${PAD}  ${text.padEnd(width)}  ${effectMark(note.effect)}`, printableLine(note.note), INDENT + width + 6));
    }
  }
  for (const f of name.findings) {
    if (f.record !== undefined && name.status !== 'warn') continue; // the record's own note says it
    if (ALTERNATIVE_CODES.has(f.code)) continue;
    const mark = f.level === 'warn' ? paint('warn', 'warning:') : f.level === 'fail' ? paint('fail', 'why:') : paint('dim', 'note:');
    say(f.message, mark);
  }
  if (name.caProblem) say(name.caProblem.detail, 'the CA will answer:');
  if (name.reproduce) say(`check: ${name.reproduce}`);
  if (name.lookups.length > 0) {
    lines.push(`${PAD}lookups${name.judgedFrom === 'authoritative' ? " (judged from the zone's servers)" : ''}:`);
    for (const l of name.lookups) {
      const from = l.zoneFile !== null ? ` from zone file ${l.zoneFile}` : l.server ? ` from ${l.server}` : '';
      lines.push(`${PAD}  ${l.name.padEnd(30)} ${printableLine(l.result)}${printableLine(from)}${l.detail ? ` — ${printableLine(l.detail)}` : ''}`);
    }
  }
  if (name.servers.length > 0) {
    lines.push(`${PAD}authoritative servers:`);
    for (const s of name.servers) lines.push(`${PAD}  ${printableLine(serverLine(s))}`);
  }
  return lines;
}

/** One server's answer in a line: where, what, serial, time. */
function serverLine(s: NameReport['servers'][number]): string {
  const what =
    s.result === 'records' ? s.records.map((r) => `${r.flags} ${r.tag} "${r.value}"`).join('; ')
    : s.result === 'alias' ? `CNAME ${s.alias}`
    : s.result === 'error' ? `${s.fault}${s.rcode ? ` (${s.rcode})` : ''}`
    : s.result === 'nxdomain' ? 'NXDOMAIN' : 'no CAA';
  const at = s.asked !== s.level ? `${s.level} → ${s.asked}` : s.level;
  return `${at} @${s.server} (${s.address}) ${s.transport}: ${what}${s.serial !== null ? ` [serial ${s.serial}]` : ''}${s.ms !== null ? ` ${s.ms} ms` : ''}`;
}

function effectMark(effect: NameReport['recordNotes'][number]['effect']): string {
  switch (effect) {
    case 'authorizes': return '✓';
    case 'rejects': return '✗';
    case 'blocks': return '✗✗';
    case 'depends': return '?';
    default: return '·';
  }
}
