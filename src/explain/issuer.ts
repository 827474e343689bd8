// Which CA an issuer value meant: an exact match, a near miss on this CA's identity (trailing
// dot, case, quotes, "www."), another CA's identity, or a brand name that is no identity at all
// (docs/cas-and-failures.md §3.2-3). The CAs come from the view; this module knows none itself.
import { asciiLower } from '../caa/evaluate.js';
import { bytesToText } from '../caa/zone.js';
import type { IssuerNearMiss } from './findings.js';
import type { CaView } from './types.js';

/** What an issuer value says about the author's intent. */
export type IssuerVerdict =
  | { code: 'match'; nearMiss: false; text: string; meant: string }
  | { code: IssuerNearMiss; nearMiss: true; text: string; meant: string }
  /** issuer-brand-name of another CA: no near miss for us. */
  | { code: 'issuer-brand-name'; nearMiss: false; text: string; meant: null }
  | { code: 'deny-all' | 'other-ca' | 'other-issuer'; nearMiss: false; text: string; meant: null };

/** Why an issuer domain does (not) match this CA, and which identity the author evidently meant. */
export function judgeIssuer(issuer: string, ca: CaView): IssuerVerdict {
  const ids = ca.policy.identities;
  const shown = JSON.stringify(bytesToText(issuer));
  if (ids.includes(issuer)) return { nearMiss: false, code: 'match', text: 'matches', meant: issuer };
  if (issuer === '') {
    return { nearMiss: false, code: 'deny-all', text: 'empty issuer domain: authorizes no CA (deny-all)', meant: null };
  }
  const bare = issuer.replace(/\.+$/, '');
  const simple = asciiLower(bare.replace(/^["']+|["']+$/g, '').trim());
  const meant = ids.find((id) => id === simple || `www.${id}` === simple);
  if (meant !== undefined) {
    const problems: string[] = [];
    if (bare !== issuer) problems.push('has a trailing dot (CAA issuer names are not FQDNs and are matched exactly)');
    if (/^["']|["']$/.test(bare)) problems.push('contains quote characters inside the value');
    if (asciiLower(bare) !== bare && asciiLower(bare).includes(meant)) problems.push('differs in case (the CA compares byte for byte)');
    if (simple.startsWith('www.')) problems.push('has a "www." prefix');
    if (problems.length === 0) problems.push('has extra characters');
    const code = bare !== issuer ? 'issuer-trailing-dot' : asciiLower(bare) !== bare ? 'issuer-case' : 'issuer-near-miss';
    return { nearMiss: true, code, text: `issuer ${shown} ${problems.join(' and ')}; write "${meant}"`, meant };
  }
  const production = ca.catalog.filter((x) => !x.staging);
  const owners = production.filter((x) => x.caaIdentities.includes(issuer));
  if (owners.length > 0) {
    const names = [...new Set(owners.map((o) => o.displayName))].join(' / ');
    return { nearMiss: false, code: 'other-ca', text: `authorizes ${names}, not ${ca.displayName}`, meant: null };
  }
  // Another CA's identity, misspelt the same ways: it authorizes nobody, that CA included.
  const named = production.filter((x) => x.caaIdentities.includes(simple));
  if (named.length > 0) {
    const names = [...new Set(named.map((o) => o.displayName))].join(' / ');
    const why = bare !== issuer ? 'has a trailing dot' : asciiLower(bare) !== bare ? 'differs in case' : 'has extra characters';
    return {
      nearMiss: false, code: 'other-issuer',
      text: `issuer ${shown} ${why}, so it authorizes no CA at all (it names ${names}; ${ca.displayName} needs ${ids.map((i) => `"${i}"`).join(' or ')})`,
      meant: null,
    };
  }
  const brandCa = production.find((x) => x.brand?.test(bytesToText(issuer)));
  const identity = brandCa?.caaIdentities[0];
  if (brandCa && identity !== undefined) {
    const text = `${shown} is not a CAA identity; ${brandCa.displayName}'s CAA identity is "${identity}"`;
    return brandCa.caaIdentities.some((i) => ids.includes(i))
      ? { nearMiss: true, code: 'issuer-brand-name', text, meant: identity }
      : { nearMiss: false, code: 'issuer-brand-name', text, meant: null };
  }
  return { nearMiss: false, code: 'other-issuer', text: `issuer ${shown} is not ${ids.map((i) => `"${i}"`).join(' or ')}`, meant: null };
}
