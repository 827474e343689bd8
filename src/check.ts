// The check pipeline: lineages -> CA -> DNS (our resolver, and the zone's own servers) -> policy
// -> explanation. First every name's lookups are gathered, concurrently through one caching
// resolver and one authoritative view; then each name is judged, purely.
import { AUTHORITIES } from './ca/authorities.js';
import { trustNote, type CaResolver, type ResolvedCa } from './ca/resolve.js';
import { evaluateCaa, type Evaluation } from './caa/evaluate.js';
import { caaLookupNames, toCheckName, type CheckName } from './caa/name.js';
import { deviations, levelsConsulted, publicLevels, type ServedLevel } from './caa/perspectives.js';
import type { AuthoritativeLevel, AuthoritativeView } from './dns/authoritative.js';
import type { ServerObservation } from './dns/server-answer.js';
import type { CaaLookup } from './dns/lookup.js';
import { Limiter } from './dns/limiter.js';
import type { CaaSource } from './dns/what-if.js';
import { explainName, newSharedExplanations, type SharedExplanations } from './explain/explain.js';
import { explainServers } from './explain/servers.js';
import type { CaView, ContextView, NameReport } from './explain/types.js';
import type { CaBundle, Lineage, SourceKind } from './sources/lineage.js';
import { isIpAddress, worstStatus, type SourceError, type Status } from './vocabulary.js';

/** One lineage's result. */
export interface LineageReport {
  source: SourceKind;
  name: string;
  server: string | null;
  ca: string | null;
  caIdentities: string[];
  caIdentitySource: string | null;
  /** The roots the CA's directory was read with, when the client names some (README "Private CAs"). */
  caTrust?: CaBundle | null;
  accountUri: string | null;
  accountSource: string | null;
  challenge: string | null;
  challengeSource: string | null;
  due: boolean | null;
  /** When it becomes due, and when its certificate expires (the sources' facts). */
  dueAt: Date | null;
  expires: Date | null;
  status: Status;
  confPath: string | null;
  notes: string[];
  names: NameReport[];
}

/** What a name's result keeps once it has been written out: enough for exit codes, metrics, syslog. */
export type NameOutcome = Pick<NameReport, 'name' | 'status' | 'reason'> & Partial<Pick<NameReport, 'zoneFiles'>>;

/** A lineage's result after it has been written out (a fleet's full reports are not kept). */
export type CheckedLineage = Omit<LineageReport, 'names'> & { names: NameOutcome[] };

/** The whole run's result. */
export interface Report {
  status: Status;
  lineages: CheckedLineage[];
  errors: SourceError[];
  /** Things about the whole run worth saying once (how the DNS was judged). */
  notices: string[];
  /** Seconds the check took, when the session measured it (for metrics). */
  durationSeconds?: number;
}

/** The whole run's result with every lineage's full report. */
export interface FullReport extends Report {
  lineages: LineageReport[];
}

/** What a check needs besides the lineages. */
export interface CheckDeps {
  /** Our resolver (with any what-if zone files laid over it); null: none configured. */
  resolver: CaaSource | null;
  caResolver: CaResolver;
  /** The zone's own servers, asked directly; null: --no-authoritative. */
  authority: AuthoritativeView | null;
}

/**
 * Lineages checked at once. The DNS limiter bounds what is on the wire; this bounds what waits for
 * it, so a fleet's thousands of names do not all hold their state in memory at the same time.
 */
const LINEAGES_IN_FLIGHT = 64;

/**
 * Check every lineage; never throws for a single bad name or CA, which become `error` entries.
 * With `onLineage`, each full report is handed over as soon as it and those before it are done,
 * in order, and only its outcome is kept: a fleet's report is written as it is made.
 */
