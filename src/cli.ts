#!/usr/bin/env node
// preflight: check that the CA's CAA policy allows the coming renewals, before they are tried.
// Subcommands: (none) check · run (wrapper) · hook (certbot/acme.sh pre-hooks) · list · suggest · demo ·
// acme-hooks (install/remove the acme.sh pre-hook in existing confs).
//
// Each command is loaded only when it runs, so `--version` and the hooks start about as fast as
// node itself (README "Speed").
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './commands/session.js';
import { UsageError } from './commands/usage-error.js';
import { VERSION } from './version.js';

export type { CliIo };

const SUBCOMMANDS = ['run', 'hook', 'demo', 'acme-hooks', 'list', 'suggest'] as const;

/** Whether argv asks for help: -h/--help anywhere before a `--` (after it, it is COMMAND's). */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** `preflight help [CMD] [--man]`, `preflight --help`, `preflight CMD --help`: print, do nothing else. */
async function helpCommand(argv: string[], io: CliIo): Promise<number> {
  const help = await import('./commands/help.js');
  if (argv.includes('--man')) {
    io.stdout.write(help.manPage(VERSION));
    return 0;
  }
  const topic = argv.find((a) => !a.startsWith('-'));
  if (topic === undefined) {
    io.stdout.write(help.overview());
    return 0;
  }
  if (!help.isCommandName(topic)) throw new UsageError(`no help on ${JSON.stringify(topic)}: commands are check, ${SUBCOMMANDS.join(', ')}`);
  io.stdout.write(help.commandHelp(topic));
  return 0;
}

/** Run the command; resolves to the process exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const sub = (SUBCOMMANDS as readonly string[]).includes(argv[0] ?? '') ? argv[0]! : null;
    if (argv[0] === 'help') return await helpCommand(argv.slice(1), io);
    if (asksForHelp(argv)) return await helpCommand(sub === null ? [] : [sub], io);
    switch (argv[0]) {
      case 'run':
        return await (await import('./commands/run.js')).runWrapper(argv.slice(1), io);
      case 'hook':
        return await (await import('./commands/hook.js')).hookCommand(argv.slice(1), io);
      case 'demo':
        return await (await import('./commands/demo.js')).runDemo(argv.slice(1), io);
      case 'acme-hooks':
        return await (await import('./commands/acme-hooks.js')).acmeHooksCommand(argv.slice(1), io);
      case 'list':
        return await (await import('./commands/list.js')).listCommand(argv.slice(1), io);
      case 'suggest':
        return await (await import('./commands/suggest.js')).suggestCommand(argv.slice(1), io);
      default:
        return await checkCommand(argv, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`preflight: ${err.message}\nTry 'preflight --help'.\n`);
      return 64;
    }
    throw err;
  }
}

/** `preflight [options]`: check and report; the exit code says what to do. */
async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout.write(`preflight ${VERSION}\n`);
    return 0;
  }
  const { parseWithSiteDefaults } = await import('./commands/options.js');
  const options = parseWithSiteDefaults(argv, io.env);
  if (options.blockedExitCode !== null) throw new UsageError('--blocked-exit-code applies to preflight run only');
  if (options.version) {
    io.stdout.write(`preflight ${VERSION}\n`);
    return 0;
  }
  const [{ executeCheck }, { exitCodeFor }] = await Promise.all([import('./commands/session.js'), import('./check.js')]);
  // The report is written as the check goes: a fleet's full report is never held at once.
  const report = await executeCheck(options, io, undefined, 'stdout');
  return exitCodeFor(report);
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A reader that goes away (`preflight | head -1`) is not an error of ours: stop quietly, with
  // the status a shell gives a process killed by SIGPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(128 + 13);
      throw err;
    });
  }
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => new Date() })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`preflight: internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 70;
    });
}
