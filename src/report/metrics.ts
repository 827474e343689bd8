// node_exporter textfile-collector output: per-name and per-lineage status and the time of the
// last run. The file is written atomically (fsutil.writeFileAtomic) so the collector never reads
// half a file.
// The conf label keeps acme.sh's RSA and ECC certificates of one name apart (no duplicate series).
import type { Report } from '../check.js';
import { STATUS_RANK } from '../vocabulary.js';

/** Prometheus label value escaping (exposition format: backslash, quote, newline). */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

type Sample = { labels: Record<string, string>; value: number };

/** One gauge: HELP, TYPE and its samples. */
function gauge(name: string, help: string, samples: Sample[]): string[] {
  const render = ({ labels, value }: Sample): string => {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`);
    return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${value}`;
  };
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(render)];
}

/** The report as Prometheus text exposition format. */
export function renderMetrics(report: Report, checkedAt: Date): string {
  const lineageLabels = (l: Report['lineages'][number]) => ({ source: l.source, lineage: l.name, conf: l.confPath ?? '' });
  const lines = [
    ...gauge(
      'caa_preflight_name_status',
      'CAA verdict per certificate name: 0 pass, 1 warn, 2 error, 3 fail.',
      report.lineages.flatMap((l) =>
        l.names.map((n) => ({ labels: { ...lineageLabels(l), name: n.name, status: n.status }, value: STATUS_RANK[n.status] })),
      ),
    ),
    ...gauge(
      'caa_preflight_lineage_status',
      'Worst CAA verdict per lineage: 0 pass, 1 warn, 2 error, 3 fail.',
      report.lineages.map((l) => ({
        labels: { ...lineageLabels(l), due: l.due === null ? 'unknown' : String(l.due), status: l.status },
        value: STATUS_RANK[l.status],
      })),
    ),
    ...gauge('caa_preflight_source_errors', 'Configuration or resolver problems in the last run.', [{ labels: {}, value: report.errors.length }]),
    ...gauge('caa_preflight_last_run_timestamp_seconds', 'When the last check finished.', [
      { labels: {}, value: Math.floor(checkedAt.getTime() / 1000) },
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
