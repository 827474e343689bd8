// From "what the renewal talks to" (a --ca name, a directory URL) to the CAA identities and
// account rules the check needs. Unknown directories are asked for meta.caaIdentities
// (RFC 8555 §7.1.1) once per run, with a short timeout.
import type { CaPolicy } from '../vocabulary.js';
import { AUTHORITIES, authorityIds, findAuthority, normalizeDirectoryUrl, type CertificateAuthority } from './authorities.js';
import { once } from '../memo.js';

/** The CA a renewal will use, with where its CAA identities came from. */
export interface ResolvedCa {
  /** Directory URL (null only when an override names no server). */
  server: string | null;
  authority: CertificateAuthority | null;
  /** Short name or host, for reports. */
  label: string;
  identities: string[];
  identitySource: 'built-in table' | 'ACME directory meta.caaIdentities' | '--caa-identity' | 'site defaults';
  policy: CaPolicy;
}

export type CaResolution = { ok: true; ca: ResolvedCa } | { ok: false; server: string | null; message: string };

export interface CaResolverOptions {
  /** --caa-identity values; they replace the CA's identities. */
  identityOverride: string[];
  /** Identities per CA directory URL (normalised) from the site defaults, under --caa-identity. */
  identitiesByCa?: Map<string, string[]>;
  /** Today, for RFC 8657 enforcement dates. */
  now: Date;
  directoryTimeoutMs: number;
  fetchDirectory?: (url: string, timeoutMs: number) => Promise<unknown>;
}

/** Resolves CA names/URLs for one run; each unknown directory is fetched at most once. */
export class CaResolver {
  private readonly directories = new Map<string, Promise<string[] | string>>();

  constructor(private readonly options: CaResolverOptions) {}

  /** Resolve a --ca value or a lineage's server URL. */
  async resolve(nameOrUrl: string): Promise<CaResolution> {
    const authority = findAuthority(nameOrUrl);
    const isUrl = /^https?:\/\//i.test(nameOrUrl.trim());
    if (!authority && !isUrl) {
      return { ok: false, server: null, message: `unknown CA ${JSON.stringify(nameOrUrl)}: use a short name (${authorityIds()}) or an ACME directory URL` };
    }
    const server = isUrl ? nameOrUrl.trim() : authority!.directories[0]!;
    const enforces = authority ? enforcedBy(authority, this.options.now) : true;
    const label = authority?.id ?? hostOf(server);
    const prefixes = authority?.accountUriPrefixes ?? [];
    const otherPrefixes = AUTHORITIES.filter((a) => a !== authority).flatMap((a) => a.accountUriPrefixes);
    const make = (identities: string[], identitySource: ResolvedCa['identitySource']): CaResolution => ({
      ok: true,
      ca: {
        server, authority, label, identities, identitySource,
        policy: { identities, accountUriPrefixes: prefixes, otherAccountUriPrefixes: otherPrefixes, enforcesRfc8657: enforces },
      },
    });
    if (this.options.identityOverride.length > 0) return make(this.options.identityOverride, '--caa-identity');
    const site = this.options.identitiesByCa?.get(normalizeDirectoryUrl(server));
    if (site) return make(site, 'site defaults');
    if (authority) return make(authority.caaIdentities, 'built-in table');
    const fetched = await this.directoryIdentities(server);
    if (typeof fetched === 'string') {
      return { ok: false, server, message: `${fetched}; give the CA's CAA identity with --caa-identity DOMAIN` };
    }
    return make(fetched, 'ACME directory meta.caaIdentities');
  }

  private directoryIdentities(url: string): Promise<string[] | string> {
    const key = normalizeDirectoryUrl(url);
    return once(this.directories, key, () => this.fetchIdentities(url));
  }

  private async fetchIdentities(url: string): Promise<string[] | string> {
    const fetchDirectory = this.options.fetchDirectory ?? fetchJson;
    let body: unknown;
    try {
      body = await fetchDirectory(url, this.options.directoryTimeoutMs);
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      return `unknown CA ${url}: could not read its ACME directory (${(err as Error).message}${cause ? `: ${cause}` : ''})`;
    }
    const ids = (body as { meta?: { caaIdentities?: unknown } } | null)?.meta?.caaIdentities;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === 'string' && x !== '')) {
      return `unknown CA ${url}: its ACME directory lists no meta.caaIdentities`;
    }
    return ids.map(normalizeIdentity);
  }
}

/** How the CA normalises its own identity at start-up (Boulder core.NormalizeIssuerDomainName). */
export function normalizeIdentity(identity: string): string {
  return identity.trim().toLowerCase().replace(/\.+$/, '');
}

function enforcedBy(ca: CertificateAuthority, now: Date): boolean {
  return ca.enforcesRfc8657 === 'yes' || now.getTime() >= Date.parse(`${ca.enforcesRfc8657}T00:00:00Z`);
}

/** The host of a directory URL (how an unknown CA is named in reports); the text itself when it is not a URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}


/** GET a JSON document with a hard timeout. */
async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}
