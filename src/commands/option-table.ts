// Every option, once: what util.parseArgs is told, what --help, the man page and the README's
// option table say, and which commands take it. A flag cannot exist without its help text.
import { AUTHORITIES } from '../ca/authorities.js';
import { CHALLENGE_TYPES } from '../vocabulary.js';

/** The commands, as `preflight help CMD` names them. */
export type CommandName = 'check' | 'run' | 'hook' | 'list' | 'suggest' | 'demo' | 'acme-hooks';

/** Groups, in the order help shows them. */
export const OPTION_GROUPS = ['Selection', 'CA, account, challenge', 'DNS', 'Output', 'Renewals (run, hooks)', 'Policy (suggest)', 'Other'] as const;
export type OptionGroup = (typeof OPTION_GROUPS)[number];

export interface OptionEntry {
  /** Long name, without the dashes. */
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** What the value is called in help (string options). */
  value?: string;
  group: OptionGroup;
  /** One or two sentences; the first is the summary. */
  help: string;
  commands: readonly CommandName[];
  /** Allowed in /etc/caa-preflight.conf (per-host settings). */
  site?: boolean;
}

const CHECKS: readonly CommandName[] = ['check', 'run', 'hook'];
/** The checks and suggest: what asks DNS through our resolver. */
const RESOLVING: readonly CommandName[] = [...CHECKS, 'suggest'];
const ALL_CHECKS: readonly CommandName[] = ['check', 'run', 'hook', 'demo'];

/** CA short names the code knows, for help. */
export function caNames(): string {
  return AUTHORITIES.map((a) => a.id).join(', ');
}

