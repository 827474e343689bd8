// The human report: a block per certificate — verdict, what each failing name needs, and one fix
// block per zone owner marked add / replace, as zone lines and as a provider's web form asks —
// then a recap by certificate, like certbot's "The following renewals failed". Everything else
// (where each fact came from, every record and lookup) under -v. Fits 80 columns where words
// allow; colour and non-ASCII only where the terminal takes them (terminal.ts).
import type { FullReport, LineageReport, Report } from '../check.js';
import type { FixLine, NameReport } from '../explain/types.js';
import type { SourceError, Status } from '../vocabulary.js';
import { printable, printableLine } from './escape.js';
import { counted, oneOrTwoLines, painter, relativeDate, toAscii, webFormLines, wrapped, type Paint, type TextOptions } from './terminal.js';
import { ALTERNATIVE_CODES, label, renderName } from './text-name.js';

export type { TextOptions };

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

/** Whether -q shows this lineage: only what fails or errors reaches cron mail. */
export function quietShows(status: Status): boolean {
  return status === 'fail' || status === 'error';
}

/**
 * The text report written as it is made: a head naming what is checked (and the configuration
 * errors), a block per lineage, and the recap with the notes about the run at the end.
 */
export const textPieces = {
  head(what: { names: number; lineages: number; errors: SourceError[] }, options: TextOptions): string {
    const paint = painter(options);
    const out = [`${paint('bold', 'caa-preflight')}: ${counted(what.names, 'name')} in ${counted(what.lineages, 'certificate')}`];
    for (const e of what.errors) out.push('', ...wrapped(`${paint('error', 'ERROR')} `, printableLine(`${e.source}${e.path ? ` ${e.path}` : ''}: ${e.message}`), 6));
    return finish(out, options);
  },
  lineage(lineage: LineageReport, options: TextOptions): string {
    return finish(['', ...renderLineage(lineage, options, painter(options))], options);
  },
  tail(report: Report, options: TextOptions): string {
    const paint = painter(options);
    const out = [''];
    for (const notice of report.notices) out.push(...wrapped(`${paint('dim', 'note:')} `, printableLine(notice), 6), '');
    out.push(...recap(report, options, paint));
    return finish(out, options);
  },
};

function finish(lines: string[], options: TextOptions): string {
  const text = `${lines.join('\n')}\n`;
  return options.ascii ? toAscii(text) : text;
}

/** One certificate: its verdict and due date, its names, one fix block per owner. */
function renderLineage(lineage: LineageReport, options: TextOptions, paint: Paint): string[] {
  const title = lineage.source === 'cli' ? 'names given with -d' : `${lineage.source} ${printableLine(lineage.name)}`;
  const lines = wrapped(`${paint(lineage.status, label(lineage.status))} ${paint('bold', title)}`, when(lineage, options.now), 6);
  const ca = lineage.ca ?? 'CA unknown';
  const challenge = lineage.challenge ?? (lineage.source === 'cli' ? 'http-01 (dns-01 for wildcards)' : 'challenge per name');
  lines.push(...oneOrTwoLines('      ', printableLine(`${ca}, ${challenge}, `), printableLine(`account ${lineage.accountUri ?? 'not known'}`)));
  if (options.verbose) lines.push(...provenance(lineage));
  const names = options.quiet ? lineage.names.filter((n) => quietShows(n.status)) : lineage.names;
  for (const name of names) lines.push(...renderName(name, options, paint));
  lines.push(...fixBlocks(lineage.names, paint));
  return lines;
}

/** "— due now (since …), expires in 5 days (…)" for the title line. */
function when(lineage: LineageReport, now: Date): string {
  const parts: string[] = [];
  if (lineage.due === true) parts.push(lineage.dueAt ? `due since ${lineage.dueAt.toISOString().slice(0, 10)}` : 'due now');
  else if (lineage.due === false) parts.push(lineage.dueAt ? `due ${relativeDate(lineage.dueAt, now)}` : 'not due');
  if (lineage.expires) parts.push(`${lineage.expires < now ? 'expired' : 'expires'} ${relativeDate(lineage.expires, now)}`);
  return parts.length ? `— ${parts.join(', ')}` : '';
}

