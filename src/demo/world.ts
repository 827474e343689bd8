// The demo's DNS: an in-process resolver that knows where the root is, and in-process
// authoritative servers on 127.53.0.0/16 (a root that also serves the TLDs, and two servers per
// sample zone, one of them a stale secondary), all on one ephemeral port, so the authoritative
// view runs offline without privileges. Where those addresses cannot be bound (not Linux), the
// demo keeps to the resolver's view.
import { startAuthServer, type AuthServer, type AuthZone } from './auth-server.js';
import { startDnsServer, type DnsServer, type NameSpec, type Zone } from './dns-server.js';
import { DEMO_STALE_SECONDARY, DEMO_ZONE, DEMO_ZONES } from './sample.js';

export interface DemoWorld {
  resolver: DnsServer;
  /** The port every authoritative server listens on; null when they could not be started. */
  authorityPort: number | null;
  close(): Promise<void>;
}

const ROOT = '127.53.0.1';
const ROOT_HOST = 'a.root-servers.demo';
const serverAddress = (zoneIndex: number, ns: 1 | 2): string => `127.53.0.${10 + zoneIndex * 2 + ns}`;

/** Start the resolver and, where possible, the authoritative servers. */
export async function startDemoWorld(): Promise<DemoWorld> {
  const authorities: AuthServer[] = [];
  let port: number | null = null;
  try {
    port = await startAuthorities(authorities);
  } catch {
    await Promise.all(authorities.splice(0).map((s) => s.close()));
    port = null;
  }
  const resolverZone: Zone = port === null ? DEMO_ZONE : { ...DEMO_ZONE, '.': { ns: [ROOT_HOST] }, [ROOT_HOST]: { a: [ROOT] } };
  const resolver = await startDnsServer(resolverZone);
  return {
    resolver,
    authorityPort: port,
    close: async () => {
      await Promise.all([resolver.close(), ...authorities.map((s) => s.close())]);
    },
  };
}

/** The root (serving the TLDs too) and two servers per zone, all on the root's port. */
async function startAuthorities(started: AuthServer[]): Promise<number> {
  const tlds = [...new Set(DEMO_ZONES.map((z) => z.slice(z.lastIndexOf('.') + 1)))];
  const glue: AuthZone['names'] = { [ROOT_HOST]: { a: [ROOT] } };
  DEMO_ZONES.forEach((zone, i) => {
    glue[zone] = { ns: [`ns1.${zone}`, `ns2.${zone}`] };
    glue[`ns1.${zone}`] = { a: [serverAddress(i, 1)] };
    glue[`ns2.${zone}`] = { a: [serverAddress(i, 2)] };
  });
  const root: AuthZone = { apex: '', serial: 1, ns: [ROOT_HOST], names: Object.fromEntries(tlds.map((t) => [t, { ns: [ROOT_HOST] }])) };
  const tldZones = tlds.map((t): AuthZone => ({ apex: t, serial: 1, ns: [ROOT_HOST], names: Object.fromEntries(Object.entries(glue).filter(([n]) => n === ROOT_HOST || n.endsWith(`.${t}`))) }));
  const first = await startAuthServer({ host: ROOT, zones: [root, ...tldZones] });
  started.push(first);
  for (const [i, zone] of DEMO_ZONES.entries()) {
    const stale = DEMO_STALE_SECONDARY.zone === zone;
    const data = (serial: number, extra: Record<string, string[]>): AuthZone => ({
      apex: zone, serial, ns: [`ns1.${zone}`, `ns2.${zone}`],
      names: { ...namesIn(zone), ...Object.fromEntries(Object.entries(extra).map(([n, caa]) => [n, { caa }])) },
    });
    const current = data(DEMO_STALE_SECONDARY.serials.current, {});
    started.push(await startAuthServer({ host: serverAddress(i, 1), port: first.port, zones: [current] }));
    const second = stale ? data(DEMO_STALE_SECONDARY.serials.stale, DEMO_STALE_SECONDARY.names) : current;
    started.push(await startAuthServer({ host: serverAddress(i, 2), port: first.port, zones: [second] }));
  }
  return first.port;
}

/** The sample's names inside one zone, as authoritative data. */
function namesIn(zone: string): AuthZone['names'] {
  const names: AuthZone['names'] = {};
  for (const [name, spec] of Object.entries(DEMO_ZONE) as Array<[string, NameSpec]>) {
    if (name !== zone && !name.endsWith(`.${zone}`)) continue;
    const s = Array.isArray(spec) ? { caa: spec } : spec;
    names[name] = { ...(s.caa ? { caa: s.caa } : {}), ...(s.cname ? { cname: s.cname } : {}) };
  }
  return names;
}
