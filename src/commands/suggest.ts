// `preflight suggest`: the strictest CAA RRset per owner that still lets exactly this host's
// renewals through, verified with the check's own rules before it is printed (README "Writing a
// policy: preflight suggest", docs/caa-rules.md §5). Exit 0 printed; 1 refused (a renewal would
// not pass); 2 a lookup, a CA or a configuration failed; 64 usage.
import { parseArgs } from 'node:util';
import { Resolver } from '../dns/resolver.js';
import { printableLine } from '../report/escape.js';
import { problemLines, renderSuggestionText, renderSuggestJson, suggestDocument } from '../report/suggestion.js';
import { dryRunLineage } from '../sources/certbot-command.js';
import type { Lineage } from '../sources/lineage.js';
import { DEFAULT_CONFIG_DIR, selectLineages } from '../sources/select.js';
import { planSuggestion, type Suggestion } from '../suggest/plan.js';
import type { BuildOptions } from '../suggest/policy.js';
import { LETS_ENCRYPT, type SourceError } from '../vocabulary.js';
import { VERSION } from '../version.js';
import { flagText, OPTIONS, parseArgsSpec } from './option-table.js';
import { parseWithSiteDefaults, UsageError } from './options.js';
import { caResolverFor, resolverSettings, type CliIo } from './session.js';

/** Options only suggest takes; the rest go through the check's parser (and the site defaults). */
const OWN = new Set(['iodef', 'no-accounturi', 'no-methods', 'with-staging']);

/** Run `preflight suggest [options]`. */
export async function suggestCommand(argv: string[], io: CliIo): Promise<number> {
  const { own, rest } = splitArguments(argv);
  const options = parseWithSiteDefaults(rest, io.env);
  const build: BuildOptions = { accountUri: !own['no-accounturi'], methods: !own['no-methods'], iodef: iodefOption(own.iodef) };
  const now = io.now();
  const selection = await selectLineages(
    {
      domains: [], ca: null, accountUri: null, challenge: null,
      all: true, certNames: options.certNames, due: options.due, configDir: options.configDir, acmeHomes: options.acmeHomes,
    },
    { env: io.env, cwd: io.cwd ?? process.cwd(), now },
  );
  const errors: SourceError[] = [...selection.errors];
  const notices: string[] = [];
  const lineages = [...selection.lineages];
  if (own['with-staging']) lineages.push(...(await stagingLineages(selection.lineages, options.configDir ?? DEFAULT_CONFIG_DIR, notices)));

  const dns = await resolverSettings(options, io);
  if (dns.missing !== null) errors.push(dns.missing);
  if (lineages.length === 0 && errors.length === 0) {
    errors.push({ source: 'selection', path: null, message: `nothing to suggest for: no renewal confs under ${options.configDir ?? DEFAULT_CONFIG_DIR} and no acme.sh certificate (give --config-dir or --acme-home)` });
  }
  let suggestion: Suggestion = { zones: [], covered: [], skipped: [], refused: [], errors: [] };
  if (errors.length === 0) {
    const resolver = new Resolver({ servers: dns.servers, timeoutMs: dns.timeoutMs, retries: dns.retries, concurrency: dns.concurrency });
    const caResolver = caResolverFor(options, now);
    try {
      suggestion = await planSuggestion(lineages, { resolver, caResolver }, build);
    } finally {
      resolver.close();
    }
  }
  return emit(suggestion, { errors, notices, lineages: lineages.length, json: options.json, now }, io);
}

