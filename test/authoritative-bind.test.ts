// The authoritative view against real servers, as a host meets them: real BIND as the root, the
// TLD and each zone's nameservers on port 53 of 127.53.0.0/16, a stale copy served by a second
// BIND, a BIND that does not have the zone (REFUSED), an address where nothing listens, in-process
// servers for the faults BIND cannot show, and real Unbound pinned to the good server of each
// zone, so that its answers alone always look fine. Needs root (port 53).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canBind } from '../src/demo/auth-server.js';
import { startAuthLab, type AuthLab } from './helpers/auth-lab.js';
import { namesOf, runCli } from './helpers/run-cli.js';
import { requireBinaries } from './helpers/system.js';

const LE = 'IN CAA 0 issue "letsencrypt.org"';
const OTHER = 'IN CAA 0 issue "digicert.com"';
const GOOD = '127.53.1.1';
const COPY = '127.53.1.2';
const DEAD = '127.53.1.9';
const FAULTY = { dropudp: '127.53.2.1', closetcp: '127.53.2.2', servfail: '127.53.2.3', notimp: '127.53.2.4' } as const;

const binaries = requireBinaries('authoritative view with BIND and Unbound', ['named', 'unbound', 'ip']);
const port53 = binaries && (await canBind('127.53.0.1', 53));
if (binaries && !port53) {
  const message = 'authoritative view with BIND: cannot bind 127.53.0.1:53 (run as root)';
  if (process.env.CI) throw new Error(`${message} — required in CI`);
  console.warn(`SKIPPED ${message}`);
}

/** Zone data: CAA at the apex, a host below it. */
const zoneBody = (caa: string): string => `@ ${caa}\nwww IN A 192.0.2.1\n`;
const nsOf = (zone: string): string[] => [`ns1.${zone}`, `ns2.${zone}`];

describe.skipIf(!port53)('every authoritative server, asked directly (real BIND and Unbound)', () => {
  let lab: AuthLab;
  const zones = ['same.test', 'stale.test', 'refused.test', 'dead.test', ...Object.keys(FAULTY).map((k) => `${k}.test`)];
  beforeAll(async () => {
    const second: Record<string, string> = {
      'same.test': COPY, 'stale.test': COPY, 'refused.test': COPY, 'dead.test': DEAD,
      ...Object.fromEntries(Object.entries(FAULTY).map(([k, a]) => [`${k}.test`, a])),
    };
    lab = await startAuthLab({
      root: '127.53.0.1',
      tld: 'test',
      delegations: Object.fromEntries(zones.map((z) => [z, [{ host: `ns1.${z}`, address: GOOD }, { host: `ns2.${z}`, address: second[z]! }]])),
      binds: [
        { address: GOOD, zones: Object.fromEntries(zones.map((z) => [z, { serial: 5, ns: nsOf(z), body: zoneBody(LE) }])) },
        {
          address: COPY,
          zones: {
            'same.test': { serial: 5, ns: nsOf('same.test'), body: zoneBody(LE) },
            'stale.test': { serial: 3, ns: nsOf('stale.test'), body: zoneBody(OTHER) },
          },
        },
      ],
      inProcess: Object.entries(FAULTY).map(([k, address]) => ({
        address,
        zone: { apex: `${k}.test`, serial: 5, ns: nsOf(`${k}.test`), names: { [`${k}.test`]: { caa: ['0 issue "letsencrypt.org"'] }, [`www.${k}.test`]: { a: ['192.0.2.1'] } } },
        fault: k === 'dropudp' ? { dropUdpCaa: true } : k === 'closetcp' ? { closeTcp: true } : { caaRcode: k === 'servfail' ? 'SERVFAIL' : 'NOTIMP' },
      })),
      pinned: Object.fromEntries(zones.map((z) => [z, GOOD])),
    });
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  const check = async (name: string, extra: string[] = []) => {
    const result = await runCli(['-d', name, '--resolver', lab.resolverArg, '--timeout', '500', '--retries', '0', '--json', ...extra]);
    return { result, entry: namesOf(result)[0]! };
  };

  it('identical servers: pass, judged from the servers, nothing to say', async () => {
    for (const name of ['same.test', 'www.same.test']) {
      const { entry, result } = await check(name);
      expect(entry).toMatchObject({ status: 'pass', judgedFrom: 'authoritative', findings: [] });
      expect(new Set(entry.servers.map((s) => s.address))).toEqual(new Set([GOOD, COPY]));
      expect(result.code).toBe(0);
    }
  });

  it.each<[string, string, string]>([
    ['www.stale.test', 'server-stale', COPY],
    ['www.refused.test', 'server-refused', COPY],
    ['www.dead.test', 'server-port-closed', DEAD],
    ['www.dropudp.test', 'server-timeout', FAULTY.dropudp],
    ['www.closetcp.test', 'server-closed', FAULTY.closetcp],
    ['www.servfail.test', 'server-servfail', FAULTY.servfail],
    ['www.notimp.test', 'server-notimp', FAULTY.notimp],
  ])('%s: fails, and the finding names the server (%s, %s)', async (name, code, address) => {
    const zone = name.replace(/^www\./, '');
    const { entry, result } = await check(name);
    expect(entry.status, entry.reason).toBe('fail');
    expect(result.code).toBe(1);
    const flagged = entry.findings.find((f) => f.code === code);
    expect(flagged, JSON.stringify(entry.findings, null, 1)).toBeDefined();
    expect(flagged!.server).toMatchObject({ name: `ns2.${zone}`, address });
    expect(entry.servers.some((s) => s.address === address && s.server === `ns2.${zone}`)).toBe(true);
  });

  it('the same names pass on the pinned resolver alone: only asking every server can tell', async () => {
    for (const name of ['www.stale.test', 'www.dead.test', 'www.notimp.test']) {
      const { entry } = await check(name, ['--no-authoritative']);
      expect(entry.status).toBe('pass');
    }
  });

  it('reports the stale copy with both serials and what each serves', async () => {
    const { entry } = await check('www.stale.test');
    const stale = entry.findings.find((f) => f.code === 'server-stale')!;
    expect(stale.message).toMatch(/serial 3\) serves 0 issue "digicert\.com" at stale\.test/);
    expect(stale.message).toMatch(/\(serial 5\) serve 0 issue "letsencrypt\.org"/);
    const serials = new Map(entry.servers.filter((s) => s.level === 'stale.test').map((s) => [s.address, s.serial]));
    expect(serials).toEqual(new Map([[GOOD, 5], [COPY, 3]]));
  });
});
