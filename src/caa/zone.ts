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

/**
 * A full zone line: `owner. IN CAA flags tag "value"`. A tag that is not letters and digits
 * (RFC 8659 §4.1.1) is refused in that form by BIND, so such a record is written in RFC 3597's
 * generic form, which every server loads byte for byte (docs/zone-files.md §1).
 */
export function zoneLine(owner: string, record: CaaRecord): string {
  const rdata = /^[A-Za-z0-9]+$/.test(record.tag) ? recordText(record) : genericRdata(record);
  return `${owner.replace(/\.?$/, '.')} IN CAA ${rdata}`;
}

/**
 * `\# length hex`: flags, tag length, tag and value as bytes (RFC 3597 §5, RFC 8659 §4.1). Not
 * wire.ts's caaRdata.encode, which refuses the empty tag a hostile server may serve and we show.
 */
function genericRdata(record: CaaRecord): string {
  const bytes = Buffer.concat([Buffer.from([record.flags, record.tag.length]), Buffer.from(record.tag, 'latin1'), Buffer.from(record.value, 'latin1')]);
  return `\\# ${bytes.length} ${bytes.toString('hex')}`;
}

/**
 * A tag as shown (zoneLine writes an odd tag in the generic form instead): unquoted, so besides
 * what zoneQuote escapes, a blank and the characters a master file gives a meaning to are escaped
 * too (docs/zone-files.md §1).
 */
function zoneTag(tag: string): string {
  return zoneQuote(tag).slice(1, -1).replace(/[;() ]/g, (ch) => (ch === ' ' ? '\\032' : `\\${ch}`));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Decode a byte string for display as UTF-8. Bytes that are not part of valid UTF-8 are shown as
 * `\xNN`, never replaced: the CA compares bytes, so the reader must see them.
 */
export function bytesToText(bytes: string): string {
  if (ASCII_ONLY.test(bytes)) return bytes; // the same text in either reading: nearly every value served
  const buf = Buffer.from(bytes, 'latin1');
  try {
    return strictUtf8.decode(buf);
  } catch {
    let out = '';
    for (let at = 0; at < buf.length; ) {
      const length = utf8SequenceLength(buf, at);
      if (length === 0) {
        out += `\\x${buf[at]!.toString(16).padStart(2, '0')}`;
        at += 1;
      } else {
        out += buf.toString('utf8', at, at + length);
        at += length;
      }
    }
    return out;
  }
}

/** The length of the valid UTF-8 sequence starting at `at` (RFC 3629 §4), or 0 when there is none. */
function utf8SequenceLength(buf: Buffer, at: number): number {
  const b0 = buf[at]!;
  const cont = (i: number, lo = 0x80, hi = 0xbf): boolean => at + i < buf.length && buf[at + i]! >= lo && buf[at + i]! <= hi;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
