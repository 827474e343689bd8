// The master-file reader of the what-if overlay (docs/zone-files.md), table-driven: each syntax
// feature, each error with its file:line, the round trip of what zoneLine() prints, and how a
// parsed zone answers (docs/zone-files.md §4).
import { describe, expect, it } from 'vitest';
import { MasterFileError, parseMasterFile, type MasterFile } from '../src/dns/master-file.js';
import { answerAt, WhatIf } from '../src/dns/what-if.js';
import { zoneLine } from '../src/caa/zone.js';
import type { CaaRecord } from '../src/dns/wire.js';

const parse = (text: string, file = 'db.test'): MasterFile => parseMasterFile(Buffer.from(text, 'utf8').toString('latin1'), file);
const caaAt = (zone: MasterFile, owner: string): CaaRecord[] => zone.nodes.get(owner)?.caa ?? [];

describe('syntax features', () => {
  it.each<[string, string, string, CaaRecord[]]>([
    ['$ORIGIN and a relative owner', '$ORIGIN example.com.\nwww CAA 0 issue "letsencrypt.org"\n', 'www.example.com', [{ flags: 0, tag: 'issue', value: 'letsencrypt.org' }]],
    ['@ is the origin', '$ORIGIN example.com.\n@ CAA 0 issue "ca.example"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'ca.example' }]],
    ['an absolute owner', 'shop.example.com. CAA 0 issue ";"\n', 'shop.example.com', [{ flags: 0, tag: 'issue', value: ';' }]],
    ['a blank owner repeats the previous one', '$ORIGIN example.com.\nwww CAA 0 issue "a.example"\n    CAA 0 issuewild "b.example"\n', 'www.example.com', [
      { flags: 0, tag: 'issue', value: 'a.example' }, { flags: 0, tag: 'issuewild', value: 'b.example' },
    ]],
    ['TTL then class', '$ORIGIN example.com.\n@ 300 IN CAA 0 issue "x.example"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['class then TTL', '$ORIGIN example.com.\n@ IN 300 CAA 0 issue "x.example"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['TTL with units, lower-case type and class', '$ORIGIN example.com.\n@ 1h30m in caa 0 issue "x.example"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['$TTL', '$TTL 3600\n$ORIGIN example.com.\n@ CAA 0 issue "x.example"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['comments, also after a record, but not inside quotes', '; a zone\n$ORIGIN example.com. ; origin\n@ CAA 0 issue "a.example; accounturi=https://x/1" ; note\n', 'example.com', [
      { flags: 0, tag: 'issue', value: 'a.example; accounturi=https://x/1' },
    ]],
    ['parentheses spanning lines, with comments inside', '$ORIGIN example.com.\n@ CAA ( 0 ; flags\n  issue ; tag\n  "x.example" )\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['quoted string escapes \\" and \\\\', '$ORIGIN example.com.\n@ CAA 0 issue "a\\"b\\\\c"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'a"b\\c' }]],
    ['\\DDD escapes, bytes kept exactly', '$ORIGIN example.com.\n@ CAA 0 issue "le\\046org\\255\\000"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'le.org\xff\x00' }]],
    ['an unquoted value', '$ORIGIN example.com.\n@ CAA 0 issue letsencrypt.org\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'letsencrypt.org' }]],
    ['the critical flag and an unknown tag', '$ORIGIN example.com.\n@ CAA 128 tbs "unknown"\n', 'example.com', [{ flags: 128, tag: 'tbs', value: 'unknown' }]],
    ['RFC 3597 generic form', '$ORIGIN example.com.\n@ TYPE257 \\# 13 0005697373756563612e6f7267\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'ca.org' }]],
    ['owner names are case-insensitive', '$ORIGIN Example.COM.\nWWW CAA 0 issue "x.example"\n', 'www.example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['an escaped character in a label', '$ORIGIN example.com.\nw\\119w CAA 0 issue "x.example"\n', 'www.example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['the same record twice is one record', '$ORIGIN example.com.\n@ CAA 0 issue "x.example"\n@ CAA 0 issue "x.example"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['CRLF line ends', '$ORIGIN example.com.\r\n@ CAA 0 issue "x.example"\r\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
    ['other types are read and ignored', '$ORIGIN example.com.\n@ A 192.0.2.1\n@ MX 10 mail\n@ TXT "v=spf1 -all" ( "more" )\n@ CAA 0 issue "x.example"\n', 'example.com', [{ flags: 0, tag: 'issue', value: 'x.example' }]],
  ])('%s', (_, text, owner, records) => {
    expect(caaAt(parse(text), owner)).toEqual(records);
  });

  it('reads a whole zone: SOA and NS at the apex, a CNAME, a delegation cut, glue', () => {
    const zone = parse(
      [
        '$TTL 3600',
        '$ORIGIN example.com.',
        '@   IN SOA ns1 hostmaster ( 2026112501 ; serial',
        '        3600 600 86400 60 )',
        '    IN NS ns1',
        'ns1 IN A 192.0.2.53',
        'www IN CNAME edge.cdn.example.net.',
        'sub IN NS ns.sub',
        'ns.sub IN A 192.0.2.54',
        '',
      ].join('\n'),
    );
    expect(zone.apex).toBe('example.com');
    expect(zone.serial).toBe(2026112501);
    expect(zone.cuts).toEqual(['sub.example.com']);
    expect(zone.nodes.get('www.example.com')?.cname).toBe('edge.cdn.example.net');
  });

  it('takes the apex from the SOA, else the $ORIGIN before the first record, else the first owner', () => {
    expect(parse('$ORIGIN example.com.\nwww CAA 0 issue ";"\n').apex).toBe('example.com');
    expect(parse('www.example.com. CAA 0 issue ";"\n').apex).toBe('www.example.com');
    expect(parse('$ORIGIN com.\nexample SOA ns hm 1 2 3 4 5\n$ORIGIN example.com.\nwww CAA 0 issue ";"\n').apex).toBe('example.com');
  });
});

describe('errors name the file and the line', () => {
  it.each<[string, string, RegExp]>([
    ['an unknown type', '$ORIGIN example.com.\n\n@ CAAA 0 issue "x"\n', /^db\.test:3: unknown record type CAAA$/],
    ['$INCLUDE', '$INCLUDE /etc/shadow\n', /^db\.test:1: \$INCLUDE is refused: it would read another file/],
    ['an unknown directive', '$GENERATE 1-10 x A 1.2.3.4\n', /^db\.test:1: \$GENERATE is not a directive/],
    ['a relative name without $ORIGIN', 'www CAA 0 issue "x"\n', /^db\.test:1: relative name www with no \$ORIGIN/],
    ['@ without $ORIGIN', '@ CAA 0 issue "x"\n', /^db\.test:1: @ with no \$ORIGIN/],
    ['a blank owner first', '  CAA 0 issue "x"\n', /^db\.test:1: a record without an owner name/],
    ['an unterminated quote', '$ORIGIN example.com.\n@ CAA 0 issue "x\n@ CAA 0 issue "y"\n', /^db\.test:2: unterminated quoted string/],
    ['an unclosed parenthesis', '$ORIGIN example.com.\n@ CAA ( 0 issue "x"\n\n', /^db\.test:2: "\(" is never closed/],
    ['a stray closing parenthesis', '$ORIGIN example.com.\n@ CAA 0 issue "x" )\n', /^db\.test:2: "\)" without an opening/],
    ['flags out of range', '$ORIGIN example.com.\n@ CAA 256 issue "x"\n', /^db\.test:2: CAA flags 256 is not a number from 0 to 255/],
    ['too many CAA fields (an unquoted value with a space)', '$ORIGIN example.com.\n@ CAA 0 issue a b\n', /^db\.test:2: CAA takes flags, tag and value/],
    ['a \\DDD above 255', '$ORIGIN example.com.\n@ CAA 0 issue "\\256"\n', /^db\.test:2: \\256 is not a byte/],
    ['CNAME and other data', '$ORIGIN example.com.\nwww CAA 0 issue "x"\nwww CNAME other.example.\n', /^db\.test:3: www\.example\.com has a CNAME and other data \(CAA\)/],
    ['two CNAMEs', '$ORIGIN example.com.\nwww CNAME a.example.\nwww CNAME b.example.\n', /^db\.test:3: a second CNAME/],
    ['a record outside the zone', '$ORIGIN example.com.\n@ SOA ns hm 1 2 3 4 5\nwww.example.org. CAA 0 issue "x"\n', /^db\.test:3: www\.example\.org is outside the zone example\.com/],
    ['class CH', '$ORIGIN example.com.\n@ CH CAA 0 issue "x"\n', /^db\.test:2: class CH: only class IN/],
    ['DNAME', '$ORIGIN example.com.\nold DNAME new.example.\n', /^db\.test:2: DNAME is not supported/],
    ['a generic form of the wrong length', '$ORIGIN example.com.\n@ TYPE257 \\# 5 000569737375\n', /^db\.test:2: \\# says 5 bytes but gives 6/],
    ['a second SOA', '$ORIGIN example.com.\n@ SOA ns hm 1 2 3 4 5\n@ SOA ns hm 2 2 3 4 5\n', /^db\.test:3: a second SOA \(the first is on line 2\)/],
    ['an empty file', '; nothing\n', /^db\.test:1: no records/],
    ['a UTF-8 byte order mark (BIND refuses the zone)', '\ufeff$ORIGIN example.com.\n@ CAA 0 issue "x"\n', /^db\.test:1: the file starts with a UTF-8 byte order mark/],
    ['a quoted CAA tag (BIND refuses it)', '$ORIGIN example.com.\n@ CAA 0 "issue" "x"\n', /^db\.test:2: a CAA tag is not quoted/],
    ['a CAA tag with a hyphen (BIND refuses it)', '$ORIGIN example.com.\n@ CAA 0 iss-ue "x"\n', /^db\.test:2: CAA tag iss-ue: letters and digits only .*\\# length hex/],
  ])('%s', (_, text, message) => {
    let caught: unknown;
    try {
      parse(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MasterFileError);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('real zones', () => {
  it('reads and ignores the rarer types BIND loads (KEY, APL, A6, NULL)', () => {
    const zone = parse('$ORIGIN example.com.\n@ KEY 256 3 8 AwEAAQ==\n@ APL 1:192.0.2.0/24\n@ A6 0 2001:db8::1\n@ NULL \\# 0\n@ CAA 0 issue "x.example"\n');
    expect(caaAt(zone, 'example.com')).toEqual([{ flags: 0, tag: 'issue', value: 'x.example' }]);
  });

  it('keeps each record of an RRset once: 2,000 records, every one written twice', () => {
    const lines = ['$ORIGIN example.com.'];
    for (let i = 0; i < 2_000; i++) lines.push(`a CAA 0 issue "ca${i}.example"`, `a CAA 0 issue "ca${i}.example"`);
    const records = caaAt(parse(`${lines.join('\n')}\n`), 'a.example.com');
    expect(records).toHaveLength(2_000);
    expect(records[1_999]).toEqual({ flags: 0, tag: 'issue', value: 'ca1999.example' });
  });

  it('refuses an RRset no DNS message can carry, at the record that overflows it', () => {
    const lines = ['$ORIGIN example.com.'];
    for (let i = 0; i < 200_000; i++) lines.push(`a CAA 0 issue "ca${i}.example"`);
    expect(() => parse(`${lines.join('\n')}\n`)).toThrow(/^db\.test:\d{4}: the CAA records at a\.example\.com no longer fit in one DNS message/);
  });
});

describe("round trip: what zoneLine() prints parses back to the same bytes", () => {
  it.each<CaaRecord>([
    { flags: 0, tag: 'issue', value: 'letsencrypt.org' },
    { flags: 128, tag: 'issue', value: 'letsencrypt.org; validationmethods=dns-01; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1' },
    { flags: 0, tag: 'issue', value: ';' },
    { flags: 0, tag: 'issue', value: '' },
    { flags: 0, tag: 'iodef', value: 'mailto:"quoted"\\back@example.com' },
    { flags: 0, tag: 'issue', value: 'le\x00\x1b[2J\x7f\xff\xc3\xa9 (paren) ;semi' },
    { flags: 1, tag: 'tag;with(odd)"chars\\', value: 'x' },
    { flags: 0, tag: 'a tag\xff\x01', value: 'x' },
  ])('%j', (record) => {
    const line = zoneLine('Example.COM', record);
    // A tag of other than letters and digits can only be written in RFC 3597's generic form.
    expect(line.includes(' CAA \\# ')).toBe(!/^[A-Za-z0-9]+$/.test(record.tag));
    const zone = parseMasterFile(line, 'roundtrip');
    expect(caaAt(zone, 'example.com')).toEqual([record]);
  });
});

describe('answers as an authoritative server loaded with the file', () => {
  const zone = parse(
    [
      '$ORIGIN example.com.',
      '@ SOA ns hm 1 2 3 4 5',
      '@ CAA 0 issue "letsencrypt.org"',
      'www CNAME example.com.',
      'a.b A 192.0.2.1',
      '*.wild CAA 0 issue "wild.example"',
      'sub NS ns.sub',
      'ns.sub A 192.0.2.2',
    ].join('\n'),
  );
  it.each<[string, unknown]>([
    ['example.com', { kind: 'records', records: [{ flags: 0, tag: 'issue', value: 'letsencrypt.org', owner: 'example.com' }] }],
    ['www.example.com', { kind: 'alias', hop: { type: 'CNAME', owner: 'www.example.com', target: 'example.com' } }],
    ['a.b.example.com', { kind: 'empty', nxdomain: false }],
    ['b.example.com', { kind: 'empty', nxdomain: false }], // an empty non-terminal
    ['nope.example.com', { kind: 'empty', nxdomain: true }],
    ['x.wild.example.com', { kind: 'records', records: [{ flags: 0, tag: 'issue', value: 'wild.example', owner: 'x.wild.example.com' }] }],
  ])('%s', (name, answer) => {
    expect(answerAt(zone, name)).toEqual(answer);
  });
  it('covers the apex and below, but not a delegated subtree or another zone', () => {
    const whatIf = new WhatIf([zone]);
    expect(whatIf.zoneFor('www.example.com')?.file).toBe('db.test');
    expect(whatIf.zoneFor('EXAMPLE.com.')?.file).toBe('db.test');
    expect(whatIf.zoneFor('sub.example.com')).toBeNull();
    expect(whatIf.zoneFor('www.sub.example.com')).toBeNull();
    expect(whatIf.zoneFor('com')).toBeNull();
    expect(whatIf.zoneFor('example.org')).toBeNull();
  });
  it('lets the deeper of two nested zones answer for its names', () => {
    const inner = parse('$ORIGIN sub.example.com.\n@ CAA 0 issue ";"\n', 'db.sub');
    const whatIf = new WhatIf([zone, inner]);
    expect(whatIf.zoneFor('www.sub.example.com')?.file).toBe('db.sub');
    expect(whatIf.zoneFor('www.example.com')?.file).toBe('db.test');
  });
});

describe('a dot escaped inside a label is part of the label', () => {
  it('does not make a parent out of the rest of the label', () => {
    const zone = parse('$ORIGIN example.com.\na\\.b CAA 0 issue ";"\n');
    expect([...zone.nodes.keys()]).toEqual(['a\\.b.example.com']);
    expect(answerAt(zone, 'b.example.com')).toEqual({ kind: 'empty', nxdomain: true });
    expect(answerAt(zone, 'a\\.b.example.com')).toMatchObject({ kind: 'records' });
  });
});
