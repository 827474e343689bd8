// Which lineages a run checks: -d names, the acme.sh certificate whose pre-hook we are, or
// every certbot lineage and acme.sh certificate (filtered by --cert-name and --due). Every
// command (check, hook, run) selects through here; a bad source becomes an error, never a stop.
import path from 'node:path';
import { isDirectory, isFile } from '../fsutil.js';
import type { SourceError } from '../vocabulary.js';
import { defaultAcmeHomes, readAcmeCert, readAcmeHome, resolveAcmeHome } from './acmesh.js';
import { adhocLineage, type AdhocRequest } from './adhoc.js';
import { readCertbotLineages } from './certbot.js';
import type { Lineage } from './lineage.js';
import { withTrust } from './trust.js';

/** certbot's default config dir, read only when it exists. */
export const DEFAULT_CONFIG_DIR = '/etc/letsencrypt';

/** What to check, as plain data; commands map their options onto it. */
export interface SelectionRequest extends AdhocRequest {
  all: boolean;
  certNames: string[];
  /** Keep only lineages due for renewal (and those whose due-ness is unknown). */
  due: boolean;
  /** certbot config dir; null = the default, read only if it exists. */
  configDir: string | null;
  /** acme.sh homes; none = the usual homes. */
  acmeHomes: string[];
  /** Read only this client's lineages. */
  only?: 'certbot' | 'acme.sh';
  /** What an acme.sh command line overrides (--cert-home, --server). */
  acmeOverride?: { certHome?: string; server?: string };
  /** A client's own narrowing (acme.sh --renew -d X [--ecc]), applied before the due filter. */
  narrow?: (lineages: Lineage[]) => Lineage[];
}

/** The lineages to check and the problems met while reading them. */
export interface Selection {
  lineages: Lineage[];
  errors: SourceError[];
}

/** Where a selection runs: the environment (acme.sh's variables), the working directory, today. */
export interface SelectionContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: Date;
}

/**
 * Gather the lineages a run checks, each with the roots its client trusts for the CA's HTTPS
 * (trust.ts). Never throws for a bad source: it becomes an error.
 */
export async function selectLineages(request: SelectionRequest, context: SelectionContext): Promise<Selection> {
  const selection = await gather(request, context);
  return { ...selection, lineages: withTrust(selection.lineages, context.env, context.cwd) };
}

/** The lineages of the request, as their sources read them. */
async function gather(request: SelectionRequest, context: SelectionContext): Promise<Selection> {
  if (request.domains.length > 0) return { lineages: [adhocLineage(request)], errors: [] };

  const hook = request.only ? null : await acmePreHookLineage(request, context);
  if (hook) return hook;

  const errors: SourceError[] = [];
  const lineages: Lineage[] = [];
  if (request.only !== 'acme.sh') {
    const configDir = request.configDir ?? DEFAULT_CONFIG_DIR;
    if (await isDirectory(configDir)) {
      const certbot = await readCertbotLineages(configDir, context.now);
      lineages.push(...certbot.lineages);
      errors.push(...certbot.errors);
    } else if (request.configDir !== null) {
      errors.push({ source: 'certbot', path: configDir, message: 'no such directory (--config-dir)' });
    }
  }
  if (request.only !== 'certbot') {
    const homes = request.acmeHomes.length > 0 ? request.acmeHomes : await defaultAcmeHomes(context.env);
    for (const home of homes) {
      if (!(await isDirectory(home))) {
        errors.push({ source: 'acme.sh', path: home, message: 'no such directory (--acme-home)' });
        continue;
      }
      const acme = await readAcmeHome(home, context.now, request.acmeOverride);
      lineages.push(...acme.lineages);
      errors.push(...acme.errors);
    }
  }

  let selected = lineages;
  if (request.certNames.length > 0) {
    selected = lineages.filter((l) => request.certNames.includes(l.name));
    for (const wanted of request.certNames) {
      if (!lineages.some((l) => l.name === wanted)) {
        errors.push({ source: 'selection', path: null, message: `--cert-name ${wanted}: no certbot lineage or acme.sh certificate of that name` });
      }
    }
  }
  if (request.narrow) selected = request.narrow(selected);
  // --due keeps lineages whose due-ness is unknown: a needless check costs little.
  if (request.due) selected = selected.filter((l) => l.due !== false);
  return { lineages: selected, errors };
}

/**
 * acme.sh runs a pre-hook with Le_Domain in the environment and the certificate's folder as
 * the working directory (docs/acme-sh.md §5): then check exactly that certificate.
 */
async function acmePreHookLineage(request: SelectionRequest, context: SelectionContext): Promise<Selection | null> {
  const domain = context.env.Le_Domain;
  if (!domain || request.all || request.certNames.length > 0) return null;
  const confPath = path.join(context.cwd, `${domain}.conf`);
  if (!(await isFile(confPath))) return null;
  const configHome = context.env.LE_CONFIG_HOME || path.dirname(context.cwd);
  const { home, error } = await resolveAcmeHome(configHome);
  const result = await readAcmeCert(home, confPath, path.basename(context.cwd).endsWith('_ecc'), context.now, {
    server: context.env.ACME_DIRECTORY || undefined,
    caConf: context.env.CA_CONF || undefined,
  });
  return { lineages: result.lineage ? [result.lineage] : [], errors: [...(error ? [error] : []), ...result.errors] };
}
