// `preflight hook certbot|acme.sh`: the pre-hooks. They report where an admin will see it —
// stderr, syslog/journal and a JSON status file — because certbot hides a hook's output under
// -q and renews anyway (docs/certbot.md §0), while acme.sh aborts the certificate whose pre-hook
// fails (docs/acme-sh.md §5): so the acme.sh hook exits non-zero only when the CA would refuse.
import os from 'node:os';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { printableLine } from '../report/escape.js';
import { CHECKED_ENV, parseWithSiteDefaults, UsageError, type CheckOptions } from './options.js';
import { emitReport, executeCheck, type CliIo } from './session.js';
import { selectLineages } from '../sources/select.js';

/** Where hook status files go: /var/lib/caa-preflight as root, else the user's state dir. */
export function defaultStatusDir(env: NodeJS.ProcessEnv): string {
  if (env.CAA_PREFLIGHT_STATE_DIR) return env.CAA_PREFLIGHT_STATE_DIR;
  if (process.getuid?.() === 0) return '/var/lib/caa-preflight';
  return path.join(env.XDG_STATE_HOME || path.join(env.HOME ?? os.homedir(), '.local', 'state'), 'caa-preflight');
}

/**
 * Run a pre-hook; returns the exit code its client should see. acme.sh aborts the renewal on
 * any non-zero exit, so for acme.sh nothing but a `fail` verdict (or `error` with --strict) may
 * exit non-zero: a usage mistake or a crash of our own is reported and lets the renewal go on.
 */
export async function hookCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] !== 'acme.sh') return runHook(argv, io);
  try {
    return await runHook(argv, io);
  } catch (err) {
    io.stderr.write(`preflight: ${(err as Error).message}; not stopping acme.sh's renewal over our own trouble\n`);
    return argv.includes('--strict') ? 1 : 0;
  }
}

async function runHook(argv: string[], io: CliIo): Promise<number> {
  const client = argv[0];
  if (client !== 'certbot' && client !== 'acme.sh') {
    throw new UsageError('hook needs the client: preflight hook certbot | preflight hook acme.sh');
  }
  const parsed = parseWithSiteDefaults(argv.slice(1), io.env);
  if (parsed.domains.length > 0) throw new UsageError('hook checks what the client renews; -d does not apply');
  if (parsed.blockedExitCode !== null) throw new UsageError('--blocked-exit-code applies to preflight run only');
  // Inside `preflight run` the wrapper has checked already (and renews only what passed).
  if (io.env[CHECKED_ENV]) return 0;
  const stateDir = defaultStatusDir(io.env);
  // A hook checks what is due now: always worth asking every authoritative server.
  // Silent on pass (acme.sh's cron mails whatever a hook prints): only failures and errors are
  // printed, everything goes to syslog and the status file; -v shows all.
  const options: CheckOptions = { ...parsed, syslog: true, authoritative: parsed.authoritative ?? true, quiet: !parsed.verbose };

  if (client === 'certbot') {
    // certbot runs pre-hooks only when a lineage is due, and tells them nothing else: check the due ones.
    if (parsed.statusFile === null) await mkdir(stateDir, { recursive: true, mode: 0o755 });
    const certbotOptions = { ...options, due: true, statusFile: parsed.statusFile ?? path.join(stateDir, 'certbot.json') };
    const report = await executeCheck(certbotOptions, io, await selectLineages({ ...certbotOptions, only: 'certbot' }, { env: io.env, cwd: io.cwd ?? process.cwd(), now: io.now() }));
    await emitReport(report, certbotOptions, io, 'stderr');
    if (report.status === 'fail') {
      io.stderr.write(
        'preflight: certbot renews anyway — a failing pre-hook does not stop it. To skip what would fail, ' +
          'renew through the wrapper: preflight run -- certbot -q renew\n',
      );
      return 1;
    }
    return 0;
  }

  const domain = io.env.Le_Domain;
  if (!domain) throw new UsageError('hook acme.sh must run as acme.sh\'s pre-hook (Le_Domain is not set)');
  if (parsed.statusFile === null) await mkdir(path.join(stateDir, 'acme.sh'), { recursive: true, mode: 0o755 });
  const statusFile = parsed.statusFile ?? path.join(stateDir, 'acme.sh', `${domain.replace(/[^A-Za-z0-9.-]/g, '_')}${path.basename(io.cwd ?? process.cwd()).endsWith('_ecc') ? '_ecc' : ''}.json`);
  const acmeOptions = { ...options, statusFile };
  const report = await executeCheck(acmeOptions, io);
  await emitReport(report, acmeOptions, io, 'stderr');
  const shown = printableLine(domain);
  if (report.status === 'fail') {
    io.stderr.write(`preflight: stopping acme.sh's renewal of ${shown}: the CA would refuse it (no order was placed)\n`);
    return 1;
  }
  if (report.status === 'error' && options.strict) {
    io.stderr.write(`preflight: stopping acme.sh's renewal of ${shown}: it could not be checked (--strict; our own trouble, not the CA's)\n`);
    return 1;
  }
  if (report.status === 'error') io.stderr.write(`preflight: could not check ${shown} (our own trouble, not the CA's); acme.sh renews it unchecked\n`);
  return 0;
}
