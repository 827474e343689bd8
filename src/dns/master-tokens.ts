// The lexical layer of RFC 1035 §5.1 master files, as docs/zone-files.md §1 describes it: a file's
// bytes become entries (one per logical line), each a list of tokens. Pure, no I/O. The text is a
// byte string (one char per byte, 'latin1'), so that quoted values keep their exact bytes.

/** A master-file syntax error, carrying the file and the line it was found on (1-based). */
export class MasterFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'MasterFileError';
  }
}

/** One token: its text as written (escapes kept), and whether it was a quoted string. */
export interface Token {
  raw: string;
  quoted: boolean;
  /** The physical line it starts on. */
  line: number;
}

/** One logical line: its tokens, where it starts, and whether it began with a blank (same owner). */
export interface Entry {
  line: number;
  blankOwner: boolean;
  tokens: Token[];
}

/**
 * Split a master file into entries (docs/zone-files.md §1): `;` comments outside quotes, `( )`
 * joining lines, quoted strings (a newline may not appear inside one), backslash escapes kept
 * in the token for the caller to decode.
 */
export function tokenize(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  let line = 1;
  let current: Entry | null = null;
  let depth = 0;
  let openedAt = 0;
  let at = 0;
  const fail = (problem: string, where = line): never => {
    throw new MasterFileError(file, where, problem);
  };
  const push = (token: Token): void => {
    current ??= { line: token.line, blankOwner: false, tokens: [] };
    current.tokens.push(token);
  };
  let lineStart = true;
  while (at < text.length) {
    const ch = text[at]!;
    if (ch === '\n') {
      line++;
      at++;
      if (depth === 0) {
        if (current && current.tokens.length > 0) entries.push(current);
        current = null;
        lineStart = true;
      }
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      // A blank at the very start of a line means "the previous owner" (RFC 1035 §5.1).
      if (lineStart && depth === 0) current = { line, blankOwner: true, tokens: [] };
      lineStart = false;
      at++;
      continue;
    }
    lineStart = false;
    if (ch === ';') {
      while (at < text.length && text[at] !== '\n') at++;
      continue;
    }
    if (ch === '(') {
      if (depth > 0) fail('nested "(": parentheses do not nest in a master file');
      depth = 1;
      openedAt = line;
      current ??= { line, blankOwner: false, tokens: [] };
      at++;
      continue;
    }
    if (ch === ')') {
      if (depth === 0) fail('")" without an opening "("');
      depth = 0;
      at++;
      continue;
    }
    if (ch === '"') {
      const start = line;
      let raw = '';
      at++;
      for (;;) {
        if (at >= text.length || text[at] === '\n') fail('unterminated quoted string (a quoted string ends on the line it starts)', start);
        const c = text[at]!;
        if (c === '"') break;
        if (c === '\\') {
          if (at + 1 >= text.length || text[at + 1] === '\n') fail('a backslash at the end of a line', start);
          raw += c + text[at + 1]!;
          at += 2;
          continue;
        }
        raw += c;
        at++;
      }
      at++;
      push({ raw, quoted: true, line: start });
      continue;
    }
    let raw = '';
    const start = line;
    while (at < text.length && !' \t\r\n;()"'.includes(text[at]!)) {
      if (text[at] === '\\') {
        if (at + 1 >= text.length || text[at + 1] === '\n') fail('a backslash at the end of a line');
        raw += text.slice(at, at + 2);
        at += 2;
        continue;
      }
      raw += text[at]!;
      at++;
    }
    push({ raw, quoted: false, line: start });
  }
  if (depth > 0) fail('"(" is never closed', openedAt);
  if (current && current.tokens.length > 0) entries.push(current);
  return entries;
}

/**
 * Decode the escapes of a token (docs/zone-files.md §1): `\DDD` is the byte with that decimal
 * value, `\X` is X itself. Returns a byte string; throws a message for a bad escape.
 */
export function unescape(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const digits = /^\d{3}/.exec(raw.slice(i + 1, i + 4));
    if (digits) {
      const value = Number(digits[0]);
      if (value > 255) throw new Error(`\\${digits[0]} is not a byte (\\DDD goes up to \\255)`);
      out += String.fromCharCode(value);
      i += 3;
    } else if (/^\d/.test(raw.slice(i + 1))) {
      throw new Error(`\\${raw.slice(i + 1, i + 4)}: a numeric escape has exactly three digits (\\DDD)`);
    } else {
      out += raw[i + 1] ?? '';
      i += 1;
    }
  }
  return out;
}

/** The labels of a name as written: split at dots that are not escaped, escapes kept. */
export function splitLabels(raw: string): string[] {
  const labels: string[] = [];
  let label = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') {
      label += raw.slice(i, i + 2);
      i++;
    } else if (raw[i] === '.') {
      labels.push(label);
      label = '';
    } else {
      label += raw[i]!;
    }
  }
  labels.push(label);
  return labels;
}
