// From "what the renewal talks to" (a --ca name, a directory URL) to the CAA identities and
// account rules the check needs. Unknown directories are asked for meta.caaIdentities
// (RFC 8555 §7.1.1) once per run and set of trusted roots, with a short timeout.
import type { CaPolicy } from '../vocabulary.js';
import type { CaBundle, SourceKind } from '../sources/lineage.js';
import { AUTHORITIES, authorityIds, findAuthority, normalizeDirectoryUrl, type CertificateAuthority } from './authorities.js';
import { BundleError, DirectoryError, fetchDirectory, trustPhrase } from './directory.js';
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
  /** The roots the directory was read with over HTTPS, when the client names some; null: Node's defaults, or not read. */
  trust: CaBundle | null;
  policy: CaPolicy;
}

/** Who asks: the roots the renewal's client trusts, and which client it is (for advice). */
export interface CaRequester {
  bundle?: CaBundle | null;
  client?: SourceKind;
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
  fetchDirectory?: (url: string, timeoutMs: number, bundle: CaBundle | null) => Promise<unknown>;
}

/** Why a directory gave no identities; `untrusted`: its certificate led to no trusted root. */
interface DirectoryFailure {
  message: string;
  untrusted: boolean;
}

/** Resolves CA names/URLs for one run; each unknown directory is fetched at most once per set of roots. */
export class CaResolver {
  private readonly directories = new Map<string, Promise<string[] | DirectoryFailure>>();
  private readonly resolutions = new Map<string, Promise<CaResolution>>();

  constructor(private readonly options: CaResolverOptions) {}

  /**
   * Resolve a --ca value or a lineage's server URL, reading an unknown directory with the
   * requester's roots. Once per value and requester: a fleet's lineages of one CA share one
   * resolved CA (and the explanations keyed on it, README "Speed").
   */
  resolve(nameOrUrl: string, requester: CaRequester = {}): Promise<CaResolution> {
    const key = JSON.stringify([nameOrUrl, requester.bundle ?? null, requester.client ?? null]);
    return once(this.resolutions, key, () => this.resolveNow(nameOrUrl, requester));
  }

  private async resolveNow(nameOrUrl: string, requester: CaRequester): Promise<CaResolution> {
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
    const make = (identities: string[], identitySource: ResolvedCa['identitySource'], trust: CaBundle | null = null): CaResolution => ({
      ok: true,
      ca: {
        server, authority, label, identities, identitySource, trust,
        policy: { identities, accountUriPrefixes: prefixes, otherAccountUriPrefixes: otherPrefixes, enforcesRfc8657: enforces },
      },
    });
    if (this.options.identityOverride.length > 0) return make(this.options.identityOverride, '--caa-identity');
    const site = this.options.identitiesByCa?.get(normalizeDirectoryUrl(server));
    if (site) return make(site, 'site defaults');
    if (authority) return make(authority.caaIdentities, 'built-in table');
    // Roots matter only over HTTPS.
    const bundle = /^https:/i.test(server) ? requester.bundle ?? null : null;
    const fetched = await this.directoryIdentities(server, bundle);
    if (!Array.isArray(fetched)) {
      const advice = fetched.untrusted && bundle === null ? `; if the CA's root is private, ${privateRootAdvice(requester.client)}` : '';
      return { ok: false, server, message: `${fetched.message}${advice}; give the CA's CAA identity with --caa-identity DOMAIN` };
    }
    return make(fetched, 'ACME directory meta.caaIdentities', bundle);
  }

  private directoryIdentities(url: string, bundle: CaBundle | null): Promise<string[] | DirectoryFailure> {
    const key = `${normalizeDirectoryUrl(url)} ${bundle ? `${bundle.source}=${bundle.path}` : ''}`;
    return once(this.directories, key, () => this.fetchIdentities(url, bundle));
  }

  private async fetchIdentities(url: string, bundle: CaBundle | null): Promise<string[] | DirectoryFailure> {
    const fetch = this.options.fetchDirectory ?? fetchDirectory;
    let body: unknown;
    try {
      body = await fetch(url, this.options.directoryTimeoutMs, bundle);
    } catch (err) {
      // Say which roots were trusted, unless the error is that they could not be read.
      const trusting = bundle && !(err instanceof BundleError) ? `, ${trustPhrase(bundle)}` : '';
      return {
        message: `unknown CA ${url}: could not read its ACME directory (${(err as Error).message}${trusting})`,
        untrusted: err instanceof DirectoryError && err.untrusted,
      };
    }
    const ids = (body as { meta?: { caaIdentities?: unknown } } | null)?.meta?.caaIdentities;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === 'string' && x !== '')) {
      return { message: `unknown CA ${url}: its ACME directory lists no meta.caaIdentities`, untrusted: false };
    }
    return ids.map(normalizeIdentity);
  }
}

/** Where each client names a private root, for a directory whose certificate we could not trust. */
function privateRootAdvice(client: SourceKind | undefined): string {
  const node = 'or give preflight NODE_EXTRA_CA_CERTS=FILE';
  if (client === 'acme.sh') return `name it as acme.sh does, with --ca-bundle FILE (saved as CA_BUNDLE in account.conf, which preflight reads), ${node}`;
  return `point REQUESTS_CA_BUNDLE at it, as certbot needs too (preflight reads it from its environment), ${node}`;
}

/** What a lineage's report says about the roots its CA's directory was read with. */
export function trustNote(ca: ResolvedCa): string | null {
  return ca.trust ? `CA identities read from ${ca.server}, ${trustPhrase(ca.trust)}` : null;
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
