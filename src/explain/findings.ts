// Every finding a report can carry, as one named constructor each with a stable code (after Let's
// Debug's problem.go): scripts match on `code`, people read `message`. The wording lives here.
import { edeSummary } from '../caa/messages.js';
import type { ServerFault } from '../dns/server-answer.js';
import type { CaaFailed, CaaLookup } from '../dns/lookup.js';
import type { Finding } from './types.js';

/** Why a record meant for this CA does not parse (rule 12), as a code suffix. */
export type ParseProblem = 'empty-parameter' | 'parameter-syntax' | 'parameter-tag' | 'space-after-comma' | 'parameter-value';

/** Ways an issuer value comes close to this CA's identity without being it (rule 13). */
export type IssuerNearMiss = 'issuer-trailing-dot' | 'issuer-case' | 'issuer-near-miss' | 'issuer-brand-name';

/** Every finding code; a code is never renamed once published. */
export type FindingCode =
  | 'local-lookup-error'
  | `lookup-${CaaFailed['cause']}`
  | 'cname-import'
  | 'fix-at-alias-target'
  | 'authorizes-other-ca'
  | 'closer-rrset-shadows-parent'
  | 'critical-unknown-tag'
  | 'critical-flag-known-tag'
  | `void-record-${ParseProblem}`
  | IssuerNearMiss
  | 'mixed-case-parameter'
  | 'unknown-method-name'
  | 'rfc8657-not-enforced-yet'
  | 'renew-with-allowed-method'
  | 'renew-with-named-account'
  // The zone's servers and our resolver (src/explain/server-findings.ts):
  | `server-${ServerFault}`
  | 'server-stale'
  | 'server-disagrees'
  | 'server-differs'
  | 'resolver-differs'
  | 'resolver-failed'
  | 'dnssec-unvalidated'
  | 'authoritative-unreachable';

/** Our resolver could not be used: says nothing about the CA's view. */
export function localLookupError(): Finding {
  return {
    level: 'info', code: 'local-lookup-error',
    message: 'this is a problem between this machine and its resolver, not something the CA sees; check --resolver / /etc/resolv.conf',
  };
}

/** A lookup failure the CA would hit too, with operational advice (docs/cas-and-failures.md §3.4-5, §3.10). */
export function lookupFailure(failed: CaaFailed, levels: CaaLookup[]): Finding {
  const qname = failed.name;
  let message: string;
  if (failed.cause === 'nxdomain-tld') {
    message = `the TLD ${qname} does not exist in the DNS the CA sees; no certificate can be issued under it`;
  } else if (failed.cause === 'timeout') {
    message =
      `no CAA answer for ${qname} arrives in time: its nameservers do not answer (often a firewall that drops unknown query types, or a provider that does not answer CAA over UDP). ` +
      `Test with \`dig ${qname} CAA @<each authoritative server>\`; the CA's resolvers time out the same way`;
  } else if (failed.cause === 'alias-loop') {
    message = `the aliases from ${qname} never end (${failed.detail.replace(/^\S+ returned /, '')}): recursive resolvers, the CA's among them, give up with SERVFAIL. Fix the CNAME records`;
  } else if (failed.cause === 'truncated') {
    message = `the CAA answer for ${qname} is truncated even over TCP; the CA refuses truncated answers. Shrink the RRset or fix the server or middlebox that truncates`;
  } else if (failed.ede !== null && failed.ede.code >= 1 && failed.ede.code <= 12) {
    message =
      `DNSSEC validation fails for ${qname} (${edeSummary(failed.ede.code)}). The CA's resolvers validate, so every CAA lookup there fails. ` +
      'Re-sign the zone or fix the DS record at the parent; dnsviz.net shows the broken link';
  } else if (!qname.includes('.')) {
    message = `the failure is at the TLD ${qname}, on the registry side; retry later`;
  } else {
    const hasRecordsAbove = levels.some((l) => l.kind === 'records');
    message =
      `the nameservers of ${qname} answer ${failed.rcode ?? failed.cause} for CAA. The CA treats this as fatal${hasRecordsAbove ? '' : ' even though there are no CAA records'}. ` +
      `Test with \`dig +dnssec ${qname} CAA @<each authoritative server>\` and dnsviz.net: an empty NOERROR answer (with SOA) is correct; ` +
      'SERVFAIL often means broken DNSSEC or a server that does not implement CAA';
  }
  return { level: 'fail', code: `lookup-${failed.cause}`, message };
}

/** The name is an alias: the target's CAA is used as its own (rule 5). */
export function cnameImport(foundAt: string, chain: string, owner: string): Finding {
  return {
    level: 'info', code: 'cname-import',
    message: `${foundAt} is an alias (${chain}): the CA uses the CAA records of ${owner}, a zone you may not control; your own parents are consulted only when ${owner} has none`,
  };
}

/** The refusing records live in the alias target's zone. */
export function fixAtAliasTarget(owner: string, foundAt: string, identity: string): Finding {
  return {
    level: 'fail', code: 'fix-at-alias-target',
    message: `the records are served by ${owner}; change them there if you control that zone, otherwise replace the alias at ${foundAt} with A/AAAA records or ask the provider to allow ${identity}`,
  };
}

