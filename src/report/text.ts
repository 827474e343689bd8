// The human report: grouped by lineage, verdict first, then why, what the CA will say, and the
// zone lines to paste. Colour only when asked for (a TTY without NO_COLOR).
import type { FullReport, LineageReport, Report } from '../check.js';
import type { NameReport } from '../explain/types.js';
import type { SourceError, Status } from '../vocabulary.js';
import { printable, printableLine } from './escape.js';

export interface TextOptions {
  color: boolean;
  verbose: boolean;
}

const COLORS: Record<Status | 'dim' | 'bold', string> = {
  pass: '32', warn: '33', fail: '31', error: '35', dim: '2', bold: '1',
};

/** Render the whole report as text. */
export function renderText(report: FullReport, options: TextOptions): string {
  return [...textChunks(report, options)].join('');
}

/** The whole report as text, a lineage at a time. */
export function* textChunks(report: FullReport, options: TextOptions): Generator<string> {
  const names = report.lineages.reduce((n, l) => n + l.names.length, 0);
  yield textPieces.head({ names, lineages: report.lineages.length, errors: report.errors }, options);
  for (const lineage of report.lineages) yield textPieces.lineage(lineage, options);
  yield textPieces.tail(report, options);
}

/**
 * The text report written as it is made: a head naming what is checked (and the configuration
 * errors), a block per lineage, and the outcome with the notes about the run at the end.
 */
export const textPieces = {
  head(what: { names: number; lineages: number; errors: SourceError[] }, options: TextOptions): string {
    const paint = painter(options);
    const out = [`${paint('bold', 'caa-preflight')}: ${counted(what.names, 'name')} in ${counted(what.lineages, 'lineage')}`];
    for (const error of what.errors) {
      out.push('', `${paint('error', 'ERROR')} ${printableLine(error.source)}${error.path ? ` ${printableLine(error.path)}` : ''}: ${printableLine(error.message)}`);
    }
    return `${out.join('\n')}\n`;
  },
  lineage(lineage: LineageReport, options: TextOptions): string {
    return `\n${renderLineage(lineage, options, painter(options)).join('\n')}\n`;
  },
  tail(report: Report, options: TextOptions): string {
    const paint = painter(options);
    const names = report.lineages.flatMap((l) => l.names);
    const counts = (['fail', 'error', 'warn', 'pass'] as Status[])
      .map((s) => [s, names.filter((n) => n.status === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => paint(s, `${n} ${s}`));
    const out = [''];
    for (const notice of report.notices) out.push(`${paint('dim', 'note:')} ${printableLine(notice)}`, '');
    out.push(`${paint('bold', 'result')}: ${counted(names.length, 'name')} in ${counted(report.lineages.length, 'lineage')}${counts.length ? ` — ${counts.join(', ')}` : ''}`);
    return `${out.join('\n')}\n`;
  },
};

function counted(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function painter(options: TextOptions): (what: keyof typeof COLORS, text: string) => string {
  return (what, text) => (options.color ? `\x1b[${COLORS[what]}m${text}\x1b[0m` : text);
}

function renderLineage(
  lineage: LineageReport,
  options: TextOptions,
  paint: (what: keyof typeof COLORS, text: string) => string,
): string[] {
  const lines: string[] = [];
  const title = lineage.source === 'cli' ? 'names given with -d' : `${lineage.source} ${printableLine(lineage.name)}`;
  const due = lineage.due === null ? '' : lineage.due ? ', due for renewal' : ', not due yet';
  lines.push(`${paint(lineage.status, label(lineage.status))} ${paint('bold', title)}${due}`);
  if (lineage.confPath) lines.push(`      conf: ${printableLine(lineage.confPath)}`);
  const ca = lineage.ca
    ? `${lineage.ca} — CAA identit${lineage.caIdentities.length === 1 ? 'y' : 'ies'} ${lineage.caIdentities.join(', ')} (${lineage.caIdentitySource})`
    : 'unknown';
  lines.push(`      CA: ${printableLine(ca)}${lineage.server && lineage.server !== lineage.ca ? `  ${printableLine(lineage.server)}` : ''}`);
  lines.push(
    `      account: ${lineage.accountUri ? printableLine(lineage.accountUri) : 'not known'}${lineage.accountSource ? ` (${printableLine(lineage.accountSource)})` : ''}`,
  );
  lines.push(
    `      challenge: ${lineage.challenge ? printableLine(lineage.challenge) : 'per name'}${lineage.challengeSource ? ` (${printableLine(lineage.challengeSource)})` : ''}`,
  );
  for (const note of lineage.notes) lines.push(`      note: ${printableLine(note)}`);
  for (const name of lineage.names) lines.push(...renderName(name, options, paint));
  return lines;
}

function label(status: Status): string {
  return status.toUpperCase().padEnd(5);
}

function renderName(
  name: NameReport,
  options: TextOptions,
  paint: (what: keyof typeof COLORS, text: string) => string,
): string[] {
  const indent = '        ';
  const shown = name.unicode ? `${name.name} (${printableLine(name.unicode)})` : name.name;
  const lines = [`  ${paint(name.status, label(name.status))} ${paint('bold', printableLine(shown))}`];
  lines.push(`${indent}${printableLine(name.reason)}`);
  const clean = name.status === 'pass';
  if (!clean || options.verbose) {
    if (name.recordNotes.length > 0) {
      const owner = name.recordNotes[0]!.owner.toLowerCase();
      lines.push(`${indent}records at ${name.foundAt}${owner !== name.foundAt ? ` (served by ${printableLine(owner)})` : ''}:`);
      const width = Math.min(48, Math.max(...name.recordNotes.map((n) => printableLine(n.text).length)));
      for (const note of name.recordNotes) {
        lines.push(`${indent}  ${printableLine(note.text).padEnd(width)}  ${effectMark(note.effect)} ${printableLine(note.note)}`);
      }
    }
    for (const finding of name.findings) {
      if (finding.level === 'info' && !options.verbose && clean) continue;
      if (finding.record !== undefined && name.status !== 'warn') continue; // the record's own note says it
      const mark = finding.level === 'warn' ? paint('warn', 'warning:') : finding.level === 'fail' ? paint('fail', 'why:') : paint('dim', 'note:');
      lines.push(`${indent}${mark} ${printableLine(finding.message)}`);
    }
  }
  if (name.caProblem) lines.push(`${indent}the CA will answer: ${printableLine(name.caProblem.detail)}`);
  if (name.fix) {
    lines.push(`${indent}fix (zone file):`);
    for (const line of name.fix.split('\n')) lines.push(`${indent}  ${printable(line)}`);
  }
  if (options.verbose && name.lookups.length > 0) {
    lines.push(`${indent}lookups${name.judgedFrom === 'authoritative' ? ' (judged from the zone\'s servers)' : ''}:`);
    for (const l of name.lookups) {
      lines.push(`${indent}  ${l.name.padEnd(30)} ${printableLine(l.result)}${l.server ? ` from ${l.server}` : ''}${l.detail ? ` — ${printableLine(l.detail)}` : ''}`);
    }
  }
  if (options.verbose && name.servers.length > 0) {
    lines.push(`${indent}authoritative servers:`);
    for (const s of name.servers) lines.push(`${indent}  ${printableLine(serverLine(s))}`);
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
