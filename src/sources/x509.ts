// What the certbot reader needs from a certificate — subject CN, SAN DNS names and IP
// addresses, validity — read straight from the DER (RFC 5280 §4.1) instead of building a full
// X509Certificate, which costs far more per certificate on a fleet. Anything unexpected falls
// back to node:crypto's parser, so an odd certificate is never misread.
import { X509Certificate } from 'node:crypto';

/** The parts of a certificate that decide which names a renewal asks for, and when. */
export interface CertificateFacts {
  /** Subject common name, if any. */
  commonName: string | null;
  /** subjectAltName dNSName entries, in order. */
  dnsNames: string[];
  /** subjectAltName iPAddress entries, as text. */
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
}

/** Read a PEM (or DER) certificate's facts. Throws when it is not a certificate at all. */
export function certificateFacts(data: Buffer): CertificateFacts {
  const der = toDer(data);
  try {
    return readDer(der);
  } catch {
    return fromNode(new X509Certificate(data));
  }
}

function toDer(data: Buffer): Buffer {
  const text = data.toString('latin1');
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : data;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** The TLV at `at` within `buf` (definite lengths only, as DER requires). */
function tlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new RangeError('DER runs past the end');
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes === 0 || bytes > 3) throw new RangeError('unsupported DER length');
    len = 0;
    for (let i = 0; i < bytes; i++) len = (len << 8) | buf[start + i]!;
    start += bytes;
  }
  const end = start + len;
  if (end > buf.length) throw new RangeError('DER runs past the end');
  return { tag, start, end };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = tlv(buf, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

const OID_CN = '550403';
const OID_SAN = '551d11';

function readDer(der: Buffer): CertificateFacts {
  const cert = tlv(der, 0);
  const tbs = children(der, cert)[0];
  if (!tbs || cert.tag !== 0x30 || tbs.tag !== 0x30) throw new RangeError('not a certificate');
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version, optional
  const validity = fields[offset + 3];
  const subject = fields[offset + 4];
  if (!validity || !subject) throw new RangeError('truncated TBSCertificate');
  const [from, to] = children(der, validity);
  if (!from || !to) throw new RangeError('no validity');
  let commonName: string | null = null;
  for (const rdn of children(der, subject)) {
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv);
      if (type && value && der.toString('hex', type.start, type.end) === OID_CN) commonName = der.toString('utf8', value.start, value.end);
    }
  }
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions) {
    for (const ext of children(der, children(der, extensions)[0]!)) {
      const parts = children(der, ext);
      const id = parts[0];
      const value = parts[parts.length - 1];
      if (!id || !value || der.toString('hex', id.start, id.end) !== OID_SAN) continue;
      for (const name of children(der, children(der, value)[0]!)) {
        if (name.tag === 0x82) dnsNames.push(der.toString('latin1', name.start, name.end));
        else if (name.tag === 0x87) ipAddresses.push(ipText(der.subarray(name.start, name.end)));
      }
    }
  }
  return { commonName, dnsNames, ipAddresses, notBefore: time(der, from), notAfter: time(der, to) };
}

/** UTCTime (YYMMDDHHMMSSZ, 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
function time(der: Buffer, t: Tlv): Date {
  const s = der.toString('latin1', t.start, t.end);
  const m = t.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) throw new RangeError(`unsupported time ${s}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups = Array.from({ length: bytes.length / 2 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The same facts from node:crypto, for certificates the quick reader does not follow. */
function fromNode(cert: X509Certificate): CertificateFacts {
  const sans = (cert.subjectAltName ?? '').split(/,\s*/);
  return {
    commonName: /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? null,
    dnsNames: sans.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4)),
    ipAddresses: sans.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice(11)),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}
