// What a renewal will ask the CA for: the shared shape every source (certbot, acme.sh, -d)
// produces and the checker consumes.

export type SourceKind = 'certbot' | 'acme.sh' | 'cli';

/**
 * The trust roots a client verifies its CA's HTTPS with, where the admin has given one
 * (README "Private CAs"): preflight reads the CA's ACME directory with the same roots.
 */
export interface CaBundle {
  /** A PEM file, or a directory of hashed certificate links (CA_PATH, a directory REQUESTS_CA_BUNDLE). */
  path: string;
  /** The setting that names it. */
  source: 'CA_BUNDLE' | 'CA_PATH' | 'REQUESTS_CA_BUNDLE' | 'CURL_CA_BUNDLE' | 'NODE_EXTRA_CA_CERTS';
  /** Where the setting was read: a file (acme.sh's account.conf) or "the environment". */
  from: string;
  /** true: only these roots are trusted, as the client does; false: they are added to Node's default roots. */
  replacesDefault: boolean;
}

/** One certificate that will be renewed, and how. */
export interface Lineage {
  source: SourceKind;
  /** certbot lineage name, acme.sh main domain, or "cli". */
  name: string;
  /** ACME directory URL or CA short name the renewal will use. */
  server: string;
  /** Identifiers on the certificate, in order (A-labels; `*.` kept). */
  names: string[];
  /** The ACME account URI, when known. */
  accountUri: string | null;
  /** Where the account URI came from (a file path, a flag), for reports. */
  accountSource: string | null;
  /** Challenge type per identifier; null = unknown. */
  challengeFor: (name: string) => string | null;
  /** The lineage-wide challenge description for reports (null when unknown or mixed). */
  challenge: string | null;
  /** Where the challenge type came from (authenticator, Le_Webroot, a flag, a default). */
  challengeSource: string | null;
  /** Due for renewal now; null when unknown. */
  due: boolean | null;
  /** When it becomes due (the client's own rule); null when unknown or never. */
  dueAt: Date | null;
  /** notAfter of the certificate the client will renew; null when unknown. */
  expires: Date | null;
  /** The configuration file this lineage was read from. */
  confPath: string | null;
  /** Facts worth showing, each with its origin. */
  notes: string[];
  /** The roots the client trusts for its CA's HTTPS, when the admin gave some; null: the defaults. */
  caBundle: CaBundle | null;
  /** acme.sh: the certificate lives in the `<name>_ecc` folder, and renewing it needs --ecc. */
  ecc?: boolean;
}
