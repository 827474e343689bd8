// Judging from where the CA stands, over real sockets without privileges: a small delegation tree
// of in-process authoritative servers on 127.53.9.0/24 (one shared port, given with
// --authoritative-port), and an in-process resolver that sees only what it is told. Each zone has
// one good server and one that goes wrong in one way; only asking every server can tell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer, type AuthFault, type AuthServer, type AuthZone } from '../src/demo/auth-server.js';
import { documentOf, namesOf, runCli } from './helpers/run-cli.js';
import { startTestDns, type TestDns, type Zone } from './helpers/test-dns.js';

const LE = '0 issue "letsencrypt.org"';
const OTHER = '0 issue "digicert.com"';
const NOW = Math.floor(Date.parse('2026-11-25T12:00:00Z') / 1000);
const VALID: [number, number] = [NOW - 86_400, NOW + 30 * 86_400];
const EXPIRED: [number, number] = [NOW - 60 * 86_400, NOW - 30 * 86_400];

/** One scenario zone: its data on the good server (ns1) and what ns2 does instead. */
interface Scenario {
  ns1: Partial<AuthZone>;
  ns2?: { zone?: Partial<AuthZone>; fault?: AuthFault; absent?: boolean; dead?: boolean };
  /** What our resolver answers for names of this zone (default: the good server's CAA). */
  resolver?: Zone;
  signed?: boolean;
}

const caaAt = (apex: string, records: string[], serial = 1, extra: AuthZone['names'] = {}): Partial<AuthZone> => ({
  serial, names: { [apex]: { caa: records }, [`www.${apex}`]: { a: ['192.0.2.1'] }, ...extra },
});

const SCENARIOS: Record<string, Scenario> = {
  'good.lab': { ns1: caaAt('good.lab', [LE]) },
  'reordered.lab': { ns1: caaAt('reordered.lab', [LE, '0 iodef "mailto:a@example.org"']), ns2: { zone: caaAt('reordered.lab', ['0 iodef "mailto:a@example.org"', LE]) } },
  'stale.lab': { ns1: caaAt('stale.lab', [LE], 5), ns2: { zone: caaAt('stale.lab', [OTHER], 3) } },
  'differs.lab': { ns1: caaAt('differs.lab', [LE], 2), ns2: { zone: caaAt('differs.lab', [LE, '0 iodef "mailto:a@example.org"'], 2) } },
  'dropudp.lab': { ns1: caaAt('dropudp.lab', [LE]), ns2: { fault: { dropUdpCaa: true } } },
  'closetcp.lab': { ns1: caaAt('closetcp.lab', [LE]), ns2: { fault: { closeTcp: true } } },
  'refused.lab': { ns1: caaAt('refused.lab', [LE]), ns2: { absent: true } },
  'servfail.lab': { ns1: caaAt('servfail.lab', [LE]), ns2: { fault: { caaRcode: 'SERVFAIL' } } },
  'notimp.lab': { ns1: caaAt('notimp.lab', [LE]), ns2: { fault: { caaRcode: 'NOTIMP' } } },
  'dead.lab': { ns1: caaAt('dead.lab', [LE]), ns2: { dead: true } },
  'silent.lab': { ns1: caaAt('silent.lab', [LE]), ns2: { fault: { silent: true } } },
  'lame.lab': { ns1: caaAt('lame.lab', [LE]), ns2: { fault: { notAuthoritative: true } } },
  'nosoa.lab': { ns1: caaAt('nosoa.lab', [LE]), ns2: { fault: { noSoaOnNodata: true } } },
  'split.lab': { ns1: caaAt('split.lab', [OTHER]), resolver: { 'split.lab': [LE] } },
  'split2.lab': { ns1: caaAt('split2.lab', [LE]), resolver: { 'split2.lab': [OTHER] } },
  'resolverfail.lab': { ns1: caaAt('resolverfail.lab', [LE]), resolver: { 'www.resolverfail.lab': { rcode: 'SERVFAIL' }, 'resolverfail.lab': [LE] } },
  'resolversilent.lab': { ns1: caaAt('resolversilent.lab', [LE]), resolver: { 'www.resolversilent.lab': { drop: true }, 'resolversilent.lab': [LE] } },
  'bogus.lab': { ns1: caaAt('bogus.lab', [LE]), resolver: { 'www.bogus.lab': { rcode: 'SERVFAIL', ede: { code: 7, text: 'signature expired' } }, 'bogus.lab': [LE] } },
  'alias.lab': { ns1: { serial: 1, names: { 'www.alias.lab': { cname: 'edge.cdn.lab' } } } },
  'cdn.lab': { ns1: caaAt('cdn.lab', [], 2, { 'edge.cdn.lab': { caa: [LE] } }), ns2: { zone: caaAt('cdn.lab', [], 1, { 'edge.cdn.lab': { caa: [OTHER] } }) } },
  'signed.lab': { ns1: { ...caaAt('signed.lab', [LE]), signatures: VALID }, ns2: { zone: { ...caaAt('signed.lab', [LE]), signatures: EXPIRED } }, signed: true },
  'nocaa.lab': { ns1: caaAt('nocaa.lab', []) },
};

