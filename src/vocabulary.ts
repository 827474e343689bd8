// The words every layer shares. This module imports nothing of ours, so anything may import it
// without an arrow running back up the pipeline (README "Architecture").
import net from 'node:net';

/** A verdict: `pass` the CA issues; `warn` it issues, but something is off; `fail` it refuses; `error` unknown from here. */
export type Status = 'pass' | 'warn' | 'fail' | 'error';

/** How bad a status is, for "the worst of" and for metrics (0 pass, 1 warn, 2 error, 3 fail). */
export const STATUS_RANK: Readonly<Record<Status, number>> = { pass: 0, warn: 1, error: 2, fail: 3 };

/** The most severe of some statuses (fail > error > warn > pass); `pass` for none. */
export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'pass';
  for (const s of statuses) if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  return worst;
}

/** A problem with an input (a conf that cannot be read, a resolver that cannot be configured), named by where it is. */
export interface SourceError {
  source: string;
  path: string | null;
  message: string;
}

/** The ACME challenge types the CA knows, in Boulder's order (docs/caa-rules.md rule 15). */
export const CHALLENGE_TYPES = ['http-01', 'dns-01', 'tls-alpn-01', 'dns-account-01', 'dns-persist-01'] as const;
export type ChallengeType = (typeof CHALLENGE_TYPES)[number];

/** Whether a string is one of the CA's challenge type names (case-sensitive, as the CA compares). */
export function isChallengeType(text: string): text is ChallengeType {
  return (CHALLENGE_TYPES as readonly string[]).includes(text);
}

/**
 * CAA flag bits that make an unknown property critical: 128 is the RFC's critical bit, and the
 * CA also honours bit 1, a common misreading of the RFC (docs/caa-rules.md rule 7).
 */
export const CRITICAL_FLAG_BITS = 128 | 1;

/** Let's Encrypt's ACME directories (docs/certbot.md §4: certbot maps v1 to v2, --dry-run uses staging). */
export const LETS_ENCRYPT = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  productionV1: 'https://acme-v01.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
  stagingV1: 'https://acme-staging.api.letsencrypt.org/directory',
} as const;

/** ZeroSSL's directory: acme.sh's default CA since v3.0.0 (docs/acme-sh.md §4). */
export const ZEROSSL_DIRECTORY = 'https://acme.zerossl.com/v2/DV90';

/** Whether an identifier is an IP address (`[v6]` brackets allowed); the CA skips CAA for those (docs/caa-rules.md §0). */
export function isIpAddress(text: string): boolean {
  // A name with a letter past 'f' and no colon is no address: spares net.isIP's long patterns per name.
  if (!text.includes(':') && /[g-z]/i.test(text)) return false;
  return net.isIP(text.trim().replace(/^\[(.*)\]$/, '$1')) !== 0;
}

/** What a CA accepts in CAA: the input of the policy (src/caa), produced from CA knowledge (src/ca). */
export interface CaPolicy {
  /** CAA identities (issuer domains) the CA accepts; compared byte-exactly (docs/caa-rules.md rule 13). */
  identities: string[];
  /** Prefixes that, followed by a decimal account id, form this CA's account URIs (rule 14). */
  accountUriPrefixes: string[];
  /** Account URI prefixes of the other known CAs (their accounts never match this CA). */
  otherAccountUriPrefixes: string[];
  /** Whether the CA enforces RFC 8657 accounturi/validationmethods today (docs/ca-view.md §4). */
  enforcesRfc8657: boolean;
}
