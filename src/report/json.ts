// The JSON document of the contract: one object on stdout, stable keys that scripts rely on.
// The document is typed, so a key dropped or renamed is a compile error, not a broken cron job.
import type { LineageReport, Report } from '../check.js';
import type { NameReport } from '../explain/types.js';
import type { SourceError, Status } from '../vocabulary.js';
import { safeJson } from './escape.js';

export const JSON_SCHEMA_VERSION = 1;

/** One name in the document. */
export type JsonName = Pick<
  NameReport,
  | 'name' | 'status' | 'reason' | 'fix' | 'foundAt' | 'records' | 'unicode' | 'wildcard' | 'challenge'
  | 'cnameChain' | 'caProblem' | 'findings' | 'recordNotes' | 'lookups' | 'judgedFrom' | 'servers'
>;

/** One lineage in the document. */
export type JsonLineage = Pick<
  LineageReport,
  | 'source' | 'name' | 'server' | 'caIdentities' | 'accountUri' | 'challenge' | 'due' | 'status' | 'ca'
  | 'caIdentitySource' | 'accountSource' | 'challengeSource' | 'confPath' | 'notes'
> & { names: JsonName[] };

/** The whole document (`--json`, `--status-file`). Keys are only ever added. */
export interface JsonDocument {
  status: Status;
  lineages: JsonLineage[];
  errors: SourceError[];
  /** Things said once about the whole run (how the DNS could be judged from here). */
  notices: string[];
  summary: { names: number } & Record<Status, number>;
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  version: string;
  checkedAt: string;
}

/** The report as the contract's JSON document (extra keys are additions, never renames). */
export function toJsonDocument(report: Report, meta: { version: string; checkedAt: Date }): JsonDocument {
  const names = report.lineages.flatMap((l) => l.names);
  const count = (s: Status): number => names.filter((n) => n.status === s).length;
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
        judgedFrom: n.judgedFrom,
        servers: n.servers,
      })),
    })),
    errors: report.errors,
    notices: report.notices,
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