/** Print the suggestion, or why there is none; the exit status. */
function emit(s: Suggestion, run: { errors: SourceError[]; notices: string[]; lineages: number; json: boolean; now: Date }, io: CliIo): number {
  const doc = suggestDocument(s, { errors: run.errors, notices: run.notices, version: VERSION, checkedAt: run.now });
  if (run.json) io.stdout.write(renderSuggestJson(doc));
  if (doc.status === 'error') {
    if (!run.json) {
      const lines = run.errors.map((e) => `  ${printableLine(`${e.source}${e.path ? ` ${e.path}` : ''}: ${e.message}`)}\n`).join('');
      io.stderr.write(`preflight suggest: no suggestion, because this could not be read or looked up:\n${lines}`);
      if (s.errors.length > 0) io.stderr.write(problemLines('', s.errors).replace(/^\n/, ''));
    }
    return 2;
  }
  if (doc.status === 'refused') {
    if (!run.json) io.stderr.write(problemLines('preflight suggest: refusing: no CAA at the owners found would let these renewals through:', s.refused));
    return 1;
  }
  if (!run.json) io.stdout.write(renderSuggestionText(s, { lineages: run.lineages, notices: run.notices }));
  return 0;
}

/**
 * suggest's own options apart from the check's: options of other commands (-d, --ca, --strict,
 * ...) are usage errors here, not silently ignored; unknown ones are left to the check's parser.
 */
function splitArguments(argv: string[]): { own: { iodef?: string; 'no-accounturi'?: boolean; 'no-methods'?: boolean; 'with-staging'?: boolean }; rest: string[] } {
  // Every option any command knows, so that another command's option (with its value) is named as such.
  const known = { ...parseArgsSpec(), ...parseArgsSpec('acme-hooks'), ...parseArgsSpec('suggest') };
  const { tokens } = parseArgs({ args: argv, options: known, allowPositionals: true, strict: false, tokens: true });
  const allowed = OPTIONS.filter((o) => o.commands.includes('suggest'));
  const own: Record<string, string | boolean> = {};
  const rest: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(`unexpected argument ${JSON.stringify(token.value)} (preflight suggest selects with --cert-name NAME)`);
    if (token.kind !== 'option') {
      rest.push('--');
      continue;
    }
    if (!allowed.some((o) => o.name === token.name) && OPTIONS.some((o) => o.name === token.name)) {
      const takes = allowed.filter((o) => o.name !== 'help').map(flagText).join(', ');
      throw new UsageError(`${token.rawName} does not apply to preflight suggest (it takes ${takes})`);
    }
    if (OWN.has(token.name)) {
      const entry = OPTIONS.find((o) => o.name === token.name)!;
      if (entry.type === 'string' && token.value === undefined) throw new UsageError(`option ${token.rawName} needs a value`);
      own[token.name] = token.value ?? true;
      continue;
    }
    rest.push(token.value === undefined ? token.rawName : `${token.rawName}=${token.value}`);
  }
  return { own, rest };
}

/** RFC 8659 §4.4: iodef is a mailto:, http: or https: URL; as a CAA value, printable ASCII. */
function iodefOption(url: string | undefined): string | null {
  if (url === undefined) return null;
  const bad = (): never => {
    throw new UsageError(`--iodef must be a mailto: or http(s): URL such as mailto:security@example.com (got ${JSON.stringify(url)})`);
  };
  if (!/^[\x21-\x7e]+$/.test(url)) bad();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad();
  }
  if (parsed.protocol === 'mailto:' && /^mailto:[^@]+@[^@]+\.[^@]+$/i.test(url)) return url;
  if ((parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname !== '') return url;
  return bad();
}

/**
 * --with-staging: each certbot lineage renewing with Let's Encrypt, as `certbot renew --dry-run`
 * presents it — the staging account (docs/certbot.md §4). Without one on this host there is
 * nothing to bind a record to: said, and not guessed.
 */
async function stagingLineages(lineages: Lineage[], configDir: string, notices: string[]): Promise<Lineage[]> {
  const out: Lineage[] = [];
  for (const lineage of lineages) {
    if (lineage.source !== 'certbot' || lineage.server !== LETS_ENCRYPT.production) continue;
    const staged = await dryRunLineage(lineage, configDir);
    if (staged.accountUri === null) {
      notices.push(
        `--with-staging: no Let's Encrypt staging account under ${configDir}/accounts, so none is authorised for ${lineage.name}; ` +
          'certbot renew --dry-run registers one whose URI cannot be known before: run it once (or give --no-accounturi), then suggest again',
      );
      continue;
    }
    out.push(staged);
  }
  return out;
}