let port = 0;
const servers: AuthServer[] = [];
let resolver: TestDns;
const address = (zoneIndex: number, ns: 1 | 2): string => `127.53.9.${10 + zoneIndex * 2 + ns}`;

/** Every server of the world on one shared port: the root (also serving lab.) and two per zone. */
async function startWorld(): Promise<void> {
  const zones = Object.keys(SCENARIOS);
  const labNames: AuthZone['names'] = { 'a.root.lab': { a: ['127.53.9.1'] } };
  zones.forEach((apex, i) => {
    labNames[apex] = { ns: [`ns1.${apex}`, `ns2.${apex}`], ds: SCENARIOS[apex]!.signed };
    labNames[`ns1.${apex}`] = { a: [address(i, 1)] };
    labNames[`ns2.${apex}`] = { a: [address(i, 2)] };
  });
  const root: AuthZone = { apex: '', serial: 1, ns: ['a.root.lab'], names: { lab: { ns: ['a.root.lab'] }, 'a.root.lab': { a: ['127.53.9.1'] } } };
  const lab: AuthZone = { apex: 'lab', serial: 1, ns: ['a.root.lab'], names: labNames };
  const first = await startAuthServer({ host: '127.53.9.1', zones: [root, lab] });
  servers.push(first);
  port = first.port;
  for (const [i, apex] of zones.entries()) {
    const s = SCENARIOS[apex]!;
    const zone = (data: Partial<AuthZone>): AuthZone => ({ apex, serial: 1, ns: [`ns1.${apex}`, `ns2.${apex}`], names: {}, ...data });
    servers.push(await startAuthServer({ host: address(i, 1), port, zones: [zone(s.ns1)] }));
    if (s.ns2?.dead) continue;
    const other: AuthZone = { apex: 'elsewhere.invalid', serial: 1, ns: [], names: {} };
    const ns2 = s.ns2?.absent ? [other] : [zone(s.ns2?.zone ?? s.ns1)];
    servers.push(await startAuthServer({ host: address(i, 2), port, zones: ns2, fault: s.ns2?.fault }));
  }
  // Our resolver: knows where the root is, and each zone's CAA as the good server has it (or as told).
  const seen: Zone = { '.': { ns: ['a.root.lab'] }, 'a.root.lab': { a: ['127.53.9.1'] }, lab: [] };
  for (const [apex, s] of Object.entries(SCENARIOS)) {
    for (const [name, spec] of Object.entries(s.ns1.names ?? {})) seen[name] = { caa: spec.caa ?? [], ...(spec.cname ? { cname: spec.cname } : {}) };
    seen[apex] = { ...(typeof seen[apex] === 'object' && !Array.isArray(seen[apex]) ? seen[apex] : {}), ds: s.signed };
    Object.assign(seen, s.resolver ?? {});
  }
  resolver = await startTestDns(seen);
}

beforeAll(async () => {
  await startWorld();
});
afterAll(async () => {
  await Promise.all([...servers.map((s) => s.close()), resolver.close()]);
});

const check = (name: string, extra: string[] = []) =>
  runCli(['-d', name, '--resolver', resolver.arg, '--authoritative-port', String(port), '--timeout', '300', '--retries', '0', '--json', ...extra], {
    now: new Date(NOW * 1000),
  });
const entryOf = async (name: string, extra: string[] = []) => {
  const result = await check(name, extra);
  return { result, entry: namesOf(result)[0]! };
};
const codes = (entry: { findings: Array<{ code: string }> }) => entry.findings.map((f) => f.code);

