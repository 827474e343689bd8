// Fuzz targets (docs/RELIABILITY.md §3): generated inputs driven through what reads untrusted
// data — the CAA value parser and the policy around it, certbot's and acme.sh's readers, and DNS
// response handling (decoding, and a real resolver over real sockets). Each property is "no
// uncaught exception, no hang, nothing unsafe printed"; a failure is shrunk by fast-check to a
// small counterexample. `npm run fuzz` runs >= 1,000,000 inputs; the test suite a small budget.
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import packet from 'dns-packet';
import { AUTHORITIES, findAuthority } from '../../src/ca/authorities.js';
import type { FullReport, LineageReport } from '../../src/check.js';
import { evaluateCaa, type IssuanceContext } from '../../src/caa/evaluate.js';
import { toCheckName } from '../../src/caa/name.js';
import { parseIssueValue } from '../../src/caa/parse.js';
import { writeDemoSample } from '../../src/commands/demo.js';
import { ACME_CERTS, certbotRenewalConf, CERTBOT_LINEAGES, EXAMPLE_COM_CERT } from '../../src/demo/sample.js';
import { classify, type CaaLookup } from '../../src/dns/lookup.js';
import { MasterFileError, parseMasterFile } from '../../src/dns/master-file.js';
import { answerAt } from '../../src/dns/what-if.js';
import { zoneLine } from '../../src/caa/zone.js';
import { Resolver } from '../../src/dns/resolver.js';
import { caaRdata, decodeResponse, peekHeader } from '../../src/dns/wire.js';
import { explainName } from '../../src/explain/explain.js';
import type { CaView } from '../../src/explain/types.js';
import { renderJson } from '../../src/report/json.js';
import { renderText } from '../../src/report/text.js';
import { readAcmeCert } from '../../src/sources/acmesh.js';
import { readCertbotLineage } from '../../src/sources/certbot.js';
import { ConfSyntaxError, parseConfigObj } from '../../src/sources/configobj.js';
import { decodeAcmeValue, parseShellConf } from '../../src/sources/shellconf.js';
import { certificateFacts } from '../../src/sources/x509.js';

/** One fuzz target: a property over generated inputs, with its share of the budget. */
export interface FuzzTarget {
  name: string;
  /** Relative weight: slow targets (files, sockets) get a smaller share. */
  weight: number;
  /** Set up, run `runs` inputs, tear down; resolves to the number of inputs actually run. */
  run(runs: number, seed?: number): Promise<number>;
}

// What a terminal acts on: C0 (but newline and tab), DEL, C1, bidi controls (src/report/escape.ts).
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const NOW = new Date('2026-11-25T12:00:00Z');
const LE = findAuthority('letsencrypt')!;
const POLICY = {
  identities: LE.caaIdentities,
  accountUriPrefixes: LE.accountUriPrefixes,
  otherAccountUriPrefixes: findAuthority('letsencrypt-staging')!.accountUriPrefixes,
  enforcesRfc8657: true,
};
const CA_VIEW: CaView = { label: 'letsencrypt', displayName: "Let's Encrypt", policy: POLICY, staging: false, catalog: AUTHORITIES };

// ---- generators -------------------------------------------------------------------------------

/** Bytes as the latin1 string a CAA value or tag is held in (the CA compares bytes). */
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b).toString('latin1'));

/** Pieces that make CAA values interesting: the grammar's own tokens and hostile bytes. */
const CAA_TOKENS = [
  'letsencrypt.org', 'letsencrypt.org.', 'LetsEncrypt.org', 'sectigo.com', 'pki.goog', ';', '; ', ' ', '\t', '=', ',', ', ',
  'accounturi', 'AccountURI', 'validationmethods', 'http-01', 'dns-01', 'tls-alpn-01', 'dns-account-01',
  'https://acme-v02.api.letsencrypt.org/acme/acct/123', 'https://acme-v01.api.letsencrypt.org/acme/reg/9', '\u0000', '\u001b[31m',
  '\u00ff', '\u00e9', '\u00c3\u00a9', '"', '\\', '\r\n', '\u202e', 'xn--', '*.', '.', '-', '_',
];
const caaValue = fc.oneof(bytes(80), fc.array(fc.constantFrom(...CAA_TOKENS), { maxLength: 14 }).map((a) => a.join('')));
const caaTag = fc.oneof(fc.constantFrom('issue', 'issuewild', 'iodef', 'ISSUE', 'Issue', 'issuemail', 'issuevmc', 'accounturi', 'tbs', ''), bytes(16));
const caaFlags = fc.oneof(fc.constantFrom(0, 1, 128, 129, 255), fc.integer({ min: 0, max: 255 }));

