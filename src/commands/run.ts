// `preflight run [options] -- COMMAND...`: the wrapper that really skips what would fail.
// certbot ignores a failing pre-hook (docs/certbot.md §0), so the check has to run before certbot:
// when no due lineage fails, COMMAND runs unchanged (stdio inherited, signals forwarded, exit
// code passed through); otherwise only the passing lineages are renewed, one by one.
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { findAuthority } from '../ca/authorities.js';
import { printableLine } from '../report/escape.js';
import { acmeshCommand } from '../sources/acmesh-command.js';
import { certbotCommand } from '../sources/certbot-command.js';
import { selectLineages } from '../sources/select.js';
import type { WrappedCommand } from '../sources/wrapped-command.js';
import { CHECKED_ENV, parseWithSiteDefaults, UsageError } from './options.js';
import { writeMetrics } from './output.js';
import { emitReport, executeCheck, type CliIo } from './session.js';

/**
 * The exit status when preflight blocked a renewal: 1, as since the first release. certbot also
 * exits 1 when a renewal fails, so `--blocked-exit-code N` (75, say) tells the two apart.
 */
export const BLOCKED = 1;

/** Recognise certbot or acme.sh by the executable's name; null for anything else (a script, sudo, env). */
export function parseWrappedCommand(
  command: string[],
  env: NodeJS.ProcessEnv = {},
  defaults: { configDir?: string | null; acmeHome?: string } = {},
): WrappedCommand | null {
  const exe = path.basename(command[0] ?? '');
  if (/^(certbot|letsencrypt)(-\S+)?$/.test(exe)) return certbotCommand(command, defaults.configDir ?? null);
  if (exe === 'acme.sh') {
    const directoryOf = (server: string): string => findAuthority(server)?.directories[0] ?? server;
    return acmeshCommand(command, env, directoryOf, defaults.acmeHome);
  }
  return null;
}