/** The refusing set authorizes other CAs: maybe the renewal points at the wrong one. */
export function authorizesOtherCa(others: string[], ours: string): Finding {
  return {
    level: 'info', code: 'authorizes-other-ca',
    message: `this CAA authorizes ${others.join(' / ')}; if that is the CA you meant to use, point the renewal at it instead (acme.sh: --server or --set-default-ca; certbot: --server) — or add the fix line to allow ${ours} too`,
  };
}

/** A closer RRset replaces a parent's policy that alone would decide otherwise (docs/caa-rules.md §3.1). */
export function closerRrsetShadowsParent(relevant: string, parent: string, parentWould: 'allow' | 'refuse' | 'depends'): Finding {
  const says = parentWould === 'allow' ? 'would allow' : parentWould === 'refuse' ? 'would refuse' : 'would depend on the account or challenge';
  return {
    level: 'info', code: 'closer-rrset-shadows-parent',
    message: `the CAA records at ${relevant} replace the policy at ${parent} entirely; ${parent}'s records alone ${says} this request`,
  };
}

/** Rule 8: an unknown property marked critical blocks all issuance. */
export function criticalUnknownTag(record: string, flags: number, tag: string): Finding {
  return {
    level: 'fail', code: 'critical-unknown-tag',
    message: `${record} is marked critical (flag ${flags}) and the CA does not know the property "${tag}", so it refuses to issue; set the flag to 0 or remove the record (flag 128 is harmless only on issue, issuewild and iodef)`,
  };
}

/** A critical flag on a property the CA knows: harmless, but misleading. */
export function criticalFlagKnownTag(record: string, tag: string, preposition: 'for' | 'on'): Finding {
  return {
    level: 'warn', code: 'critical-flag-known-tag',
    message: `${record} has the critical flag; harmless ${preposition} ${tag}, but pointless: use flag 0`,
  };
}

/** A record meant for this CA that does not parse, so the CA skips it (rule 12). */
export function voidRecord(problem: ParseProblem, record: string, why: string): Finding {
  return { level: 'warn', code: `void-record-${problem}`, message: `${record} is void: ${why}`, record };
}

/** An issuer value that misses this CA's identity by a little (rule 13). */
export function issuerNearMiss(code: IssuerNearMiss, record: string, why: string): Finding {
  return { level: 'warn', code, message: `${record}: ${why}`, record };
}

/** `AccountURI=` and friends: the CA ignores them, so the restriction is not enforced (Boulder #8614). */
export function mixedCaseParameter(record: string, written: string, meant: string): Finding {
  return {
    level: 'warn', code: 'mixed-case-parameter',
    message: `${record}: the CA matches parameter names case-sensitively and ignores "${written}", so the ${meant} restriction you meant is not enforced; write "${meant}"`,
  };
}

/** validationmethods names the CA does not know and skips (rule 15). */
export function unknownMethodName(skipped: string[], known: readonly string[]): Finding {
  return {
    level: 'info', code: 'unknown-method-name',
    message: `validationmethods lists ${skipped.map((s) => `"${s}"`).join(', ')}, which the CA does not know and skips (names are case-sensitive: ${known.join(', ')})`,
  };
}

/** A record that only passes because this CA does not enforce RFC 8657 yet (docs/ca-view.md §4). */
export function rfc8657NotEnforcedYet(record: string, reasons: string, ca: string): Finding {
  return {
    level: 'warn', code: 'rfc8657-not-enforced-yet',
    message: `${record}: ${reasons}. ${ca} does not enforce accounturi/validationmethods yet; from 2027-03-15 (CA/B Forum ballot SC-098) every CA must, and this record will then refuse`,
  };
}

/** validationmethods looks deliberate: renew with a method it allows instead of widening it. */
export function renewWithAllowedMethod(listed: string[], used: string): Finding {
  const how: Record<string, string> = {
    'dns-01': 'certbot: a DNS plugin (certbot renew --cert-name NAME --dns-<provider>); acme.sh: --dns dns_<provider>',
    'http-01': 'certbot: --webroot or --standalone; acme.sh: --webroot DIR or --standalone',
    'tls-alpn-01': 'acme.sh: --alpn (certbot has no tls-alpn-01)',
  };
  const target = listed.find((m) => how[m] !== undefined) ?? listed[0] ?? used;
  return {
    level: 'info', code: 'renew-with-allowed-method',
    message: `or keep the record and renew over ${target} instead of ${used} (${how[target] ?? 'a method the record lists'})`,
  };
}

/** accounturi looks deliberate: renew with the account it names instead of adding this one. */
export function renewWithNamedAccount(recordUri: string): Finding {
  return {
    level: 'info', code: 'renew-with-named-account',
    message: `or keep the record and renew with the account it names, ${recordUri} (certbot: the account = line in [renewalparams] of the renewal conf; acme.sh: that account's key in ca/<server>/)`,
  };
}