const NAME = toCheckName('a.b.example');
const WILDCARD = toCheckName('*.b.example');

/** A lookup of one level: records (owned here or through an alias), empty, or an error. */
function lookupAt(name: string) {
  const base = { name, chain: [], server: '127.53.0.1:53', transport: 'udp' as const, validated: false };
  const record = fc.record({ owner: fc.constantFrom(name, 'target.example', 'ExAmPlE.'), flags: caaFlags, tag: caaTag, value: caaValue });
  return fc.oneof<fc.Arbitrary<CaaLookup>[]>(
    fc.array(record, { minLength: 1, maxLength: 6 }).map((records) => ({ ...base, kind: 'records' as const, records })),
    fc.boolean().map((nxdomain) => ({ ...base, kind: 'empty' as const, nxdomain })),
    fc.record({
      cause: fc.constantFrom('rcode', 'nxdomain-tld', 'truncated', 'timeout', 'network', 'refused-no-recursion', 'nameserver', 'alias-loop'),
      local: fc.boolean(),
      detail: caaValue,
      rcode: fc.constantFrom(null, 'SERVFAIL', 'REFUSED'),
    }).map((e) => ({ ...base, kind: 'error' as const, ede: null, ...e })),
  );
}

const context: fc.Arbitrary<IssuanceContext & { accountSource: string | null; methodSource: string | null }> = fc.record({
  accountUri: fc.constantFrom(null, 'https://acme-v02.api.letsencrypt.org/acme/acct/123', 'https://acme-v02.api.letsencrypt.org/acme/acct/9', 'junk'),
  method: fc.constantFrom(null, 'http-01', 'dns-01', 'tls-alpn-01'),
  accountSource: fc.constant('fuzz'),
  methodSource: fc.constant('fuzz'),
});

// ---- shared checks ----------------------------------------------------------------------------

function lineageOf(names: LineageReport['names'], extra: Partial<LineageReport> = {}): LineageReport {
  return {
    source: 'cli', name: 'fuzz', server: LE.directories[0]!, ca: 'letsencrypt', caIdentities: LE.caaIdentities, caIdentitySource: 'table',
    accountUri: null, accountSource: null, challenge: null, challengeSource: null, due: null, dueAt: null, expires: null, status: 'pass', confPath: null, notes: [], names, ...extra,
  };
}

/** The text and JSON reports of `lineages` print nothing a terminal would act on, and the JSON parses. */
function assertSafeReports(lineages: LineageReport[]): void {
  const report: FullReport = { status: 'pass', lineages, errors: [], notices: [] };
  for (const [verbose, ascii] of [[false, false], [true, false], [false, true]]) {
    const text = renderText(report, { color: false, verbose: verbose!, ascii: ascii!, quiet: false, now: NOW });
    const bad = UNSAFE.exec(text);
    if (bad) throw new Error(`unsafe character U+${bad[0].codePointAt(0)!.toString(16)} printed in the text report`);
    if (ascii && /[^\x00-\x7f]/.test(text)) throw new Error('a non-ASCII character in the ASCII report');
  }
  const json = renderJson(report, { version: 'fuzz', checkedAt: NOW });
  if (/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(json)) throw new Error('unsafe character left raw in the JSON report');
  JSON.parse(json);
}

/** Judge `levels` for the name (and its wildcard) and render the reports. */
function judgeAndRender(levels: CaaLookup[], ctx: IssuanceContext & { accountSource: string | null; methodSource: string | null }): void {
  const names = [NAME, WILDCARD].map((name) => explainName(name, evaluateCaa(levels, name.wildcard, POLICY, ctx), CA_VIEW, ctx));
  assertSafeReports([lineageOf(names)]);
}

