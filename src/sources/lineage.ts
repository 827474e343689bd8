// What a renewal will ask the CA for: the shared shape every source (certbot, acme.sh, -d)
// produces and the checker consumes.

export type SourceKind = 'certbot' | 'acme.sh' | 'cli';

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
  /** acme.sh: the certificate lives in the `<name>_ecc` folder, and renewing it needs --ecc. */
  ecc?: boolean;
}
