// `preflight list`: every lineage of certbot and acme.sh — names, CA, account, challenge, expiry,
// due — as `certbot certificates` lists its own, from the configuration alone: no DNS is asked,
// nothing is written. Configuration errors are listed too (stderr, or the document's `errors`),
// and make the exit status 2 (README "Exit codes").
import { parseArgs } from 'node:util';
import { listDocument, renderListJson, type ListDocument, type ListLineage } from '../report/listing.js';
import { printableLine } from '../report/escape.js';
import { counted } from '../report/terminal.js';
import { DEFAULT_CONFIG_DIR, selectLineages } from '../sources/select.js';
import type { SourceError } from '../vocabulary.js';
import { VERSION } from '../version.js';
import { wrap } from './help.js';
import { flagText, OPTIONS, parseArgsSpec } from './option-table.js';
import { parseWithSiteDefaults, UsageError } from './options.js';
import type { CliIo } from './session.js';

const WIDTH = 80;

/** Run `preflight list [options]`: 0, or 2 when some configuration could not be read. */
export async function listCommand(argv: string[], io: CliIo): Promise<number> {
  rejectCheckOnlyOptions(argv);
  const options = parseWithSiteDefaults(argv, io.env);
  const now = io.now();
  // `all: true` whatever was given: inside an acme.sh pre-hook's environment (Le_Domain) the
  // check narrows to that one certificate, but a listing is of everything selected.
  const selection = await selectLineages(
    {
      domains: [], ca: null, accountUri: null, challenge: null,
      all: true, certNames: options.certNames, due: options.due, configDir: options.configDir, acmeHomes: options.acmeHomes,
    },
    { env: io.env, cwd: io.cwd ?? process.cwd(), now },
  );
  const doc = listDocument(selection, { version: VERSION, checkedAt: now });
  if (options.json) {
    io.stdout.write(renderListJson(doc));
  } else {
    for (const error of doc.errors) io.stderr.write(`preflight list: ${errorLine(error)}\n`);
    io.stdout.write(renderListText(doc, now, options.configDir ?? DEFAULT_CONFIG_DIR));
  }
  return doc.errors.length > 0 ? 2 : 0;
}

/**
 * list reads configuration only: options of the check (-d, --resolver, --ca, ...) are usage
 * errors here, not silently ignored. Unknown options and missing values are left to the parser.
 */
function rejectCheckOnlyOptions(argv: string[]): void {
  const { tokens } = parseArgs({ args: argv, options: parseArgsSpec(), allowPositionals: true, strict: false, tokens: true });
  const allowed = OPTIONS.filter((o) => o.commands.includes('list'));
  for (const token of tokens) {
    if (token.kind === 'positional') {
      throw new UsageError(`unexpected argument ${JSON.stringify(token.value)} (preflight list selects with --cert-name NAME)`);
    }
    if (token.kind !== 'option' || allowed.some((o) => o.name === token.name)) continue;
    if (OPTIONS.some((o) => o.name === token.name)) {
      const takes = allowed.filter((o) => o.name !== 'help').map(flagText).join(', ');
      throw new UsageError(`${token.rawName} does not apply to preflight list, which reads configuration only (it takes ${takes})`);
    }
  }
}

/** A configuration error in one line: where, then what. */
function errorLine(error: SourceError): string {
  return `${printableLine(error.source)}${error.path ? ` ${printableLine(error.path)}` : ''}: ${printableLine(error.message)}`;
}

/** The listing: a block per lineage, then one line of totals. */
export function renderListText(doc: ListDocument, now: Date, configDir: string): string {
  const blocks = doc.lineages.map((l) => lineageBlock(l, now).join('\n'));
  const count = (source: string): number => doc.lineages.filter((l) => l.source === source).length;
  const due = doc.lineages.filter((l) => l.due === true).length;
  const errors = doc.errors.length;
  const total =
    `${counted(doc.lineages.length, 'certificate')} (certbot: ${count('certbot')}, acme.sh: ${count('acme.sh')}); ` +
    `${due} due now; ${counted(errors, 'configuration error')}`;
  const out = [...blocks, wrap(total, WIDTH)];
  if (doc.lineages.length === 0 && errors === 0) {
    out.push(wrap(`nothing to list: no renewal confs under ${printableLine(configDir)} and no acme.sh home (give --config-dir or --acme-home)`, WIDTH));
  }
  return `${out.join('\n\n')}\n`;
}

/** One lineage, as `certbot certificates` shows its own; every config-derived string escaped. */
function lineageBlock(l: ListLineage, now: Date): string[] {
  const client = l.ecc ? `${l.source}, ECC` : l.source;
  const lines = [`Certificate Name: ${printableLine(l.name)}   (${client})`];
  lines.push(wrap(`Domains: ${l.names.map(printableLine).join(' ')}`, WIDTH, 11, 2));
  const server = printableLine(l.server);
  lines.push(wrap(`CA: ${l.ca === null ? `unknown (${server})` : l.ca === l.server ? server : `${printableLine(l.ca)} (${server})`}`, WIDTH, 6, 2));
  lines.push(`  Account: ${l.accountUri ? printableLine(l.accountUri) : 'not known'}`);
  lines.push(wrap(`Challenge: ${challengeText(l)}`, WIDTH, 13, 2));
  lines.push(`  Expiry: ${expiryText(l, now)}`);
  lines.push(`  Due: ${dueText(l, now)}`);
  if (l.confPath) lines.push(`  Conf: ${printableLine(l.confPath)}`);
  for (const note of l.notes) lines.push(wrap(`Note: ${printableLine(note)}`, WIDTH, 8, 2));
  return lines;
}

/** The challenge, lineage-wide or name by name, with where it came from. */
function challengeText(l: ListLineage): string {
  const source = l.challengeSource ? ` (${printableLine(l.challengeSource)})` : '';
  if (l.challenge) return `${printableLine(l.challenge)}${source}`;
  const known = Object.values(l.challenges).some((c) => c !== null);
  if (!known) return `unknown${source}`;
  const perName = Object.entries(l.challenges).map(([n, c]) => `${printableLine(n)} ${c === null ? 'unknown' : printableLine(c)}`);
  return `${perName.join(', ')}${source}`;
}

/** "in 4 days (2026-11-30 00:00 UTC)", "EXPIRED 2 days ago (...)", or unknown. */
function expiryText(l: ListLineage, now: Date): string {
  if (l.expires === null) return 'unknown (no certificate read)';
  const at = new Date(l.expires);
  return `${at.getTime() <= now.getTime() ? 'EXPIRED ' : ''}${relative(at, now)} (${stamp(at)})`;
}

/** "now, became due 25 days ago (...)", "in 12 days (...)", "no" (the notes say why), or unknown. */
function dueText(l: ListLineage, now: Date): string {
  const at = l.dueAt === null ? null : new Date(l.dueAt);
  if (l.due === null) return at ? `unknown; by the date, ${relative(at, now)} (${stamp(at)})` : 'unknown';
  if (l.due) return at ? `now, became due ${relative(at, now)} (${stamp(at)})` : 'now';
  return at ? `${relative(at, now)} (${stamp(at)})` : 'no';
}

/** How far a moment is from now: "in 12 days", "3 hours ago", "in under an hour". */
export function relative(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor(abs / 3_600_000);
  const amount = days >= 1 ? counted(days, 'day') : hours >= 1 ? counted(hours, 'hour') : 'under an hour';
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

/** A moment to the minute, in UTC: "2026-11-30 00:00 UTC". */
function stamp(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
