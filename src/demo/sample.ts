// The bundled sample for `preflight demo`: a certbot config dir, an acme.sh home and the DNS
// zone they are checked against, embedded so the demo runs offline from the package alone.
// The certificates are real (issued by a throwaway demo CA); only their names matter here.
import type { Zone } from './dns-server.js';

/** certbot lineage example.com: three names, webroot, account .../acct/2222. */
export const EXAMPLE_COM_CERT = `
-----BEGIN CERTIFICATE-----
MIIBnzCCAUWgAwIBAgICEAAwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRcHJlZmxp
Z2h0IGRlbW8gQ0EwHhcNMjYwOTAxMDAwMDAwWhcNMjYxMTMwMDAwMDAwWjAWMRQw
EgYDVQQDDAtleGFtcGxlLmNvbTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABLUs
5LhvqxjcIryDHNwBmgyJt1WIlmwufCWVsNMI8dFi4AjINDbvsHGNh/RbFW6vs5GE
MkF/SdC1l9u/VnQRKlSjfTB7MDkGA1UdEQQyMDCCC2V4YW1wbGUuY29tgg93d3cu
ZXhhbXBsZS5jb22CEHNob3AuZXhhbXBsZS5jb20wHQYDVR0OBBYEFIOSX6pklhX1
QcuksaVCC7FrfjTfMB8GA1UdIwQYMBaAFDdXEijdyA6LhcESHB+516B3XOoRMAoG
CCqGSM49BAMCA0gAMEUCIQCDMguvlPEnFj/Ndk8h2W6rLAEPdXHCcBV9uex0Nj1L
VAIgfHXa3WVUG/W1y5PhKEzsqYtmPssmtIp988Xd7Fh5HI0=
-----END CERTIFICATE-----
`;

/** certbot lineage api.example.org: Cloudflare DNS plugin. */
export const API_EXAMPLE_ORG_CERT = `
-----BEGIN CERTIFICATE-----
MIIBgzCCASqgAwIBAgICEAEwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRcHJlZmxp
Z2h0IGRlbW8gQ0EwHhcNMjYwOTAxMDAwMDAwWhcNMjYxMTMwMDAwMDAwWjAaMRgw
FgYDVQQDDA9hcGkuZXhhbXBsZS5vcmcwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AATzJoZLaSrCo4RKzxP49EPmnG5T4hOACmKn/qJm8AHc1kn82POzZQIMGb7Xa9Z8
SxlzW2jli7v+HGNAJpOroNnpo14wXDAaBgNVHREEEzARgg9hcGkuZXhhbXBsZS5v
cmcwHQYDVR0OBBYEFPsyNsDozGS/fIqMul/4hZMm5DYYMB8GA1UdIwQYMBaAFDdX
EijdyA6LhcESHB+516B3XOoRMAoGCCqGSM49BAMCA0cAMEQCIAjbQ8H65n2l2hQr
hKtPly22oS5PZiCpLYcTzd0bQs2+AiBXC4YKeCLFJICZGLwIqTR5/XpF4lt/czAb
2EtLhQlPQw==
-----END CERTIFICATE-----
`;

/** The demo's clock: its certificates expire 2026-11-30 and are due from 2026-10-31. */
export const DEMO_NOW = new Date('2026-11-25T12:00:00Z');

export const DEMO_ACCOUNT_ID = '6b1f8fd7c1e1d9a03c4bd0ed2a8b5f10';
export const DEMO_ACCOUNT_URI = 'https://acme-v02.api.letsencrypt.org/acme/acct/2222';

/** A renewal conf as certbot 2.1.0 writes it; CONFIG_DIR is replaced with the demo's directory. */
export function certbotRenewalConf(name: string, authenticatorLines: string[]): string {
  return [
    '# renew_before_expiry = 30 days',
    'version = 2.1.0',
    `archive_dir = CONFIG_DIR/archive/${name}`,
    `cert = CONFIG_DIR/live/${name}/cert.pem`,
    `privkey = CONFIG_DIR/live/${name}/privkey.pem`,
    `chain = CONFIG_DIR/live/${name}/chain.pem`,
    `fullchain = CONFIG_DIR/live/${name}/fullchain.pem`,
    '',
    '# Options used in the renewal process',
    '[renewalparams]',
    `account = ${DEMO_ACCOUNT_ID}`,
    ...authenticatorLines,
    'server = https://acme-v02.api.letsencrypt.org/directory',
    'key_type = ecdsa',
    '',
  ].join('\n');
}

