// A zone's data from an RFC 1035 §5.1 master file, for the what-if overlay (README "What if"):
// what the file says about CAA, aliases and delegations, and which names it is authoritative
// for. Pure, no I/O; the rules it follows are docs/zone-files.md §2-4.
import { MasterFileError, splitLabels, tokenize, unescape, type Entry, type Token } from './master-tokens.js';
import { isWithin } from './delegation.js';
import { caaRdata, type CaaRecord } from './wire.js';

export { MasterFileError };

/** What the file holds at one owner name. */
export interface ZoneNode {
  caa: CaaRecord[];
  /** The alias target (canonical), when the owner is a CNAME. */
  cname: string | null;
  /** Every type seen at this owner (upper case), for the CNAME-and-other-data rule. */
  types: Set<string>;
  /** The line of the first record at this owner. */
  line: number;
}

/** One master file, parsed. Names are canonical: lower case, no trailing dot (docs/zone-files.md §2). */
export interface MasterFile {
  file: string;
  /** The zone's apex: the SOA owner, else the $ORIGIN given before any record, else the first owner. */
  apex: string;
  /** The SOA serial, when the file has an SOA. */
  serial: number | null;
  nodes: Map<string, ZoneNode>;
  /** Delegations below the apex (NS records there): the file does not answer for these subtrees. */
  cuts: string[];
}

/** Types read and ignored: a real zone file has them, and they do not bear on CAA. */
const IGNORED = new Set([
  'A', 'AAAA', 'MX', 'TXT', 'SPF', 'SRV', 'PTR', 'HINFO', 'RP', 'AFSDB', 'NAPTR', 'LOC', 'SSHFP', 'TLSA', 'SMIMEA',
  'OPENPGPKEY', 'CERT', 'URI', 'SVCB', 'HTTPS', 'DS', 'CDS', 'CDNSKEY', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'NSEC3PARAM',
  'ZONEMD', 'CSYNC', 'KX', 'DHCID', 'IPSECKEY', 'EUI48', 'EUI64', 'MINFO', 'MB', 'MG', 'MR', 'WKS', 'X25', 'ISDN', 'RT',
  // Rarer and obsolete types BIND still loads: a real zone may carry them.
  'A6', 'APL', 'ATMA', 'AMTRELAY', 'AVC', 'DLV', 'DOA', 'EID', 'GPOS', 'HIP', 'KEY', 'L32', 'L64', 'LP', 'MD', 'MF',
  'NID', 'NIMLOC', 'NINFO', 'NSAP', 'NSAP-PTR', 'NULL', 'NXT', 'RESINFO', 'RKEY', 'SIG', 'SINK', 'TA', 'TALINK', 'UID',
  'UINFO', 'UNSPEC', 'WALLET',
]);

/** The largest DNS message, over TCP (RFC 1035 §4.2.2: a two-byte length). */
const MAX_MESSAGE_BYTES = 65_535;

/** Types a CNAME may share its owner with (DNSSEC's own, RFC 4035 §2.5). */
const BESIDE_CNAME = new Set(['RRSIG', 'NSEC', 'NSEC3']);

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);

/** A TTL: seconds, or BIND's units (1h30m, 2d, 1w). */
const TTL = /^(\d+|(\d+[smhdw])+)$/i;

