// Site defaults: /etc/caa-preflight.conf (or $CAA_PREFLIGHT_CONFIG), so that a host's resolver,
// timeouts, strictness, output files and private CAs' identities are said once, not in every
// generated hook, drop-in and cron line. Command-line options win. Format (README "Site defaults"):
//
//   # comment
//   resolver = 192.0.2.53, [2001:db8::53]:53
//   timeout = 2000
//   strict = yes
//   [ca https://ca.internal/acme/directory]
//   caa-identity = ca.internal
import { normalizeDirectoryUrl, findAuthority } from '../ca/authorities.js';
import { normalizeIdentity } from '../ca/resolve.js';
import { readSmallTextSync } from '../fsutil.js';
import { OPTIONS, type OptionEntry, type OptionValues } from './option-table.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_SITE_CONFIG = '/etc/caa-preflight.conf';

/** What the file says: option values (as if given on the command line) and identities per CA. */
export interface SiteDefaults {
  /** The file read; null when there is none. */
  path: string | null;
  values: OptionValues;
  /** CAA identities per CA directory URL (normalised), from `[ca ...]` sections. */
  caIdentities: Map<string, string[]>;
}

export const NO_SITE_DEFAULTS: SiteDefaults = { path: null, values: {}, caIdentities: new Map() };

const TRUE = new Set(['yes', 'true', 'on', '1']);
const FALSE = new Set(['no', 'false', 'off', '0']);

/**
 * Read the site defaults. The default file may be absent; a file named by CAA_PREFLIGHT_CONFIG
 * must exist. A line that is not understood is a UsageError naming the file and the line.
 */
export function readSiteDefaults(env: NodeJS.ProcessEnv, validate: (argv: string[]) => void): SiteDefaults {
  const named = env.CAA_PREFLIGHT_CONFIG;
  const file = named || DEFAULT_SITE_CONFIG;
  let text: string;
  try {
    text = readSmallTextSync(file);
  } catch (err) {
    if (!named && (err as NodeJS.ErrnoException).code === 'ENOENT') return NO_SITE_DEFAULTS;
    throw new UsageError(`${file}: cannot read the site defaults: ${(err as Error).message}`);
  }
  return parseSiteDefaults(text, file, validate);
}

/** Parse the file's text; `validate` checks one option as the command line would (throws UsageError). */
export function parseSiteDefaults(text: string, file: string, validate: (argv: string[]) => void): SiteDefaults {
  const values: Record<string, string | boolean | string[]> = {};
  const caIdentities = new Map<string, string[]>();
  let ca: string | null = null;
  const settable = OPTIONS.filter((o) => o.site);
  text.split(/\r?\n/).forEach((raw, i) => {
    const at = `${file} line ${i + 1}`;
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const section = /^\[\s*ca\s+(\S+)\s*\]$/.exec(line);
    if (section) {
      const authority = findAuthority(section[1]!);
      const isUrl = /^https?:\/\//i.test(section[1]!);
      if (!authority && !isUrl) throw new UsageError(`${at}: [ca ${section[1]}] names no known CA; use its ACME directory URL`);
      ca = normalizeDirectoryUrl(isUrl ? section[1]! : authority!.directories[0]!);
      return;
    }
    const kv = /^([A-Za-z-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new UsageError(`${at}: expected "key = value", "[ca URL]" or a # comment`);
    const key = kv[1]!.toLowerCase();
    const value = kv[2]!.replace(/^"(.*)"$/, '$1').trim();
    if (ca !== null) {
      if (key !== 'caa-identity') throw new UsageError(`${at}: only caa-identity goes in a [ca ...] section`);
      const ids = list(value).map(normalizeIdentity);
      if (ids.length === 0) throw new UsageError(`${at}: caa-identity needs at least one domain`);
      caIdentities.set(ca, ids);
      return;
    }
    const option = settable.find((o) => o.name === key);
    if (!option) {
      throw new UsageError(`${at}: unknown key ${JSON.stringify(key)} (per-host keys: ${settable.map((o) => o.name).join(', ')}; caa-identity goes in a [ca URL] section)`);
    }
    values[key] = typedValue(option, value, at, validate);
  });
  return { path: file, values: values as OptionValues, caIdentities };
}

function list(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

/** The value as parseArgs would have produced it, checked by the command line's own rules. */
function typedValue(option: OptionEntry, value: string, at: string, validate: (argv: string[]) => void): string | boolean | string[] {
  const again = (argv: string[]): void => {
    try {
      validate(argv);
    } catch (err) {
      throw new UsageError(`${at}: ${(err as Error).message}`);
    }
  };
  if (option.type === 'boolean') {
    const v = value.toLowerCase();
    if (!TRUE.has(v) && !FALSE.has(v)) throw new UsageError(`${at}: ${option.name} is yes or no (got ${JSON.stringify(value)})`);
    return TRUE.has(v);
  }
  if (option.multiple) {
    const items = list(value);
    again(items.flatMap((item) => [`--${option.name}`, item]));
    return items;
  }
  again([`--${option.name}`, value]);
  return value;
}

/**
 * Command-line values over site values, option by option; options that exclude each other
 * (`authoritative`/`no-authoritative`, `color`/`no-color`) count as one.
 */
export function mergeOptionValues(site: OptionValues, cli: OptionValues): OptionValues {
  const merged: Record<string, unknown> = { ...site };
  const pairs = [['authoritative', 'no-authoritative'], ['color', 'no-color'], ['json', 'format']];
  for (const pair of pairs) {
    if (pair.some((k) => (cli as Record<string, unknown>)[k] !== undefined)) for (const k of pair) delete merged[k];
  }
  // `authoritative = no` in the file means --no-authoritative.
  if (merged.authoritative === false) {
    delete merged.authoritative;
    merged['no-authoritative'] = true;
  }
  for (const [k, v] of Object.entries(cli)) if (v !== undefined) merged[k] = v;
  return merged as OptionValues;
}
