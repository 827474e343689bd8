// `preflight acme-hooks add|remove`: put the pre-hook into existing acme.sh certificate confs,
// or take it out. acme.sh keeps hooks per certificate and has no command to change one without
// re-issuing (docs/acme-sh.md §5), so the conf is edited: backup first, our hook chained in front of
// any existing one, the same base64 encoding acme.sh writes. Only on explicit request.
import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isDirectory, isFile, writeFileAtomic } from '../fsutil.js';
import { printableLine } from '../report/escape.js';
import { defaultAcmeHomes, readAcmeHome } from '../sources/acmesh.js';
import { decodeAcmeValue, encodeAcmeValue, parseShellConf } from '../sources/shellconf.js';
import { UsageError } from './options.js';
import type { CliIo } from './session.js';
import { parseArgsSpec, type OptionValues } from './option-table.js';

export const DEFAULT_HOOK_COMMAND = 'preflight hook acme.sh';

/**
 * Our command as a pre-hook: only its exit status 1 ("the CA would refuse") fails the hook. A
 * missing launcher or node (127), a crash of ours, anything else lets acme.sh renew: our own
 * absence must never stop a renewal.
 */
export function guarded(command: string): string {
  return `${command}; [ $? -ne 1 ]`;
}

/**
 * The Le_PreHook value with our (guarded) command chained first; an older form of ours is
 * replaced. The old hook runs in a subshell on its own lines, so its `|| true` or a trailing
 * comment cannot turn our refusal into success: acme.sh evals the value and aborts only when
 * it fails.
 */
export function withHook(current: string, command: string): string {
  const rest = withoutHook(current, command);
  return rest === '' ? guarded(command) : `{ ${guarded(command)}; } && (\n${rest}\n)`;
}

/** The Le_PreHook value with our command taken out again (any form we ever wrote). */
export function withoutHook(current: string, command: string): string {
  if (current === command || current === guarded(command)) return '';
  for (const head of [`{ ${guarded(command)}; } && (\n`, `${command} && (\n`]) {
    if (current.startsWith(head) && current.endsWith('\n)')) return current.slice(head.length, -2);
  }
  return current;
}

/** Rewrite one conf's Le_PreHook; returns whether it changed (would change, with dryRun). Backs up before writing. */
export async function editPreHook(confPath: string, change: (hook: string) => string, dryRun = false): Promise<boolean> {
  const text = await readFile(confPath, 'utf8');
  const current = decodeAcmeValue(parseShellConf(text).values.get('Le_PreHook') ?? '');
  const next = change(current);
  if (next === current || dryRun) return next !== current;
  const line = `Le_PreHook='${encodeAcmeValue(next)}'`;
  const lines = text.split('\n');
  const at = lines.findLastIndex((l) => /^Le_PreHook=/.test(l)); // the shell uses the last one
  if (at >= 0) lines[at] = line;
  else lines.splice(lines[lines.length - 1] === '' ? lines.length - 1 : lines.length, 0, line);
  const mode = (await stat(confPath)).mode & 0o777;
  await copyFile(confPath, `${confPath}.caa-preflight.bak`);
  await writeFileAtomic(confPath, lines.join('\n'), mode);
  return true;
}

/** `preflight acme-hooks add|remove [--acme-home DIR]... [--command CMD] [--purge-backups] [--dry-run]`. */
export async function acmeHooksCommand(argv: string[], io: CliIo): Promise<number> {
  const action = argv[0];
  if (action !== 'add' && action !== 'remove') throw new UsageError('acme-hooks needs add or remove');
  let values: OptionValues;
  try {
    ({ values } = parseArgs({
      args: argv.slice(1),
      options: parseArgsSpec('acme-hooks'),
      strict: true,
    }) as { values: OptionValues });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const command = values.command ?? DEFAULT_HOOK_COMMAND;
  const homes = values['acme-home'] ?? (await defaultAcmeHomes(io.env));
  if (homes.length === 0) {
    io.stdout.write('acme.sh: no home found (give --acme-home DIR); nothing changed\n');
    return 0;
  }
  let failures = 0;
  const dryRun = values['dry-run'] === true;
  // What was (or, with --dry-run, would be) done to a conf: install.sh shows these lines as its plan.
  const done = (changed: boolean, conf: string): string => {
    if (!changed) return `unchanged: ${conf}`;
    if (action === 'remove') return `${dryRun ? 'would remove from' : 'removed from'}: ${conf}`;
    return dryRun ? `would add to: ${conf} (backed up first to ${conf}.caa-preflight.bak)` : `added to: ${conf}`;
  };
  for (const home of homes) {
    if (!(await isDirectory(home))) {
      io.stderr.write(`acme.sh ${printableLine(home)}: no such directory (--acme-home); nothing changed there\n`);
      failures++;
      continue;
    }
    io.stdout.write(`home ${printableLine(home)}\n`); // install.sh records these for --uninstall
    const { lineages, errors } = await readAcmeHome(home, io.now());
    for (const e of errors) io.stderr.write(`acme.sh ${printableLine(e.path ?? home)}: ${printableLine(e.message)}\n`);
    for (const lineage of lineages) {
      const conf = lineage.confPath!;
      try {
        const changed = await editPreHook(conf, (hook) => (action === 'add' ? withHook(hook, command) : withoutHook(hook, command)), dryRun);
        io.stdout.write(`${printableLine(done(changed, conf))}\n`);
        const backup = `${conf}.caa-preflight.bak`;
        if (action === 'remove' && values['purge-backups'] && (await isFile(backup))) {
          if (!dryRun) await rm(backup, { force: true });
          io.stdout.write(`${dryRun ? 'would remove' : 'removed'}: ${printableLine(backup)}\n`);
        }
      } catch (err) {
        failures++;
        io.stderr.write(`acme.sh ${printableLine(conf)}: ${(err as Error).message}\n`);
      }
    }
  }
  return failures > 0 ? 2 : 0;
}
