// acme.sh's `KEY='value'` files (docs/acme-sh.md §2), read as data: they are shell to acme.sh, but
// nothing here is ever evaluated. Values wrapped in __ACME_BASE64__ markers decode on request.

/** Parsed assignments (last one wins, as in shell) and the lines that are not assignments. */
export interface ShellConf {
  values: Map<string, string>;
  problems: Array<{ line: number; text: string }>;
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const B64_START = '__ACME_BASE64__START_';
const B64_END = '__ACME_BASE64__END_';

/** Parse `KEY='value'`, `KEY="value"` and `KEY=value` lines; `#` lines and blanks are skipped. */
export function parseShellConf(text: string): ShellConf {
  const values = new Map<string, string>();
  const problems: ShellConf['problems'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = ASSIGNMENT.exec(line);
    const value = m ? unquote(m[2]!) : null;
    if (!m || value === null) {
      problems.push({ line: i + 1, text: line });
      return;
    }
    values.set(m[1]!, value);
  });
  return { values, problems };
}

/** The shell value of one word: '…' literal, "…" with \" \\ \$ \` escapes, bare up to a comment. */
function unquote(word: string): string | null {
  const w = word.trim();
  if (w.startsWith("'")) {
    const end = w.indexOf("'", 1);
    return end > 0 && /^\s*(#.*)?$/.test(w.slice(end + 1)) ? w.slice(1, end) : null;
  }
  if (w.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(w);
    return m ? m[1]!.replace(/\\(["\\$`])/g, '$1') : null;
  }
  const bare = w.replace(/\s+#.*$/, '');
  return /\s/.test(bare) ? null : bare;
}

/** Decode an __ACME_BASE64__-wrapped value (for display only); plain values are returned as is. */
export function decodeAcmeValue(value: string): string {
  if (value.startsWith(B64_START) && value.endsWith(B64_END)) {
    return Buffer.from(value.slice(B64_START.length, -B64_END.length), 'base64').toString('utf8');
  }
  return value;
}

/** Wrap a value the way acme.sh's _save_conf does with its base64 flag (empty stays empty). */
export function encodeAcmeValue(value: string): string {
  return value === '' ? '' : `${B64_START}${Buffer.from(value, 'utf8').toString('base64')}${B64_END}`;
}
