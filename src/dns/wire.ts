// DNS wire format: query encoding and response decoding, for the few types a check reads.
//
// dns-packet (which the in-process test and demo servers use) decodes CAA values as UTF-8, which
// replaces invalid bytes with U+FFFD. The CA compares CAA values byte for byte (docs/caa-rules.md
// rule 13), so CAA RDATA goes through our own codec below and values are kept as byte strings (one
// char per byte, 'latin1'). Names go through domain-name.ts.
import { domainName } from './domain-name.js';

export const TYPE_A = 1;
export const TYPE_NS = 2;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_AAAA = 28;
export const TYPE_DNAME = 39;
export const TYPE_OPT = 41;
export const TYPE_DS = 43;
export const TYPE_RRSIG = 46;
export const TYPE_CAA = 257;
const CLASS_IN = 1;
const EDNS_OPTION_EDE = 15;

/** Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2) and the EDNS DO bit (RFC 3225). */
const FLAG_AA = 1 << 10;
const FLAG_TC = 1 << 9;
const FLAG_RD = 1 << 8;
const FLAG_RA = 1 << 7;
const FLAG_AD = 1 << 5;
const EDNS_DO = 1 << 15;

/** A CAA resource record as served. tag and value are byte strings: one char per byte. */
export interface CaaRecord {
  flags: number;
  tag: string;
  value: string;
}

/** A CAA record with the owner name it was served under (the alias target for a CNAME). */
export type OwnedCaaRecord = CaaRecord & { owner: string };

/** One hop of an alias chain found in an answer section. */
export interface AliasHop {
  type: 'CNAME' | 'DNAME';
  owner: string;
  target: string;
}

/** An Extended DNS Error option (RFC 8914). */
export interface ExtendedError {
  code: number;
  text: string;
}

/** A message section, in order. */
export type Section = 'answer' | 'authority' | 'additional';

/** The other records the authoritative view needs: delegations, serials, addresses, DNSSEC. */
export type DecodedRecord =
  | (RecordBase & { type: 'NS'; target: string })
  | (RecordBase & { type: 'SOA'; serial: number })
  | (RecordBase & { type: 'A' | 'AAAA'; address: string })
  | (RecordBase & { type: 'DS' })
  /** Signature validity in seconds since the epoch, as 32-bit serial numbers (RFC 4034 §3.1.5). */
  | (RecordBase & { type: 'RRSIG'; covered: number; inception: number; expiration: number });

interface RecordBase {
  section: Section;
  owner: string;
}

/** The parts of a DNS response that CAA checking needs. */
export interface DecodedResponse {
  id: number;
  isResponse: boolean;
  truncated: boolean;
  authoritative: boolean;
  recursionAvailable: boolean;
  /** The AD bit: the resolver validated the answer with DNSSEC. */
  authenticData: boolean;
  /** Full rcode, including the EDNS extended bits. */
  rcode: number;
  question: { name: string; type: number; class: number } | null;
  caa: OwnedCaaRecord[];
  aliases: AliasHop[];
  ede: ExtendedError | null;
  /** NS, SOA, A/AAAA, DS and RRSIG records from every section. */
  records: DecodedRecord[];
}

/** CAA RDATA codec (RFC 8659 §4.1): flags, tag length, tag, value; symmetric trio. */
export const caaRdata = {
  encodingLength(record: CaaRecord): number {
    return 2 + record.tag.length + record.value.length;
  },
  encode(record: CaaRecord): Buffer {
    if (record.tag.length < 1 || record.tag.length > 255) {
      throw new RangeError(`CAA tag must be 1-255 bytes, got ${record.tag.length}`);
    }
    const buf = Buffer.alloc(caaRdata.encodingLength(record));
    buf.writeUInt8(record.flags & 0xff, 0);
    buf.writeUInt8(record.tag.length, 1);
    buf.write(record.tag, 2, 'latin1');
    buf.write(record.value, 2 + record.tag.length, 'latin1');
    return buf;
  },
  decode(rdata: Buffer): CaaRecord {
    if (rdata.length < 2) throw new RangeError('CAA RDATA shorter than 2 bytes');
    const tagLength = rdata.readUInt8(1);
    if (2 + tagLength > rdata.length) throw new RangeError('CAA tag runs past the end of RDATA');
    return {
      flags: rdata.readUInt8(0),
      tag: rdata.toString('latin1', 2, 2 + tagLength),
      value: rdata.toString('latin1', 2 + tagLength),
    };
  },
};

