// Real X.509 certificates, fast: a small DER writer and Node's ECDSA signer, so a fleet of
// thousands of certbot lineages gets genuine certificates (parsed by the tool as any other)
// without thousands of openssl runs. Only what a leaf needs: subject CN, validity, SAN DNS names.
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

const tlv = (tag: number, body: Buffer): Buffer => {
  const len = body.length;
  const head =
    len < 0x80 ? Buffer.from([tag, len])
    : len < 0x100 ? Buffer.from([tag, 0x81, len])
    : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([head, body]);
};
const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
};
const integer = (n: number): Buffer => {
  const hex = n.toString(16).padStart(2, '0');
  let body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
};
const utcTime = (d: Date): Buffer => tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));
const cn = (name: string): Buffer => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(name, 'utf8')))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/** An issuing key for a fleet (one per run). */
export interface Issuer {
  name: string;
  key: KeyObject;
  pem: string;
}

/** A throw-away issuer; its own certificate is not needed (the tool never verifies chains). */
export function makeIssuer(name = 'preflight fleet CA'): Issuer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { name, key: privateKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A leaf certificate (PEM) for `names` (the first is also the CN), valid from `notBefore` to `notAfter`. */
export function issueCertificate(issuer: Issuer, names: string[], serial: number, notBefore: Date, notAfter: Date, subjectKey?: KeyObject): string {
  const key = subjectKey ?? issuer.key;
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const san = seq(...names.map((n) => tlv(0x82, Buffer.from(n, 'ascii'))));
  const extensions = tlv(0xa3, seq(seq(oid('2.5.29.17'), tlv(0x04, san))));
  const tbs = seq(
    tlv(0xa0, integer(2)),
    integer(serial),
    ECDSA_SHA256,
    cn(issuer.name),
    seq(utcTime(notBefore), utcTime(notAfter)),
    cn(names[0]!),
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, { key: issuer.key, dsaEncoding: 'der' });
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}
