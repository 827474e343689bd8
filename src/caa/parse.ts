// Parsing issue/issuewild values exactly as the CA does (docs/caa-rules.md rule 12), keeping enough
// detail to say which character of which parameter made a record void.

/** One `tag=value` parameter, in record order (duplicates matter: rules 14 and 15). */
export interface CaaParameter {
  tag: string;
  value: string;
}

export type ParseFailure =
  | { kind: 'no-equals'; piece: string; index: number }
  | { kind: 'tag-char'; piece: string; index: number; char: string }
  | { kind: 'value-char'; piece: string; index: number; char: string };

/** A value that parses: the issuer domain and its parameters. */
export interface ParsedOk {
  ok: true;
  issuer: string;
  parameters: CaaParameter[];
}

/** A value that does not parse (the CA skips the record), with the first offending piece. */
export interface ParsedFailure {
  ok: false;
  issuer: string;
  failure: ParseFailure;
}

export type ParsedValue = ParsedOk | ParsedFailure;

/** Only SP and HTAB count as whitespace (rule 12.2). */
function trimWsp(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

const TAG_CHAR = /^[A-Za-z0-9]$/;
const isValueChar = (c: string): boolean => c >= '\x21' && c <= '\x7e';

/**
 * Rule 12: split at every `;`; the first piece (SP/HTAB-trimmed) is the issuer domain; a single
 * blank piece after it means no parameters; otherwise every piece must be `tag=value` with an
 * alphanumeric tag and a printable, space-free ASCII value. Any violation voids the record.
 * `index` is the 1-based position of the parameter piece after the issuer.
 */
export function parseIssueValue(value: string): ParsedValue {
  const pieces = value.split(';');
  const issuer = trimWsp(pieces[0]!);
  const rest = pieces.slice(1);
  if (rest.length === 1 && trimWsp(rest[0]!) === '') return { ok: true, issuer, parameters: [] };
  const parameters: CaaParameter[] = [];
  for (const [i, piece] of rest.entries()) {
    const index = i + 1;
    const eq = piece.indexOf('=');
    if (eq < 0) return { ok: false, issuer, failure: { kind: 'no-equals', piece, index } };
    const tag = trimWsp(piece.slice(0, eq));
    const badTag = [...tag].find((c) => !TAG_CHAR.test(c));
    if (badTag !== undefined) return { ok: false, issuer, failure: { kind: 'tag-char', piece, index, char: badTag } };
    const paramValue = trimWsp(piece.slice(eq + 1));
    const badValue = [...paramValue].find((c) => !isValueChar(c));
    if (badValue !== undefined) {
      return { ok: false, issuer, failure: { kind: 'value-char', piece, index, char: badValue } };
    }
    parameters.push({ tag, value: paramValue });
  }
  return { ok: true, issuer, parameters };
}
