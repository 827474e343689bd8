// Identifier handling before any lookup: docs/caa-rules.md rules 1 and 2.
import { domainToASCII, domainToUnicode } from 'node:url';
import { isIpAddress } from '../vocabulary.js';

/** An identifier ready for CAA checking. */
export interface CheckName {
  /** The identifier as the ACME order carries it: A-label, lowercase, `*.` kept. */
  identifier: string;
  /** Rule 1: the name used for lookups (no `*.`, no trailing dot). */
  base: string;
  wildcard: boolean;
  /** The Unicode form, when it differs from the A-label form. */
  unicode: string | null;
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/**
 * Rule 1: lowercase, strip one `*.` (remember wildcard), strip trailing dots; Unicode input is
 * converted to its A-label form, which is what certificates and CAA lookups carry.
 * Throws with a plain reason on a name that cannot be a DNS identifier.
 */
export function toCheckName(input: string): CheckName {
  let name = input.trim().replace(/\.+$/, '');
  const wildcard = name.startsWith('*.');
  if (wildcard) name = name.slice(2);
  if (name === '') throw new Error(`${JSON.stringify(input)} is not a domain name`);
  if (name.includes('*')) throw new Error(`${JSON.stringify(input)}: only a leading "*." wildcard label is allowed`);
  // domainToASCII lowercases and applies UTS #46; it returns '' for names it cannot map.
  const ascii = /^[\x21-\x7e]+$/.test(name) ? name.toLowerCase() : domainToASCII(name);
  if (ascii === '') throw new Error(`${JSON.stringify(input)} is not a valid internationalized domain name`);
  if (ascii.length > 253) throw new Error(`${JSON.stringify(input)} is longer than 253 characters`);
  const bad = ascii.split('.').find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    throw new Error(`${JSON.stringify(input)} has an invalid label ${JSON.stringify(bad)}`);
  }
  if (isIpAddress(ascii)) {
    throw new Error(`${JSON.stringify(input)} is an IP address; the CA does not check CAA for IP identifiers`);
  }
  if (/^\d+$/.test(ascii.slice(ascii.lastIndexOf('.') + 1))) {
    throw new Error(`${JSON.stringify(input)} ends in an all-numeric label, which no TLD is`);
  }
  // Only an A-label (xn--) has another form; every other label passed LABEL and maps to itself.
  const unicodeForm = ascii.includes('xn--') ? domainToUnicode(ascii) : ascii;
  return {
    identifier: (wildcard ? '*.' : '') + ascii,
    base: ascii,
    wildcard,
    unicode: unicodeForm !== ascii ? (wildcard ? '*.' : '') + unicodeForm : null,
  };
}

/** Rule 2: the full name and every parent down to the single-label TLD; never the root. */
export function caaLookupNames(base: string): string[] {
  const names = [base];
  for (let dot = base.indexOf('.'); dot !== -1; dot = base.indexOf('.', dot + 1)) names.push(base.slice(dot + 1));
  return names;
}
