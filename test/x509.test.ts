// The quick certificate reader (src/sources/x509.ts) against node:crypto's full parser: the same
// CN, SAN names, IP addresses and validity on every kind of certificate the readers meet.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_EXAMPLE_ORG_CERT, EXAMPLE_COM_CERT } from '../src/demo/sample.js';
import { certificateFacts } from '../src/sources/x509.js';
import { findBinary } from './helpers/system.js';
import { issueCertificate, makeIssuer } from './helpers/x509.js';

/** What node:crypto says about a certificate, in the same shape. */
function byNode(pem: string) {
  const cert = new X509Certificate(pem);
  const sans = (cert.subjectAltName ?? '').split(/,\s*/);
  return {
    commonName: /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? null,
    dnsNames: sans.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4)),
    // node prints IPv6 uncompressed; compare canonical forms.
    ipAddresses: sans.filter((e) => e.startsWith('IP Address:')).map((e) => (e.includes(':', 11) ? new URL(`http://[${e.slice(11)}]/`).hostname.slice(1, -1) : e.slice(11))),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}

const openssl = findBinary('openssl');

describe('certificateFacts', () => {
  const issuer = makeIssuer();
  const cases: Array<[string, string]> = [
    ['the demo\'s example.com', EXAMPLE_COM_CERT],
    ['the demo\'s api.example.org', API_EXAMPLE_ORG_CERT],
    ['a fleet certificate with five names', issueCertificate(issuer, ['s1.z1.fleet', 'www.s1.z1.fleet', 'api.s1.z1.fleet', 'cdn.s1.z1.fleet', 'mail.s1.z1.fleet'], 7, new Date('2026-09-01T00:00:00Z'), new Date('2026-11-30T00:00:00Z'))],
    ['a wildcard certificate valid past 2049', issueCertificate(issuer, ['*.example.net', 'example.net'], 8, new Date('2026-09-01T00:00:00Z'), new Date('2049-12-31T23:59:59Z'))],
  ];
  it.each(cases)('reads %s as node:crypto does', (_, pem) => {
    expect(certificateFacts(Buffer.from(pem))).toEqual(byNode(pem));
  });
  it.skipIf(!openssl)('reads an openssl certificate with IP addresses, a long SAN list and a GeneralizedTime', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-x509-'));
    try {
      const sans = [...Array.from({ length: 40 }, (_, i) => `DNS:host${i}.example.org`), 'IP:192.0.2.7', 'IP:2001:db8::7'].join(',');
      execFileSync(openssl!, [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'k.pem'),
        '-out', path.join(dir, 'c.pem'), '-subj', '/O=Example/CN=host0.example.org', '-days', '10000', '-addext', `subjectAltName=${sans}`,
      ], { stdio: 'ignore' });
      const pem = readFileSync(path.join(dir, 'c.pem'), 'utf8');
      const facts = certificateFacts(Buffer.from(pem));
      expect(facts).toEqual(byNode(pem));
      expect(facts.ipAddresses).toEqual(['192.0.2.7', '2001:db8::7']);
      expect(facts.dnsNames).toHaveLength(40);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('falls back to node:crypto rather than misread, and throws on what is no certificate', () => {
    expect(() => certificateFacts(Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toThrow();
    expect(() => certificateFacts(Buffer.from('not a certificate'))).toThrow();
  });
});
