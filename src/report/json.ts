// The JSON document of the contract: one object on stdout, stable keys that scripts rely on.
// The document is typed, so a key dropped or renamed is a compile error, not a broken cron job.
import type { FullReport, LineageReport, Report } from '../check.js';
import type { CaBundle } from '../sources/lineage.js';
import type { NameReport } from '../explain/types.js';
import type { SourceError, Status } from '../vocabulary.js';
import { safeJson } from './escape.js';

export const JSON_SCHEMA_VERSION = 1;

/** One name in the document. */
export type JsonName = Pick<
  NameReport,
  | 'name' | 'status' | 'reason' | 'fix' | 'fixSteps' | 'reproduce' | 'foundAt' | 'records' | 'unicode' | 'wildcard' | 'challenge'
  | 'cnameChain' | 'caProblem' | 'findings' | 'recordNotes' | 'lookups' | 'judgedFrom' | 'servers' | 'zoneFiles'
>;

/** One lineage in the document. */
export type JsonLineage = Pick<
  LineageReport,
  | 'source' | 'name' | 'server' | 'caIdentities' | 'accountUri' | 'challenge' | 'due' | 'status' | 'ca'
  | 'caIdentitySource' | 'accountSource' | 'challengeSource' | 'confPath' | 'notes'
> & {
  names: JsonName[];
  /** The roots the CA's ACME directory was read with (README "Private CAs"), or null. */
  caTrust: CaBundle | null;
  /** When the lineage becomes due and when its certificate expires (ISO 8601), or null. */
  dueAt: string | null;
  expires: string | null;
};

/**
 * The whole document (`--json`, `--status-file`). Keys are only ever added. The lineages come
 * first and the overall status and summary last, so that the document is written as it is made.
 */
export interface JsonDocument {
  lineages: JsonLineage[];
  errors: SourceError[];
  /** Things said once about the whole run (how the DNS could be judged from here). */
  notices: string[];
  status: Status;
  summary: { names: number } & Record<Status, number>;
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  version: string;
  checkedAt: string;
}

/** One lineage as the document carries it. */
export function lineageDocument(l: LineageReport): JsonLineage {
  return {
    source: l.source,
    name: l.name,
    server: l.server,
    caIdentities: l.caIdentities,
    accountUri: l.accountUri,
    challenge: l.challenge,
    due: l.due,
    dueAt: l.dueAt?.toISOString() ?? null,
    expires: l.expires?.toISOString() ?? null,
    status: l.status,
    ca: l.ca,
    caIdentitySource: l.caIdentitySource,
    accountSource: l.accountSource,
    challengeSource: l.challengeSource,
    confPath: l.confPath,
    notes: l.notes,
    caTrust: l.caTrust ?? null,
    names: l.names.map((n) => ({
      name: n.name,
      status: n.status,
      reason: n.reason,
      fix: n.fix,
      fixSteps: n.fixSteps,
      reproduce: n.reproduce,
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
      zoneFiles: n.zoneFiles,
    })),
  };
}

/** The report as the contract's JSON document (extra keys are additions, never renames). */
export function toJsonDocument(report: FullReport, meta: { version: string; checkedAt: Date }): JsonDocument {
  return { lineages: report.lineages.map(lineageDocument), ...documentTail(report, meta) };
}

/** Everything after the lineages, in the document's order: written once they are all known. */
function documentTail(report: Report, meta: { version: string; checkedAt: Date }): Omit<JsonDocument, 'lineages'> {
  const summary = { names: 0, pass: 0, warn: 0, fail: 0, error: 0 };
  for (const l of report.lineages) {
    for (const n of l.names) {
      summary.names++;
      summary[n.status]++;
    }
  }
  return {
    errors: report.errors,
    notices: report.notices,
    status: report.status,
    summary,
    schemaVersion: JSON_SCHEMA_VERSION,
    version: meta.version,
    checkedAt: meta.checkedAt.toISOString(),
  };
}

/** What JSON.stringify({ lineages: [x] }, null, 2) puts around x. */
const IN_LINEAGES = '{\n  "lineages": [';
const AFTER_LINEAGES = '\n  ]\n}';

/**
 * The document written as it is made: the lineages first, a piece each, and the overall status
 * and summary last. Together the pieces are exactly JSON.stringify(document, null, 2).
 */
export const jsonPieces = {
  head: IN_LINEAGES,
  lineage: (l: LineageReport, first: boolean): string =>
    // Stringified where it stands in the document, so JSON.stringify indents it: no copy to re-indent.
    `${first ? '' : ','}${safeJson({ lineages: [lineageDocument(l)] }).slice(IN_LINEAGES.length, -AFTER_LINEAGES.length)}`,
  tail: (report: Report, meta: { version: string; checkedAt: Date }, anyLineage: boolean): string =>
    `${anyLineage ? '\n  ' : ''}],${safeJson(documentTail(report, meta)).slice(1)}\n`,
};

/** The whole document, a lineage at a time. */
export function* jsonChunks(report: FullReport, meta: { version: string; checkedAt: Date }): Generator<string> {
  yield jsonPieces.head;
  for (const [i, l] of report.lineages.entries()) yield jsonPieces.lineage(l, i === 0);
  yield jsonPieces.tail(report, meta, report.lineages.length > 0);
}

/** Serialise the report for stdout. */
export function renderJson(report: FullReport, meta: { version: string; checkedAt: Date }): string {
  return [...jsonChunks(report, meta)].join('');
}
