// Help from one source: `preflight --help`, `preflight help CMD`, `CMD --help`, the man page
// (`preflight help --man`, installed as preflight.1) and the README's option table are all
// rendered from the command descriptions below and the option table (option-table.ts).
import { flagText, OPTION_GROUPS, OPTIONS, optionHelp, type CommandName, type OptionEntry } from './option-table.js';

interface CommandDoc {
  name: CommandName;
  synopsis: string[];
  /** One line for the overview. */
  summary: string;
  /** Paragraphs. */
  description: string[];
}

export const COMMANDS: readonly CommandDoc[] = [
  {
    name: 'check',
    synopsis: ['preflight [--all | --cert-name NAME... | --due] [options]', 'preflight -d NAME... [--ca CA] [--challenge TYPE] [options]'],
    summary: 'check the renewals of certbot and acme.sh, or names by hand',
    description: [
      "Reads every certbot renewal conf and acme.sh certificate conf, works out the CA, account and challenge each renewal will use, looks up CAA as the CA will (from the name up to the TLD, asking every authoritative nameserver of each zone) and says which record blocks which name, with the zone line that fixes it.",
      '`-d` checks names by hand, for Let\'s Encrypt unless `--ca` says otherwise.',
    ],
  },
  {
    name: 'run',
    synopsis: ['preflight run [options] -- COMMAND...'],
    summary: 'renew through the check: skip what the CA would refuse',
    description: [
      'Checks the due lineages of the certbot or acme.sh COMMAND runs, then runs it unchanged when none fails, or renews only the others (certbot --cert-name X, acme.sh --renew -d X) when some fail, and exits 1. Any other COMMAND (a renewal script, sudo, env) is run only when nothing fails.',
      "A lineage that could not be checked (our own trouble) is renewed anyway unless --strict. Signals reach COMMAND's whole process group; COMMAND's exit status is passed through (128+N after signal N).",
    ],
  },
  {
    name: 'hook',
    synopsis: ['preflight hook certbot [options]', 'preflight hook acme.sh [options]'],
    summary: "the pre-hooks: certbot's reports (certbot renews anyway), acme.sh's stops a refused renewal",
    description: [
      "certbot: checks the due lineages and reports to stderr, syslog and /var/lib/caa-preflight/certbot.json; certbot ignores a failing pre-hook, so use `run` to really skip. acme.sh: checks the certificate acme.sh is renewing (Le_Domain) and exits 1 only when the CA would refuse, which aborts that renewal before any order; install it as `preflight hook acme.sh; [ $? -ne 1 ]` so that nothing else can stop acme.sh. Inside `preflight run` both check nothing again.",
    ],
  },
  {
    name: 'list',
    synopsis: ['preflight list [--all | --cert-name NAME... | --due] [--json]'],
    summary: 'every lineage of both clients: names, CA, account, challenge, expiry, due',
    description: [
      'A `certbot certificates`-style table of what certbot and acme.sh will renew, read from their configuration; no DNS is asked.',
      'Configuration that cannot be read is listed too, with its path (on stderr, or in the JSON `errors`), and the exit status is then 2.',
    ],
  },
  {
    name: 'suggest',
    synopsis: [
      'preflight suggest [--all | --cert-name NAME... | --due] [--json]',
      '    [--iodef URL] [--no-accounturi] [--no-methods] [--with-staging]',
    ],
    summary: 'write the strictest CAA that still lets exactly these renewals through',
    description: [
      "For each owner the selected lineages' names fall under (the zone apex from its SOA, or where CAA is published now), prints the whole CAA RRset that authorises exactly the renewals configured here: an issue record per CA and account, bound with accounturi and the validationmethods in use, issuewild likewise for wildcards (else issuewild \";\"), and the change from what is published, marked add / replace / remove / keep. Every renewal is evaluated against the sets first; none is printed when one would fail.",
      'Exit status: 0 the suggestion was printed; 1 refused: a renewal would not pass (a name covered by an alias into another zone whose CAA does not authorise it); 2 a lookup failed, a CA is unknown or a configuration could not be read; 64 usage error.',
    ],
  },
  {
    name: 'demo',
    synopsis: ['preflight demo [--json] [-q] [-v]'],
    summary: 'the whole pipeline on a bundled sample, offline',
    description: ['Writes a sample certbot config dir and acme.sh home to a temporary directory and checks them against in-process DNS servers: every failure mode once. Nothing leaves the machine.'],
  },
  {
    name: 'acme-hooks',
    synopsis: ['preflight acme-hooks add|remove [--acme-home DIR]... [--command CMD]'],
    summary: "add or remove the pre-hook in existing acme.sh certificate confs",
    description: ["Each conf is backed up to *.caa-preflight.bak first; an existing Le_PreHook is chained after ours and kept; values are base64-encoded as acme.sh writes them. `install.sh --acme-sh-hooks` runs this."],
  },
];

const EXIT_CODES: Array<[string, string]> = [
  ['0', 'nothing fails or errors (warnings allowed)'],
  ['1', 'a name fails: the CA will refuse it (run: a renewal was blocked; see --blocked-exit-code)'],
  ['2', 'no failure, but an error: something could not be determined from here (unreadable config, unreachable resolver, an output file not written)'],
  ['64', 'usage error'],
  ['70', 'internal error (a bug)'],
  ['141', 'the reader of the report went away (SIGPIPE)'],
];

const ENVIRONMENT: Array<[string, string]> = [
  ['CAA_PREFLIGHT_CONFIG', 'site defaults file (default /etc/caa-preflight.conf)'],
  ['CAA_PREFLIGHT_STATE_DIR', 'where the hooks write status files (default /var/lib/caa-preflight as root)'],
  ['LE_CONFIG_HOME, LE_WORKING_DIR', 'the acme.sh home, as acme.sh reads them'],
  ['NO_COLOR, TERM=dumb', 'no colour; a non-UTF-8 locale (LANG=C) gets ASCII'],
];