export const CERTBOT_LINEAGES = [
  {
    name: 'example.com',
    cert: EXAMPLE_COM_CERT,
    authenticator: ['authenticator = webroot', 'webroot_path = /var/www/example,', '[[webroot_map]]', 'example.com = /var/www/example', 'www.example.com = /var/www/example', 'shop.example.com = /var/www/example'],
  },
  {
    name: 'api.example.org',
    cert: API_EXAMPLE_ORG_CERT,
    authenticator: ['authenticator = dns-cloudflare', 'dns_cloudflare_credentials = /root/.secrets/cloudflare.ini'],
  },
];

/** acme.sh certificates: blog.example.net on acme.sh's default CA (ZeroSSL), a wildcard and mail.example.dev on LE. */
export const ACME_CERTS = [
  {
    folder: 'blog.example.net_ecc',
    conf: [
      "Le_Domain='blog.example.net'", "Le_Alt='no'", "Le_Webroot='/var/www/blog'",
      "Le_PreHook=''", "Le_PostHook=''", "Le_RenewHook=''",
      "Le_API='https://acme.zerossl.com/v2/DV90'", "Le_Keylength='ec-256'",
      "Le_CertCreateTime='1788220800'", "Le_NextRenewTime='1793404800'",
    ],
  },
  {
    folder: '*.example.dev_ecc',
    conf: [
      "Le_Domain='*.example.dev'", "Le_Alt='example.dev'", "Le_Webroot='dns_cf'",
      "Le_API='https://acme-v02.api.letsencrypt.org/directory'", "Le_Keylength='ec-256'",
      "Le_CertCreateTime='1788220800'", "Le_NextRenewTime='1793404800'",
    ],
  },
  {
    folder: 'mail.example.dev',
    conf: [
      "Le_Domain='mail.example.dev'", "Le_Alt='no'", "Le_Webroot='/var/www/mail'",
      "Le_API='https://acme-v02.api.letsencrypt.org/directory'", "Le_Keylength='2048'",
      "Le_CertCreateTime='1788220800'", "Le_NextRenewTime='1793404800'",
    ],
  },
];

export const ACME_CA_CONFS = [
  { dir: 'acme.zerossl.com/v2/DV90', accountUrl: 'https://acme.zerossl.com/v2/DV90/account/demo' },
  { dir: 'acme-v02.api.letsencrypt.org/directory', accountUrl: 'https://acme-v02.api.letsencrypt.org/acme/acct/3333' },
];

/** The DNS the demo's CA would see: each seed case once. */
export const DEMO_ZONE: Zone = {
  // critical iodef: harmless for the CA, worth a warning
  'example.com': ['0 issue "letsencrypt.org"', '128 iodef "mailto:security@example.com"'],
  // a CNAME to a CDN whose zone has its own CAA
  'www.example.com': { cname: 'example-com.edge.cdn.example.net' },
  'example-com.edge.cdn.example.net': ['0 issue "digicert.com"'],
  // a trailing dot on the issuer
  'shop.example.com': ['0 issue "letsencrypt.org."'],
  // an accounturi bound to an older account
  'example.org': ['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1111"'],
  'api.example.org': [],
  // only Let's Encrypt allowed, but acme.sh renews through ZeroSSL (sectigo.com)
  'example.net': ['0 issue "letsencrypt.org"'],
  // a healthy wildcard
  'example.dev': ['0 issue "letsencrypt.org"', '0 issuewild "letsencrypt.org; validationmethods=dns-01"'],
  // no CAA of its own on the primary ... (but see DEMO_STALE_SECONDARY)
  'mail.example.dev': [],
};

/** The zones of the sample, each served by two authoritative servers in the demo. */
export const DEMO_ZONES = ['example.com', 'example.org', 'example.net', 'example.dev'];

/**
 * ... while example.dev's second nameserver is a stale secondary: it still serves the CAA record
 * mail.example.dev had months ago, when its mail server used a Sectigo certificate.
 */
export const DEMO_STALE_SECONDARY = {
  zone: 'example.dev',
  serials: { current: 2026112501, stale: 2026060101 },
  names: { 'mail.example.dev': ['0 issue "sectigo.com"'] } as Record<string, string[]>,
};