/** Where each fact came from (-v). */
function provenance(l: LineageReport): string[] {
  const facts = [
    l.confPath && `conf: ${l.confPath}`,
    l.ca && `CA: ${l.ca} — CAA identit${l.caIdentities.length === 1 ? 'y' : 'ies'} ${l.caIdentities.join(', ')} (${l.caIdentitySource})${l.server && l.server !== l.ca ? ` ${l.server}` : ''}`,
    `account: ${l.accountUri ?? 'not known'}${l.accountSource ? ` (${l.accountSource})` : ''}`,
    `challenge: ${l.challenge ?? 'per name'}${l.challengeSource ? ` (${l.challengeSource})` : ''}`,
    ...l.notes.map((n) => `note: ${n}`),
  ];
  return facts.flatMap((f) => (f ? wrapped('      ', printableLine(f), 8) : []));
}

/**
 * The fixes of a certificate's names, one block per record owner: every step marked add or
 * replace, as a zone-file line and as the fields of a provider's web form; then what could be
 * changed on this host instead. Steps several names share are said once.
 */
function fixBlocks(names: NameReport[], paint: Paint): string[] {
  const byOwner = new Map<string, { steps: FixLine[]; names: string[]; alternatives: string[] }>();
  for (const name of names) {
    for (const step of name.fixSteps) {
      const block = byOwner.get(step.owner) ?? { steps: [], names: [], alternatives: [] };
      byOwner.set(step.owner, block);
      if (!block.steps.some((s) => s.text === step.text && s.replaces === step.replaces)) block.steps.push(step);
      if (!block.names.includes(name.name)) block.names.push(name.name);
      for (const f of name.findings) if (ALTERNATIVE_CODES.has(f.code) && !block.alternatives.includes(f.message)) block.alternatives.push(f.message);
    }
  }
  const lines: string[] = [];
  for (const [owner, block] of byOwner) {
    const forNames = block.names.length === 1 && block.names[0] === owner ? '' : ` (for ${block.names.join(', ')})`;
    lines.push(...wrapped(`  ${paint('bold', 'fix')}`, printableLine(`at ${owner}${forNames}:`), 4));
    for (const step of block.steps) {
      if (step.action === 'replace') {
        lines.push(`    replace  ${printable(step.replaces ?? '')}`, `    with     ${printable(step.text)}`);
        if (step.why === 'critical') lines.push('             (or remove the record: it only blocks)');
      } else {
        lines.push(`    add      ${printable(step.text)}`);
        if (step.why === 'other-account') lines.push('             (the record for the account it names stays)');
      }
      lines.push(...webFormLines('             ', step.owner, step));
    }
    for (const alternative of block.alternatives) lines.push(...wrapped('    ', printableLine(alternative), 6));
  }
  return lines;
}

/** The end: certificates the CA would refuse and those not checked, then the counts. */
function recap(report: Report, options: TextOptions, paint: Paint): string[] {
  const out: string[] = [];
  const group = (status: Status, title: string): void => {
    const ls = report.lineages.filter((l) => l.status === status);
    if (ls.length === 0) return;
    out.push(paint(status, title));
    for (const l of ls) {
      const which = l.names.filter((n) => n.status === status).map((n) => n.name);
      const title = `  ${l.source === 'cli' ? 'names given with -d' : `${l.source} ${printableLine(l.name)}`}${l.due === false ? ' (not due yet)' : ''}:`;
      out.push(...wrapped(title, printableLine(which.join(', ')), 4));
    }
  };
  group('fail', 'The CA would refuse these renewals:');
  group('error', 'Could not check (our own trouble, not the CA\'s):');
  if (!options.quiet) group('warn', 'Will renew, with warnings:');
  if (out.length > 0) out.push('');
  const statuses = (['fail', 'error', 'warn', 'pass'] as Status[]);
  const certs = statuses
    .map((s) => [s, report.lineages.filter((l) => l.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => paint(s, `${n} ${s}`));
  const names = report.lineages.flatMap((l) => l.names);
  const byName = statuses
    .map((s) => [s, names.filter((n) => n.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const errors = report.errors.length;
  out.push(
    ...wrapped(
      `${paint('bold', 'result')}:`,
      `${counted(report.lineages.length, 'certificate')}${certs.length ? ` (${certs.join(', ')})` : ''}, ` +
        `${counted(names.length, 'name')}${byName.length ? ` (${byName.join(', ')})` : ''}` +
        `${errors ? `, ${paint('error', counted(errors, 'configuration error'))}` : ''}`,
      4,
    ),
  );
  return out;
}