/** Whether an error from a decoder is the decoder's own "this is not a valid message". */
function isDecodeError(err: unknown): boolean {
  return err instanceof RangeError || (err instanceof Error && /^Cannot decode name|out of range|RDATA|too short/i.test(err.message));
}

async function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void | Promise<void>, runs: number, seed?: number): Promise<number> {
  let count = 0;
  const property = fc.asyncProperty(arbitrary, async (value) => {
    count++;
    await predicate(value);
  });
  await fc.assert(property, { numRuns: runs, seed, endOnFailure: true });
  return count;
}

// ---- targets ----------------------------------------------------------------------------------

const caaPolicy: FuzzTarget = {
  name: 'CAA values, tags and flags through parser, policy, explanation and both reports',
  weight: 10,
  run: (runs, seed) =>
    check(fc.tuple(caaValue, fc.array(lookupAt('a.b.example'), { minLength: 0, maxLength: 1 }), lookupAt('b.example'), lookupAt('example'), context), ([value, first, second, third, ctx]) => {
      const parsed = parseIssueValue(value);
      if (typeof parsed.ok !== 'boolean') throw new Error('parseIssueValue returned no verdict');
      const levels = [...(first.length ? first : [{ kind: 'empty', name: 'a.b.example', chain: [], server: null, transport: null, validated: false, nxdomain: false } as CaaLookup]), second, third];
      judgeAndRender(levels, ctx);
    }, runs, seed),
};

/** A valid CAA response for `name`, encoded by dns-packet (the seed for mutations). */
function validResponse(name: string, id: number, values: Array<[number, string, string]>, cnames = 0): Buffer {
  const answers: packet.Answer[] = [];
  let owner = name;
  for (let i = 0; i < cnames; i++) {
    answers.push({ name: owner, type: 'CNAME', class: 'IN', ttl: 60, data: `c${i}.example` });
    owner = `c${i}.example`;
  }
  for (const [flags, tag, value] of values) {
    answers.push({ name: owner, type: 'UNKNOWN_257', class: 'IN', ttl: 60, data: caaRdata.encode({ flags, tag, value }) } as never);
  }
  return packet.encode({
    type: 'response', id, flags: packet.RECURSION_AVAILABLE | packet.RECURSION_DESIRED,
    questions: [{ name, type: 'CAA' as never, class: 'IN' }], answers,
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, options: [{ code: 15, data: Buffer.from([0, 9, 0x41, 0x1b, 0xff]) }] } as never],
  });
}

/** A DNS message: random bytes, or a valid response with bytes flipped, cut, or counts changed. */
const dnsMessage = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  fc.record({
    values: fc.array(fc.tuple(caaFlags, fc.constantFrom('issue', 'issuewild', 'iodef', 'x'), fc.constantFrom('letsencrypt.org', 'a\u0000b', '\u00ff\u00fe', '')), { maxLength: 4 }),
    cnames: fc.integer({ min: 0, max: 14 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: null }),
    counts: fc.option(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff })), { nil: null }),
  }).map(({ values, cnames, flips, cut, counts }) => {
    const msg = Buffer.from(validResponse('a.b.example', 0x1234, values, cnames));
    for (const [at, byte] of flips) msg[at % msg.length] = byte;
    if (counts) msg.writeUInt16BE(counts[1], 4 + 2 * counts[0]);
    return cut === null ? msg : msg.subarray(0, cut % (msg.length + 1));
  }),
);

const dnsDecoding: FuzzTarget = {
  name: 'DNS responses (random and mutated) through decoding, classification, policy and reports',
  weight: 10,
  run: (runs, seed) =>
    check(fc.tuple(dnsMessage, context), ([msg, ctx]) => {
      peekHeader(msg);
      let reply;
      try {
        reply = decodeResponse(msg);
      } catch (err) {
        if (!isDecodeError(err)) throw err;
        return;
      }
      const lookup = classify('a.b.example', reply, '127.53.0.1:53', 'udp');
      judgeAndRender([lookup, { ...lookup, name: 'b.example' }, { ...lookup, name: 'example' }], ctx);
    }, runs, seed),
};

