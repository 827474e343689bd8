// certbot's command line, as the `run` wrapper must read it: the subcommand, where the config
// lives, --cert-name, --server, --dry-run and forced renewals (docs/certbot.md §1.1, §4).
import { LETS_ENCRYPT } from '../vocabulary.js';
import { readAccount } from './certbot.js';
import type { Lineage } from './lineage.js';
import { DEFAULT_CONFIG_DIR } from './select.js';
import { flagValue, wrappedRequestBase, type WrappedCommand } from './wrapped-command.js';

/** certbot flags that take a value (so the value is not mistaken for the subcommand). */
const VALUE_FLAGS = new Set([
  '-c', '--config', '--config-dir', '--work-dir', '--logs-dir', '--cert-name', '--server', '-a', '--authenticator',
  '-i', '--installer', '--preferred-challenges', '--pre-hook', '--post-hook', '--deploy-hook', '--renew-hook',
  '--account', '-m', '--email', '--key-type', '--rsa-key-size', '--elliptic-curve', '--user-agent', '-w',
  '--webroot-path', '--webroot-map', '--http-01-port', '--http-01-address', '--https-port', '--preferred-chain',
  '--max-log-backups', '--csr', '--cert-path', '--key-path', '--fullchain-path', '--chain-path', '--eab-kid',
  '--eab-hmac-key', '--preferred-profile', '--required-profile', '--issuance-timeout', '-d', '--domains', '--domain',
]);

/** Understand a certbot command line; `fallbackConfigDir` is ours, used when it names none. */
export function certbotCommand(command: string[], fallbackConfigDir: string | null): WrappedCommand {
  const args = command.slice(1);
  let subcommand: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) {
      subcommand = arg;
      break;
    }
  }
  // What certbot will read: its own --config-dir, else ours, else its default.
  const configDir = flagValue(args, '--config-dir') ?? fallbackConfigDir;
  const certName = flagValue(args, '--cert-name');
  const serverFlag = flagValue(args, '--server');
  const dryRun = args.includes('--dry-run');
  const force = dryRun || args.includes('--force-renewal') || args.includes('--renew-by-default');
  return {
    client: 'certbot',
    command,
    renews: subcommand === 'renew',
    request: { ...wrappedRequestBase(), only: 'certbot', configDir, acmeHomes: [], certNames: certName ? [certName] : [], due: !force },
    async adjust(lineage) {
      let adjusted = lineage;
      if (serverFlag) adjusted = { ...adjusted, server: serverFlag, notes: [...adjusted.notes, 'server from --server on the certbot command line'] };
      if (dryRun) adjusted = await dryRunLineage(adjusted, configDir ?? DEFAULT_CONFIG_DIR);
      return adjusted;
    },
    commandFor: (lineage) => [...command, '--cert-name', lineage.name],
  };
}

/**
 * certbot --dry-run orders from Let's Encrypt staging with a staging account (docs/certbot.md §4):
 * the accounturi that matters is that account's, not production's. Also what `preflight suggest
 * --with-staging` authorises.
 */
export async function dryRunLineage(lineage: Lineage, configDir: string): Promise<Lineage> {
  if (lineage.server !== LETS_ENCRYPT.production) return lineage;
  // certbot picks the only staging account, asks when there are several, registers when none.
  const account = await readAccount(configDir, LETS_ENCRYPT.staging, null);
  return {
    ...lineage,
    server: LETS_ENCRYPT.staging,
    accountUri: account.uri,
    accountSource: account.path,
    notes: [...lineage.notes, `--dry-run: checked against Let's Encrypt staging${account.error ? ` (${account.error})` : ''}`],
  };
}
