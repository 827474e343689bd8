// One line per problem to the system log through logger(1), when the system has it: under
// `certbot -q renew` a pre-hook's own output is hidden (docs/certbot.md §0), the journal is not.
import type { Report } from '../check.js';
import { printableLine } from './escape.js';

/** The log lines for a report: a summary, then each name that is not a clean pass. */
export function syslogLines(report: Report): string[] {
  const names = report.lineages.flatMap((l) => l.names.map((n) => ({ l, n })));
  const problems = names.filter(({ n }) => n.status !== 'pass');
  const lines = [
    `${report.status}: ${names.length} names in ${report.lineages.length} lineages, ${problems.length} not clean, ${report.errors.length} config errors`,
  ];
  for (const { l, n } of problems) lines.push(`${n.status} ${l.source}:${l.name} ${n.name}: ${n.reason}`);
  for (const e of report.errors) lines.push(`error ${e.source}${e.path ? ` ${e.path}` : ''}: ${e.message}`);
  return lines.map(printableLine);
}

/** Send the report's lines to syslog (priority by status); silently skipped without logger(1). */
export async function logToSyslog(report: Report, tag = 'caa-preflight'): Promise<boolean> {
  const priority = report.status === 'fail' ? 'user.err' : report.status === 'pass' ? 'user.info' : 'user.warning';
  try {
    const { execa } = await import('execa'); // only runs that log pay for loading it
    for (const line of syslogLines(report)) {
      await execa('logger', ['-t', tag, '-p', priority, '--', line], { timeout: 5000, stdin: 'ignore' });
    }
    return true;
  } catch {
    return false;
  }
}
