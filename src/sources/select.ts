// Which lineages a run checks: -d names, the acme.sh certificate whose pre-hook we are, or
// every certbot lineage and acme.sh certificate (filtered by --cert-name and --due).
import path from 'node:path';
import type { SourceError } from '../check.js';
import type { CheckOptions } from '../options.js';
import { defaultAcmeHomes, readAcmeCert, readAcmeHome, resolveAcmeHome } from './acmesh.js';
import { readCertbotLineages } from './certbot.js';
import { cliLineage } from './cli.js';
import { isDirectory, isFile } from '../fsutil.js';
import type { Lineage } from './lineage.js';

export const DEFAULT_CONFIG_DIR = '/etc/letsencrypt';

export interface Selection {
  lineages: Lineage[];
  errors: SourceError[];
  /** How the lineages were chosen, for the report. */
  mode: 'cli' | 'acme.sh pre-hook' | 'installed';
}

/** Gather the lineages this run checks. Never throws for a bad source: it becomes an error. */
export async function selectLineages(
  options: Pick<CheckOptions, 'domains' | 'ca' | 'accountUri' | 'challenge' | 'certNames' | 'due' | 'configDir' | 'acmeHomes' | 'all'>,
  context: { env: NodeJS.ProcessEnv; cwd: string; now: Date },
  only?: 'certbot' | 'acme.sh',
): Promise<Selection> {
  if (options.domains.length > 0) return { lineages: [cliLineage(options)], errors: [], mode: 'cli' };

  const hook = only ? null : await acmePreHookLineage(options, context);
  if (hook) return hook;

  const errors: SourceError[] = [];
  const lineages: Lineage[] = [];
  const configDir = options.configDir ?? DEFAULT_CONFIG_DIR;
  if (only === 'acme.sh') {
    // certbot not wanted
  } else if (await isDirectory(configDir)) {
    const certbot = await readCertbotLineages(configDir, context.now);
    lineages.push(...certbot.lineages);
    errors.push(...certbot.errors);
  } else if (options.configDir !== null) {
    errors.push({ source: 'certbot', path: configDir, message: 'no such directory (--config-dir)' });
  }
  const homes = only === 'certbot' ? [] : options.acmeHomes.length > 0 ? options.acmeHomes : await defaultAcmeHomes(context.env);
  for (const home of homes) {
    if (!(await isDirectory(home))) {
      errors.push({ source: 'acme.sh', path: home, message: 'no such directory (--acme-home)' });
      continue;
    }
    const acme = await readAcmeHome(home, context.now);
    lineages.push(...acme.lineages);
    errors.push(...acme.errors);
  }

  let selected = lineages;
  if (options.certNames.length > 0) {
    selected = lineages.filter((l) => options.certNames.includes(l.name));
    for (const wanted of options.certNames) {
      if (!lineages.some((l) => l.name === wanted)) {
        errors.push({ source: 'selection', path: null, message: `--cert-name ${wanted}: no certbot lineage or acme.sh certificate of that name` });
      }
    }
  }
  // --due keeps lineages whose due-ness is unknown: a needless check costs little.
  if (options.due) selected = selected.filter((l) => l.due !== false);
  return { lineages: selected, errors, mode: 'installed' };
}

/**
 * acme.sh runs a pre-hook with Le_Domain in the environment and the certificate's folder as
 * the working directory (acmesh.md §5): then check exactly that certificate.
 */
async function acmePreHookLineage(
  options: Pick<CheckOptions, 'certNames' | 'all'>,
  context: { env: NodeJS.ProcessEnv; cwd: string; now: Date },
): Promise<Selection | null> {
  const domain = context.env.Le_Domain;
  if (!domain || options.all || options.certNames.length > 0) return null;
  const confPath = path.join(context.cwd, `${domain}.conf`);
  if (!(await isFile(confPath))) return null;
  const configHome = context.env.LE_CONFIG_HOME || path.dirname(context.cwd);
  const { home, error } = await resolveAcmeHome(configHome);
  const result = await readAcmeCert(home, confPath, path.basename(context.cwd).endsWith('_ecc'), context.now, {
    server: context.env.ACME_DIRECTORY || undefined,
    caConf: context.env.CA_CONF || undefined,
  });
  return {
    lineages: result.lineage ? [result.lineage] : [],
    errors: [...(error ? [error] : []), ...result.errors],
    mode: 'acme.sh pre-hook',
  };
}
