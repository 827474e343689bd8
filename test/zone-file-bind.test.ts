// The what-if reader against BIND's (docs/zone-files.md): a zone file exercising every syntax
// feature is loaded by named-compilezone, which prints it back in its own canonical form; our
// reader must find the same CAA records, aliases and delegations in the original as in BIND's
// output. And the files our reader refuses as broken, BIND refuses too.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MasterFileError, parseMasterFile, type MasterFile } from '../src/dns/master-file.js';
import { findBinary, requireBinaries } from './helpers/system.js';

const available = requireBinaries('zone files against BIND', ['named-compilezone']);

/** Every feature of docs/zone-files.md §1-3 in one zone. */
const EVERYTHING = [
  '; a zone written by hand',
  '$TTL 1h',
  '$ORIGIN Example.COM.',
  '@   IN  SOA ns1 hostmaster ( 2026112601 ; serial',
  '            3600 600 86400 60 )       ; refresh retry expire minimum',
  '        IN  NS  ns1',
  '        IN  NS  ns2.provider.example.',
  'ns1 300 IN  A   192.0.2.53',
  '@   IN  300 CAA 0 issue "letsencrypt.org; validationmethods=dns-01"',
  '            CAA 0 issuewild ";"',
  '            CAA 128 iodef "mailto:sec@example.com" ; critical iodef',
  '            caa 0 issue unquoted.example',
  'quotes      CAA 0 issue "a\\"b\\\\c;d(e)f"',
  'bytes       CAA 0 issue "\\000\\255\\127\\032x"',
  'w\\119w      CNAME @',
  'cdn         CNAME edge.cdn.example.net.',
  'generic     TYPE257 \\# 13 0005697373756563612e6f7267',
  'paren       CAA ( 0',
  '                  issue',
  '                  "split.example" )',
  'mail        MX  10 ns1',
  '            TXT "v=spf1 -all" "second string"',
  'sub         NS  ns.sub',
  'ns.sub      A   192.0.2.54',
  'deep.empty.nonterminal A 192.0.2.55',
  '$ORIGIN shop.example.com.',
  '@           CAA 0 issue ";"',
  '*           CAA 0 issue "wild.example"',
];

/** The CAA records, aliases and delegations of a parsed zone, comparable. */
function essence(zone: MasterFile) {
  const caa = [...zone.nodes].filter(([, n]) => n.caa.length > 0).map(([owner, n]) => [owner, n.caa.map((r) => `${r.flags} ${r.tag} ${Buffer.from(r.value, 'latin1').toString('hex')}`).sort()] as const).sort();
  const cnames = [...zone.nodes].filter(([, n]) => n.cname !== null).map(([owner, n]) => [owner, n.cname] as const).sort();
  return { apex: zone.apex, serial: zone.serial, caa, cnames, cuts: [...zone.cuts].sort() };
}

describe.skipIf(!available)('zone files against BIND', () => {
  let dir: string;
  const compile = (origin: string, file: string) =>
    execa(findBinary('named-compilezone')!, ['-q', '-s', 'full', '-o', '-', origin, file], { reject: false });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-zonebind-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads every feature as BIND reads it', async () => {
    const file = path.join(dir, 'db.example.com');
    await writeFile(file, `${EVERYTHING.join('\n')}\n`);
    const bind = await compile('example.com', file);
    expect(bind.exitCode, bind.stderr).toBe(0);
    const ours = parseMasterFile(Buffer.from(`${EVERYTHING.join('\n')}\n`).toString('latin1'), file);
    const theirs = parseMasterFile(Buffer.from(bind.stdout).toString('latin1'), 'bind output');
    expect(essence(ours)).toEqual(essence(theirs));
    // And what the reader found is what the file means, not just what both agree on.
    expect(essence(ours).caa.find(([owner]) => owner === 'bytes.example.com')?.[1]).toEqual(['0 issue 00ff7f2078']);
    expect(ours.nodes.get('www.example.com')?.cname).toBe('example.com');
    expect(ours.cuts).toEqual(['sub.example.com']);
  });

  it.each<[string, string[]]>([
    ['an unknown type', ['$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', '@ CAAA 0 issue "x"']],
    ['CNAME and other data', ['$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', 'www CAA 0 issue "x"', 'www CNAME @']],
    ['an unterminated quote', ['$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', '@ CAA 0 issue "x']],
    ['an unclosed parenthesis', ['$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', '@ CAA ( 0 issue "x"']],
    ['CAA flags above 255', ['$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', '@ CAA 256 issue "x"']],
    ['a UTF-8 byte order mark', ['\xef\xbb\xbf$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', '@ CAA 0 issue "x"']],
    ['a quoted CAA tag', ['$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', '@ CAA 0 "issue" "x"']],
    ['a CAA tag with a hyphen', ['$ORIGIN example.com.', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', '@ CAA 0 iss-ue "x"']],
  ])('%s: refused by both', async (_, lines) => {
    const file = path.join(dir, 'db.broken');
    await writeFile(file, Buffer.from(`${lines.join('\n')}\n`, 'latin1')); // the lines are byte strings
    expect((await compile('example.com', file)).exitCode).not.toBe(0);
    expect(() => parseMasterFile(`${lines.join('\n')}\n`, file)).toThrow(MasterFileError);
  });
});
