// The public ACME CAs: directory URLs, short names, CAA identities, account URI prefixes, and the
// brand names people write in CAA instead of the identity.
// Sources: docs/cas-and-failures.md §1 (directories' meta.caaIdentities where captured), docs/acme-sh.md §4.
import { LETS_ENCRYPT, ZEROSSL_DIRECTORY } from '../vocabulary.js';

/** One certificate authority as far as CAA is concerned. */
export interface CertificateAuthority {
  /** Short name for --ca and reports. */
  id: string;
  displayName: string;
  /** ACME directory URLs, the first being canonical. */
  directories: string[];
  /** Other spellings accepted by --ca (acme.sh's names among them). */
  aliases: string[];
  /** CAA identities: the issuer domains an `issue` record must name. */
  caaIdentities: string[];
  /** Prefixes that + a numeric account id form this CA's account URIs (empty: compare exactly). */
  accountUriPrefixes: string[];
  /** Staging/test endpoint: its accounts differ from production's. */
  staging: boolean;
  /** Matches strings people put in CAA that name this CA but are not its identity (null: none known). */
  brand: RegExp | null;
  /**
   * When the CA enforces RFC 8657 accounturi/validationmethods: 'yes', or the date it must
   * (CA/B Forum ballot SC-098, effective 2027-03-15, docs/cas-and-failures.md §0.4).
   */
  enforcesRfc8657: 'yes' | '2027-03-15';
}

const SECTIGO_IDENTITIES = [
  'sectigo.com', 'trust-provider.com', 'usertrust.com', 'comodoca.com', 'comodo.com', 'entrust.net', 'affirmtrust.com',
];

export const AUTHORITIES: CertificateAuthority[] = [
  {
    id: 'letsencrypt', displayName: "Let's Encrypt",
    directories: [LETS_ENCRYPT.production, LETS_ENCRYPT.productionV1],
    aliases: ['le', 'letsencrypt.org'],
    caaIdentities: ['letsencrypt.org'],
    // An ACMEv1 account (/acme/reg/N) is the same account as /acme/acct/N (docs/caa-rules.md rule 14).
    accountUriPrefixes: ['https://acme-v01.api.letsencrypt.org/acme/reg/', 'https://acme-v02.api.letsencrypt.org/acme/acct/'],
    staging: false, brand: /let'?s\s*encrypt|letsencrypt|\bisrg\b|^(r3|r1[0-4]|e[1-9])$/i, enforcesRfc8657: 'yes',
  },
  {
    id: 'letsencrypt-staging', displayName: "Let's Encrypt (staging)",
    directories: [LETS_ENCRYPT.staging, LETS_ENCRYPT.stagingV1],
    aliases: ['letsencrypt_test', 'letsencrypttest', 'le-staging', 'staging'],
    caaIdentities: ['letsencrypt.org'],
    accountUriPrefixes: [
      'https://acme-staging.api.letsencrypt.org/acme/reg/',
      'https://acme-staging-v02.api.letsencrypt.org/acme/acct/',
    ],
    staging: true, brand: null, enforcesRfc8657: 'yes',
  },
  {
    id: 'zerossl', displayName: 'ZeroSSL',
    directories: [ZEROSSL_DIRECTORY],
    aliases: ['zerossl.com'],
    caaIdentities: SECTIGO_IDENTITIES,
    accountUriPrefixes: [], staging: false, brand: /zerossl/i, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'sectigo', displayName: 'Sectigo',
    directories: ['https://acme.sectigo.com/v2/DV', 'https://acme.sectigo.com/v2/OV', 'https://acme.sectigo.com/v2/EV'],
    aliases: [],
    caaIdentities: SECTIGO_IDENTITIES,
    accountUriPrefixes: [], staging: false, brand: /sectigo|comodo/i, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'google', displayName: 'Google Trust Services',
    directories: ['https://dv.acme-v02.api.pki.goog/directory'],
    aliases: ['gts'],
    caaIdentities: ['pki.goog'],
    accountUriPrefixes: [], staging: false, brand: /google|\bgts\b|pki\.goog/i, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'google-staging', displayName: 'Google Trust Services (staging)',
    directories: ['https://dv.acme-v02.test-api.pki.goog/directory'],
    aliases: ['googletest', 'google_test'],
    caaIdentities: ['pki.goog'],
    accountUriPrefixes: [], staging: true, brand: null, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'sslcom', displayName: 'SSL.com',
    directories: ['https://acme.ssl.com/sslcom-dv-rsa', 'https://acme.ssl.com/sslcom-dv-ecc'],
    aliases: ['ssl.com'],
    caaIdentities: ['ssl.com'],
    accountUriPrefixes: [], staging: false, brand: /ssl\.?com/i, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'buypass', displayName: 'Buypass Go SSL',
    directories: ['https://api.buypass.com/acme/directory'],
    aliases: [],
    caaIdentities: ['buypass.com', 'buypass.no'],
    accountUriPrefixes: [], staging: false, brand: /buypass/i, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'buypass-staging', displayName: 'Buypass Go SSL (test)',
    directories: ['https://api.test4.buypass.no/acme/directory'],
    aliases: ['buypass_test', 'buypasstest'],
    caaIdentities: ['buypass.com', 'buypass.no'],
    accountUriPrefixes: [], staging: true, brand: null, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'actalis', displayName: 'Actalis',
    directories: ['https://acme-api.actalis.com/acme/directory'],
    aliases: ['actalis.com'],
    caaIdentities: ['actalis.it'],
    accountUriPrefixes: [], staging: false, brand: /actalis/i, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'digicert', displayName: 'DigiCert',
    directories: ['https://one.digicert.com/mpki/api/v1/acme/v2/directory', 'https://acme.digicert.com/v2/acme/directory/'],
    aliases: [],
    // digicert.com also covers the legacy brands, which DigiCert still accepts (docs/cas-and-failures.md §1).
    caaIdentities: ['digicert.com', 'symantec.com', 'thawte.com', 'geotrust.com', 'rapidssl.com'],
    accountUriPrefixes: [], staging: false, brand: /digicert|geotrust|rapidssl|thawte/i, enforcesRfc8657: '2027-03-15',
  },
  {
    id: 'globalsign', displayName: 'GlobalSign',
    directories: ['https://emea.acme.atlas.globalsign.com/directory'],
    aliases: [],
    caaIdentities: ['globalsign.com'],
    accountUriPrefixes: [], staging: false, brand: /globalsign/i, enforcesRfc8657: '2027-03-15',
  },
];

/** Comparable form of a directory URL: lowercase scheme and host, no trailing slash. */
export function normalizeDirectoryUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return url.trim().replace(/\/+$/, '');
  }
}

/** The CA with this short name, alias or directory URL, if it is one we know. */
export function findAuthority(nameOrUrl: string): CertificateAuthority | null {
  const key = nameOrUrl.trim().toLowerCase();
  const byName = AUTHORITIES.find((ca) => ca.id === key || ca.aliases.includes(key));
  if (byName) return byName;
  if (!/^https?:\/\//i.test(nameOrUrl.trim())) return null;
  const url = normalizeDirectoryUrl(nameOrUrl);
  return AUTHORITIES.find((ca) => ca.directories.some((d) => normalizeDirectoryUrl(d) === url)) ?? null;
}

/** The short names --ca accepts, for messages. */
export function authorityIds(): string {
  return AUTHORITIES.map((a) => a.id).join(', ');
}