/** Build a CAA query: RD set, AD set and EDNS0 with a 4096-byte buffer, as the CA sends (rule 3). */
export function encodeCaaQuery(id: number, name: string): Buffer {
  return encodeQuery(id, name, TYPE_CAA, { recursion: true, dnssecOk: false });
}

/**
 * Build a query of any type with EDNS0 (4096) and the AD bit. `recursion: false` asks an
 * authoritative server about its own data; `dnssecOk` asks for the RRSIGs too.
 */
export function encodeQuery(id: number, name: string, type: number, options: { recursion: boolean; dnssecOk: boolean }): Buffer {
  // Written byte by byte (RFC 1035 §4.1, RFC 6891 §6.1.2): a run sends thousands of these, and
  // building them through dns-packet's object form is most of their cost.
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const qnameLength = labels.reduce((n, l) => n + 1 + Buffer.byteLength(l, 'latin1'), 1);
  const buf = Buffer.alloc(12 + qnameLength + 4 + 11);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE((options.recursion ? FLAG_RD : 0) | FLAG_AD, 2);
  buf.writeUInt16BE(1, 4); // one question
  buf.writeUInt16BE(1, 10); // one additional: OPT
  let at = 12;
  for (const label of labels) {
    const length = Buffer.byteLength(label, 'latin1');
    if (length === 0 || length > 63) throw new RangeError(`invalid label in ${JSON.stringify(name)}`);
    buf.writeUInt8(length, at);
    buf.write(label, at + 1, 'latin1');
    at += 1 + length;
  }
  at += 1; // the root label
  buf.writeUInt16BE(type, at);
  buf.writeUInt16BE(CLASS_IN, at + 2);
  at += 4;
  // OPT: root owner, type 41, class = UDP payload size, TTL = extended rcode, version, DO flag.
  buf.writeUInt16BE(TYPE_OPT, at + 1);
  buf.writeUInt16BE(4096, at + 3);
  buf.writeUInt32BE(options.dnssecOk ? EDNS_DO : 0, at + 5);
  return buf;
}

/**
 * The ID, QR bit and question of a message whose body does not decode: enough to tell a cut or
 * corrupt reply to our query from stray garbage. Null when even that much is not there.
 */
export function peekHeader(buf: Buffer): { id: number; isResponse: boolean; question: DecodedResponse['question'] } | null {
  if (buf.length < 12) return null;
  try {
    const { name, bytes } = domainName.decode(buf, 12);
    const at = 12 + bytes;
    if (buf.readUInt16BE(4) !== 1 || at + 4 > buf.length) return null;
    const question = { name, type: buf.readUInt16BE(at), class: buf.readUInt16BE(at + 2) };
    return { id: buf.readUInt16BE(0), isResponse: (buf.readUInt16BE(2) & 0x8000) !== 0, question };
  } catch {
    return null;
  }
}

/** Decode a response, keeping CAA values as raw bytes, alias hops and any EDE option. */
export function decodeResponse(buf: Buffer): DecodedResponse {
  if (buf.length < 12) throw new RangeError(`DNS message too short (${buf.length} bytes)`);
  const flags = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  const out: DecodedResponse = {
    id: buf.readUInt16BE(0),
    isResponse: (flags & 0x8000) !== 0,
    truncated: (flags & FLAG_TC) !== 0,
    authoritative: (flags & FLAG_AA) !== 0,
    recursionAvailable: (flags & FLAG_RA) !== 0,
    authenticData: (flags & FLAG_AD) !== 0,
    rcode: flags & 0x0f,
    question: null,
    caa: [],
    aliases: [],
    ede: null,
    records: [],
  };
  let offset = 12;
  for (let i = 0; i < counts[0]!; i++) {
    const { name, bytes } = domainName.decode(buf, offset);
    offset += bytes;
    const q = { name, type: buf.readUInt16BE(offset), class: buf.readUInt16BE(offset + 2) };
    offset += 4;
    if (i === 0) out.question = q;
  }
  // A truncated message may end mid-section: keep what decoded cleanly (TC is reported anyway).
  const sections = [counts[1]!, counts[2]!, counts[3]!];
  try {
    sections.forEach((count, section) => {
      for (let i = 0; i < count; i++) {
        const { name: owner, bytes } = domainName.decode(buf, offset);
        offset += bytes;
        const type = buf.readUInt16BE(offset);
        const klass = buf.readUInt16BE(offset + 2);
        const ttlOrFlags = buf.readUInt32BE(offset + 4);
        const rdlength = buf.readUInt16BE(offset + 8);
        const rdataStart = offset + 10;
        if (rdataStart + rdlength > buf.length) throw new RangeError('RDATA runs past the end of the message');
        const rdata = buf.subarray(rdataStart, rdataStart + rdlength);
        if (section === 0 && klass === CLASS_IN) {
          if (type === TYPE_CAA) out.caa.push({ owner, ...caaRdata.decode(rdata) });
          else if (type === TYPE_CNAME || type === TYPE_DNAME) {
            out.aliases.push({
              type: type === TYPE_CNAME ? 'CNAME' : 'DNAME',
              owner,
              target: domainName.decode(buf, rdataStart).name,
            });
          }
        } else if (type === TYPE_OPT) {
          out.rcode |= ((ttlOrFlags >>> 24) & 0xff) << 4;
          out.ede = out.ede ?? findEde(rdata);
        }
        if (klass === CLASS_IN) {
          const record = decodeOther(buf, rdataStart, rdata, type);
          if (record) out.records.push({ section: SECTIONS[section]!, owner, ...record } as DecodedRecord);
        }
        offset = rdataStart + rdlength;
      }
    });
  } catch (err) {
    if (!out.truncated) throw err;
  }
  return out;
}