export async function checkLineages(lineages: Lineage[], deps: CheckDeps, errors?: SourceError[]): Promise<FullReport>;
export async function checkLineages(lineages: Lineage[], deps: CheckDeps, errors: SourceError[], onLineage: (l: LineageReport) => Promise<void>): Promise<Report>;
export async function checkLineages(
  lineages: Lineage[],
  deps: CheckDeps,
  errors: SourceError[] = [],
  onLineage?: (l: LineageReport) => Promise<void>,
): Promise<Report> {
  const slots = new Limiter(LINEAGES_IN_FLIGHT);
  const shared = newSharedExplanations();
  const done: Array<LineageReport | undefined> = [];
  const kept: CheckedLineage[] = [];
  let delivering = Promise.resolve();
  // Hand lineages over in order: each waits for those before it.
  const deliver = async (): Promise<void> => {
    for (let report = done[kept.length]; report !== undefined; report = done[kept.length]) {
      done[kept.length] = undefined;
      if (onLineage) await onLineage(report);
      kept.push(onLineage ? outcomeOf(report) : report);
    }
  };
  await Promise.all(
    lineages.map((lineage, i) =>
      slots.run(async () => {
        done[i] = await checkLineage(lineage, deps, shared);
        delivering = delivering.then(deliver);
        await delivering;
      }),
    ),
  );
  const statuses = kept.map((r) => r.status);
  if (errors.length > 0) statuses.push('error');
  return { status: worstStatus(statuses), lineages: kept, errors, notices: runNotices(deps, kept) };
}

/** A written-out lineage: its facts and each name's status and reason. */
function outcomeOf(report: LineageReport): CheckedLineage {
  return { ...report, names: report.names.map((n) => ({ name: n.name, status: n.status, reason: n.reason, zoneFiles: n.zoneFiles })) };
}

/**
 * Check one lineage: resolve its CA, gather each name's lookups, then judge each name, reusing
 * what the run already worked out for the same RRsets (`shared`).
 */
export async function checkLineage(lineage: Lineage, deps: CheckDeps, shared = newSharedExplanations()): Promise<LineageReport> {
  const resolution = await deps.caResolver.resolve(lineage.server, { bundle: lineage.caBundle, client: lineage.source });
  const trust = resolution.ok ? trustNote(resolution.ca) : null;
  const base: LineageReport = {
    source: lineage.source, name: lineage.name, server: resolution.ok ? resolution.ca.server : lineage.server,
    ca: resolution.ok ? resolution.ca.label : null,
    caIdentities: resolution.ok ? resolution.ca.identities : [],
    caIdentitySource: resolution.ok ? resolution.ca.identitySource : null,
    caTrust: resolution.ok ? resolution.ca.trust : null,
    accountUri: lineage.accountUri, accountSource: lineage.accountSource,
    challenge: lineage.challenge, challengeSource: lineage.challengeSource,
    due: lineage.due, dueAt: lineage.dueAt, expires: lineage.expires, status: 'pass', confPath: lineage.confPath, notes: trust ? [...lineage.notes, trust] : lineage.notes, names: [],
  };
  const resolver = deps.resolver;
  let names: NameReport[];
  if (!resolution.ok) {
    names = lineage.names.map((n) => unevaluated(n, 'error', resolution.message));
  } else if (resolver === null) {
    names = lineage.names.map((n) => unevaluated(n, 'error', 'no DNS resolver to ask (none in resolv.conf; give --resolver)'));
  } else {
    const view = caView(resolution.ca);
    names = await Promise.all(lineage.names.map((raw) => checkName(raw, lineage, view, resolver, deps.authority, shared)));
  }
  return { ...base, names, status: worstStatus(names.map((n) => n.status)) };
}

/** One name of a lineage: gather its lookups, then judge it. */
async function checkName(
  raw: string,
  lineage: Lineage,
  view: CaView,
  resolver: CaaSource,
  authority: AuthoritativeView | null,
  shared: SharedExplanations,
): Promise<NameReport> {
  if (isIpAddress(raw)) return unevaluated(raw, 'pass', 'an IP address identifier: the CA does not check CAA for IP addresses');
  let name: CheckName;
  try {
    name = toCheckName(raw);
  } catch (err) {
    return unevaluated(raw, 'error', (err as Error).message);
  }
  const levels = caaLookupNames(name.base);
  const ownLookups = Promise.all(levels.map((n) => resolver.lookupCaa(n)));
  const [own, served] = authority ? await Promise.all([ownLookups, serveLevels(levels, authority)]) : [await ownLookups, null];
  const context: ContextView = {
    accountUri: lineage.accountUri,
    accountSource: lineage.accountSource,
    method: lineage.challengeFor(name.identifier),
    methodSource: lineage.challengeSource,
  };
  return judgeName(name, own, served, view, context, shared);
}

/**
 * The zone's servers for each level the CA consults: from the name up, until a level where
 * every server serves records or an error (the CA stops there, rule 6); the rest are not asked.
 */
