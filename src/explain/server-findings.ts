// Findings about the zone's authoritative servers and about our own resolver: which server would
// lead the CA elsewhere, what it answered, what the others answered, and what fixes it
// (docs/ca-view.md §2, docs/cas-and-failures.md §3.10). Each with a stable code.
import { serverLabel } from '../dns/authority.js';
import { FAULT_TEXT, type ServerObservation } from '../dns/server-answer.js';
import type { CaaLookup } from '../dns/lookup.js';
import { recordText } from '../caa/zone.js';
import type { Finding } from './types.js';

/** A lookup in a few words: its records, "no CAA", NXDOMAIN, or the error. */
export function lookupSummary(lookup: CaaLookup): string {
  const via = lookup.chain.length > 0 ? ` (via ${lookup.chain.map((h) => `${h.owner} ${h.type} ${h.target}`).join(', ')})` : '';
  switch (lookup.kind) {
    case 'records':
      return `${lookup.records.map((r) => recordText(r)).join('; ')}${via}`;
    case 'empty':
      return `${lookup.nxdomain ? 'NXDOMAIN (no such name)' : 'no CAA records'}${via}`;
    case 'error':
      return `an error: ${lookup.detail}`;
  }
}

function serverOf(o: ServerObservation): NonNullable<Finding['server']> {
  return { name: o.server.host, address: o.server.address, transport: o.transport };
}

/** What to do about a server fault. */
function faultAdvice(o: ServerObservation, zone: string, otherTransportWorks: boolean): string {
  if (o.answer.kind !== 'fault') return '';
  switch (o.answer.fault) {
    case 'timeout':
      return otherTransportWorks
        ? o.transport === 'udp'
          ? 'it drops CAA queries over UDP (often a firewall or DNS filter that blocks unknown query types); resolvers ask over UDP first and time out: let type 257 through'
          : 'it does not answer over TCP; resolvers switch to TCP for truncated answers, and RFC 7766 requires it: allow TCP port 53'
        : `it does not answer at all: bring it back, or remove it from the NS set of ${zone} (in the zone and at the registrar)`;
    case 'port-closed':
    case 'closed':
    case 'network':
      return o.transport === 'tcp' && otherTransportWorks
        ? 'it refuses DNS over TCP; resolvers switch to TCP for truncated answers, and RFC 7766 requires it: allow TCP port 53'
        : `nothing answers DNS there: bring it back, or remove it from the NS set of ${zone} (in the zone and at the registrar)`;
    case 'refused':
    case 'lame':
      return `it does not serve ${zone} (a lame delegation): load the zone on it, or remove it from the NS set (in the zone and at the registrar)`;
    case 'servfail':
      return `it cannot answer for ${zone} (zone not loaded, expired secondary, or broken DNSSEC): check its logs`;
    case 'notimp':
    case 'formerr':
    case 'rcode':
      return 'it does not handle CAA queries (type 257): upgrade it, or ask the DNS provider to answer CAA';
    case 'nodata-without-soa':
      return 'its negative answers carry no SOA record, so resolvers cannot trust them: fix or upgrade the server';
    case 'truncated':
      return 'even over TCP its answer is cut short: shrink the CAA RRset or fix the server';
    case 'signature-expired':
    case 'signature-not-yet-valid':
    case 'signatures-missing':
      return `a validating resolver rejects its answers: re-sign ${zone} on that server (or re-transfer the signed zone to it)`;
  }
}

/** One server answers with an error: any perspective that reaches it refuses. */
export function serverFault(
  o: ServerObservation,
  level: string,
  othersSay: string,
  otherTransportWorks: boolean,
  transports: Array<'udp' | 'tcp'>,
): Finding {
  const fault = o.answer.kind === 'fault' ? o.answer.fault : 'network';
  const over = transports.map((t) => t.toUpperCase()).join(' and ');
  const what = `${serverLabel(o.server)} ${FAULT_TEXT[fault]} over ${over} for CAA at ${o.name}`;
  return {
    level: 'fail', code: `server-${fault}`, server: serverOf(o),
    message:
      `${what}${o.name !== level ? ` (reached from ${level})` : ''}, while ${othersSay}. The CA's resolvers ask each of a zone's servers in turn, ` +
      `from each of its perspectives, so some checks will hit it and refuse ("During secondary validation: ..."); ${faultAdvice(o, o.zone, otherTransportWorks)}`,
  };
}

