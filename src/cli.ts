#!/usr/bin/env node
// preflight: check that the CA's CAA policy allows the coming renewals, before they are tried.
// Subcommands: (none) check · run (wrapper) · hook (certbot/acme.sh pre-hooks) · demo ·
// acme-hooks (install/remove the acme.sh pre-hook in existing confs).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exitCodeFor } from './check.js';
import { acmeHooksCommand } from './commands/acme-hooks.js';
import { runDemo } from './commands/demo.js';
import { hookCommand } from './commands/hook.js';
import { parseCheckOptions, UsageError, USAGE } from './commands/options.js';
import { runWrapper } from './commands/run.js';
import { emitReport, executeCheck, type CliIo } from './commands/session.js';
import { VERSION } from './version.js';

export type { CliIo };

/** Run the command; resolves to the process exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    switch (argv[0]) {
      case 'run':
        return await runWrapper(argv.slice(1), io);
      case 'hook':
        return await hookCommand(argv.slice(1), io);
      case 'demo':
        return await runDemo(argv.slice(1), io);
      case 'acme-hooks':
        return await acmeHooksCommand(argv.slice(1), io);
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
  const options = parseCheckOptions(argv);
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (options.version) {
    io.stdout.write(`preflight ${VERSION}\n`);
    return 0;
  }
  const report = await executeCheck(options, io);
  await emitReport(report, options, io);
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
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => new Date() })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`preflight: internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 70;
    });
}
