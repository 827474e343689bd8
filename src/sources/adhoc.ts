// The pseudo-lineage of names given by hand with -d.
import type { CheckOptions } from '../options.js';
import type { Lineage } from './lineage.js';

/** -d names as one lineage; the challenge defaults to http-01 (dns-01 for wildcards, as CAs require). */
export function cliLineage(options: Pick<CheckOptions, 'domains' | 'ca' | 'accountUri' | 'challenge'>): Lineage {
  const given = options.challenge;
  return {
    source: 'cli',
    name: 'cli',
    server: options.ca ?? 'letsencrypt',
    names: options.domains,
    accountUri: options.accountUri,
    accountSource: options.accountUri ? '--account-uri' : null,
    challengeFor: (name) => given ?? (name.startsWith('*.') ? 'dns-01' : 'http-01'),
    challenge: given,
    challengeSource: given ? '--challenge' : 'default for -d: http-01, dns-01 for wildcards; set --challenge',
    due: null,
    confPath: null,
    notes: [],
  };
}