/** Parse a master file's text (a byte string) into a zone's data; throws MasterFileError with file and line. */
export function parseMasterFile(text: string, file: string): MasterFile {
  let origin: string | null = null;
  let owner: string | null = null;
  let initialOrigin: string | null = null;
  let firstOwner: string | null = null;
  let soa: { owner: string; serial: number; line: number } | null = null;
  // BIND reads a UTF-8 byte order mark as part of the first field and refuses the zone: so do we,
  // rather than answer for a file that will not load (docs/zone-files.md §1).
  if (text.startsWith('\xef\xbb\xbf')) throw new MasterFileError(file, 1, 'the file starts with a UTF-8 byte order mark, which BIND refuses to load: save it without one');
  const nodes = new Map<string, ZoneNode>();
  const caaKeys = new Map<ZoneNode, Set<string>>();
  const caaBytes = new Map<ZoneNode, number>();
  const ns: Array<{ owner: string; line: number }> = [];
  for (const entry of tokenize(text, file)) {
    const fail = (problem: string, line = entry.line): never => {
      throw new MasterFileError(file, line, problem);
    };
    const name = (token: Token): string => nameOf(token, origin, (p) => fail(p, token.line));
    const first = entry.tokens[0]!;
    if (!entry.blankOwner && !first.quoted && first.raw.startsWith('$')) {
      const directive = first.raw.toUpperCase();
      const args = entry.tokens.slice(1);
      if (directive === '$ORIGIN') {
        if (args.length !== 1) fail('$ORIGIN takes one domain name');
        origin = name(args[0]!);
        if (firstOwner === null) initialOrigin = origin;
      } else if (directive === '$TTL') {
        if (args.length !== 1 || !TTL.test(args[0]!.raw)) fail('$TTL takes one TTL (seconds, or units such as 1h)');
      } else if (directive === '$INCLUDE') {
        fail('$INCLUDE is refused: it would read another file named inside this one; give that file with its own --zone-file, or paste its records in');
      } else {
        fail(`${printable(first.raw)} is not a directive this reader knows ($ORIGIN, $TTL)`);
      }
      continue;
    }
    let rest = entry.tokens;
    if (entry.blankOwner) {
      if (owner === null) fail('a record without an owner name (the line starts with a blank, and no record came before it)');
    } else {
      owner = name(first);
      rest = rest.slice(1);
    }
    const here = owner!;
    firstOwner ??= here;
    // TTL and class, each optional, in either order (RFC 1035 §5.1).
    let seenTtl = false;
    let seenClass = false;
    while (rest.length > 0 && !rest[0]!.quoted) {
      const word = rest[0]!.raw.toUpperCase();
      if (!seenTtl && TTL.test(word)) seenTtl = true;
      else if (!seenClass && (CLASSES.has(word) || /^CLASS\d+$/.test(word))) {
        if (word !== 'IN') fail(`class ${printable(rest[0]!.raw)}: only class IN holds CAA records`);
        seenClass = true;
      } else break;
      rest = rest.slice(1);
    }
    const typeToken = rest[0];
    if (typeToken === undefined || typeToken.quoted) fail('a record needs a type (CAA, CNAME, NS, SOA, A, ...)');
    const type = canonicalType(typeToken!.raw.toUpperCase());
    const rdata = rest.slice(1);
    const node = nodeAt(nodes, here, entry.line);
    node.types.add(type);
    switch (type) {
      case 'CAA': {
        const record = caaRecordOf(rdata, entry, (p) => fail(p));
        // An RRset holds each record once; a Set keeps a file of many records at one owner linear.
        const key = `${record.flags}\u0000${record.tag}\u0000${record.value}`;
        const keys = caaKeys.get(node) ?? caaKeys.set(node, new Set()).get(node)!;
        if (!keys.has(key)) {
          keys.add(key);
          node.caa.push(record);
          // Header, question, then per record a compressed owner, type/class/TTL/length and the
          // RDATA: past 65,535 bytes no server can send the RRset at all, even over TCP.
          const size = (caaBytes.get(node) ?? 12 + here.length + 2 + 4) + 12 + 2 + record.tag.length + record.value.length;
          caaBytes.set(node, size);
          if (size > MAX_MESSAGE_BYTES) fail(`the CAA records at ${printable(here)} no longer fit in one DNS message (more than ${MAX_MESSAGE_BYTES} bytes): no server could answer for them`);
        }
        break;
      }
      case 'CNAME':
        if (rdata.length !== 1) fail('CNAME takes one domain name');
        if (node.cname !== null) fail(`a second CNAME at ${here}: a name is an alias of one name only`);
        node.cname = name(rdata[0]!);
        break;
      case 'NS':
        if (rdata.length !== 1) fail('NS takes one domain name');
        name(rdata[0]!);
        ns.push({ owner: here, line: entry.line });
        break;
      case 'SOA': {
        if (rdata.length !== 7) fail('SOA takes mname rname serial refresh retry expire minimum');
        if (soa !== null) fail(`a second SOA (the first is on line ${soa.line}): one file holds one zone`);
        name(rdata[0]!);
        name(rdata[1]!);
        if (!/^\d+$/.test(rdata[2]!.raw) || Number(rdata[2]!.raw) > 0xffffffff) fail(`SOA serial ${printable(rdata[2]!.raw)} is not a number up to 4294967295`);
        soa = { owner: here, serial: Number(rdata[2]!.raw), line: entry.line };
        break;
      }
      case 'DNAME':
        fail('DNAME is not supported: it would redirect a whole subtree, which this what-if does not follow');
        break;
      default:
        if (!IGNORED.has(type) && !/^TYPE\d+$/.test(type)) fail(`unknown record type ${printable(typeToken!.raw)}`);
    }
    if (node.cname !== null && [...node.types].some((t) => t !== 'CNAME' && !BESIDE_CNAME.has(t))) {
      fail(`${here} has a CNAME and other data (${[...node.types].filter((t) => t !== 'CNAME').join(', ')}): an alias can have nothing else (RFC 1034 §3.6.2)`);
    }
  }
  const finalSoa = soa as { owner: string; serial: number; line: number } | null;
  const apex = finalSoa?.owner ?? initialOrigin ?? firstOwner;
  if (apex === null) throw new MasterFileError(file, 1, 'no records: the file holds no zone');
  for (const [owner, node] of nodes) {
    if (!isWithin(owner, apex)) {
      throw new MasterFileError(file, node.line, `${owner} is outside the zone ${apex || '.'} (the zone is the SOA's owner, else the $ORIGIN before the first record, else the first owner)`);
    }
  }
  const cuts = ns.filter((n) => n.owner !== apex).map((n) => n.owner);
  return { file, apex, serial: finalSoa?.serial ?? null, nodes, cuts: [...new Set(cuts)] };
}

