// Which servers are authoritative for a name, found the way the CA's resolvers find them: from
// the top of the tree down through the referrals, not from this host's view of the zone (split
// horizon, a stale cache). Our resolver only tells us where the top is: the root servers, or
// failing those the TLD's (docs/ca-view.md §1).
import { isLocalFailure, type AuthorityClient, type NameServer } from './authority.js';
import type { Resolver } from './resolver.js';
import { TransportError } from './transport.js';
import { RCODE, recordsOf, TYPE_A, TYPE_AAAA, TYPE_NS, type DecodedResponse } from './wire.js';
import { once } from '../memo.js';

/** A zone and the addresses of its authoritative servers (the parent's NS set and the zone's own). */
export interface ZoneCut {
  /** The zone apex, lowercase, no trailing dot ('' for the root). */
  zone: string;
  servers: NameServer[];
  /** NS hosts for which no address was found (they cannot be asked from here). */
  unresolved: string[];
  /** Whether one of its servers answered us while the cut was being found. */
  answered: boolean;
}

/** Most referral steps followed for one name (the deepest real delegations are a handful). */
const MAX_STEPS = 16;
/** Servers tried per discovery question before giving up on a zone. */
const TRIES_PER_QUESTION = 4;

/** Normal form of a DNS name: lowercase, no trailing dot, '' for the root. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** Whether `name` is `zone` or below it. */
export function isWithin(name: string, zone: string): boolean {
  return zone === '' || name === zone || name.endsWith(`.${zone}`);
}

/** Finds and remembers zone cuts for one run. */
export class Delegations {
  private readonly known = new Map<string, Promise<ZoneCut | null>>();
  private readonly zones = new Map<string, Promise<ZoneCut | null>>();
  private readonly addresses = new Map<string, Promise<string[]>>();
  private readonly bootstraps = new Map<string, Promise<ZoneCut | null>>();
  /** Set when servers our resolver named for the top of the tree never answered: outbound DNS is blocked. */
  private blocked = false;

  constructor(
    private readonly client: AuthorityClient,
    private readonly resolver: Resolver,
  ) {}

  /** The zone holding `name` and its servers; null when no authoritative server can be reached from here. */
  zoneOf(name: string): Promise<ZoneCut | null> {
    const key = canonicalName(name);
    return once(this.zones, key, () => this.walk(key));
  }

  /** Follow referrals from the deepest zone we know above `name` down to the zone that answers for it. */
  private async walk(name: string): Promise<ZoneCut | null> {
    let cut = await this.start(name);
    if (this.blocked) return null;
    if (cut === null) return null;
    for (let step = 0; step < MAX_STEPS; step++) {
      const reply = await this.askAny(cut, name, TYPE_NS);
      if (reply === null) return cut; // its servers are silent: the observation will say so, per server
      const referral = referralTo(reply, name, cut.zone);
      if (referral !== null) {
        cut = await this.remember(referral.zone, () => this.cutFrom(referral.zone, referral.hosts, reply));
        continue;
      }
      // The servers answer for `name` themselves. When they also serve a zone below the one we
      // came down through (parent and child on one server), that zone is the apex of a positive
      // NS answer, or the owner of the SOA in a negative one.
      if (reply.authoritative) {
        const apexNs = recordsOf(reply, 'NS', { section: 'answer', owner: name }).map((r) => r.target);
        const soaOwner = recordsOf(reply, 'SOA', { section: 'authority' }).map((r) => canonicalName(r.owner))[0];
        const inner = apexNs.length > 0 ? name : soaOwner;
        if (inner !== undefined && inner !== cut.zone && isWithin(name, inner) && isWithin(inner, cut.zone)) {
          const parent = cut;
          const hosts = apexNs.length > 0 ? apexNs : [];
          cut = await this.remember(inner, () => this.cutFrom(inner, hosts, reply, parent.servers));
        }
      }
      return cut;
    }
    return cut;
  }

  /** The deepest known zone above `name`, else a bootstrap: the root, else the TLD, else lower. */
  private async start(name: string): Promise<ZoneCut | null> {
    const labels = name === '' ? [] : name.split('.');
    for (let i = 0; i < labels.length; i++) {
      const zone = labels.slice(i).join('.');
      const known = this.known.get(zone);
      if (known && (await known)) return known;
    }
    for (let i = labels.length; i >= 0 && !this.blocked; i--) {
      const zone = labels.slice(i).join('.');
      const cut = await this.bootstrap(zone);
      if (cut !== null) return cut;
    }
    return null;
  }

