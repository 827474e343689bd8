// Command-line contract (issue #2): parse and validate, so that a usage mistake is reported in
// one line and exits 64 before anything touches the network.
import { parseArgs } from 'node:util';
import { domainToASCII } from 'node:url';
import { authorityIds, findAuthority } from '../ca/authorities.js';
import { normalizeIdentity } from '../ca/resolve.js';
import { toCheckName } from '../caa/name.js';
import { parseResolverAddress } from '../dns/resolvconf.js';
import type { ServerAddress } from '../dns/transport.js';
import { CHALLENGE_TYPES, isChallengeType, isIpAddress } from '../vocabulary.js';

import { parseArgsSpec, type OptionValues } from './option-table.js';
import { mergeOptionValues, NO_SITE_DEFAULTS, readSiteDefaults, type SiteDefaults } from './site-config.js';
import { UsageError } from './usage-error.js';
import { loadZoneFiles } from './zone-files.js';
import type { MasterFile } from '../dns/master-file.js';

export { UsageError };

/** Set by `preflight run` for the command it wraps: the pre-hooks inside know the check was done. */
export const CHECKED_ENV = 'CAA_PREFLIGHT_CHECKED';

export interface CheckOptions {
  domains: string[];
  all: boolean;
  certNames: string[];
  due: boolean;
  /** --config-dir; null = certbot's default, read only if it exists. */
  configDir: string | null;
  acmeHomes: string[];
  ca: string | null;
  caaIdentities: string[];
  accountUri: string | null;
  challenge: string | null;
  resolvers: ServerAddress[];
  timeoutMs: number | null;
  retries: number | null;
  /** Queries on the wire at once; null: the default for the resolvers (resolverSettings). */
  concurrency: number | null;
  /** Ask every authoritative server directly (null: the default, on). */
  authoritative: boolean | null;
  /** Port authoritative servers are asked on (53; test labs use others). */
  authoritativePort: number;
  /** --zone-file: zones that stand in for live DNS where they apply (README "What if"), read and parsed in full. */
  zoneFiles: MasterFile[];
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean | null;
  format: 'text' | 'json' | 'prometheus';
  metricsFile: string | null;
  statusFile: string | null;
  syslog: boolean;
  strict: boolean;
  /** CAA identities per CA directory URL (normalised), from the site defaults. */
  caIdentitiesByCa: Map<string, string[]>;
  /** The site defaults file that was read, if any. */
  siteConfig: string | null;
  /** run: the exit status when preflight blocked a renewal (null: 1, the contract's). */
  blockedExitCode: number | null;
  help: boolean;
  version: boolean;
}

const OPTION_SPEC = parseArgsSpec();

/** Check options with the site defaults under them (every entry point but the demo). */
export function parseWithSiteDefaults(argv: string[], env: NodeJS.ProcessEnv): CheckOptions {
  return parseCheckOptions(argv, readSiteDefaults(env, (one) => parseCheckOptions(one)));
}