/** Lines of a configobj file: the grammar's shapes, certbot's keys, and hostile bytes. */
const CONF_LINES = [
  '[renewalparams]', '[[webroot_map]]', '[ renewalparams ]', '[[[deep]]]', '[x', 'x]', '[]', '# comment', '',
  'version = 2.1.0', 'cert = CONFIG/live/example.com/cert.pem', 'privkey = CONFIG/live/example.com/privkey.pem',
  'chain = CONFIG/live/example.com/chain.pem', 'fullchain = CONFIG/live/example.com/fullchain.pem',
  'archive_dir = CONFIG/archive/example.com', 'account = 6b1f8fd7c1e1d9a03c4bd0ed2a8b5f10', 'authenticator = webroot',
  'authenticator = manual', 'authenticator = dns-cloudflare', 'pref_challs = dns-01,', 'pref_challs = "http-01, dns-01"',
  'server = https://acme-v02.api.letsencrypt.org/directory', 'server = https://acme.zerossl.com/v2/DV90', 'server = "unterminated',
  'renew_before_expiry = 30 days', 'renew_before_expiry = 0 days', 'renew_before_expiry = -1 weeks', 'renew_before_expiry = forever',
  'pre_hook = touch MARKER', 'deploy_hook = touch MARKER; reboot', 'post_hook = $(touch MARKER)', 'webroot_path = /var/www,',
  'example.com = /var/www/example', 'key = value # trailing', "key = 'single'", 'key = "a, b", c', 'key', '= value', 'dup = 1', 'dup = 2',
  '\u0000', '\u001b]0;pwned\u0007', '\u00ff\u00fe', '\r', '\uFEFFversion = 1',
];
const confText = fc.oneof(
  fc.array(fc.constantFrom(...CONF_LINES), { maxLength: 30 }).map((lines) => lines.join('\n')),
  fc.tuple(fc.constant(certbotRenewalConf('example.com', CERTBOT_LINEAGES[0]!.authenticator)), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...CONF_LINES)), { maxLength: 4 }))
    .map(([seed, edits]) => {
      const lines = seed.split('\n');
      for (const [at, line] of edits) lines.splice(at % (lines.length + 1), at % 3 === 0 ? 1 : 0, line);
      return lines.join('\n');
    }),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

const configObj: FuzzTarget = {
  name: 'configobj text (certbot renewal confs) through the parser',
  weight: 10,
  run: (runs, seed) =>
    check(confText, (text) => {
      try {
        parseConfigObj(text);
      } catch (err) {
        if (!(err instanceof ConfSyntaxError)) throw err;
      }
    }, runs, seed),
};