/** The node at an owner, made on first use. */
function nodeAt(nodes: Map<string, ZoneNode>, owner: string, line: number): ZoneNode {
  let node = nodes.get(owner);
  if (!node) {
    node = { caa: [], cname: null, types: new Set(), line };
    nodes.set(owner, node);
  }
  return node;
}

/** RFC 3597 §5: TYPE257 is CAA, TYPE5 CNAME ...; other TYPEnnn stay generic. */
function canonicalType(word: string): string {
  const known: Record<string, string> = { TYPE257: 'CAA', TYPE5: 'CNAME', TYPE2: 'NS', TYPE6: 'SOA', TYPE39: 'DNAME' };
  return known[word] ?? word;
}

/**
 * CAA RDATA (RFC 8659 §4.1.1): `flags tag value`, the value quoted or not; or RFC 3597's
 * generic `\# length hex` form (docs/zone-files.md §3).
 */
function caaRecordOf(rdata: Token[], entry: Entry, fail: (problem: string) => never): CaaRecord {
  if (rdata[0]?.raw === '\\#' && !rdata[0].quoted) return genericCaa(rdata.slice(1), fail);
  if (rdata.length !== 3) fail(`CAA takes flags, tag and value (${rdata.length} field${rdata.length === 1 ? '' : 's'} on line ${entry.line}); quote a value with spaces`);
  const [flagsToken, tagToken, valueToken] = rdata as [Token, Token, Token];
  if (!/^\d+$/.test(flagsToken.raw) || Number(flagsToken.raw) > 255) fail(`CAA flags ${printable(flagsToken.raw)} is not a number from 0 to 255`);
  let tag: string;
  let value: string;
  try {
    tag = unescape(tagToken.raw);
    value = unescape(valueToken.raw);
  } catch (err) {
    return fail((err as Error).message);
  }
  // RFC 8659 §4.1.1: letters and digits, unquoted; BIND refuses anything else in this form, and a
  // file BIND will not load answers nothing. Other bytes can only be written as \# (RFC 3597).
  if (tagToken.quoted) fail('a CAA tag is not quoted (BIND refuses a quoted tag)');
  if (!/^[A-Za-z0-9]{1,255}$/.test(tag)) fail(`CAA tag ${printable(tagToken.raw)}: letters and digits only (RFC 8659 §4.1.1; BIND refuses others; write such a record as \\# length hex)`);
  return { flags: Number(flagsToken.raw), tag, value };
}

/** `\# length hex...` for CAA: flags byte, tag length byte, tag, value (RFC 3597 §5, RFC 8659 §4.1). */
function genericCaa(rest: Token[], fail: (problem: string) => never): CaaRecord {
  if (rest.length === 0 || !/^\d+$/.test(rest[0]!.raw)) fail('\\# needs the RDATA length in bytes, then the bytes in hex');
  const length = Number(rest[0]!.raw);
  const hex = rest.slice(1).map((t) => t.raw).join('');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) fail('\\# RDATA must be hexadecimal, two digits a byte');
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length !== length) fail(`\\# says ${length} bytes but gives ${bytes.length}`);
  const shape = '\\# CAA RDATA is flags, a tag length of 1 or more, the tag, then the value';
  let record: CaaRecord;
  try {
    record = caaRdata.decode(bytes);
  } catch {
    return fail(shape);
  }
  if (record.tag === '') fail(shape);
  return record;
}

/**
 * A domain name token as a canonical name (docs/zone-files.md §2): `@` is the origin; a name
 * without a final dot is relative to it; escapes decoded, ASCII lower-cased; a label that holds a
 * dot or a backslash keeps it escaped, so that it can never be mistaken for two labels.
 */
function nameOf(token: Token, origin: string | null, fail: (problem: string) => never): string {
  if (token.quoted) return fail(`a domain name is not quoted (${printable(token.raw)})`);
  if (token.raw === '@') {
    if (origin === null) fail('@ with no $ORIGIN before it');
    return origin!;
  }
  const labels = splitLabels(token.raw);
  const absolute = labels.length > 1 && labels[labels.length - 1] === '';
  if (absolute) labels.pop();
  if (token.raw === '.') return '';
  const decoded = labels.map((label) => {
    if (label === '') fail(`${printable(token.raw)} has an empty label`);
    let bytes: string;
    try {
      bytes = unescape(label);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (bytes.length > 63) fail(`a label of ${printable(token.raw)} is longer than 63 bytes`);
    return bytes.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/[\\.]/g, (c) => `\\${c}`);
  });
  if (!absolute && origin === null) fail(`relative name ${printable(token.raw)} with no $ORIGIN before it`);
  const name = absolute ? decoded.join('.') : [...decoded, ...(origin ? [origin] : [])].join('.');
  if (name.length > 253) fail(`${printable(token.raw)} is longer than a domain name can be`);
  return name;
}

/** Text from the file, safe to put in a message: control and non-ASCII bytes as \DDD. */
function printable(raw: string): string {
  return raw.replace(/[^\x20-\x7e]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`);
}
