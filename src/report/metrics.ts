// node_exporter textfile-collector output: per-name and per-lineage status and the time of the
// last run, written atomically (temp file + rename) so the collector never reads half a file.
// The conf label keeps acme.sh's RSA and ECC certificates of one name apart (no duplicate series).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Report } from '../check.js';
import type { Status } from '../caa/explain.js';

const STATUS_VALUE: Record<Status, number> = { pass: 0, warn: 1, error: 2, fail: 3 };

/** Prometheus label value escaping (exposition format: backslash, quote, newline). */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The report as Prometheus text exposition format. */
export function renderMetrics(report: Report, checkedAt: Date): string {
  const lines: string[] = [
    '# HELP caa_preflight_name_status CAA verdict per certificate name: 0 pass, 1 warn, 2 error, 3 fail.',
    '# TYPE caa_preflight_name_status gauge',
  ];
  for (const l of report.lineages) {
    for (const n of l.names) {
      lines.push(
        `caa_preflight_name_status{source="${label(l.source)}",lineage="${label(l.name)}",conf="${label(l.confPath ?? '')}",name="${label(n.name)}",status="${n.status}"} ${STATUS_VALUE[n.status]}`,
      );
    }
  }
  lines.push(
    '# HELP caa_preflight_lineage_status Worst CAA verdict per lineage: 0 pass, 1 warn, 2 error, 3 fail.',
    '# TYPE caa_preflight_lineage_status gauge',
  );
  for (const l of report.lineages) {
    lines.push(
      `caa_preflight_lineage_status{source="${label(l.source)}",lineage="${label(l.name)}",conf="${label(l.confPath ?? '')}",due="${l.due === null ? 'unknown' : String(l.due)}",status="${l.status}"} ${STATUS_VALUE[l.status]}`,
    );
  }
  lines.push(
    '# HELP caa_preflight_source_errors Configuration or resolver problems in the last run.',
    '# TYPE caa_preflight_source_errors gauge',
    `caa_preflight_source_errors ${report.errors.length}`,
    '# HELP caa_preflight_last_run_timestamp_seconds When the last check finished.',
    '# TYPE caa_preflight_last_run_timestamp_seconds gauge',
    `caa_preflight_last_run_timestamp_seconds ${Math.floor(checkedAt.getTime() / 1000)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Write a file atomically: a temp file in the same directory, then rename over the target. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temp, content, { mode: 0o644 });
  await rename(temp, file);
}
