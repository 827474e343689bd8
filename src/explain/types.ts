// What an explanation is made of: the per-name report (text and JSON), its findings and record
// notes, and the views of the CA and the renewal that explanations are given. Types only.
import type { CaProblem } from '../caa/messages.js';
import type { IssuanceContext } from '../caa/evaluate.js';
import type { AliasHop } from '../dns/wire.js';
import type { CaPolicy, Status } from '../vocabulary.js';
import type { FindingCode } from './findings.js';

/** A remark about one name: `fail` explains a refusal, `warn` makes a pass a warning, `info` is context. */
export interface Finding {
  level: 'fail' | 'warn' | 'info';
  /** Stable identifier for scripts (src/explain/findings.ts lists them all). */
  code: FindingCode;
  message: string;
  /** The record this is about (zone text), when it restates that record's note. */
  record?: string;
  /** The authoritative server this is about, when one server causes it. */
  server?: { name: string; address: string; transport: 'udp' | 'tcp' };
}

/** One authoritative server's answer for one name the verdict rests on (`servers` in JSON). */
export interface ServerNote {
  /** The level this answer stands for, and the name actually asked (an alias target on the way). */
  level: string;
  asked: string;
  zone: string;
  server: string;
  address: string;
  transport: 'udp' | 'tcp';
  /** records | empty | nxdomain | alias | error */
  result: 'records' | 'empty' | 'nxdomain' | 'alias' | 'error';
  rcode: string | null;
  records: Array<{ flags: number; tag: string; value: string }>;
  alias: string | null;
  /** Why the answer is unusable (timeout, refused, servfail, notimp, lame, ...). */
  fault: string | null;
  serial: number | null;
  ms: number | null;
}

/** What a record does to this request. */
export type RecordEffect = 'authorizes' | 'rejects' | 'depends' | 'not-applicable' | 'ignored' | 'blocks';

/** How one record of the relevant RRset was judged. */
export interface RecordNote {
  owner: string;
  flags: number;
  tag: string;
  /** Value decoded for display (UTF-8); `text` is the exact zone-file form. */
  value: string;
  text: string;
  effect: RecordEffect;
  note: string;
}

/** One lookup level, as shown under -v and in JSON. */
export interface LookupLine {
  name: string;
  result: string;
  server: string | null;
  detail: string | null;
  /** The what-if zone file that answered this level instead of live DNS (README "What if"), or null. */
  zoneFile: string | null;
}

/** One change that makes a refused name pass (the structured form of `fix`). */
export interface FixLine {
  action: 'add' | 'replace';
  /** Where the record goes (the alias target when the records are served there). */
  owner: string;
  flags: number;
  tag: string;
  /** Decoded for display; `text` is the exact zone-file line. */
  value: string;
  text: string;
  /** replace, and an add that keeps another account's record: that record's zone line. */
  replaces: string | null;
  /** critical: the flag is cleared (removing the record works too); other-account: the record for the account it names stays. */
  why: 'critical' | 'other-account' | null;
}

/** The per-name result, as reported in text and JSON. */
export interface NameReport {
  name: string;
  unicode: string | null;
  wildcard: boolean;
  status: Status;
  reason: string;
  fix: string | null;
  /** The same fix, step by step (add / replace), for reports and provider web forms. */
  fixSteps: FixLine[];
  /** A dig command that shows the failure from here (fail only). */
  reproduce: string | null;
  foundAt: string | null;
  /** Alias hops that led from foundAt to the records. */
  cnameChain: AliasHop[];
  records: Array<{ flags: number; tag: string; value: string }>;
  recordNotes: RecordNote[];
  findings: Finding[];
  caProblem: CaProblem | null;
  challenge: string | null;
  lookups: LookupLine[];
  /** Where the verdict was judged from: the zone's authoritative servers, or only our resolver. */
  judgedFrom: 'authoritative' | 'resolver' | null;
  /** Every authoritative server's answer for the levels the verdict rests on. */
  servers: ServerNote[];
  /** The what-if zone files (--zone-file) that answered levels the verdict rests on; empty: live DNS only. */
  zoneFiles: string[];
}

/** Another CA an explanation may name: "this record authorizes DigiCert", "a staging account". */
export interface KnownCa {
  displayName: string;
  caaIdentities: string[];
  accountUriPrefixes: string[];
  staging: boolean;
  /** Matches strings people write in CAA that name this CA but are not its identity ("Let's Encrypt"). */
  brand: RegExp | null;
}

/** Who the renewal talks to, and the other CAs explanations may compare it with. */
export interface CaView {
  label: string;
  displayName: string;
  policy: CaPolicy;
  staging: boolean;
  /** The CAs we know (passed in from src/ca, so explanations never reach for a global table). */
  catalog: readonly KnownCa[];
}

/** The renewal's account and challenge, with where each fact came from. */
export interface ContextView extends IssuanceContext {
  accountSource: string | null;
  methodSource: string | null;
}
