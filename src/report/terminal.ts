// What a terminal or a cron mail can show: colour only where it works, ASCII where the locale is
// not UTF-8 (or TERM=dumb), lines wrapped to 80 columns, dates as people say them.
import type { Status } from '../vocabulary.js';
import { printableLine } from './escape.js';

export interface TextOptions {
  color: boolean;
  verbose: boolean;
  /** Only what fails or errors (cron mail); nothing when all is well. */
  quiet: boolean;
  /** Plain ASCII: no ✓ ✗ — (TERM=dumb, LANG=C). */
  ascii: boolean;
  /** The time of the check, for "due in 12 days". */
  now: Date;
}

/** Columns the report is wrapped to. */
export const WIDTH = 80;

const COLORS: Record<Status | 'dim' | 'bold', string> = {
  pass: '32', warn: '33', fail: '31', error: '35', dim: '2', bold: '1',
};
export type Paint = (what: keyof typeof COLORS, text: string) => string;

/** Colour and charset for this output: --color/--no-color, NO_COLOR, TERM=dumb, the locale. */
export function terminalStyle(env: NodeJS.ProcessEnv, isTTY: boolean, color: boolean | null): { color: boolean; ascii: boolean } {
  const dumb = env.TERM === 'dumb';
  const noColor = Boolean(env.NO_COLOR); // no-color.org: any non-empty value
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return {
    // NO_COLOR always wins (README "Options"); --color wins over TERM=dumb and a pipe.
    color: !noColor && (color ?? (isTTY && !dumb)),
    ascii: dumb || !/utf-?8/i.test(locale),
  };
}

/** Wrap colour codes around text when colour is on. */
export function painter(options: TextOptions): Paint {
  return (what, text) => (options.color ? `\x1b[${COLORS[what]}m${text}\x1b[0m` : text);
}

/**
 * `text` wrapped at spaces to WIDTH columns, the first line after `first` (a space between them
 * unless `first` ends in one) and the others indented by `indent` spaces; a word longer than the
 * line (a URL, a path) is never broken.
 */
export function wrapped(first: string, text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = first;
  let sep = first === '' || /\s$/.test(first) ? '' : ' ';
  for (const word of text.split(' ')) {
    if (word === '') continue;
    if (sep !== '' && line.trim() !== '' && visibleLength(line) + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent) + word;
    } else {
      line += sep + word;
    }
    sep = ' ';
  }
  lines.push(line);
  return lines;
}

function visibleLength(text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

const ASCII: Array<[RegExp, string]> = [
  [/✗✗/g, 'XX'], [/✓/g, 'ok'], [/✗/g, 'x'], [/[—–]/g, '-'], [/·/g, '-'], [/→/g, '->'], [/…/g, '...'],
  [/[“”]/g, '"'], [/[‘’]/g, "'"],
];

/** The text in plain ASCII: the report's own symbols spelt out, anything else escaped (\u{...}). */
export function toAscii(text: string): string {
  let out = text;
  for (const [from, to] of ASCII) out = out.replace(from, to);
  return out.replace(/[^\x00-\x7f]/gu, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** A date as people say it: "in 12 days (2026-12-13)", "3 days ago (2026-11-28)", "today (...)". */
export function relativeDate(date: Date, now: Date): string {
  const day = 86_400_000;
  const days = Math.round((Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) / day);
  const iso = date.toISOString().slice(0, 10);
  if (days === 0) return `today (${iso})`;
  if (days === 1) return `tomorrow (${iso})`;
  if (days === -1) return `yesterday (${iso})`;
  return days > 0 ? `in ${days} days (${iso})` : `${-days} days ago (${iso})`;
}

/** `1 name`, `2 names`. */
export function counted(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `a` and `b` on one line when they fit in WIDTH, else `b` on a second line two columns further in. */
export function oneOrTwoLines(indent: string, a: string, b: string): string[] {
  const one = `${indent}${a}${b}`;
  return one.length <= WIDTH ? [one] : [`${indent}${a.replace(/,? $/, '')}`, `${indent}  ${b}`];
}

/** The fields a DNS provider's web form asks for (name, flags, tag, value); the value is never broken across lines. */
export function webFormLines(indent: string, owner: string, record: { flags: number; tag: string; value: string }): string[] {
  return oneOrTwoLines(indent, printableLine(`web form: name ${owner}, flags ${record.flags}, tag ${record.tag}, `), printableLine(`value ${record.value}`));
}