/** Parse check options (everything after an optional subcommand), over the site defaults given. */
export function parseCheckOptions(argv: string[], site: SiteDefaults = NO_SITE_DEFAULTS): CheckOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTION_SPEC, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(cleanParseError((err as Error).message));
  }
  const v = mergeOptionValues(site.values, parsed.values as OptionValues);
  if (parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])} (names go after -d)`);
  }
  const domains = v.domain ?? [];
  for (const d of domains) {
    if (isIpAddress(d)) continue;
    try {
      toCheckName(d);
    } catch (err) {
      throw new UsageError(`-d ${(err as Error).message}`);
    }
  }
  if (domains.length > 0 && (v.all || (v['cert-name'] ?? []).length > 0)) {
    throw new UsageError('-d checks ad-hoc names; it cannot be combined with --all or --cert-name');
  }
  if (domains.length === 0 && (v['account-uri'] !== undefined || v.challenge !== undefined)) {
    throw new UsageError('--account-uri and --challenge apply to -d names (lineages carry their own)');
  }
  const challenge = v.challenge ?? null;
  if (challenge !== null && !isChallengeType(challenge)) {
    throw new UsageError(`--challenge must be one of ${CHALLENGE_TYPES.join(', ')} (got ${JSON.stringify(challenge)})`);
  }
  if (v.ca !== undefined && !/^https?:\/\//i.test(v.ca) && findAuthority(v.ca) === null) {
    throw new UsageError(`--ca ${JSON.stringify(v.ca)} is not a CA short name (${authorityIds()}) or an ACME directory URL`);
  }
  const accountUri = v['account-uri'] ?? null;
  if (accountUri !== null && !/^https?:\/\/\S+$/.test(accountUri)) {
    throw new UsageError(`--account-uri must be an http(s) URL such as https://acme-v02.api.letsencrypt.org/acme/acct/12345`);
  }
  const format = v.format ?? (v.json ? 'json' : 'text');
  if (format !== 'text' && format !== 'json' && format !== 'prometheus') {
    throw new UsageError(`--format must be text, json or prometheus (got ${JSON.stringify(format)})`);
  }
  if (v.authoritative && v['no-authoritative']) throw new UsageError('--authoritative and --no-authoritative contradict each other');
  if (format === 'prometheus' && !v['metrics-file']) throw new UsageError('--format prometheus needs --metrics-file FILE');
  if (v.json && format !== 'json') throw new UsageError('--json conflicts with --format ' + format);
  const resolvers = (v.resolver ?? []).map((r) => {
    try {
      return parseResolverAddress(r);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  const caaIdentities = (v['caa-identity'] ?? []).map((id) => {
    const ascii = domainToASCII(normalizeIdentity(id));
    if (!ascii) throw new UsageError(`--caa-identity ${JSON.stringify(id)} is not a domain name`);
    return ascii;
  });
  return {
    domains,
    all: v.all ?? false,
    certNames: v['cert-name'] ?? [],
    due: v.due ?? false,
    configDir: v['config-dir'] ?? null,
    acmeHomes: v['acme-home'] ?? [],
    ca: v.ca ?? null,
    caaIdentities,
    accountUri,
    challenge,
    resolvers,
    timeoutMs: v.timeout === undefined ? null : intOption('--timeout', v.timeout, 1, 60_000),
    retries: v.retries === undefined ? null : intOption('--retries', v.retries, 0, 10),
    concurrency: v.concurrency === undefined ? null : intOption('--concurrency', v.concurrency, 1, 256),
    authoritative: v['no-authoritative'] ? false : v.authoritative ? true : null,
    authoritativePort: v['authoritative-port'] === undefined ? 53 : intOption('--authoritative-port', v['authoritative-port'], 1, 65535),
    // Read and parsed here, with the other usage checks: a broken file stops the command before
    // anything is checked or run (exit 64), never a check against half a zone.
    zoneFiles: loadZoneFiles(v['zone-file'] ?? []),
    json: format === 'json',
    quiet: v.quiet ?? false,
    verbose: v.verbose ?? false,
    color: v['no-color'] ? false : v.color ? true : null,
    format,
    metricsFile: v['metrics-file'] ?? null,
    statusFile: v['status-file'] ?? null,
    syslog: v.syslog ?? false,
    strict: v.strict ?? false,
    caIdentitiesByCa: site.caIdentities,
    siteConfig: site.path,
    blockedExitCode: v['blocked-exit-code'] === undefined ? null : intOption('--blocked-exit-code', v['blocked-exit-code'], 1, 125),
    help: v.help ?? false,
    version: v.version ?? false,
  };
}

function intOption(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} needs a whole number (got ${JSON.stringify(text)})`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max} (got ${n})`);
  return n;
}

function cleanParseError(message: string): string {
  // node's messages end with hints about '--' that do not help here; keep the first sentence.
  return message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option');
}
