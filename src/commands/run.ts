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
import { parseCheckOptions, UsageError } from './options.js';
import { emitReport, executeCheck, type CliIo } from './session.js';

/** Recognise certbot or acme.sh by the executable's name. */
export function parseWrappedCommand(
  command: string[],
  env: NodeJS.ProcessEnv = {},
  defaults: { configDir?: string | null; acmeHome?: string } = {},
): WrappedCommand {
  const exe = path.basename(command[0] ?? '');
  if (/^(certbot|letsencrypt)(-\S+)?$/.test(exe)) return certbotCommand(command, defaults.configDir ?? null);
  if (exe === 'acme.sh') {
    const directoryOf = (server: string): string => findAuthority(server)?.directories[0] ?? server;
    return acmeshCommand(command, env, directoryOf, defaults.acmeHome);
  }
  throw new UsageError(`cannot tell whether ${JSON.stringify(command[0] ?? '')} is certbot or acme.sh (the wrapper needs one of them)`);
}

/** Run `preflight run [options] -- COMMAND...`. */
export async function runWrapper(argv: string[], io: CliIo, spawn: Spawner = spawnInherit): Promise<number> {
  const split = argv.indexOf('--');
  if (split < 0 || split === argv.length - 1) throw new UsageError('run needs the renewal command after --, e.g. preflight run -- certbot -q renew');
  // Only due lineages are checked: asking every authoritative server is always worth it here.
  const parsed = parseCheckOptions(argv.slice(0, split));
  const options = { ...parsed, authoritative: parsed.authoritative ?? true };
  if (options.domains.length > 0 || options.all || options.certNames.length > 0) {
    throw new UsageError('run checks what COMMAND renews; -d, --all and --cert-name do not apply');
  }
  if (options.json) throw new UsageError('run shares stdout with COMMAND; use --status-file FILE for a JSON report');
  const wrapped = parseWrappedCommand(argv.slice(split + 1), io.env, { configDir: options.configDir, acmeHome: options.acmeHomes[0] });
  if (!wrapped.renews) {
    io.stderr.write(`preflight run: ${printableLine(wrapped.command.join(' '))} does not renew; running it unchanged\n`);
    return spawn(wrapped.command, io.env);
  }

  const selected = await selectLineages(wrapped.request, { env: io.env, cwd: io.cwd ?? process.cwd(), now: io.now() });
  const selection = { ...selected, lineages: await Promise.all(selected.lineages.map((l) => wrapped.adjust(l))) };
  const report = await executeCheck(options, io, selection);
  const blocking = (status: string) => status === 'fail' || (options.strict && status === 'error');
  const blocked = report.lineages.filter((l) => blocking(l.status));
  if (blocked.length === 0) {
    const clean = report.status === 'pass' && report.errors.length === 0;
    await emitReport(report, clean ? { ...options, quiet: true } : options, io, 'stderr');
    return spawn(wrapped.command, io.env);
  }

  await emitReport(report, options, io, 'stderr');
  const passing = selection.lineages.filter((l) => !blocked.some((b) => b.name === l.name && b.confPath === l.confPath));
  const outcomes: string[] = [];
  for (const lineage of passing) {
    const code = await spawn(wrapped.commandFor(lineage), io.env);
    outcomes.push(`${lineage.name}: ${code === 0 ? 'renewed' : `renewal exited ${code}`}`);
    if (code >= 128) break; // interrupted by a signal: stop here
  }
  io.stderr.write(
    `preflight run: blocked ${blocked.map((b) => printableLine(b.name)).join(', ')} (the CA would refuse; nothing was ordered)` +
      `${outcomes.length ? `; ${outcomes.map(printableLine).join('; ')}` : '; nothing else was due'}\n`,
  );
  return 1;
}

/** Runs a command; resolves to its exit code (128 + signal number when killed). */
export type Spawner = (command: string[], env: NodeJS.ProcessEnv) => Promise<number>;

/** Run with inherited stdio, forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT to the child while it runs. */
export async function spawnInherit(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child: ResultPromise = execa(command[0]!, command.slice(1), { stdio: 'inherit', reject: false, env, extendEnv: false });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const).map((s) => [s, forward(s)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    const result = await child;
    if (result.signal) return 128 + (os.constants.signals[result.signal as NodeJS.Signals] ?? 0);
    if (result.exitCode === undefined) return 127; // could not start (ENOENT and the like)
    return result.exitCode;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