/** Run `preflight run [options] -- COMMAND...`. */
export async function runWrapper(argv: string[], io: CliIo, spawn: Spawner = spawnInherit): Promise<number> {
  const split = argv.indexOf('--');
  if (split < 0 || split === argv.length - 1) throw new UsageError('run needs the renewal command after --, e.g. preflight run -- certbot -q renew');
  // Only due lineages are checked: asking every authoritative server is always worth it here.
  const parsed = parseWithSiteDefaults(argv.slice(0, split), io.env);
  const options = { ...parsed, authoritative: parsed.authoritative ?? true };
  if (options.domains.length > 0 || options.all || options.certNames.length > 0) {
    throw new UsageError('run checks what COMMAND renews; -d, --all and --cert-name do not apply');
  }
  if (options.json) throw new UsageError('run shares stdout with COMMAND; use --status-file FILE for a JSON report');
  const blockedExit = options.blockedExitCode ?? BLOCKED;
  const command = argv.slice(split + 1);
  const shown = printableLine(command.join(' '));
  const childEnv = { ...io.env, [CHECKED_ENV]: 'run' };
  const wrapped = parseWrappedCommand(command, io.env, { configDir: options.configDir, acmeHome: options.acmeHomes[0] });
  if (wrapped && !wrapped.renews) {
    io.stderr.write(`preflight run: ${shown} does not renew; running it unchanged\n`);
    return spawn(command, childEnv);
  }

  // Any other command (a renewal script, sudo -u, env): what is due in the given or default
  // certbot config dir and acme.sh homes, all or nothing.
  const request = wrapped?.request ?? {
    domains: [], ca: null, accountUri: null, challenge: null, all: false, certNames: [], due: true,
    configDir: options.configDir, acmeHomes: options.acmeHomes,
  };
  const selected = await selectLineages(request, { env: io.env, cwd: io.cwd ?? process.cwd(), now: io.now() });
  const selection = wrapped ? { ...selected, lineages: await Promise.all(selected.lineages.map((l) => wrapped.adjust(l))) } : selected;
  const report = await executeCheck(options, io, selection);
  const refused = report.lineages.filter((l) => l.status === 'fail');
  const unchecked = report.lineages.filter((l) => l.status === 'error');
  const blocked = options.strict ? [...refused, ...unchecked] : refused;
  // The metrics file is written once, at the end, with what was blocked and how the command ended.
  const reportOptions = { ...options, metricsFile: null };
  const done = async (exitCode: number | null, result: number): Promise<number> => {
    await writeMetrics(report, options, io, { blocked, exitCode });
    return result;
  };
  const why = [
    ...refused.map((l) => `${printableLine(l.name)} (the CA would refuse)`),
    ...(options.strict ? unchecked.map((l) => `${printableLine(l.name)} (could not be checked; --strict)`) : []),
  ].join(', ');
  if (blocked.length === 0) {
    const sourceErrors = report.errors.length;
    const clean = report.status === 'pass' && sourceErrors === 0;
    await emitReport(report, { ...reportOptions, quiet: clean || options.quiet }, io, 'stderr');
    if (unchecked.length > 0 || sourceErrors > 0) {
      const what = unchecked.length > 0 ? unchecked.map((l) => printableLine(l.name)).join(', ') : 'some certificates';
      io.stderr.write(
        `preflight run: could not check ${what} (our own trouble, shown above, not the CA's); running ${shown} anyway, ` +
          'so those renewals go ahead unchecked (--strict holds them back instead)\n',
      );
    }
    const code = await spawn(command, childEnv);
    return done(code, code);
  }

  await emitReport(report, reportOptions, io, 'stderr');
  if (!wrapped) {
    io.stderr.write(
      `preflight run: not running ${shown}: it renews whatever it renews and cannot be limited to the lineages that pass; ` +
        `blocked ${why}. Nothing was ordered\n`,
    );
    return done(null, blockedExit);
  }
  const passing = selection.lineages.filter((l) => !blocked.some((b) => b.name === l.name && b.confPath === l.confPath));
  const outcomes: string[] = [];
  const codes: number[] = [];
  let interrupted: number | null = null;
  for (const lineage of passing) {
    const code = await spawn(wrapped.commandFor(lineage), childEnv);
    codes.push(code);
    outcomes.push(`${lineage.name}: ${code === 0 ? 'renewed' : code >= 128 ? `interrupted (signal ${code - 128}), nothing more renewed` : `renewal exited ${code}`}`);
    if (code >= 128) {
      interrupted = code;
      break;
    }
  }
  io.stderr.write(
    `preflight run: blocked ${why}; nothing was ordered for ${blocked.length === 1 ? 'it' : 'them'}` +
      `${outcomes.length ? `; ${outcomes.map(printableLine).join('; ')}` : '; nothing else was due'}\n`,
  );
  return done(codes.length > 0 ? Math.max(...codes) : null, interrupted ?? blockedExit);
}

/** Runs a command; resolves to its exit code (128 + signal number when killed). */
export type Spawner = (command: string[], env: NodeJS.ProcessEnv) => Promise<number>;

/**
 * Run with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT while it runs. Without a
 * terminal (cron, systemd) the command gets its own process group and a signal reaches all of
 * it, so a script's certbot is not orphaned; at a terminal it stays in ours, where Ctrl-C and
 * prompts work as usual. Resolves to the exit code, or 128+N when it was interrupted by signal N.
 */
export async function spawnInherit(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const group = !process.stdin.isTTY;
  let child: ResultPromise | null = null;
  let forwarded: NodeJS.Signals | null = null;
  const send = (signal: NodeJS.Signals): void => {
    try {
      if (group && child?.pid !== undefined) process.kill(-child.pid, signal);
      else child?.kill(signal);
    } catch {
      // already gone
    }
  };
  // Listening before the command starts: a signal in between is forwarded once it has.
  const forward = (signal: NodeJS.Signals) => () => {
    forwarded = signal;
    send(signal);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const).map((s) => [s, forward(s)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    const started: ResultPromise = execa(command[0]!, command.slice(1), { stdio: 'inherit', reject: false, env, extendEnv: false, detached: group });
    child = started;
    if (forwarded) send(forwarded);
    const result = await started;
    // Interrupted: say so (128+N), even when the command caught the signal and exited its own way.
    const signal = forwarded ?? (result.signal as NodeJS.Signals | undefined);
    if (signal) return 128 + (os.constants.signals[signal] ?? 0);
    if (result.exitCode === undefined) return 127; // could not start (ENOENT and the like)
    return result.exitCode;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