const TABLE = [
  { name: 'domain', short: 'd', type: 'string', multiple: true, value: 'NAME', group: 'Selection', commands: ['check'],
    help: 'Check this name by hand (repeatable); *.example.com and Unicode names allowed.' },
  { name: 'all', type: 'boolean', group: 'Selection', commands: ['check', 'list', 'suggest'],
    help: 'Every certbot lineage and acme.sh certificate (the default).' },
  { name: 'cert-name', type: 'string', multiple: true, value: 'NAME', group: 'Selection', commands: ['check', 'list', 'suggest'],
    help: 'One certbot lineage or acme.sh main domain (repeatable).' },
  { name: 'due', type: 'boolean', group: 'Selection', commands: ['check', 'list', 'suggest'],
    help: 'Only lineages due for renewal (unknown due-ness is kept).' },
  { name: 'config-dir', type: 'string', value: 'DIR', group: 'Selection', commands: ['check', 'run', 'hook', 'list', 'suggest'], site: true,
    help: 'certbot config dir (default /etc/letsencrypt).' },
  { name: 'acme-home', type: 'string', multiple: true, value: 'DIR', group: 'Selection', commands: ['check', 'run', 'list', 'suggest', 'acme-hooks'], site: true,
    help: "acme.sh home (repeatable; default LE_CONFIG_HOME, else the user's ~/.acme.sh, and root's as root)." },
  { name: 'ca', type: 'string', value: 'CA', group: 'CA, account, challenge', commands: ['check'],
    help: 'The CA for -d names: a short name or an ACME directory URL (default letsencrypt). Known: ' },
  { name: 'caa-identity', type: 'string', multiple: true, value: 'DOMAIN', group: 'CA, account, challenge', commands: RESOLVING,
    help: "The CA's CAA identity (repeatable), overriding the built-in table: for private and test CAs." },
  { name: 'account-uri', type: 'string', value: 'URI', group: 'CA, account, challenge', commands: ['check'],
    help: 'The ACME account URI for accounturi checks of -d names.' },
  { name: 'challenge', type: 'string', value: 'TYPE', group: 'CA, account, challenge', commands: ['check'],
    help: `The challenge of -d names: ${CHALLENGE_TYPES.join(', ')} (default http-01, dns-01 for wildcards).` },
  { name: 'resolver', type: 'string', multiple: true, value: 'ADDR[:PORT]', group: 'DNS', commands: RESOLVING, site: true,
    help: 'Recursive resolver (repeatable; [::1]:5353 for IPv6); default: the nameservers of /etc/resolv.conf.' },
  { name: 'timeout', type: 'string', value: 'MS', group: 'DNS', commands: RESOLVING, site: true,
    help: "Per-try timeout (resolver: resolv.conf's, else 5000; authoritative servers: 2000)." },
  { name: 'retries', type: 'string', value: 'N', group: 'DNS', commands: RESOLVING, site: true,
    help: "Retries after a timeout (resolver: resolv.conf's attempts - 1, else 2; authoritative servers: 1)." },
  { name: 'concurrency', type: 'string', value: 'N', group: 'DNS', commands: RESOLVING, site: true,
    help: 'DNS queries on the wire at once (default 16, or 64 when every resolver is on this host and no authoritative server is asked).' },
  { name: 'authoritative', type: 'boolean', group: 'DNS', commands: CHECKS, site: true,
    help: "Ask every nameserver of every zone directly, as the CA's perspectives will (default: on for run, the hooks and checks of up to 1000 names)." },
  { name: 'no-authoritative', type: 'boolean', group: 'DNS', commands: CHECKS,
    help: "Judge from the resolver's view only." },
  { name: 'authoritative-port', type: 'string', value: 'N', group: 'DNS', commands: CHECKS,
    help: 'Port to ask nameservers on (53; for test labs).' },
  { name: 'zone-file', type: 'string', multiple: true, value: 'FILE', group: 'DNS', commands: CHECKS,
    help: 'What if: answer the names this zone file (RFC 1035 syntax) covers from it instead of live DNS (repeatable): would the renewals pass were it published?' },
  { name: 'json', type: 'boolean', group: 'Output', commands: ['check', 'list', 'suggest', 'demo'],
    help: 'Exactly one JSON document on stdout.' },
  { name: 'quiet', short: 'q', type: 'boolean', group: 'Output', commands: ALL_CHECKS,
    help: 'Print only what fails or errors (and configuration errors); nothing when all is well.' },
  { name: 'verbose', short: 'v', type: 'boolean', group: 'Output', commands: ALL_CHECKS,
    help: 'Everything: where each fact came from, every record, every lookup; DNS traces on stderr.' },
  { name: 'color', type: 'boolean', group: 'Output', commands: ALL_CHECKS,
    help: 'Colour even when not on a terminal.' },
  { name: 'no-color', type: 'boolean', group: 'Output', commands: ALL_CHECKS,
    help: 'Never colour (also NO_COLOR, TERM=dumb).' },
  { name: 'format', type: 'string', value: 'FORMAT', group: 'Output', commands: ['check', 'run', 'hook'],
    help: 'text, json, or prometheus (with --metrics-file).' },
  { name: 'status-file', type: 'string', value: 'FILE', group: 'Output', commands: CHECKS, site: true,
    help: 'Also write the JSON document to FILE, replaced atomically.' },
  { name: 'metrics-file', type: 'string', value: 'FILE', group: 'Output', commands: CHECKS, site: true,
    help: 'Also write node_exporter textfile metrics to FILE, replaced atomically.' },
  { name: 'syslog', type: 'boolean', group: 'Output', commands: CHECKS, site: true,
    help: 'Also send one line per problem to syslog (tag caa-preflight); the hooks always do.' },
  { name: 'strict', type: 'boolean', group: 'Renewals (run, hooks)', commands: ['run', 'hook'], site: true,
    help: 'Also hold back what could not be checked (default: renew it anyway, and say so).' },
  { name: 'blocked-exit-code', type: 'string', value: 'N', group: 'Renewals (run, hooks)', commands: ['run'], site: true,
    help: "run's exit status when it blocked a renewal (default 1; certbot's own failures are 1 too, so 75 tells them apart)." },
  { name: 'iodef', type: 'string', value: 'URL', group: 'Policy (suggest)', commands: ['suggest'],
    help: 'Also publish 0 iodef "URL" (a mailto: or http(s): URL, RFC 8659 §4.4), in place of any published iodef.' },
  { name: 'no-accounturi', type: 'boolean', group: 'Policy (suggest)', commands: ['suggest'],
    help: 'Leave accounturi out (for DNS providers that reject parameters); any account of the CA may then issue.' },
  { name: 'no-methods', type: 'boolean', group: 'Policy (suggest)', commands: ['suggest'],
    help: 'Leave validationmethods out; any challenge type may then be used.' },
  { name: 'with-staging', type: 'boolean', group: 'Policy (suggest)', commands: ['suggest'],
    help: "Also authorise the Let's Encrypt staging account that certbot renew --dry-run uses." },
  { name: 'command', type: 'string', value: 'CMD', group: 'Other', commands: ['acme-hooks'],
    help: 'The pre-hook command to add or remove (default: preflight hook acme.sh).' },
  { name: 'purge-backups', type: 'boolean', group: 'Other', commands: ['acme-hooks'],
    help: 'remove: also delete the *.caa-preflight.bak copies made by add.' },
  { name: 'dry-run', type: 'boolean', group: 'Other', commands: ['acme-hooks'],
    help: 'Say which confs add or remove would change (and which backups it would write or delete); change nothing.' },
  { name: 'help', short: 'h', type: 'boolean', group: 'Other', commands: ['check', 'run', 'hook', 'list', 'suggest', 'demo', 'acme-hooks'],
    help: "This help; `preflight help CMD` for one command's." },
  { name: 'version', type: 'boolean', group: 'Other', commands: ['check'],
    help: 'Print the version.' },
] as const satisfies readonly OptionEntry[];

export const OPTIONS: readonly OptionEntry[] = TABLE;

type Entry = (typeof TABLE)[number];

/** Parsed option values, typed from the table: booleans, strings, and lists for repeatable options. */
export type OptionValues = {
  [E in Entry as E['name']]?: E['type'] extends 'boolean' ? boolean : E extends { multiple: true } ? string[] : string;
};

/** The help of --ca lists the CAs the code knows (so it cannot drift from the table). */
export function optionHelp(entry: OptionEntry): string {
  return entry.name === 'ca' ? `${entry.help}${caNames()}.` : entry.help;
}

/** The util.parseArgs spec for one command's options; by default, the check options. */
export function parseArgsSpec(command?: CommandName): Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  // The check's parser knows every option but those only acme-hooks and suggest take, which the
  // check must reject rather than ignore.
  const wanted = command === undefined ? OPTIONS.filter((o) => o.commands.some((c) => c !== 'acme-hooks' && c !== 'suggest')) : OPTIONS.filter((o) => o.commands.includes(command));
  for (const o of wanted) {
    spec[o.name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  return spec;
}

/** `-d, --domain NAME` */
export function flagText(o: OptionEntry): string {
  return `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`;
}