describe('every server the same: no noise', () => {
  it.each(['www.good.lab', 'good.lab', 'www.reordered.lab'])('%s passes from the authoritative view, with no finding', async (name) => {
    const { entry, result } = await entryOf(name);
    expect(entry).toMatchObject({ status: 'pass', judgedFrom: 'authoritative' });
    expect(entry.findings).toEqual([]);
    expect(result.code).toBe(0);
  });
  it('records every server, transport, rcode, serial and timing for the levels the verdict rests on', async () => {
    const { entry } = await entryOf('www.good.lab');
    const at = entry.servers.filter((s) => s.level === 'good.lab');
    expect(at.map((s) => `${s.server} ${s.address} ${s.transport}`).sort()).toEqual([
      `ns1.good.lab ${address(0, 1)} tcp`, `ns1.good.lab ${address(0, 1)} udp`,
      `ns2.good.lab ${address(0, 2)} tcp`, `ns2.good.lab ${address(0, 2)} udp`,
    ]);
    expect(at.every((s) => s.result === 'records' && s.rcode === 'NOERROR' && s.serial === 1 && s.records[0]?.value === 'letsencrypt.org' && typeof s.ms === 'number')).toBe(true);
    expect(entry.servers.filter((s) => s.level === 'www.good.lab').every((s) => s.result === 'empty')).toBe(true);
    expect(entry.servers.some((s) => s.level === 'lab')).toBe(false); // the CA stops at good.lab
  });
  it('climbs to the TLD, asking its servers too, when no level has CAA', async () => {
    const { entry } = await entryOf('www.nocaa.lab');
    expect(entry.status).toBe('pass');
    expect(entry.servers.filter((s) => s.level === 'lab').map((s) => s.server)).toContain('a.root.lab');
  });
});

describe('one server leads the CA elsewhere: fail, naming it', () => {
  it.each<[string, string, string, ('udp' | 'tcp')[]]>([
    ['www.stale.lab', 'server-stale', 'ns2.stale.lab', ['udp', 'tcp']],
    ['www.dropudp.lab', 'server-timeout', 'ns2.dropudp.lab', ['udp']],
    ['www.closetcp.lab', 'server-closed', 'ns2.closetcp.lab', ['tcp']],
    ['www.refused.lab', 'server-refused', 'ns2.refused.lab', ['udp', 'tcp']],
    ['www.servfail.lab', 'server-servfail', 'ns2.servfail.lab', ['udp', 'tcp']],
    ['www.notimp.lab', 'server-notimp', 'ns2.notimp.lab', ['udp', 'tcp']],
    ['www.dead.lab', 'server-port-closed', 'ns2.dead.lab', ['udp', 'tcp']],
    ['www.silent.lab', 'server-timeout', 'ns2.silent.lab', ['udp', 'tcp']],
    ['www.lame.lab', 'server-lame', 'ns2.lame.lab', ['udp', 'tcp']],
    ['www.nosoa.lab', 'server-nodata-without-soa', 'ns2.nosoa.lab', ['udp', 'tcp']],
    ['www.signed.lab', 'server-signature-expired', 'ns2.signed.lab', ['udp', 'tcp']],
  ])('%s: %s from %s', async (name, code, server, transports) => {
    const { entry, result } = await entryOf(name);
    expect(entry.status, entry.reason).toBe('fail');
    expect(result.code).toBe(1);
    const flagged = entry.findings.find((f) => f.code === code);
    expect(flagged, JSON.stringify(entry.findings)).toBeDefined();
    expect(flagged!.server?.name).toBe(server);
    expect(flagged!.server?.address).toMatch(/^127\.53\.9\.\d+$/);
    expect(transports).toContain(flagged!.server?.transport);
    expect(flagged!.message).toContain(server);
    expect(entry.reason).toContain(server);
    expect(entry.caProblem?.detail).toMatch(/^While processing CAA for www\./);
  });
  it('says what the stale server serves, what the others serve, with serials, and how to fix it', async () => {
    const { entry } = await entryOf('www.stale.lab');
    const message = entry.findings.find((f) => f.code === 'server-stale')!.message;
    expect(message).toMatch(/ns2\.stale\.lab \(127\.53\.9\.\d+, serial 3\) serves 0 issue "digicert\.com" at stale\.lab/);
    expect(message).toMatch(/serial 5\) serve 0 issue "letsencrypt\.org"/);
    expect(message).toMatch(/rndc retransfer stale\.lab/);
    expect(entry.servers.filter((s) => s.server === 'ns2.stale.lab' && s.level === 'stale.lab').every((s) => s.serial === 3)).toBe(true);
  });
  it('follows an alias through the target zone\'s own servers', async () => {
    const { entry } = await entryOf('www.alias.lab');
    expect(entry.status).toBe('fail');
    const flagged = entry.findings.find((f) => f.server?.name === 'ns2.cdn.lab');
    expect(flagged?.code).toBe('server-stale');
    expect(entry.servers.some((s) => s.level === 'www.alias.lab' && s.asked === 'edge.cdn.lab' && s.server === 'ns2.cdn.lab')).toBe(true);
  });
  it('tells UDP-only trouble from a dead server, and says each server\'s trouble once', async () => {
    const dropping = (await entryOf('www.dropudp.lab')).entry.findings.filter((f) => f.code.startsWith('server-'));
    expect(dropping).toHaveLength(1);
    const udp = dropping[0]!;
    const dead = (await entryOf('www.dead.lab')).entry.findings.find((f) => f.code === 'server-port-closed')!;
    const silent = (await entryOf('www.silent.lab')).entry.findings.find((f) => f.code === 'server-timeout')!;
    expect(udp.message).toMatch(/drops CAA queries over UDP/);
    expect(dead.message).toMatch(/nothing answers DNS there/);
    expect(silent.message).toMatch(/does not answer over UDP and TCP .*it does not answer at all/);
  });
  it('warns, without failing, when a server differs but the verdict is the same', async () => {
    const { entry, result } = await entryOf('www.differs.lab');
    expect(entry.status).toBe('warn');
    expect(codes(entry)).toContain('server-differs');
    expect(result.code).toBe(0);
  });
});

