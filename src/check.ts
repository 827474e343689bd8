// The check pipeline: lineages -> CA -> CAA lookups for every name and its parents -> evaluation
// -> explanations. Lookups for all names run concurrently through one caching resolver.
import { explainName, type NameReport, type Status } from './caa/explain.js';
import { evaluateCaa } from './caa/evaluate.js';
import { caaLookupNames, isIpIdentifier, toCheckName } from './caa/name.js';
import type { CaResolver } from './ca/resolve.js';
import type { Resolver } from './dns/resolver.js';
import type { Lineage, SourceKind } from './sources/lineage.js';

/** One lineage's result. */
export interface LineageReport {
  source: SourceKind;
  name: string;
  server: string | null;
  ca: string | null;
  caIdentities: string[];
  caIdentitySource: string | null;
  accountUri: string | null;
  accountSource: string | null;
  challenge: string | null;
  challengeSource: string | null;
  due: boolean | null;
  status: Status;
  confPath: string | null;
  notes: string[];
  names: NameReport[];
}

/** A source problem: a conf that cannot be read, a resolver that cannot be configured. */
export interface SourceError {
  source: string;
  path: string | null;
  message: string;
}

/** The whole run's result. */
export interface Report {
  status: Status;
  lineages: LineageReport[];
  errors: SourceError[];
}

const SEVERITY: Record<Status, number> = { pass: 0, warn: 1, error: 2, fail: 3 };

/** The most severe of some statuses (fail > error > warn > pass). */
export function worstStatus(statuses: Status[]): Status {
  return statuses.reduce<Status>((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), 'pass');
}

/** Check every lineage; never throws for a single bad name or CA, which become `error` entries. */
export async function checkLineages(
  lineages: Lineage[],
  deps: { resolver: Resolver | null; caResolver: CaResolver },
  errors: SourceError[] = [],
): Promise<Report> {
  const reports = await Promise.all(lineages.map((lineage) => checkLineage(lineage, deps)));
  const statuses = reports.map((r) => r.status);
  if (errors.length > 0) statuses.push('error');
  return { status: worstStatus(statuses), lineages: reports, errors };
}

/** Check one lineage: resolve its CA, then evaluate each name. */
export async function checkLineage(
  lineage: Lineage,
  deps: { resolver: Resolver | null; caResolver: CaResolver },
): Promise<LineageReport> {
  const resolution = await deps.caResolver.resolve(lineage.server);
  const base: LineageReport = {
    source: lineage.source, name: lineage.name, server: resolution.ok ? resolution.ca.server : lineage.server,
    ca: resolution.ok ? resolution.ca.label : null,
    caIdentities: resolution.ok ? resolution.ca.identities : [],
    caIdentitySource: resolution.ok ? resolution.ca.identitySource : null,
    accountUri: lineage.accountUri, accountSource: lineage.accountSource,
    challenge: lineage.challenge, challengeSource: lineage.challengeSource,
    due: lineage.due, status: 'pass', confPath: lineage.confPath, notes: lineage.notes, names: [],
  };
  let names: NameReport[];
  const resolver = deps.resolver;
  if (!resolution.ok) {
    names = lineage.names.map((n) => unevaluated(n, 'error', resolution.message));
  } else if (resolver === null) {
    names = lineage.names.map((n) => unevaluated(n, 'error', 'no DNS resolver to ask (none in resolv.conf; give --resolver)'));
  } else {
    const ca = resolution.ca;
    const view = {
      label: ca.label,
      displayName: ca.authority?.displayName ?? ca.label,
      policy: ca.policy,
      staging: ca.authority?.staging ?? false,
    };
    names = await Promise.all(
      lineage.names.map(async (raw) => {
        if (isIpIdentifier(raw)) {
          return unevaluated(raw, 'pass', 'an IP address identifier: the CA does not check CAA for IP addresses');
        }
        let name;
        try {
          name = toCheckName(raw);
        } catch (err) {
          return unevaluated(raw, 'error', (err as Error).message);
        }
        const levels = await Promise.all(caaLookupNames(name.base).map((n) => resolver.lookupCaa(n)));
        const context = {
          accountUri: lineage.accountUri,
          accountSource: lineage.accountSource,
          method: lineage.challengeFor(name.identifier),
          methodSource: lineage.challengeSource,
        };
        return explainName(name, evaluateCaa(levels, name.wildcard, ca.policy, context), view, context);
      }),
    );
  }
  return { ...base, names, status: worstStatus(names.map((n) => n.status)) };
}

/** A name that was not evaluated (an IP; a bad name, unknown CA or no resolver), with the reason. */
function unevaluated(name: string, status: Status, reason: string): NameReport {
  return {
    name, unicode: null, wildcard: name.startsWith('*.'), status, reason, fix: null, foundAt: null,
    cnameChain: [], records: [], recordNotes: [], findings: [], caProblem: null, challenge: null, lookups: [],
  };
}

/** The exit code of the contract: 1 any fail, 2 any error (and no fail), else 0. */
export function exitCodeFor(report: Report): number {
  const all = report.lineages.flatMap((l) => l.names.map((n) => n.status));
  if (all.includes('fail')) return 1;
  if (all.includes('error') || report.errors.length > 0) return 2;
  return 0;
}
