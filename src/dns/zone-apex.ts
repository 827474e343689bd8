// Which zone a name lives in, as the owner of its SOA says (RFC 1035 §5.2, RFC 2308 §3): the
// apex of a zone answers SOA itself; any other name's negative answer carries the zone's SOA in
// its authority section. `preflight suggest` puts a new CAA RRset at the apex
// (docs/caa-rules.md §5), so the zone's own servers serve it for every name below.
import { canonicalName } from './delegation.js';
import type { Resolver } from './resolver.js';
import { RCODE, rcodeName, recordsOf, TYPE_SOA } from './wire.js';

/** The apex of the zone holding `name`, or why it could not be found. */
export type ZoneApex = { apex: string } | { error: string };

/**
 * Ask our resolver for SOA at `name`. An alias at `name` answers for its target's zone, not for
 * the zone holding the alias, so then the zone of the parent is asked instead (an alias is never
 * an apex: RFC 1034 §3.6.2 forbids other data beside a CNAME).
 */
export async function zoneApex(resolver: Resolver, name: string): Promise<ZoneApex> {
  let asked = canonicalName(name);
  for (;;) {
    const answer = await resolver.query(asked, TYPE_SOA);
    if (answer === null) return { error: `no answer from ${resolver.serverNames.join(', ')} for SOA ${asked}` };
    const { reply } = answer;
    if (reply.rcode !== RCODE.NOERROR && reply.rcode !== RCODE.NXDOMAIN) {
      return { error: `${answer.server} answered ${rcodeName(reply.rcode) || `rcode ${reply.rcode}`} for SOA ${asked}` };
    }
    const aliased = reply.aliases.some((hop) => canonicalName(hop.owner) === asked);
    const owners = recordsOf(reply, 'SOA').map((r) => canonicalName(r.owner));
    const owner = owners.find((o) => asked === o || asked.endsWith(`.${o}`));
    if (!aliased && owner !== undefined) return { apex: owner };
    const dot = asked.indexOf('.');
    if (dot < 0) return { error: `no SOA found for ${canonicalName(name)} or any of its parents` };
    asked = asked.slice(dot + 1);
  }
}
