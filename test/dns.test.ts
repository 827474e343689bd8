// The DNS client: wire codec, resolver configuration, and the resolver's behaviour over real
// loopback sockets (caching, de-duplication, bounded concurrency, failover, TCP fallback).
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import packet from 'dns-packet';
import fc from 'fast-check';
import { caaRdata, decodeResponse, encodeCaaQuery, encodeQuery } from '../src/dns/wire.js';
import { domainName } from '../src/dns/domain-name.js';
import { defaultConcurrency, parseResolvConf, parseResolverAddress } from '../src/dns/resolvconf.js';
import { runCli } from './helpers/run-cli.js';
import { aliasTrouble, type CaaLookup } from '../src/dns/lookup.js';
import { Resolver } from '../src/dns/resolver.js';
import { hasIpv6Loopback } from './helpers/system.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';

const ipv6 = await hasIpv6Loopback();
if (!ipv6) console.warn('SKIPPED the IPv6 transport test: no IPv6 loopback on this machine');

const servers: TestDns[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(...args: Parameters<typeof startTestDns>): Promise<TestDns> {
  const s = await startTestDns(...args);
  servers.push(s);
  return s;
}
function resolverFor(list: Array<{ host: string; port: number }>, extra: Partial<ConstructorParameters<typeof Resolver>[0]> = {}): Resolver {
  return new Resolver({ servers: list, timeoutMs: 300, retries: 1, concurrency: 8, ...extra });
}

describe('wire: CAA RDATA codec', () => {
  it('round-trips every byte value exactly', () => {
    const value = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
    const record = { flags: 129, tag: 'issue', value };
    expect(caaRdata.decode(caaRdata.encode(record))).toEqual(record);
    expect(caaRdata.encodingLength(record)).toBe(2 + 5 + 256);
  });
  it('rejects RDATA whose tag length runs past the end', () => {
    expect(() => caaRdata.decode(Buffer.from([0, 9, 0x69]))).toThrow(/past the end/);
  });
  it('decodes the extended rcode and the EDE option from OPT', () => {
    const reply = packet.encode({
      type: 'response', id: 7, flags: 2,
      questions: [{ type: 'CAA', class: 'IN', name: 'x.test' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 1, options: [{ code: 15, data: Buffer.from([0, 22, 0x68, 0x69]) }] } as never],
    });
    const decoded = decodeResponse(reply);
    expect(decoded.rcode).toBe(2 | (1 << 4));
    expect(decoded.ede).toEqual({ code: 22, text: 'hi' });
  });
  it.each<[string, number, boolean, boolean]>([
    ['a.test', 257, true, false],
    ['www.Example.COM', 257, false, true],
    ['.', 2, true, false],
    ['xn--bcher-kva.example', 43, false, true],
    ['_acme-challenge.a.b.c.d.e.f.example', 1, true, true],
  ])('writes %s type %i (RD %s, DO %s) byte for byte as dns-packet does', (name, type, recursion, dnssecOk) => {
    const names: Record<number, string> = { 1: 'A', 2: 'NS', 43: 'DS', 257: 'CAA' };
    const reference = packet.encode({
      type: 'query', id: 4242, flags: (recursion ? packet.RECURSION_DESIRED : 0) | packet.AUTHENTIC_DATA,
      questions: [{ type: names[type] as 'A', class: 'IN', name }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: dnssecOk ? packet.DNSSEC_OK : 0, options: [] } as never],
    });
    expect(encodeQuery(4242, name, type, { recursion, dnssecOk }).toString('hex')).toBe(reference.toString('hex'));
  });
  it('encodes a query with RD, AD and EDNS0 4096', () => {
    const q = packet.decode(encodeCaaQuery(4242, 'a.test'));
    expect(q.id).toBe(4242);
    expect(q.flags! & packet.RECURSION_DESIRED).toBeTruthy();
    expect(q.flags! & packet.AUTHENTIC_DATA).toBeTruthy();
    expect(q.additionals![0]).toMatchObject({ type: 'OPT', udpPayloadSize: 4096 });
  });
});

