// node_exporter textfile-collector output (README "Metrics"): the run's outcome and timing, counts
// per status, and per lineage and name a numeric verdict, due state and certificate dates.
// Every series has a fixed label set, so a verdict that changes changes a value, not a series
// (the first format had status and due labels: a new series on every change).
// The conf label keeps acme.sh's RSA and ECC certificates of one name apart (no duplicate series).
// The file is written atomically (fsutil.writeFileAtomic) so the collector never reads half a file.
import type { CheckedLineage, Report } from '../check.js';
import { readFileHeadSync } from '../fsutil.js';
import { STATUS_RANK, type Status } from '../vocabulary.js';

/** The statuses in rank order, and their numbers as said in HELP lines ("0 pass, 1 warn, …"). */
const STATUSES = (Object.keys(STATUS_RANK) as Status[]).sort((a, b) => STATUS_RANK[a] - STATUS_RANK[b]);
const RANKS = STATUSES.map((s) => `${STATUS_RANK[s]} ${s}`).join(', ');

/** What names a lineage in the metrics. */
type LineageKey = Pick<CheckedLineage, 'source' | 'name' | 'confPath'>;

/** What `preflight run` decided and how its renewal command ended. */
export interface WrapperOutcome {
  /** The lineages it kept from renewing. */
  blocked: readonly LineageKey[];
  /** The command's exit code (the highest, when it ran once per passing lineage); null: it did not run. */
  exitCode: number | null;
}

/** The run around a report: when the file is written, the last success before it, the wrapper's outcome. */
export interface MetricsRun {
  writtenAt: Date;
  /** caa_preflight_last_success_timestamp_seconds of the file being replaced (lastSuccessIn); null: none. */
  previousSuccess: number | null;
  /** Only for `preflight run`. */
  wrapper?: WrapperOutcome;
}

/** Prometheus label value escaping (exposition format: backslash, quote, newline). */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

type Sample = { labels: Record<string, string>; value: number };

/** One gauge: HELP, TYPE and its samples; nothing at all without samples (a family with none is left out). */
function gauge(name: string, help: string, samples: Sample[]): string[] {
  if (samples.length === 0) return [];
  const render = ({ labels, value }: Sample): string => {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`);
    return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${value}`;
  };
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(render)];
}

/** Seconds since the epoch, whole; null for an unknown or invalid date. */
function seconds(date: Date | null): number | null {
  const ms = date?.getTime() ?? NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/**
 * Whether the check completed without trouble of our own: no name or lineage is `error` and no
 * configuration, resolver or output problem was recorded. A `fail` is the CA's verdict, not ours.
 */
export function isSuccessfulRun(report: Report): boolean {
  return report.errors.length === 0 && !report.lineages.some((l) => l.status === 'error' || l.names.some((n) => n.status === 'error'));
}

/** How much of an old metrics file is read back: the run-level series come first, well within it. */
const PREVIOUS_READ_BYTES = 64 * 1024;

/** The last success recorded in an existing metrics file; null when there is no file or no readable value. */
export function lastSuccessIn(file: string): number | null {
  let head: string;
  try {
    head = readFileHeadSync(file, PREVIOUS_READ_BYTES).toString('utf8');
  } catch {
    return null; // missing or not a file: no previous success known
  }
  const match = /^caa_preflight_last_success_timestamp_seconds (\d{1,15})$/m.exec(head);
  return match ? Number(match[1]) : null;
}

/** One unlabelled sample; none for an unknown value. */
function single(value: number | null | undefined): Sample[] {
  return value === null || value === undefined ? [] : [{ labels: {}, value }];
}

/** How many of `statuses` are each status: a sample per status, zeros included (a fixed label set). */
function countByStatus(statuses: Status[]): Sample[] {
  return STATUSES.map((status) => ({ labels: { status }, value: statuses.filter((s) => s === status).length }));
}

/** A lineage's labels; conf tells acme.sh's RSA and ECC certificates of one name apart. */
function lineageLabels(l: LineageKey): Record<string, string> {
  return { source: l.source, lineage: l.name, conf: l.confPath ?? '' };
}

/** The report as Prometheus text exposition format. */
export function renderMetrics(report: Report, run: MetricsRun): string {
  const perLineage = (value: (l: CheckedLineage) => number | null): Sample[] =>
    report.lineages.flatMap((l) => {
      const v = value(l);
      return v === null ? [] : [{ labels: lineageLabels(l), value: v }];
    });
  const now = seconds(run.writtenAt) ?? 0;
  const wrapper = run.wrapper;
  const same = (a: LineageKey, b: LineageKey): boolean => a.source === b.source && a.name === b.name && a.confPath === b.confPath;
  const duration = report.durationSeconds === undefined ? null : Math.round(report.durationSeconds * 1000) / 1000;
  // Run-level series first: lastSuccessIn reads them back from the top of the file.
  const lines = [
    ...gauge('caa_preflight_last_run_timestamp_seconds', 'When this file was written (for run: after the renewal command).', single(now)),
    ...gauge(
      'caa_preflight_last_success_timestamp_seconds',
      'Last run that completed without errors of our own (no error verdict, no source errors); 0: none recorded.',
      single(isSuccessfulRun(report) ? now : run.previousSuccess ?? 0),
    ),
    ...gauge('caa_preflight_run_duration_seconds', 'How long the check took.', single(duration)),
    ...gauge('caa_preflight_source_errors', 'Configuration, resolver or output problems in the last run.', single(report.errors.length)),
    ...gauge('caa_preflight_names', 'Certificate names per CAA verdict.', countByStatus(report.lineages.flatMap((l) => l.names.map((n) => n.status)))),
    ...gauge('caa_preflight_lineages', 'Lineages (certificates) per worst CAA verdict.', countByStatus(report.lineages.map((l) => l.status))),
    ...gauge('caa_preflight_run_blocked_lineages', 'Lineages preflight run kept from renewing.', single(wrapper?.blocked.length)),
    ...gauge(
      'caa_preflight_run_command_exit_code',
      'Exit code of the renewal command preflight run wraps (the highest, when run once per lineage); absent when it did not run.',
      single(wrapper?.exitCode),
    ),
    ...gauge(
      'caa_preflight_run_blocked',
      'Whether preflight run kept this lineage from renewing: 1 blocked, 0 not.',
      wrapper ? perLineage((l) => (wrapper.blocked.some((b) => same(b, l)) ? 1 : 0)) : [],
    ),
    ...gauge(
      'caa_preflight_name_status',
      `CAA verdict per certificate name: ${RANKS}.`,
      report.lineages.flatMap((l) => l.names.map((n) => ({ labels: { ...lineageLabels(l), name: n.name }, value: STATUS_RANK[n.status] }))),
    ),
    ...gauge('caa_preflight_lineage_status', `Worst CAA verdict per lineage: ${RANKS}.`, perLineage((l) => STATUS_RANK[l.status])),
    ...gauge(
      'caa_preflight_lineage_due',
      'Whether the lineage is due for renewal: 1 due, 0 not; absent when unknown.',
      perLineage((l) => (l.due === null ? null : Number(l.due))),
    ),
    ...gauge('caa_preflight_due_timestamp_seconds', 'When the lineage becomes due for renewal; absent when unknown.', perLineage((l) => seconds(l.dueAt))),
    ...gauge(
      'caa_preflight_certificate_expiry_timestamp_seconds',
      'When the lineage\'s current certificate expires; absent when unknown.',
      perLineage((l) => seconds(l.expires)),
    ),
  ];
  return `${lines.join('\n')}\n`;
}