  /** A zone's servers as our resolver names them, kept only when one of them answers us directly. */
  private bootstrap(zone: string): Promise<ZoneCut | null> {
    return once(this.bootstraps, zone, () => {
      const pending = (async () => {
        const answer = await this.resolver.query(zone || '.', TYPE_NS);
        if (answer === null || answer.reply.rcode !== RCODE.NOERROR) return null;
        const hosts = recordsOf(answer.reply, 'NS', { section: 'answer', owner: zone }).map((r) => r.target);
        if (hosts.length === 0) return null;
        const cut = await this.cutFrom(zone, hosts, answer.reply);
        if (cut.servers.length > 0 && !cut.answered) this.blocked = true; // none of them answers us
        return cut.answered ? cut : null;
      })();
      if (!this.known.has(zone)) this.known.set(zone, pending);
      return pending;
    });
  }

  private remember(zone: string, make: () => Promise<ZoneCut>): Promise<ZoneCut> {
    const existing = this.known.get(zone);
    if (existing) return existing.then((cut) => cut ?? make());
    const pending = make();
    this.known.set(zone, pending);
    return pending;
  }

  /**
   * A zone cut from NS host names: addresses from the reply's glue, else from our resolver; then
   * the zone's own NS set (asked of its servers) is added, since the CA's resolvers use both.
   */
  private async cutFrom(zone: string, hosts: string[], reply: DecodedResponse, fallback: NameServer[] = []): Promise<ZoneCut> {
    const cut = await this.withAddresses(zone, hosts.map(canonicalName), reply);
    if (cut.servers.length === 0 && fallback.length > 0) cut.servers.push(...fallback);
    const own = await this.askAny(cut, zone || '.', TYPE_NS);
    cut.answered = own !== null;
    const known = hosts.map(canonicalName);
    const ownHosts = (own ? recordsOf(own, 'NS', { section: 'answer', owner: zone }) : [])
      .map((r) => canonicalName(r.target))
      .filter((h) => !known.includes(h));
    if (own?.authoritative && ownHosts.length > 0) {
      const more = await this.withAddresses(zone, ownHosts, own);
      cut.servers.push(...more.servers.filter((s) => !cut.servers.some((t) => t.address === s.address)));
      cut.unresolved.push(...more.unresolved);
    }
    return cut;
  }

  private async withAddresses(zone: string, hosts: string[], reply: DecodedResponse): Promise<ZoneCut> {
    const servers: NameServer[] = [];
    const unresolved: string[] = [];
    for (const host of [...new Set(hosts)]) {
      const glue = [...recordsOf(reply, 'A', { owner: host }), ...recordsOf(reply, 'AAAA', { owner: host })].map((r) => r.address);
      const addresses = glue.length > 0 ? glue : await this.addressesOf(host);
      if (addresses.length === 0) unresolved.push(host);
      for (const address of [...new Set(addresses)]) servers.push({ host, address });
    }
    // IPv4 first: discovery asks the first few, and many hosts have no IPv6 route.
    servers.sort((a, b) => Number(a.address.includes(':')) - Number(b.address.includes(':')));
    return { zone, servers, unresolved, answered: false };
  }

  /** A name server's addresses through our resolver (A and AAAA), cached for the run. */
  private addressesOf(host: string): Promise<string[]> {
    return once(this.addresses, host, () =>
      Promise.all([this.resolver.query(host, TYPE_A), this.resolver.query(host, TYPE_AAAA)]).then(([v4, v6]) => [
        ...(v4 ? recordsOf(v4.reply, 'A', { section: 'answer' }) : []).map((r) => r.address),
        ...(v6 ? recordsOf(v6.reply, 'AAAA', { section: 'answer' }) : []).map((r) => r.address),
      ]),
    );
  }

  /** The first usable reply from a few of the zone's servers (authoritative, or a referral), else null. */
  private async askAny(cut: ZoneCut, name: string, type: number): Promise<DecodedResponse | null> {
    let tried = 0;
    for (const server of cut.servers) {
      if (tried >= TRIES_PER_QUESTION) break;
      try {
        const { reply } = await this.client.ask(server.address, name, type, 'udp', 0);
        tried++;
        const usable = reply.rcode === RCODE.NOERROR || reply.rcode === RCODE.NXDOMAIN;
        if (usable && !reply.truncated) return reply;
        if (usable) return (await this.client.ask(server.address, name, type, 'tcp', 0)).reply;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        if (!isLocalFailure(err)) tried++;
      }
    }
    return null;
  }
}

/** A referral from `zone`'s servers towards `name`: the child zone and its NS hosts. */
function referralTo(reply: DecodedResponse, name: string, zone: string): { zone: string; hosts: string[] } | null {
  if (reply.authoritative || reply.rcode !== RCODE.NOERROR) return null;
  const ns = recordsOf(reply, 'NS', { section: 'authority' });
  const child = ns.map((r) => canonicalName(r.owner)).find((owner) => isWithin(name, owner) && owner !== zone && isWithin(owner, zone));
  if (child === undefined) return null;
  return { zone: child, hosts: ns.filter((r) => canonicalName(r.owner) === child).map((r) => r.target) };
}
