// Where a check's report goes: JSON or text on stdout/stderr, the status file, the metrics file
// and syslog. A report can be written as the check goes (a sink fed lineage by lineage) or at
// once from a full report; both write the same bytes.
import type { FullReport, LineageReport, Report } from '../check.js';
import { AtomicFile, writeFileAtomic } from '../fsutil.js';
import { jsonPieces } from '../report/json.js';
import { lastSuccessIn, renderMetrics, type WrapperOutcome } from '../report/metrics.js';
import { logToSyslog } from '../report/syslog.js';
import { terminalStyle, type TextOptions } from '../report/terminal.js';
import { quietShows, textPieces } from '../report/text.js';
import { DEFAULT_CONFIG_DIR } from '../sources/select.js';
import type { SourceError } from '../vocabulary.js';
import { VERSION } from '../version.js';
import type { CheckOptions } from './options.js';

/** Where a run writes and what it may consult; injectable for tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  now: () => Date;
  resolvConfPath?: string;
  cwd?: string;
}

/** A report being written: lineages in order, then the outcome. */
export interface ReportSink {
  lineage(l: LineageReport): Promise<void>;
  finish(report: Report): Promise<void>;
}

/** Write a full report at once, as the options ask (the wrapper and the hooks decide first). */
export async function emitReport(report: FullReport, options: CheckOptions, io: CliIo, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
  const names = report.lineages.reduce((n, l) => n + l.names.length, 0);
  const sink = await openReport(options, io, stream, { names, lineages: report.lineages.length, errors: report.errors });
  for (const l of report.lineages) await sink.lineage(l);
  await sink.finish(report);
}

/**
 * Start writing a report: the JSON document or the text report on `stream` (with -q, only the
 * lineages that fail or error, and nothing at all otherwise), the status file as it
 * goes; the metrics file and syslog at the end. A file that cannot be written is reported and
 * added to the run's errors (`what.errors`, the report's own list), never fatal.
 */
export async function openReport(
  options: CheckOptions,
  io: CliIo,
  stream: 'stdout' | 'stderr',
  what: { names: number; lineages: number; errors: SourceError[] },
): Promise<ReportSink> {
  const out = io[stream];
  const meta = { version: VERSION, checkedAt: io.now() };
  const style = terminalStyle(io.env, Boolean(out.isTTY), options.color);
  const text: TextOptions = { ...style, verbose: options.verbose, quiet: options.quiet, now: meta.checkedAt };
  const cannot = (file: string, err: unknown): void => cannotWrite(io, what.errors, file, err);
  let status: AtomicFile | null = null;
  if (options.statusFile !== null) {
    try {
      status = await AtomicFile.open(options.statusFile);
      await status.write(jsonPieces.head);
    } catch (err) {
      cannot(options.statusFile, err);
      status = null;
    }
  }
  let first = true;
  // Under -q the text report begins only when something does not pass.
  let started = !options.quiet || what.errors.length > 0;
  if (options.json) await writeAll(out, jsonPieces.head);
  else if (started) await writeAll(out, textPieces.head(what, text));
  return {
    async lineage(l) {
      if (options.json) await writeAll(out, jsonPieces.lineage(l, first));
      else if (!options.quiet || quietShows(l.status)) {
        if (!started) await writeAll(out, textPieces.head(what, text));
        started = true;
        await writeAll(out, textPieces.lineage(l, text));
      }
      if (status) await status.write(jsonPieces.lineage(l, first));
      first = false;
    },
    async finish(report) {
      if (options.json) await writeAll(out, jsonPieces.tail(report, meta, !first));
      else if (started) {
        await writeAll(out, textPieces.tail(report, text));
        if (report.lineages.length === 0 && report.errors.length === 0) {
          await writeAll(
            out,
            `nothing to check: no renewal confs under ${options.configDir ?? DEFAULT_CONFIG_DIR} and no acme.sh home ` +
              '(give --config-dir, --acme-home, or -d NAME)\n',
          );
        }
      }
      if (status && options.statusFile !== null) {
        try {
          await status.write(jsonPieces.tail(report, meta, !first));
          await status.commit();
        } catch (err) {
          cannot(options.statusFile, err);
        }
      }
      await writeMetrics(report, options, io);
      if (options.syslog) await logToSyslog(report);
    },
  };
}

/**
 * Write the metrics file the options name, if any, atomically. `preflight run` writes it itself,
 * once its command has finished, with what it decided (`wrapper`).
 */
export async function writeMetrics(report: Report, options: CheckOptions, io: CliIo, wrapper?: WrapperOutcome): Promise<void> {
  const file = options.metricsFile;
  if (file === null) return;
  try {
    await writeFileAtomic(file, renderMetrics(report, { writtenAt: io.now(), previousSuccess: lastSuccessIn(file), wrapper }));
  } catch (err) {
    cannotWrite(io, report.errors, file, err);
  }
}

/** A file that cannot be written is said at once, and counts as an error of the run (exit 2). */
function cannotWrite(io: CliIo, errors: SourceError[], file: string, err: unknown): void {
  const message = `cannot write: ${(err as Error).message}`;
  io.stderr.write(`preflight: ${file}: ${message}\n`);
  errors.push({ source: 'output', path: file, message });
}

/**
 * Write to a stream, waiting whenever it asks to (a pipe to a slow reader): a fleet's report
 * must not pile up in memory behind a pipe.
 */
async function writeAll(out: NodeJS.WritableStream, piece: string): Promise<void> {
  if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}