describe('the public view decides; our resolver never blocks', () => {
  it('split horizon: fails on what the servers serve, though our resolver sees a pass', async () => {
    const { entry } = await entryOf('www.split.lab');
    expect(entry.status).toBe('fail');
    const note = entry.findings.find((f) => f.code === 'resolver-differs')!;
    expect(note.message).toMatch(/your resolver \(127\.0\.0\.1:\d+\) sees 0 issue "letsencrypt\.org" at split\.lab, but the zone's servers serve 0 issue "digicert\.com"/);
  });
  it('split horizon the other way: passes (with a warning) where our resolver would fail it', async () => {
    const { entry, result } = await entryOf('www.split2.lab');
    expect(entry.status).toBe('warn');
    expect(codes(entry)).toContain('resolver-differs');
    expect(result.code).toBe(0);
  });
  it.each(['www.resolverfail.lab', 'www.resolversilent.lab'])('%s: our resolver fails, the servers answer: a warning, never a block', async (name) => {
    const { entry, result } = await entryOf(name);
    expect(entry.status).toBe('warn');
    expect(codes(entry)).toContain('resolver-failed');
    expect(result.code).toBe(0);
  });
  it('keeps a DNSSEC failure reported by our validating resolver: the CA validates too', async () => {
    const { entry } = await entryOf('www.bogus.lab');
    expect(entry.status).toBe('fail');
    expect(entry.caProblem?.detail).toMatch(/DNSSEC: Signature Expired/);
  });
  it('says when a signed zone\'s answers were not validated here', async () => {
    const signed = await entryOf('signed.lab');
    expect(codes(signed.entry)).toContain('dnssec-unvalidated');
    expect(codes((await entryOf('good.lab')).entry)).not.toContain('dnssec-unvalidated');
  });
});

describe('switches and fall-backs', () => {
  it('--no-authoritative judges from the resolver alone and asks no server', async () => {
    const before = servers.reduce((n, s) => n + s.queries.length, 0);
    const { entry } = await entryOf('www.stale.lab', ['--no-authoritative']);
    expect(entry).toMatchObject({ status: 'pass', judgedFrom: 'resolver', servers: [] });
    expect(servers.reduce((n, s) => n + s.queries.length, 0)).toBe(before);
  });
  it('asks the servers without recursion', async () => {
    await check('www.good.lab');
    const caa = servers.flatMap((s) => s.queries).filter((q) => q.type === 'CAA');
    expect(caa.length).toBeGreaterThan(0);
    expect(caa.every((q) => !q.rd)).toBe(true);
  });
  it('falls back to the resolver, saying so once, when no authoritative server can be reached', async () => {
    const lonely = await startTestDns({ 'www.good.lab': [], 'good.lab': [LE], lab: [] });
    try {
      const result = await runCli(['-d', 'www.good.lab', '-d', 'good.lab', '--resolver', lonely.arg, '--timeout', '300', '--retries', '0', '--json']);
      const doc = documentOf(result);
      expect(doc.notices).toEqual([expect.stringMatching(/no authoritative nameserver could be asked from this host/)]);
      expect(doc.lineages[0]!.names.map((n) => [n.status, n.judgedFrom])).toEqual([['pass', 'resolver'], ['pass', 'resolver']]);
    } finally {
      await lonely.close();
    }
  });
  it('keeps a plain check of more than 1000 names to the resolver by default, and says so', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ['-d', `h${i}.good.lab`]).flat();
    const before = servers.reduce((n, s) => n + s.queries.length, 0);
    const result = await runCli([...many, '--resolver', resolver.arg, '--authoritative-port', String(port), '--timeout', '300', '--json']);
    const doc = documentOf(result);
    expect(doc.notices).toEqual([expect.stringMatching(/^1001 names: judged from your resolver's view only; .* up to 1000 names \(give --authoritative/)]);
    expect(doc.lineages[0]!.names.every((n) => n.status === 'pass' && n.judgedFrom === 'resolver')).toBe(true);
    expect(servers.reduce((n, s) => n + s.queries.length, 0)).toBe(before);
  });
  it('rejects --authoritative with --no-authoritative', async () => {
    const result = await runCli(['-d', 'x.lab', '--authoritative', '--no-authoritative']);
    expect(result.code).toBe(64);
  });
});