describe('wire: domain-name decoder', () => {
  /** dns-packet's name.decode, the reference: its result and length, or its error message. */
  const reference = (buf: Buffer, offset: number): { name: string; bytes: number } | string => {
    const codec = (packet as unknown as { name: { decode: ((b: Buffer, o: number) => string) & { bytes: number } } }).name;
    try {
      const name = codec.decode(buf, offset);
      return { name, bytes: codec.decode.bytes };
    } catch (err) {
      return (err as Error).message;
    }
  };
  const ours = (buf: Buffer, offset: number): { name: string; bytes: number } | string => {
    try {
      return domainName.decode(buf, offset);
    } catch (err) {
      return (err as Error).message;
    }
  };

  it.each<[string, number[], number]>([
    ['the root', [0], 0],
    ['two labels', [1, 0x61, 4, 0x74, 0x65, 0x73, 0x74, 0], 0],
    ['a pointer back to an earlier name', [1, 0x61, 0, 1, 0x62, 0xc0, 0x00], 3],
    ['a pointer forward (refused)', [0xc0, 0x02, 0], 0],
    ['a pointer to itself (refused)', [1, 0x61, 0xc0, 0x02], 2],
    ['a label past the end', [5, 0x61], 0],
    ['a reserved label type', [0x40, 0], 0],
    ['a name of 255 octets', [...Array.from({ length: 4 }, () => [63, ...Array<number>(63).fill(0x61)]).flat().slice(0, 254), 0], 0],
    ['invalid UTF-8 in a label', [2, 0xff, 0xfe, 0], 0],
  ])('decodes %s as dns-packet does', (_, bytes, offset) => {
    const buf = Buffer.from(bytes);
    expect(ours(buf, offset)).toEqual(reference(buf, offset));
  });

  it('agrees with dns-packet on arbitrary bytes, pointers and labels included', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 2, 3, 63, 64, 0xc0, 0xc1));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 80 }), fc.nat(20), (bytes, at) => {
        const buf = Buffer.from(bytes);
        const offset = Math.min(at, buf.length);
        expect(ours(buf, offset)).toEqual(reference(buf, offset));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('resolver configuration', () => {
  it.each([
    ['192.0.2.1', { host: '192.0.2.1', port: 53 }],
    ['192.0.2.1:5353', { host: '192.0.2.1', port: 5353 }],
    ['[::1]:5353', { host: '::1', port: 5353 }],
    ['[2001:DB8:0:0::1]', { host: '2001:db8::1', port: 53 }],
    ['2001:db8::1', { host: '2001:db8::1', port: 53 }],
  ])('parses --resolver %s', (text, expected) => {
    expect(parseResolverAddress(text)).toEqual(expected);
  });
  it.each(['resolver.example', '192.0.2.1:0', '192.0.2.1:70000', '[::1', '1.2.3', '[192.0.2.1]:53'])('rejects --resolver %s', (text) => {
    expect(() => parseResolverAddress(text)).toThrow();
  });
  it('reads nameservers (IPv4 and IPv6) and options timeout/attempts from resolv.conf', () => {
    const config = parseResolvConf(
      '# comment\nsearch example.com\nnameserver 10.0.0.1\nnameserver 2001:db8::53 # v6\nnameserver not-an-ip\noptions rotate timeout:2 attempts:4\n; nameserver 9.9.9.9\n',
    );
    expect(config.servers).toEqual([{ host: '10.0.0.1', port: 53 }, { host: '2001:db8::53', port: 53 }]);
    expect(config.timeoutMs).toBe(2000);
    expect(config.attempts).toBe(4);
  });
  it('applies glibc bounds to resolv.conf options', () => {
    const config = parseResolvConf('nameserver 10.0.0.1\noptions timeout:99 attempts:0\n');
    expect(config.timeoutMs).toBe(30_000);
    expect(config.attempts).toBe(1);
  });
});

describe('resolver over real sockets', () => {
  it('asks each name once per run, even when many callers ask at the same time', async () => {
    const dns = await serve({ 'example.test': ['0 issue "letsencrypt.org"'] });
    const resolver = resolverFor([dns]);
    const names = Array.from({ length: 30 }, (_, i) => [`h${i}.example.test`, 'example.test', 'test']).flat();
    await Promise.all(names.map((n) => resolver.lookupCaa(n)));
    const count = (n: string): number => dns.queries.filter((q) => q.name === n).length;
    expect(count('example.test')).toBe(1);
    expect(count('test')).toBe(1);
    expect(dns.queries).toHaveLength(32);
    expect(resolver.queriesSent).toBe(32);
  });
  it('never has more queries on the wire than the concurrency bound', async () => {
    const zone = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`n${i}.test`, { caa: [], delayMs: 30 }]));
    const dns = await serve(zone);
    const resolver = resolverFor([dns], { concurrency: 3, timeoutMs: 2000 });
    await Promise.all(Object.keys(zone).map((n) => resolver.lookupCaa(n)));
    expect(dns.queries).toHaveLength(20);
    expect(dns.maxInFlight).toBe(3);
  });
  it('puts 64 queries on the wire by default when every resolver is on this host, 16 otherwise', async () => {
    expect(defaultConcurrency([{ host: '127.0.0.1', port: 53 }, { host: '::1', port: 53 }])).toBe(64);
    expect(defaultConcurrency([{ host: '127.0.0.1', port: 53 }, { host: '192.0.2.1', port: 53 }])).toBe(16);
    expect(defaultConcurrency([{ host: '2001:db8::1', port: 53 }])).toBe(16);
    const zone = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`n${i}.test`, { caa: [], delayMs: 50 }]));
    const names = Object.keys(zone).flatMap((n) => ['-d', n]);
    const local = await serve(zone);
    await runCli([...names, '--resolver', local.arg, '--no-authoritative', '--json']);
    expect(local.maxInFlight).toBe(64);
    const bounded = await serve(zone);
    await runCli([...names, '--resolver', bounded.arg, '--no-authoritative', '--concurrency', '8', '--json']);
    expect(bounded.maxInFlight).toBe(8);
  });
  it('fails over to the next resolver when one does not answer', async () => {
    const blackhole = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => blackhole.bind(0, '127.0.0.1', resolve));
    const dns = await serve({ 'a.test': ['0 issue "letsencrypt.org"'] });
    const resolver = resolverFor([{ host: '127.0.0.1', port: blackhole.address().port }, dns], { timeoutMs: 100, retries: 0 });
    const result = await resolver.lookupCaa('a.test');
    blackhole.close();
    expect(result.kind).toBe('records');
    expect(result.server).toBe(dns.arg);
  });
  it('tells a silent name on a working resolver (the CA would time out too) from a dead resolver (our trouble)', async () => {
    const dns = await serve({ 'ok.test': [], 'stuck.test': { drop: true } });
    const resolver = resolverFor([dns], { timeoutMs: 100, retries: 0 });
    const [ok, stuck] = await Promise.all([resolver.lookupCaa('ok.test'), resolver.lookupCaa('stuck.test')]);
    expect(ok.kind).toBe('empty');
    expect(stuck).toMatchObject({ kind: 'error', cause: 'timeout', local: false });
    // The same verdict when nothing else was asked first (a root probe decides, not query order).
    const alone = await resolverFor([dns], { timeoutMs: 100, retries: 0, concurrency: 1 }).lookupCaa('stuck.test');
    expect(alone).toMatchObject({ kind: 'error', cause: 'timeout', local: false });
    const dead = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => dead.bind(0, '127.0.0.1', resolve));
    const lonely = await resolverFor([{ host: '127.0.0.1', port: dead.address().port }], { timeoutMs: 100, retries: 0 }).lookupCaa('ok.test');
    dead.close();
    expect(lonely).toMatchObject({ kind: 'error', cause: 'timeout', local: true });
  });
  // Skipped, and reported as skipped, where the machine has no IPv6 loopback at all.
  it.skipIf(!ipv6)('works over IPv6', async () => {
    const dns = await serve({ 'v6.test': ['0 issue "letsencrypt.org"'] }, { host: '::1' });
    const result = await resolverFor([dns]).lookupCaa('v6.test');
    expect(result).toMatchObject({ kind: 'records', server: `[::1]:${dns.port}` });
  });
  it('reports a truncated answer whose TCP retry cannot connect as our own trouble', async () => {
    const dns = await serve({ 'big.test': { caa: ['0 issue "letsencrypt.org"'], truncate: 'udp' } }, { tcp: false });
    const result: CaaLookup = await resolverFor([dns], { retries: 0 }).lookupCaa('big.test');
    expect(result).toMatchObject({ kind: 'error', cause: 'network', local: true });
  });
  it('keeps CAA values byte-exact, invalid UTF-8 included', async () => {
    const dns = await serve({ 'raw.test': ['0 issue "letsencrypt.org\\255\\000"'] });
    const result = await resolverFor([dns]).lookupCaa('raw.test');
    expect(result.kind === 'records' && result.records[0]!.value).toBe('letsencrypt.org\xff\x00');
  });
});

describe('alias chains a recursor gives up on', () => {
  const hop = (owner: string, target: string) => ({ type: 'CNAME' as const, owner, target });
  it.each<[string, Array<ReturnType<typeof hop>>, RegExp | null]>([
    ['no alias', [], null],
    ['a short chain', [hop('a.test', 'b.test'), hop('b.test', 'c.test')], null],
    ['a loop', [hop('a.test', 'b.test'), hop('b.test', 'a.test')], /alias loop \(a\.test -> b\.test -> a\.test\)/],
    ['a loop further down', [hop('a.test', 'b.test'), hop('b.test', 'c.test'), hop('c.test', 'B.TEST.')], /alias loop/],
    ['11 hops', Array.from({ length: 11 }, (_, i) => hop(i === 0 ? 'a.test' : `h${i}.test`, `h${i + 1}.test`)), null],
    ['12 hops', Array.from({ length: 12 }, (_, i) => hop(i === 0 ? 'a.test' : `h${i}.test`, `h${i + 1}.test`)), /more than 11 aliases/],
  ])('%s', (_, chain, trouble) => {
    const found = aliasTrouble('a.test', chain);
    if (trouble === null) expect(found).toBeNull();
    else expect(found).toMatch(trouble);
  });
});
