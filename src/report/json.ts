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
  };
}

/** The report as the contract's JSON document (extra keys are additions, never renames). */
export function toJsonDocument(report: Report, meta: { version: string; checkedAt: Date }): JsonDocument {
  return { ...documentShell(report, meta), lineages: report.lineages.map(lineageDocument) };
}

/** Everything but the lineages, keys in the document's order (lineages right after status). */
function documentShell(report: Report, meta: { version: string; checkedAt: Date }): JsonDocument {
  let names = 0;
  const summary = { names: 0, pass: 0, warn: 0, fail: 0, error: 0 };
  for (const l of report.lineages) {
    for (const n of l.names) {
      names++;
      summary[n.status]++;
    }
  }
  return {
    status: report.status,
    lineages: [],
    errors: report.errors,
    notices: report.notices,
    summary: { ...summary, names },
    schemaVersion: JSON_SCHEMA_VERSION,
    version: meta.version,
    checkedAt: meta.checkedAt.toISOString(),
  };
}

/**
 * The document as text, a lineage at a time: the same bytes as one JSON.stringify of the whole
 * (two-space indentation), without ever holding the whole text of a fleet's report at once.
 */
export function* jsonChunks(report: Report, meta: { version: string; checkedAt: Date }): Generator<string> {
  const shell = safeJson(documentShell(report, meta));
  if (report.lineages.length === 0) {
    yield `${shell}\n`;
    return;
  }
  const marker = '"lineages": []';
  const at = shell.indexOf(marker);
  yield `${shell.slice(0, at)}"lineages": [`;
  let first = true;
  for (const lineage of report.lineages) {
    yield `${first ? '' : ','}\n${safeJson(lineageDocument(lineage)).replace(/^/gm, '    ')}`;
    first = false;
  }
  yield `\n  ]${shell.slice(at + marker.length)}\n`;
}

/** Serialise the report for stdout. */
export function renderJson(report: Report, meta: { version: string; checkedAt: Date }): string {
  return [...jsonChunks(report, meta)].join('');
}
