// The CA's own wording for CAA problems (docs/caa-rules.md §2.1), so a report can quote exactly
// what the renewal would print.
import type { CaaFailed } from '../dns/lookup.js';

export const PROBLEM_CAA = 'urn:ietf:params:acme:error:caa';
export const PROBLEM_DNS = 'urn:ietf:params:acme:error:dns';

/** An ACME problem as the CA would return it. */
export interface CaProblem {
  type: string;
  detail: string;
}

/** RFC 8914 INFO-CODE summaries as Boulder prints them (bdns/problem.go). */
const EDE_SUMMARIES: Record<number, string> = {
  0: 'Other',
  1: 'DNSSEC: Unsupported DNSKEY Algorithm',
  2: 'DNSSEC: Unsupported DS Digest Type',
  3: 'Stale Answer',
  4: 'Forged Answer',
  5: 'DNSSEC: Indeterminate',
  6: 'DNSSEC: Bogus',
  7: 'DNSSEC: Signature Expired',
  8: 'DNSSEC: Signature Not Yet Valid',
  9: 'DNSSEC: DNSKEY Missing',
  10: 'DNSSEC: RRSIGs Missing',
  11: 'DNSSEC: No Zone Key Bit Set',
  12: 'DNSSEC: NSEC Missing',
  13: 'Cached Error',
  14: 'Not Ready',
  15: 'Blocked',
  16: 'Censored',
  17: 'Filtered',
  18: 'Prohibited',
  19: 'Stale NXDOMAIN Answer',
  20: 'Not Authoritative',
  21: 'Not Supported',
  22: 'No Reachable Authority',
  23: 'Network Error between Resolver and Authority',
  24: 'Invalid Data',
};

/** Boulder's EDE summary for an INFO-CODE. */
export function edeSummary(code: number): string {
  return EDE_SUMMARIES[code] ?? `Unknown Extended DNS Error code ${code}`;
}

/** Rule 19 / §2.1: the refusal the CA sends, naming the identifier and where the RRset was found. */
export function refusalProblem(identifier: string, foundAt: string): CaProblem {
  return { type: PROBLEM_CAA, detail: `While processing CAA for ${identifier}: CAA record for ${foundAt} prevents issuance` };
}

/** §2.1: the text after "While processing CAA for X: " for a lookup error (bdns Error.Error). */
export function dnsProblemText(failed: CaaFailed): string {
  const q = failed.name;
  switch (failed.cause) {
    case 'truncated':
      return `DNS problem: response was truncated looking up CAA for ${q}`;
    case 'timeout':
      return `DNS problem: query timed out looking up CAA for ${q}`;
    case 'network':
      return `DNS problem: networking error looking up CAA for ${q}`;
    default:
      break;
  }
  if (failed.ede) {
    const extra = failed.ede.text !== '' ? `: ${failed.ede.text}` : '';
    return `DNS problem: looking up CAA for ${q}: ${edeSummary(failed.ede.code)}${extra}`;
  }
  const explanation =
    failed.rcode === 'SERVFAIL'
      ? " - the domain's nameservers may be malfunctioning"
      : failed.rcode === 'NXDOMAIN'
        ? ' - check that a DNS record exists for this domain'
        : '';
  return `DNS problem: ${failed.rcode ?? 'SERVFAIL'} looking up CAA for ${q}${explanation}`;
}

/** The dns-type problem the CA sends when a CAA lookup fails. */
export function lookupProblem(identifier: string, failed: CaaFailed): CaProblem {
  return { type: PROBLEM_DNS, detail: `While processing CAA for ${identifier}: ${dnsProblemText(failed)}` };
}