/** Wrap `text` to `width` columns, each line after the first indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 0, first = indent): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = ' '.repeat(first);
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(indent) + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** `label` in a column of `column` characters, `text` wrapped beside it. */
function hanging(label: string, text: string, column: number): string {
  return label.padEnd(column) + wrap(text, 80, column, column).slice(column);
}

/** Options of one command, grouped, as help lines. */
function optionLines(options: readonly OptionEntry[]): string[] {
  const out: string[] = [];
  for (const group of OPTION_GROUPS) {
    const inGroup = options.filter((o) => o.group === group);
    if (inGroup.length === 0) continue;
    out.push('', `${group}:`);
    for (const o of inGroup) {
      const flag = `  ${flagText(o)}`;
      const text = optionHelp(o);
      if (flag.length <= 24) out.push(hanging(flag, text, 26));
      else out.push(flag, wrap(text, 80, 26, 26));
    }
  }
  return out;
}

function exitLines(): string[] {
  return ['', 'Exit status:', ...EXIT_CODES.map(([code, text]) => hanging(`  ${code}`, text, 7))];
}

/** `preflight --help`: every command and option. */
export function overview(): string {
  return [
    'preflight — stop certificate renewals from failing on CAA',
    '',
    'Usage:',
    ...COMMANDS.flatMap((c) => c.synopsis.map((s) => `  ${s}`)),
    '  preflight help [COMMAND]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => hanging(`  ${c.name === 'check' ? '(none)' : c.name}`, c.summary, 16)),
    ...optionLines(OPTIONS.filter((o) => o.commands.some((c) => c !== 'acme-hooks'))),
    ...exitLines(),
    '',
    wrap("Site defaults for the per-host options (resolver, timeout, strict, ...) go in /etc/caa-preflight.conf; options given on the command line win. `preflight help COMMAND` or `preflight COMMAND --help` for one command; `man preflight` for everything.", 80),
    '',
  ].join('\n');
}

/** `preflight help CMD`: one command. */
export function commandHelp(name: CommandName): string {
  const doc = COMMANDS.find((c) => c.name === name)!;
  return [
    'Usage:',
    ...doc.synopsis.map((s) => `  ${s}`),
    '',
    ...doc.description.flatMap((p) => [wrap(p, 80), '']),
    ...optionLines(OPTIONS.filter((o) => o.commands.includes(name))).slice(1),
    ...exitLines(),
    '',
  ].join('\n');
}

/** The names `preflight help` accepts. */
export function isCommandName(name: string): name is CommandName {
  return COMMANDS.some((c) => c.name === name);
}

// ---- man page -------------------------------------------------------------------------------

/** Escape text for roff: backslashes, leading dots and quotes, hyphens in flags. */
function roff(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1').replace(/`([^`]*)`/g, '\\fB$1\\fR');
}

/** preflight(1) in man(7) roff. */
export function manPage(version: string): string {
  const out: string[] = [
    `.TH PREFLIGHT 1 "" "caa-preflight ${version}" "User Commands"`,
    '.SH NAME',
    'preflight \\- stop certificate renewals from failing on CAA',
    '.SH SYNOPSIS',
    ...COMMANDS.flatMap((c) => c.synopsis.map((s) => `.B ${roff(s)}\n.br`)),
    '.SH DESCRIPTION',
    roff(COMMANDS[0]!.description.join(' ')),
    '.SH COMMANDS',
  ];
  for (const c of COMMANDS) {
    out.push('.TP', `.B ${c.name === 'check' ? '(none)' : c.name}`, roff(c.description.join(' ')));
  }
  out.push('.SH OPTIONS');
  for (const group of OPTION_GROUPS) {
    const inGroup = OPTIONS.filter((o) => o.group === group);
    if (inGroup.length === 0) continue;
    out.push(`.SS ${group}`);
    for (const o of inGroup) out.push('.TP', `.B ${roff(flagText(o))}`, `${roff(optionHelp(o))} (${o.commands.join(', ')})`);
  }
  out.push('.SH EXIT STATUS');
  for (const [code, text] of EXIT_CODES) out.push('.TP', `.B ${code}`, roff(text));
  out.push(
    '.SH FILES',
    '.TP', '.B /etc/caa\\-preflight.conf', roff(SITE_FILE_HELP),
    '.TP', '.B /var/lib/caa\\-preflight/', 'Status files of the hooks (JSON).',
    '.SH ENVIRONMENT',
  );
  for (const [name, text] of ENVIRONMENT) out.push('.TP', `.B ${roff(name)}`, roff(text));
  out.push('.SH SEE ALSO', '.BR certbot (1),', '.BR acme.sh (1)', '');
  return out.join('\n');
}

/** What the site defaults file is, for the man page and help. */
export const SITE_FILE_HELP =
  'Site defaults: `key = value` lines for the per-host options (' +
  OPTIONS.filter((o) => o.site).map((o) => o.name).join(', ') +
  '), and `[ca URL-or-name]` sections with `caa-identity = ...`; `#` comments. Read by every command but demo; command-line options win. CAA_PREFLIGHT_CONFIG names another file.';

// ---- README ---------------------------------------------------------------------------------

/** The README's option table, exactly (test/help.test.ts keeps the README in step). */
export function readmeOptionTable(): string {
  const rows = OPTIONS.map((o) => `| \`${flagText(o)}\` | ${optionHelp(o).replace(/\|/g, '\\|')} | ${o.commands.join(', ')} |`);
  return ['| Option | Meaning | Commands |', '|---|---|---|', ...rows].join('\n');
}

