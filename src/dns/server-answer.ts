// One authoritative server's answer in the CA's terms (rule 4 as the CA's resolver meets it):
// records, empty, an alias, or a fault that makes the resolver give up on the server; and which
// of the servers' answers is what the zone serves now.
import { serverLabel, type NameServer } from './authority.js';
import { canonicalName } from './delegation.js';
import { rcodeName, RCODE, recordsOf, type AliasHop, type DecodedResponse, type OwnedCaaRecord } from './wire.js';

/** Why a server's answer cannot be used. */
export type ServerFault =
  | 'timeout' | 'port-closed' | 'closed' | 'network' | 'truncated'
  | 'refused' | 'servfail' | 'notimp' | 'formerr' | 'rcode'
  | 'lame' | 'nodata-without-soa'
  | 'signature-expired' | 'signature-not-yet-valid' | 'signatures-missing';

/** One server's answer to one question, in the CA's terms. */
export type ServerAnswer =
  | { kind: 'records'; records: OwnedCaaRecord[] }
  | { kind: 'empty'; nxdomain: boolean }
  | { kind: 'alias'; hop: AliasHop }
  | { kind: 'fault'; fault: ServerFault; rcode: string | null; detail: string };

/** One question to one server over one transport, and what came back. */
export interface ServerObservation {
  /** The name asked: a level, or an alias target on the way. */
  name: string;
  zone: string;
  server: NameServer;
  transport: 'udp' | 'tcp';
  answer: ServerAnswer;
  /** The zone's SOA serial on that server (asked once per zone and server), when it answered. */
  serial: number | null;
  ms: number | null;
  /** The UDP reply was truncated, so this is what the server gives over TCP. */
  viaTcp: boolean;
}

/** Words for each fault, after the server's name. */
export const FAULT_TEXT: Readonly<Record<ServerFault, string>> = {
  timeout: 'does not answer',
  'port-closed': 'has nothing listening on port 53 (connection refused)',
  closed: 'closes the connection before answering',
  network: 'cannot be reached',
  truncated: 'sends a truncated answer even',
  refused: 'answers REFUSED',
  servfail: 'answers SERVFAIL',
  notimp: 'answers NOTIMP (it does not implement CAA)',
  formerr: 'answers FORMERR',
  rcode: 'answers with an error code',
  lame: 'is not authoritative for the zone (lame delegation)',
  'nodata-without-soa': 'answers NOERROR without records and without the SOA a negative answer needs',
  'signature-expired': 'serves DNSSEC signatures that have expired',
  'signature-not-yet-valid': 'serves DNSSEC signatures that are not valid yet',
  'signatures-missing': 'serves no DNSSEC signatures for a signed zone',
};

/** One authoritative reply in the CA's terms (rule 4, seen from the CA's resolver). */
export function classifyAnswer(name: string, reply: DecodedResponse, server: NameServer, transport: 'udp' | 'tcp', checkSignaturesAt: Date | null): ServerAnswer {
  const fault = (f: ServerFault, rcode: string | null = rcodeName(reply.rcode) || null): ServerAnswer => ({
    kind: 'fault', fault: f, rcode, detail: `${serverLabel(server)} ${FAULT_TEXT[f]} over ${transport.toUpperCase()}`,
  });
  if (reply.truncated && transport === 'tcp') return fault('truncated');
  switch (reply.rcode) {
    case RCODE.NOERROR:
    case RCODE.NXDOMAIN:
      break;
    case RCODE.REFUSED:
      return fault('refused');
    case RCODE.SERVFAIL:
      return fault('servfail');
    case RCODE.NOTIMP:
      return fault('notimp');
    case RCODE.FORMERR:
      return fault('formerr');
    default:
      return fault('rcode');
  }
  if (!reply.authoritative) return fault('lame');
  if (checkSignaturesAt !== null) {
    const problem = signatureProblem(reply, checkSignaturesAt);
    if (problem !== null) return fault(problem);
  }
  if (reply.rcode === RCODE.NXDOMAIN) return { kind: 'empty', nxdomain: true };
  const owned = reply.caa.filter((r) => canonicalName(r.owner) === name);
  if (owned.length > 0) return { kind: 'records', records: owned };
  const hop = reply.aliases.find((h) => canonicalName(h.owner) === name && h.type === 'CNAME');
  if (hop) return { kind: 'alias', hop };
  if (recordsOf(reply, 'SOA', { section: 'authority' }).length === 0) return fault('nodata-without-soa');
  return { kind: 'empty', nxdomain: false };
}

/**
 * The signature trouble a validating resolver would refuse this reply for: an RRSIG outside its
 * validity window (RFC 4034 §3.1.5, serial-number arithmetic), or none at all in a signed zone.
 */
function signatureProblem(reply: DecodedResponse, now: Date): ServerFault | null {
  const sigs = recordsOf(reply, 'RRSIG').filter((r) => r.section !== 'additional');
  if (sigs.length === 0) return 'signatures-missing';
  const t = Math.floor(now.getTime() / 1000) >>> 0;
  const before = (a: number, b: number): boolean => ((a - b) | 0) < 0; // a earlier than b, modulo 2^32
  if (sigs.some((s) => before(s.expiration, t))) return 'signature-expired';
  if (sigs.some((s) => before(t, s.inception))) return 'signature-not-yet-valid';
  return null;
}

/**
 * What the zone serves now: among answers that are not faults, the one from the server with the
 * newest SOA serial (most servers agreeing breaks a tie); when every server fails, the commonest fault.
 */
export function chooseBaseline(answers: ServerObservation[]): ServerObservation {
  const usable = answers.filter((a) => a.answer.kind !== 'fault');
  const pool = usable.length > 0 ? usable : answers;
  const votes = new Map<string, number>();
  for (const a of pool) votes.set(answerKey(a.answer), (votes.get(answerKey(a.answer)) ?? 0) + 1);
  const newest = Math.max(...pool.map((a) => a.serial ?? -1));
  const candidates = pool.filter((a) => (a.serial ?? -1) === newest);
  return candidates.reduce((best, a) => ((votes.get(answerKey(a.answer)) ?? 0) > (votes.get(answerKey(best.answer)) ?? 0) ? a : best));
}

/** A comparable key for an answer's content. */
export function answerKey(answer: ServerAnswer): string {
  switch (answer.kind) {
    case 'records':
      return `records:${answer.records.map((r) => `${r.flags} ${r.tag} ${r.value}`).sort().join('\n')}`;
    case 'empty':
      return 'empty';
    case 'alias':
      return `alias:${canonicalName(answer.hop.target)}`;
    case 'fault':
      return `fault:${answer.fault}`;
  }
}
