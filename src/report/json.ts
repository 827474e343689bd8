// The JSON document of the contract: one object on stdout, stable keys that scripts rely on.
import type { Report } from '../check.js';
import { safeJson } from './escape.js';

export const JSON_SCHEMA_VERSION = 1;

/** The report as the contract's JSON document (extra keys are additions, never renames). */
export function toJsonDocument(report: Report, meta: { version: string; checkedAt: Date }): object {
  const names = report.lineages.flatMap((l) => l.names);
  const count = (s: string): number => names.filter((n) => n.status === s).length;
  return {
    status: report.status,
    lineages: report.lineages.map((l) => ({
      source: l.source,
      name: l.name,
      server: l.server,
      caIdentities: l.caIdentities,
      accountUri: l.accountUri,
      challenge: l.challenge,
      due: l.due,
      status: l.status,
      ca: l.ca,
      caIdentitySource: l.caIdentitySource,
      accountSource: l.accountSource,
      challengeSource: l.challengeSource,
      confPath: l.confPath,
      notes: l.notes,
      names: l.names.map((n) => ({
        name: n.name,
        status: n.status,
        reason: n.reason,
        fix: n.fix,
        foundAt: n.foundAt,
        records: n.records,
        unicode: n.unicode,
        wildcard: n.wildcard,
        challenge: n.challenge,
        cnameChain: n.cnameChain,
        caProblem: n.caProblem,
        findings: n.findings,
        recordNotes: n.recordNotes,
        lookups: n.lookups,
      })),
    })),
    errors: report.errors,
    summary: { names: names.length, pass: count('pass'), warn: count('warn'), fail: count('fail'), error: count('error') },
    schemaVersion: JSON_SCHEMA_VERSION,
    version: meta.version,
    checkedAt: meta.checkedAt.toISOString(),
  };
}

/** Serialise the report for stdout. */
export function renderJson(report: Report, meta: { version: string; checkedAt: Date }): string {
  return `${safeJson(toJsonDocument(report, meta))}\n`;
}