async function serveLevels(levels: string[], authority: AuthoritativeView): Promise<Array<AuthoritativeLevel | null>> {
  const served: Array<AuthoritativeLevel | null> = levels.map(() => null);
  // The authoritative view of one name has a budget; what is not in by then rests on our resolver.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), authority.budgetMs);
  });
  try {
    for (const [i, level] of levels.entries()) {
      const view = await Promise.race([authority.level(level), late]);
      if (view === 'late') break;
      served[i] = view;
      const lookups = [view.baseline, ...view.perServer.map((p) => p.lookup)];
      if (view.baseline !== null && lookups.every((l) => l !== null && l.kind !== 'empty')) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return served;
}

/** Judge one name from what was gathered: the CA's view, its verdict, and each server's part in it. */
function judgeName(
  name: CheckName,
  own: CaaLookup[],
  served: Array<AuthoritativeLevel | null> | null,
  view: CaView,
  context: ContextView,
  shared: SharedExplanations,
): NameReport {
  if (served === null) {
    const evaluation = evaluateCaa(own, name.wildcard, view.policy, context, shared.assessments);
    return withZoneFiles(explainName(name, evaluation, view, context, shared), own, evaluation);
  }
  const variants: Array<ServedLevel<ServerObservation> | null> = served.map((level) =>
    level && { baseline: level.baseline, variants: level.perServer.map((p) => ({ server: p.observation, lookup: p.lookup })) },
  );
  const seen = publicLevels(own, variants);
  const evaluation = evaluateCaa(seen.levels, name.wildcard, view.policy, context, shared.assessments);
  const report = explainName(name, evaluation, view, context, shared);
  const deviating = deviations(seen.levels, seen.from, variants, name.wildcard, view.policy, context, evaluation);
  const explained = explainServers(report, name, evaluation, { resolver: own, served, from: seen.from, deviations: deviating }, view.policy, context);
  return withZoneFiles(explained, seen.levels, evaluation);
}

/** The what-if zone files the verdict rests on: those that answered a level the CA consults (README "What if"). */
function withZoneFiles(report: NameReport, levels: CaaLookup[], evaluation: Evaluation): NameReport {
  const files = levels.slice(0, levelsConsulted(evaluation) + 1).flatMap((l) => (l.zoneFile === undefined ? [] : [l.zoneFile]));
  if (files.length === 0) return { ...report, zoneFiles: [] };
  // `dig` would show live DNS, not the file the verdict rests on: no reproduction to offer.
  return { ...report, zoneFiles: [...new Set(files)], reproduce: null };
}

/** What to say once about the run: the zone's servers could not be asked, or only over IPv4. */
function runNotices(deps: CheckDeps, reports: CheckedLineage[]): string[] {
  const authority = deps.authority;
  if (authority === null || !authority.asked) return [];
  const notices: string[] = [];
  if (!authority.answered) {
    notices.push(
      "no authoritative nameserver could be asked from this host (outbound DNS blocked?): every name is judged from your resolver's view only, which can differ from what the CA sees",
    );
  }
  if (authority.ipv6Skipped) notices.push('IPv6 nameserver addresses were not asked: IPv6 does not work from this host');
  return notices;
}

/** One view per resolved CA, so that explanations shared between names can be keyed on it. */
const caViews = new WeakMap<ResolvedCa, CaView>();

/** The CA as explanations see it, with the catalog of known CAs handed in. */
function caView(ca: ResolvedCa): CaView {
  let view = caViews.get(ca);
  if (view === undefined) caViews.set(ca, (view = makeCaView(ca)));
  return view;
}

function makeCaView(ca: ResolvedCa): CaView {
  return {
    label: ca.label,
    displayName: ca.authority?.displayName ?? ca.label,
    policy: ca.policy,
    staging: ca.authority?.staging ?? false,
    catalog: AUTHORITIES,
  };
}

/** A name that was not evaluated (an IP; a bad name, unknown CA or no resolver), with the reason. */
function unevaluated(name: string, status: Status, reason: string): NameReport {
  return {
    name, unicode: null, wildcard: name.startsWith('*.'), status, reason, fix: null, fixSteps: [], reproduce: null, foundAt: null,
    cnameChain: [], records: [], recordNotes: [], findings: [], caProblem: null, challenge: null, lookups: [],
    judgedFrom: null, servers: [], zoneFiles: [],
  };
}

/** The exit code of the contract: 1 any fail, 2 any error (and no fail), else 0. */
export function exitCodeFor(report: Report): number {
  const all = report.lineages.flatMap((l) => l.names.map((n) => n.status));
  if (all.includes('fail')) return 1;
  if (all.includes('error') || report.errors.length > 0) return 2;
  return 0;
}
