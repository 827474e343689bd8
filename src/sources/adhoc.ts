// The pseudo-lineage of names given by hand with -d.
import type { Lineage } from './lineage.js';

/** What -d needs: the names and, optionally, the CA, account and challenge to assume. */
export interface AdhocRequest {
  domains: string[];
  ca: string | null;
  accountUri: string | null;
  challenge: string | null;
}

/** -d names as one lineage; the challenge defaults to http-01 (dns-01 for wildcards, as CAs require). */
export function adhocLineage(request: AdhocRequest): Lineage {
  const given = request.challenge;
  return {
    source: 'cli',
    name: 'cli',
    server: request.ca ?? 'letsencrypt',
    names: request.domains,
    accountUri: request.accountUri,
    accountSource: request.accountUri ? '--account-uri' : null,
    challengeFor: (name) => given ?? (name.startsWith('*.') ? 'dns-01' : 'http-01'),
    challenge: given,
    challengeSource: given ? '--challenge' : 'default for -d: http-01, dns-01 for wildcards; set --challenge',
    due: null,
    dueAt: null,
    expires: null,
    confPath: null,
    notes: [],
    caBundle: null,
  };
}
