// certbot's renewal confs are written by Python's configobj. We check the line grammar configobj
// enforces (so a file certbot would reject is reported as broken, with its line), build the
// nested sections as we go (`[[subsection]]` included), and let `ini` read each value (quotes,
// escapes, trailing comments) as it reads its own files. A plain value (no quote, backslash, `;`
// or `#`: nearly every value certbot writes) is only trimmed, as ini would, without loading ini.
import { createRequire } from 'node:module';

type Ini = typeof import('ini');
let ini: Ini | null = null;

/** ini's reading of one value: quotes, escapes and a trailing comment handled; plain text trimmed. */
export function unquote(raw: string): string {
  if (!/["'\\;#]/.test(raw)) return raw.trim(); // what ini.unsafe returns for it
  ini ??= createRequire(import.meta.url)('ini') as Ini;
  return ini.unsafe(raw);
}

/** A conf certbot could not load either, with the line that breaks it. */
export class ConfSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ConfSyntaxError';
  }
}

export type ConfValue = string | boolean | ConfSection;
export interface ConfSection {
  [key: string]: ConfValue;
}

const SECTION = /^(\[+)\s*([^\]]*?)\s*(\]+)\s*(#.*)?$/;

/**
 * `key = value` as /^([^=]+?)\s*=\s*(.*)$/ splits a trimmed line (a test holds the two equal), without
 * a match array per line: the key is what precedes the first `=`, trimmed; the value follows
 * the leading whitespace after it, and holds no line terminator. null when it is not such a line.
 */
export function splitKeyValue(line: string): [key: string, value: string] | null {
  const eq = line.indexOf('=');
  if (eq <= 0) return null;
  let at = eq + 1;
  while (at < line.length && WHITESPACE.test(line[at]!)) at++;
  const value = line.slice(at);
  if (LINE_TERMINATOR.test(value)) return null;
  return [line.slice(0, eq).trim(), value];
}
const WHITESPACE = /\s/;
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * Parse a configobj file: top-level keys, `[section]`, nested `[[subsection]]`, `#` comments.
 * Throws ConfSyntaxError for what configobj rejects: a line that is neither, unbalanced
 * brackets, a subsection without a parent, duplicate keys or sections, unterminated quotes.
 */
export function parseConfigObj(text: string): ConfSection {
  // `\r` before `\n` goes with the trim below.
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  const root: ConfSection = Object.create(null);
  const seen = new Set<string>();
  let path: string[] = [];
  let inSection = ''; // path joined, written once per section for the duplicate keys below
  let current = root;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = line.startsWith('[') ? SECTION.exec(line) : null;
    if (section) {
      const depth = section[1]!.length;
      if (depth !== section[3]!.length) throw new ConfSyntaxError(`unbalanced brackets in ${JSON.stringify(line)}`, lineNo);
      if (depth > path.length + 1) throw new ConfSyntaxError(`section ${JSON.stringify(line)} is nested too deeply`, lineNo);
      if (section[2] === '') throw new ConfSyntaxError('empty section name', lineNo);
      path = [...path.slice(0, depth - 1), unquote(section[2]!)];
      inSection = path.join('\u0000');
      const key = `[${inSection}]`;
      if (seen.has(key)) throw new ConfSyntaxError(`duplicate section ${JSON.stringify(section[2])}`, lineNo);
      seen.add(key);
      current = path.reduce<ConfSection>((parent, part) => {
        const child = parent[part];
        if (typeof child === 'object') return child;
        const made: ConfSection = Object.create(null);
        parent[part] = made;
        return made;
      }, root);
      continue;
    }
    const kv = splitKeyValue(line);
    if (!kv) throw new ConfSyntaxError(`invalid line ${JSON.stringify(line)} (expected "key = value")`, lineNo);
    const [key, raw] = kv;
    const fullKey = `${inSection}\u0001${key}`;
    if (seen.has(fullKey)) throw new ConfSyntaxError(`duplicate keyword ${JSON.stringify(key)}`, lineNo);
    seen.add(fullKey);
    checkQuotes(raw, lineNo);
    if (key === '__proto__') continue;
    // ini would cut a value at `;`, which configobj keeps: escape it for ini.
    const value = unquote(raw.includes(';') ? raw.replace(/;/g, '\\;') : raw);
    current[key] = value === 'true' || value === 'false' ? value === 'true' : value;
  }
  return root;
}

/** configobj's value grammar: quoted items must be closed (`'a, b', c` is a list of two). */
function checkQuotes(value: string, lineNo: number): void {
  if (!value.includes('"') && !value.includes("'")) return;
  let quote: string | null = null;
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#') {
      return; // the rest is a comment
    }
  }
  if (quote) throw new ConfSyntaxError(`unterminated ${quote} quote`, lineNo);
}

/** A string value, or null when absent or a section (ini turns `true`/`false` into booleans). */
export function confString(section: ConfSection | undefined, key: string): string | null {
  const value = section?.[key];
  if (typeof value === 'boolean') return String(value);
  return typeof value === 'string' ? value : null;
}

/** A configobj list value (`a, b,` or `a,`) as items, quotes removed. */
export function confList(section: ConfSection | undefined, key: string): string[] {
  const value = confString(section, key);
  if (value === null) return [];
  return value
    .split(',')
    .map((item) => item.trim().replace(/^(['"])(.*)\1$/, '$2'))
    .filter((item) => item !== '');
}