/** A config dir with the sample's certificates; each input replaces the example.com conf. */
async function withConfigDir<T>(fn: (dirs: { configDir: string; acmeHome: string; marker: string }) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-fuzz-'));
  try {
    const sample = await writeDemoSample(dir);
    return await fn({ ...sample, marker: path.join(dir, 'MARKER') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const certbotReader: FuzzTarget = {
  name: 'certbot renewal confs on disk through the reader (hooks in them never run)',
  weight: 1,
  run: (runs, seed) =>
    withConfigDir(async ({ configDir, marker }) => {
      const confPath = path.join(configDir, 'renewal', 'example.com.conf');
      const n = await check(confText, async (text) => {
        await writeFile(confPath, text.replaceAll('CONFIG', configDir).replaceAll('MARKER', marker), 'latin1');
        const result = await readCertbotLineage(configDir, confPath, NOW);
        if (result.lineage === null && !result.errors.some((e) => e.path !== null)) throw new Error('a conf was dropped without an error naming it');
        assertSafeReports(result.lineage ? [lineageOf([], { notes: result.lineage.notes, name: result.lineage.name })] : []);
      }, runs, seed);
      if (existsSync(marker)) throw new Error('a hook field of a renewal conf was executed');
      return n;
    }),
};

/** acme.sh conf lines: its keys with tricky values, shell syntax, hostile bytes. */
const ACME_LINES = [
  "Le_Domain='x.example'", "Le_Domain='*.x.example'", "Le_Domain='bücher.example'", "Le_Domain=''", 'Le_Domain="x.example"', 'Le_Domain=x.example',
  "Le_Alt='no'", "Le_Alt='a.example,b.example'", "Le_Alt='a.example,,1.2.3.4,::1'", "Le_Webroot='/var/www'", "Le_Webroot='dns_cf,no,/var/www'",
  "Le_Webroot='no'", "Le_API='https://acme-v02.api.letsencrypt.org/directory'", "Le_API='zerossl'", "Le_API=''",
  "Le_NextRenewTime='1793404800'", "Le_NextRenewTime='-5'", "Le_NextRenewTime='99999999999999999999'", "Le_NextRenewTime='soon'",
  "Le_PreHook='touch MARKER'", "Le_RenewHook='$(touch MARKER)'", 'Le_PostHook=`touch MARKER`',
  "Le_PreHook='__ACME_BASE64__START_dG91Y2ggTUFSS0VS__ACME_BASE64__END_'", "Le_PreHook='__ACME_BASE64__START_!!!__ACME_BASE64__END_'",
  "export Le_Keylength='ec-256'", "Le_Keylength='2048' # comment", "Le_Domain='unterminated", 'not an assignment', '# comment', '',
  '\u0000', "Le_Domain='\u001b[2Jx.example'", "Le_Alt='\u202eevil.example'", '\u00ff\u00fe\u00fd',
];
const acmeText = fc.oneof(
  fc.array(fc.constantFrom(...ACME_LINES), { maxLength: 20 }).map((lines) => lines.join('\n')),
  fc.tuple(fc.constant(ACME_CERTS[2]!.conf.join('\n')), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...ACME_LINES)), { maxLength: 4 })).map(([seed, edits]) => {
    const lines = seed.split('\n');
    for (const [at, line] of edits) lines.splice(at % (lines.length + 1), at % 3 === 0 ? 1 : 0, line);
    return lines.join('\n');
  }),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

const shellConf: FuzzTarget = {
  name: 'acme.sh conf text through the shell-assignment parser and base64 decoding',
  weight: 10,
  run: (runs, seed) =>
    check(acmeText, (text) => {
      const conf = parseShellConf(text);
      for (const value of conf.values.values()) decodeAcmeValue(value);
    }, runs, seed),
};

const acmeReader: FuzzTarget = {
  name: 'acme.sh confs on disk through the reader (hooks in them never run)',
  weight: 1,
  run: (runs, seed) =>
    withConfigDir(async ({ acmeHome, marker }) => {
      const folder = path.join(acmeHome, 'mail.example.dev');
      const confPath = path.join(folder, 'mail.example.dev.conf');
      const home = { configHome: acmeHome, certHome: acmeHome, caHome: path.join(acmeHome, 'ca'), defaultServer: null };
      const n = await check(acmeText, async (text) => {
        await writeFile(confPath, text.replaceAll('MARKER', marker), 'latin1');
        const result = await readAcmeCert(home, confPath, false, NOW);
        if (result.lineage === null && result.errors.length === 0) throw new Error('a conf was dropped without an error naming it');
        if (result.lineage) assertSafeReports([lineageOf([], { notes: result.lineage.notes, name: result.lineage.name })]);
      }, runs, seed);
      if (existsSync(marker)) throw new Error('a hook field of an acme.sh conf was executed');
      return n;
    }),
};

const DER = Buffer.from(EXAMPLE_COM_CERT.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
const x509: FuzzTarget = {
  name: 'certificates (mutated DER) through the X.509 reader',
  weight: 5,
  run: (runs, seed) =>
    check(
      fc.record({ flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }), cut: fc.option(fc.nat(), { nil: null }) }),
      ({ flips, cut }) => {
        const der = Buffer.from(DER);
        for (const [at, byte] of flips) der[at % der.length] = byte;
        const input = cut === null ? der : der.subarray(0, cut % (der.length + 1));
        try {
          const facts = certificateFacts(input);
          if (!Array.isArray(facts.dnsNames)) throw new Error('facts without a name list');
        } catch (err) {
          if (!(err instanceof Error)) throw err;
          if (err instanceof TypeError && !/certificate|DER|X\.?509|ASN|length|tag|PEM|decode/i.test(err.message)) throw err;
        }
      },
      runs,
      seed,
    ),
};

const resolverOverSockets: FuzzTarget = {
  name: 'a real resolver over UDP answered with random and mutated replies (no hang, no throw)',
  weight: 0.2,
  run: async (runs, seed) => {
    const server = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.53.77.1', resolve));
    let next: Buffer = Buffer.alloc(0);
    let patchId = true;
    server.on('message', (query, from) => {
      const reply = Buffer.from(next);
      // Mostly with the query's ID (so it reaches the decoder), sometimes as sent.
      if (patchId && reply.length >= 2) query.copy(reply, 0, 0, 2);
      server.send(reply, from.port, from.address);
    });
    const resolver = new Resolver({ servers: [{ host: '127.53.77.1', port: server.address().port }], timeoutMs: 40, retries: 0, concurrency: 1 });
    try {
      let i = 0;
      return await check(fc.tuple(dnsMessage, fc.boolean()), async ([msg, patch]) => {
        next = msg;
        patchId = patch;
        const started = performance.now();
        const lookup = await resolver.lookupCaa(`n${i++}.b.example`);
        if (!['records', 'empty', 'error'].includes(lookup.kind)) throw new Error('a lookup without a verdict');
        if (performance.now() - started > 40 * 2 + 500) throw new Error('a lookup overran its bound');
      }, runs, seed);
    } finally {
      resolver.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  },
};

/** Pieces of master files (docs/zone-files.md): directives, owners, types, quotes, groups, escapes, hostile bytes. */
const ZONE_TOKENS = [
  '$ORIGIN', '$TTL', '$INCLUDE', 'example.com.', 'www', '@', '*', 'sub', 'a.b', '.', 'IN', 'CH', '300', '1h',
  'CAA', 'caa', 'TYPE257', '\\#', 'CNAME', 'NS', 'SOA', 'A', 'TXT', 'DNAME', '0', '128', '256', 'issue', 'iodef',
  '"letsencrypt.org"', '";"', '"', '(', ')', ';', '\\', '\\065', '\\999', '\\.', ' ', '\t', '\n', '\r\n', '05', '00',
];
const zoneText = fc.oneof(
  bytes(200),
  fc.array(fc.oneof(fc.constantFrom(...ZONE_TOKENS), bytes(4)), { maxLength: 40 }).map((a) => a.join(' ')),
  fc.array(fc.array(fc.constantFrom(...ZONE_TOKENS), { maxLength: 8 }).map((a) => a.join(' ')), { maxLength: 8 }).map((lines) => `$ORIGIN example.com.\n${lines.join('\n')}`),
);

const zoneFiles: FuzzTarget = {
  name: 'zone files (master-file syntax) through the reader, the answers and the round trip',
  weight: 4,
  run: (runs, seed) =>
    check(zoneText, (text) => {
      let zone;
      try {
        zone = parseMasterFile(text, 'fuzz.zone');
      } catch (err) {
        if (!(err instanceof MasterFileError)) throw err;
        const lines = text.split('\n').length;
        if (!err.message.startsWith(`fuzz.zone:${err.line}: `) || err.line < 1 || err.line > lines) throw new Error(`bad error position: ${err.message}`);
        return;
      }
      for (const [owner, node] of zone.nodes) {
        answerAt(zone, owner);
        answerAt(zone, `x.${owner}`);
        for (const record of node.caa) {
          const again = parseMasterFile(zoneLine('example.com', record), 'again').nodes.get('example.com')?.caa[0];
          if (JSON.stringify(again) !== JSON.stringify(record)) throw new Error(`round trip changed ${JSON.stringify(record)} to ${JSON.stringify(again)}`);
        }
      }
    }, runs, seed),
};

export const TARGETS: FuzzTarget[] = [caaPolicy, dnsDecoding, configObj, certbotReader, shellConf, acmeReader, x509, zoneFiles, resolverOverSockets];

/** Split `total` inputs over the targets by weight (at least 50 each). */
export function shares(total: number): Map<FuzzTarget, number> {
  const weights = TARGETS.reduce((sum, t) => sum + t.weight, 0);
  return new Map(TARGETS.map((t) => [t, Math.max(50, Math.ceil((total * t.weight) / weights))]));
}