const SECTIONS: Section[] = ['answer', 'authority', 'additional'];

/** The RDATA of an NS, SOA, A, AAAA, DS or RRSIG record; null for other types. */
function decodeOther(buf: Buffer, start: number, rdata: Buffer, type: number): Record<string, unknown> | null {
  switch (type) {
    case TYPE_NS:
      return { type: 'NS', target: domainName.decode(buf, start).name };
    case TYPE_SOA: {
      // MNAME and RNAME, then SERIAL (RFC 1035 §3.3.13).
      let at = start + domainName.decode(buf, start).bytes; // MNAME
      at += domainName.decode(buf, at).bytes; // RNAME
      return { type: 'SOA', serial: buf.readUInt32BE(at) };
    }
    case TYPE_A:
      if (rdata.length !== 4) throw new RangeError('A RDATA is not 4 bytes');
      return { type: 'A', address: [...rdata].join('.') };
    case TYPE_AAAA: {
      if (rdata.length !== 16) throw new RangeError('AAAA RDATA is not 16 bytes');
      const groups = Array.from({ length: 8 }, (_, i) => rdata.readUInt16BE(i * 2).toString(16));
      return { type: 'AAAA', address: new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1) };
    }
    case TYPE_DS:
      return { type: 'DS' };
    case TYPE_RRSIG:
      // Type covered, algorithm, labels, original TTL, then expiration and inception (RFC 4034 §3.1).
      if (rdata.length < 18) throw new RangeError('RRSIG RDATA too short');
      return { type: 'RRSIG', covered: rdata.readUInt16BE(0), expiration: rdata.readUInt32BE(8), inception: rdata.readUInt32BE(12) };
    default:
      return null;
  }
}

/** First EDE option in OPT RDATA (RFC 8914 §2: INFO-CODE then UTF-8 EXTRA-TEXT). */
function findEde(rdata: Buffer): ExtendedError | null {
  let offset = 0;
  while (offset + 4 <= rdata.length) {
    const code = rdata.readUInt16BE(offset);
    const length = rdata.readUInt16BE(offset + 2);
    const body = rdata.subarray(offset + 4, offset + 4 + length);
    if (code === EDNS_OPTION_EDE && body.length >= 2) {
      return { code: body.readUInt16BE(0), text: body.toString('utf8', 2).replace(/\0+$/, '') };
    }
    offset += 4 + length;
  }
  return null;
}

const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE', 11: 'DSOTYPENI', 16: 'BADSIG',
  17: 'BADKEY', 18: 'BADTIME', 19: 'BADMODE', 20: 'BADNAME', 21: 'BADALG', 22: 'BADTRUNC', 23: 'BADCOOKIE',
};

/** The rcode mnemonic as miekg/dns (and so the CA's error text) spells it; '' when it has none. */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? '';
}

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** The records of one type in a reply (optionally one section, one owner), typed by their RDATA. */
export function recordsOf<T extends DecodedRecord['type']>(
  reply: DecodedResponse,
  type: T,
  where: { section?: Section; owner?: string } = {},
): Array<DecodedRecord & { type: T }> {
  const owner = where.owner === undefined ? undefined : where.owner.toLowerCase().replace(/\.+$/, '');
  return reply.records.filter(
    (r): r is DecodedRecord & { type: T } =>
      r.type === type &&
      (where.section === undefined || r.section === where.section) &&
      (owner === undefined || r.owner.toLowerCase().replace(/\.+$/, '') === owner),
  );
}
