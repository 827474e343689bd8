// The document of `preflight list`: what certbot and acme.sh will renew, read from their
// configuration alone (no DNS). Typed like the check's document (json.ts), so that a key dropped
// or renamed is a compile error; keys are only ever added (README "Listing what will be renewed").
import { findAuthority } from '../ca/authorities.js';
import { hostOf } from '../ca/resolve.js';
import type { Lineage, SourceKind } from '../sources/lineage.js';
import type { SourceError } from '../vocabulary.js';
import { safeJson } from './escape.js';
import { JSON_SCHEMA_VERSION } from './json.js';

/** One lineage in the list. */
export interface ListLineage {
  source: SourceKind;
  name: string;
  /** Identifiers on the certificate, in order. */
  names: string[];
  /** The ACME directory URL (or CA short name) the renewal will use. */
  server: string;
  /** The CA's short name from the built-in table, else the directory's host; null when neither. */
  ca: string | null;
  accountUri: string | null;
  accountSource: string | null;
  /** The lineage-wide challenge type; null when unknown or when names differ (see `challenges`). */
  challenge: string | null;
  /** The challenge type per name (null: unknown). */
  challenges: Record<string, string | null>;
  challengeSource: string | null;
  /** Due for renewal now; null when unknown. */
  due: boolean | null;
  /** When it becomes (became) due, and when its certificate expires (ISO 8601), or null. */
  dueAt: string | null;
  expires: string | null;
  confPath: string | null;
  /** acme.sh: the certificate lives in the `<name>_ecc` folder (renewed with --ecc); false for certbot. */
  ecc: boolean;
  notes: string[];
}

/** The whole `preflight list --json` document. */
export interface ListDocument {
  lineages: ListLineage[];
  /** Configuration that could not be read, each with its path: the lineages listed are the others. */
  errors: SourceError[];
  schemaVersion: typeof JSON_SCHEMA_VERSION;
  version: string;
  checkedAt: string;
}

/** The CA's short name for a server (as the check labels it), else the directory URL's host. */
export function caLabel(server: string): string | null {
  const authority = findAuthority(server);
  if (authority) return authority.id;
  return /^https?:\/\//i.test(server.trim()) ? hostOf(server.trim()) : null;
}

/** One lineage as the list carries it. */
export function listLineage(l: Lineage): ListLineage {
  return {
    source: l.source,
    name: l.name,
    names: l.names,
    server: l.server,
    ca: caLabel(l.server),
    accountUri: l.accountUri,
    accountSource: l.accountSource,
    challenge: l.challenge,
    challenges: Object.fromEntries(l.names.map((n) => [n, l.challengeFor(n)])),
    challengeSource: l.challengeSource,
    due: l.due,
    dueAt: l.dueAt?.toISOString() ?? null,
    expires: l.expires?.toISOString() ?? null,
    confPath: l.confPath,
    ecc: l.ecc ?? false,
    notes: l.notes,
  };
}

/** The list document for what was selected. */
export function listDocument(
  selection: { lineages: Lineage[]; errors: SourceError[] },
  meta: { version: string; checkedAt: Date },
): ListDocument {
  return {
    lineages: selection.lineages.map(listLineage),
    errors: selection.errors,
    schemaVersion: JSON_SCHEMA_VERSION,
    version: meta.version,
    checkedAt: meta.checkedAt.toISOString(),
  };
}

/** The document as written on stdout. */
export function renderListJson(doc: ListDocument): string {
  return `${safeJson(doc)}\n`;
}
