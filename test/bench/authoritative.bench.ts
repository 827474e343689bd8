// `npm run bench`: what the authoritative view costs per name, against the resolver's view alone,
// on 100 names under 10 zones of two in-process servers each (127.53.8.0/24, one port). Prints
// the queries each mode sends per name; vitest prints the times. Nothing here asserts time.
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { CaResolver } from '../../src/ca/resolve.js';
import { checkLineages, type CheckDeps } from '../../src/check.js';
import { startAuthServer, type AuthServer, type AuthZone } from '../../src/demo/auth-server.js';
import { AuthorityClient } from '../../src/dns/authority.js';
import { AuthoritativeView } from '../../src/dns/authoritative.js';
import { Delegations } from '../../src/dns/delegation.js';
import { Limiter } from '../../src/dns/limiter.js';
import { Resolver } from '../../src/dns/resolver.js';
import { UdpPool } from '../../src/dns/udp-pool.js';
import { adhocLineage } from '../../src/sources/adhoc.js';
import { startTestDns, type TestDns, type Zone } from '../helpers/test-dns.js';

const ZONES = 10;
const HOSTS = 10;
const LE = '0 issue "letsencrypt.org"';
const zones = Array.from({ length: ZONES }, (_, z) => `zone${z}.bench`);
const names = zones.flatMap((zone) => Array.from({ length: HOSTS }, (_, h) => `host${h}.${zone}`));
const lineage = adhocLineage({ domains: names, ca: 'letsencrypt', accountUri: null, challenge: 'http-01' });

let resolverDns: TestDns;
const servers: AuthServer[] = [];
let port = 0;

beforeAll(async () => {
  const tld: AuthZone = { apex: 'bench', serial: 1, ns: ['a.root.bench'], names: { 'a.root.bench': { a: ['127.53.8.1'] } } };
  zones.forEach((zone, i) => {
    tld.names[zone] = { ns: [`ns1.${zone}`, `ns2.${zone}`] };
    tld.names[`ns1.${zone}`] = { a: [`127.53.8.${10 + i * 2}`] };
    tld.names[`ns2.${zone}`] = { a: [`127.53.8.${11 + i * 2}`] };
  });
  const root: AuthZone = { apex: '', serial: 1, ns: ['a.root.bench'], names: { bench: { ns: ['a.root.bench'] } } };
  const first = await startAuthServer({ host: '127.53.8.1', zones: [root, tld] });
  servers.push(first);
  port = first.port;
  for (const [i, zone] of zones.entries()) {
    const data: AuthZone = {
      apex: zone, serial: 1, ns: [`ns1.${zone}`, `ns2.${zone}`],
      names: { [zone]: { caa: [LE] }, ...Object.fromEntries(names.filter((n) => n.endsWith(zone)).map((n) => [n, { a: ['192.0.2.1'] }])) },
    };
    for (const address of [`127.53.8.${10 + i * 2}`, `127.53.8.${11 + i * 2}`]) {
      servers.push(await startAuthServer({ host: address, port, zones: [data] }));
    }
  }
  const seen: Zone = { '.': { ns: ['a.root.bench'] }, 'a.root.bench': { a: ['127.53.8.1'] }, bench: [] };
  for (const zone of zones) seen[zone] = [LE];
  for (const name of names) seen[name] = [];
  resolverDns = await startTestDns(seen);
});

const counted = { resolver: 0, authoritative: 0, runs: { resolver: 0, authoritative: 0 } };
afterAll(async () => {
  for (const mode of ['resolver', 'authoritative'] as const) {
    const perRun = counted[mode] / Math.max(1, counted.runs[mode]);
    console.log(`${mode === 'resolver' ? '--no-authoritative' : 'authoritative view'}: ${perRun.toFixed(0)} queries for ${names.length} names = ${(perRun / names.length).toFixed(2)} per name`);
  }
  await Promise.all([resolverDns.close(), ...servers.map((s) => s.close())]);
});

/** One run's dependencies, as `preflight` builds them (src/commands/session.ts). */
function deps(authoritative: boolean): CheckDeps & { count(): number; close(): void } {
  const limiter = new Limiter(16);
  const pool = new UdpPool();
  const resolver = new Resolver({ servers: [resolverDns], timeoutMs: 2000, retries: 0, concurrency: 16, limiter, pool });
  const client = authoritative ? new AuthorityClient({ timeoutMs: 2000, retries: 0, limiter, port, pool }) : null;
  const authority = client ? new AuthoritativeView(client, new Delegations(client, resolver), resolver, new Date()) : null;
  const caResolver = new CaResolver({ identityOverride: [], now: new Date(), directoryTimeoutMs: 1000 });
  return { resolver, caResolver, authority, count: () => resolver.queriesSent + (client?.queriesSent ?? 0), close: () => pool.close() };
}

describe(`${names.length} names under ${ZONES} zones of 2 nameservers each`, () => {
  bench('resolver view only (--no-authoritative)', async () => {
    const d = deps(false);
    await checkLineages([lineage], d);
    d.close();
    counted.resolver += d.count();
    counted.runs.resolver++;
  }, { iterations: 10 });
  bench('authoritative view (every server, UDP and TCP)', async () => {
    const d = deps(true);
    await checkLineages([lineage], d);
    d.close();
    counted.authoritative += d.count();
    counted.runs.authoritative++;
  }, { iterations: 10 });
});
