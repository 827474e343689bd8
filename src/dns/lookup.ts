// What a CAA lookup produced, as the CA classifies it (docs/caa-rules.md rule 4): records, empty,
// or a lookup error. This is the interface between DNS (src/dns) and the policy (src/caa).
import { rcodeName, RCODE, type AliasHop, type DecodedResponse, type ExtendedError, type OwnedCaaRecord } from './wire.js';

/** What one CAA query for one name produced. */
export type CaaLookup = CaaFound | CaaEmpty | CaaFailed;

interface LookupBase {
  /** The name queried (lowercase, no trailing dot). */
  name: string;
  /** Alias hops the resolver followed, from the answer section. */
  chain: AliasHop[];
  /** The resolver that gave this answer, as host:port. */
  server: string | null;
  /** Transport that carried the final answer. */
  transport: 'udp' | 'tcp' | null;
  /** The resolver set the AD bit: it validated this answer with DNSSEC. */
  validated: boolean;
  /** Answered from this what-if zone file instead of live DNS (README "What if"). */
  zoneFile?: string;
}

/** NOERROR with at least one CAA RR (rule 4: every CAA RR of the answer, whatever its owner). */
export interface CaaFound extends LookupBase {
  kind: 'records';
  records: OwnedCaaRecord[];
}

/** NOERROR without CAA, or NXDOMAIN below the TLD (rule 4). */
export interface CaaEmpty extends LookupBase {
  kind: 'empty';
  nxdomain: boolean;
}

/**
 * A lookup error. `local` means our own resolvers could not be reached or used, which says
 * nothing about what the CA will see; otherwise the CA's resolver would report the same.
 */
export interface CaaFailed extends LookupBase {
  kind: 'error';
  /** nameserver: one of the zone's authoritative servers fails (seen directly; the CA's resolver then answers SERVFAIL). */
  cause: 'rcode' | 'nxdomain-tld' | 'truncated' | 'timeout' | 'network' | 'refused-no-recursion' | 'nameserver' | 'alias-loop';
  rcode: string | null;
  ede: ExtendedError | null;
  local: boolean;
  /** Our own description: which server, what happened. */
  detail: string;
}

/** Rule 4: turn a reply into records, empty, or a lookup error the CA would also see. */
export function classify(
  name: string,
  reply: DecodedResponse,
  server: string,
  transport: 'udp' | 'tcp',
): CaaLookup {
  const base = { name, chain: reply.aliases, server, transport, validated: reply.authenticData };
  const rcode = rcodeName(reply.rcode);
  // Rule 4: TC is an error whatever the rcode, NXDOMAIN included (Boulder #8839).
  if (reply.truncated) {
    return {
      ...base, kind: 'error', cause: 'truncated', rcode, ede: reply.ede, local: false,
      detail: `${server} returned a truncated reply over ${transport.toUpperCase()}`,
    };
  }
  const trouble = aliasTrouble(name, reply.aliases);
  if (trouble !== null) {
    // A recursor gives up on a looping or endless chain with SERVFAIL, and so does the CA's.
    return { ...base, kind: 'error', cause: 'alias-loop', rcode: 'SERVFAIL', ede: reply.ede, local: false, detail: `${server} returned ${trouble}` };
  }
  if (reply.rcode === RCODE.NXDOMAIN) {
    // Rule 4: NXDOMAIN counts as empty, except for a TLD (a name without a dot).
    if (name.includes('.')) return { ...base, kind: 'empty', nxdomain: true };
    return {
      ...base, kind: 'error', cause: 'nxdomain-tld', rcode, ede: reply.ede, local: false,
      detail: `${server} says the TLD ${name} does not exist (NXDOMAIN)`,
    };
  }
  if (reply.rcode === RCODE.REFUSED && !reply.recursionAvailable) {
    // A server that refuses and offers no recursion is not a recursive resolver: the
    // --resolver/resolv.conf setting is wrong, which tells nothing about the CA's view.
    return {
      ...base, kind: 'error', cause: 'refused-no-recursion', rcode, ede: reply.ede, local: true,
      detail: `${server} refused the query and offers no recursion; is it a recursive resolver?`,
    };
  }
  if (reply.rcode !== RCODE.NOERROR) {
    return {
      ...base, kind: 'error', cause: 'rcode', rcode, ede: reply.ede, local: false,
      detail: `${server} answered ${rcode || `rcode ${reply.rcode}`}${reply.ede ? ` (EDE ${reply.ede.code}${reply.ede.text ? `: ${reply.ede.text}` : ''})` : ''}`,
    };
  }
  if (reply.caa.length > 0) return { ...base, kind: 'records', records: reply.caa };
  return { ...base, kind: 'empty', nxdomain: false };
}

/** Most alias hops a recursor follows before it gives up (Unbound restarts a query at most 11 times). */
export const MAX_ALIAS_HOPS = 11;

/** Whether the aliases from `name` loop or run longer than a recursor follows; how, in words. */
export function aliasTrouble(name: string, aliases: AliasHop[]): string | null {
  const next = new Map<string, string>();
  for (const hop of aliases) next.set(canonical(hop.owner), canonical(hop.target));
  const seen = [canonical(name)];
  for (let at = next.get(seen[0]!); at !== undefined; at = next.get(at)) {
    if (seen.includes(at)) return `an alias loop (${[...seen, at].join(' -> ')})`;
    seen.push(at);
    if (seen.length - 1 > MAX_ALIAS_HOPS) return `a chain of more than ${MAX_ALIAS_HOPS} aliases from ${seen[0]}`;
  }
  return null;
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}
