// Zone-file presentation of CAA records (RFC 8659 §4.1.1 / RFC 1035 §5.1 escaping), used for
// showing records exactly as served and for fix lines that can be pasted into a zone.
import type { CaaRecord } from '../dns/wire.js';

/** Quote a byte string as a zone-file character-string: `"`, `\` escaped, other non-printables as \DDD. */
export function zoneQuote(bytes: string): string {
  let out = '"';
  for (const ch of bytes) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || code > 0x7e) out += `\\${String(code).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `flags tag "value"`, exact to the byte. */
export function recordText(record: CaaRecord): string {
  return `${record.flags} ${zoneTag(record.tag)} ${zoneQuote(record.value)}`;
}

/** A full zone line: `owner. IN CAA flags tag "value"`. */
export function zoneLine(owner: string, record: CaaRecord): string {
  return `${owner.replace(/\.?$/, '.')} IN CAA ${recordText(record)}`;
}

/** Tags are unquoted in zone files; escape anything that is not a plain printable. */
function zoneTag(tag: string): string {
  return /^[\x21-\x7e]+$/.test(tag) && !/["\\;()]/.test(tag) ? tag : zoneQuote(tag).slice(1, -1);
}

/** Decode a byte string for display as UTF-8 (invalid sequences become U+FFFD). */
export function bytesToText(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
