// acme.sh's command line, as the `run` wrapper must read it: which home and CA it uses, whether
// it renews (--cron, --renew-all, --renew -d X [--ecc]), and how to renew one certificate
// (docs/acme-sh.md §1, §4).
import os from 'node:os';
import path from 'node:path';
import { LETS_ENCRYPT } from '../vocabulary.js';
import type { Lineage } from './lineage.js';
import { flagValue, wrappedRequestBase, type WrappedCommand } from './wrapped-command.js';

/**
 * Understand an acme.sh command line. `resolveServer` maps a --server value (a short name or a
 * URL) to a directory URL; `fallbackHome` is ours, used when neither the command nor the
 * environment names a home.
 */
export function acmeshCommand(
  command: string[],
  env: NodeJS.ProcessEnv,
  resolveServer: (nameOrUrl: string) => string,
  fallbackHome?: string,
): WrappedCommand {
  const args = command.slice(1);
  // acme.sh's own resolution: --home, else LE_WORKING_DIR, else ~/.acme.sh (or our --acme-home).
  const home = flagValue(args, '--home') ?? env.LE_WORKING_DIR ?? fallbackHome ?? path.join(env.HOME ?? os.homedir(), '.acme.sh');
  const configHome = flagValue(args, '--config-home') ?? env.LE_CONFIG_HOME ?? home;
  const certHome = flagValue(args, '--cert-home') ?? undefined;
  const server = flagValue(args, '--server');
  const single = args.includes('--renew') || args.includes('-r') ? flagValue(args, '-d', '--domain') : null;
  const renews = args.includes('--cron') || args.includes('--renew-all') || single !== null;
  const force = args.includes('--force') || args.includes('-f');
  const staging = args.includes('--staging') || args.includes('--test');
  const wantEcc = args.includes('--ecc');
  // Options that must reach a per-certificate `--renew` (where things are, which CA).
  const carried: string[] = [];
  for (const flag of ['--home', '--config-home', '--cert-home', '--accountconf', '--server']) {
    const value = flagValue(args, flag);
    if (value !== null) carried.push(flag, value);
  }
  for (const flag of ['--staging', '--test', '--force', '-f', '--debug', '--log']) if (args.includes(flag)) carried.push(flag);
  const override = staging ? LETS_ENCRYPT.staging : server ? resolveServer(server) : undefined;
  return {
    client: 'acme.sh',
    command,
    renews,
    request: {
      ...wrappedRequestBase(),
      only: 'acme.sh',
      configDir: null,
      acmeHomes: [configHome],
      acmeOverride: { certHome, server: override },
      certNames: [],
      due: !force,
      narrow: single === null ? undefined : (lineages) => pickForRenew(lineages, single, wantEcc),
    },
    adjust: async (lineage) => lineage,
    commandFor: (lineage) => [command[0]!, ...carried, '--renew', '-d', lineage.name, ...(lineage.ecc ? ['--ecc'] : [])],
  };
}

/** `acme.sh --renew -d X`: the RSA folder, or the _ecc one when it is the only one; --ecc: the _ecc one. */
function pickForRenew(lineages: Lineage[], domain: string, wantEcc: boolean): Lineage[] {
  const named = lineages.filter((l) => l.name === domain);
  if (wantEcc) return named.filter((l) => l.ecc);
  const rsa = named.filter((l) => !l.ecc);
  return rsa.length > 0 ? rsa : named;
}