/** One server serves other records, and they lead the CA to another verdict (or, with `sameVerdict`, the same one). */
export function serverDisagrees(o: ServerObservation, level: string, served: CaaLookup, zoneServes: string, newest: number | null, sameVerdict: boolean): Finding {
  const stale = o.serial !== null && newest !== null && o.serial < newest;
  const who = o.serial !== null ? `${o.server.host} (${o.server.address}, serial ${o.serial})` : serverLabel(o.server);
  const news = `the zone's other servers${newest !== null ? ` (serial ${newest})` : ''} serve ${zoneServes}`;
  const fix = stale
    ? `it is a stale secondary: re-transfer ${o.zone} to it (BIND: rndc retransfer ${o.zone}) and check that NOTIFY and zone transfers from the primary reach it`
    : `every server of ${o.zone} must serve the same data: find out why this one differs (a second provider not updated, geo-DNS, a hand-edited copy)`;
  const consequence = sameVerdict
    ? 'The verdict is the same either way, but the difference will bite at the next change'
    : "The CA's resolvers ask each of a zone's servers in turn, from each of its perspectives, so some checks will see this copy and decide otherwise";
  return {
    level: sameVerdict ? 'warn' : 'fail', code: sameVerdict ? 'server-differs' : stale ? 'server-stale' : 'server-disagrees', server: serverOf(o),
    message: `${who} serves ${lookupSummary(served)} at ${level}, while ${news}. ${consequence}; ${fix}`,
  };
}

/** Our resolver sees something else than the zone's servers serve (split horizon, a stale cache). */
export function resolverDiffers(resolver: CaaLookup, level: string, zoneServes: string, changesVerdict: boolean): Finding {
  return {
    level: changesVerdict ? 'warn' : 'info', code: 'resolver-differs',
    message:
      `your resolver (${resolver.server ?? 'local'}) sees ${lookupSummary(resolver)} at ${level}, but the zone's servers serve ${zoneServes}; ` +
      `the CA asks the zone's servers from the Internet, so this verdict follows them (a split-horizon view or a stale cache on your side${changesVerdict ? ', and your own `dig` will mislead you' : ''})`,
  };
}

/** Our resolver failed where the zone's servers answer: local trouble, never a reason to refuse. */
export function resolverFailed(resolver: CaaLookup, level: string): Finding {
  const detail = resolver.kind === 'error' ? resolver.detail : 'no answer';
  return {
    level: 'warn', code: 'resolver-failed',
    message: `your resolver could not look up CAA at ${level} (${detail}), but the zone's servers answer it, and the CA asks them: this is trouble between this host and its resolver (check --resolver / /etc/resolv.conf), not something the CA sees`,
  };
}

/** The verdict rests on answers from a signed zone that nobody validated here (the CA validates). */
export function dnssecUnvalidated(zones: string[], resolver: string | null): Finding {
  return {
    level: 'info', code: 'dnssec-unvalidated',
    message:
      `${zones.join(', ')} ${zones.length === 1 ? 'is' : 'are'} DNSSEC-signed, and the answers this verdict rests on were not validated here ` +
      `(your resolver${resolver ? ` ${resolver}` : ''} set no AD bit): the CA's resolvers validate, and broken signatures would make it refuse. Check with a validating resolver or dnsviz.net`,
  };
}

/** Some levels could not be asked of their servers from here, so they rest on our resolver. */
export function authoritativeUnreachable(levels: string[]): Finding {
  return {
    level: 'info', code: 'authoritative-unreachable',
    message: `the authoritative servers for ${levels.join(', ')} could not be asked from this host, so ${levels.length === 1 ? 'that level is' : 'those levels are'} judged from your resolver's view only`,
  };
}
