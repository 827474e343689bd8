// What each authoritative server of a zone serves for a name, asked directly over UDP and over
// TCP, as the CA's resolvers will ask them from its several perspectives (docs/ca-view.md §1-2).
// Every answer is kept, with the server, the transport, the zone's SOA serial and the time taken;
// aliases are followed through the target's own servers. Which answer the zone serves now (the
// baseline) is the one of the server with the newest serial.
import { isLocalFailure, serverLabel, type AuthorityClient, type NameServer } from './authority.js';
import { canonicalName, type Delegations, type ZoneCut } from './delegation.js';
import { aliasTrouble, MAX_ALIAS_HOPS, type CaaFailed, type CaaLookup } from './lookup.js';
import type { Resolver } from './resolver.js';
import { chooseBaseline, classifyAnswer, FAULT_TEXT, type ServerAnswer, type ServerFault, type ServerObservation } from './server-answer.js';
import { TransportError } from './transport.js';
import { recordsOf, TYPE_CAA, TYPE_DS, TYPE_SOA, type AliasHop } from './wire.js';
import { aliasError, fileLookup, type FileAnswer, type WhatIf } from './what-if.js';
import { once } from '../memo.js';


/** How one server (over one transport) leads the CA to see a level. */
export interface ServerLookup {
  observation: ServerObservation;
  lookup: CaaLookup;
}

/** One lookup level as the zone's servers serve it. */
export interface AuthoritativeLevel {
  name: string;
  /** What the zone serves now; null when no server for it (or its alias target) could be asked from here. */
  baseline: CaaLookup | null;
  /** Every server's version of this level, the alias targets' servers included. */
  perServer: ServerLookup[];
  /** Zones on the way (the level's, alias targets') that are DNSSEC-signed (a DS at the parent). */
  signedZones: string[];
}

/** Faults that, when every server of a zone shows them, may come from our side of the network. */
const POSSIBLY_OURS: ReadonlySet<ServerFault> = new Set(['timeout', 'port-closed', 'closed', 'network', 'lame', 'refused']);


interface Direct {
  zone: string;
  signed: boolean;
  answers: ServerObservation[];
}

/** The authoritative view for one run: zone cuts, direct answers and serials, all cached. */
export class AuthoritativeView {
  private readonly direct = new Map<string, Promise<Direct | null>>();
  private readonly levels = new Map<string, Promise<AuthoritativeLevel>>();
  private readonly serials = new Map<string, Promise<number | null>>();
  private readonly signed = new Map<string, Promise<boolean>>();
  private ipv6: Promise<boolean> | null = null;
  /** Whether any authoritative server answered us during the run. */
  answered = false;
  /** Whether any server was to be asked through this view (names that are IPs or invalid, or answered from a what-if zone file, are not). */
  asked = false;
  /** Whether IPv6 servers were left out because this host has no working IPv6. */
  ipv6Skipped = false;

  constructor(
    private readonly client: AuthorityClient,
    private readonly delegations: Delegations,
    private readonly resolver: Resolver,
    private readonly now: Date,
    /** Zone files that stand in for the zones they cover (README "What if"); null: none. */
    private readonly whatIf: WhatIf | null = null,
  ) {}

  /**
   * How long one name's view may take: finding the zone (a timeout per step, servers asked in
   * turn) and asking its servers (each with its retries). What is late rests on our resolver.
   */
  get budgetMs(): number {
    return 4 * (this.client.retries + 1) * this.client.timeoutMs;
  }

  /** A level as every server of its zone serves it, aliases followed. */
  level(name: string): Promise<AuthoritativeLevel> {
    const key = canonicalName(name);
    return once(this.levels, key, () => this.resolveLevel(key));
  }

  private async resolveLevel(name: string): Promise<AuthoritativeLevel> {
    const followed = await this.follow(name, name, [], 0);
    return { name, ...followed };
  }

  /**
   * `asked` at `level`, reached through `chain`: the baseline and every server's version. A
   * server whose alias leads elsewhere gets that target's baseline (its servers' own variations
   * are only followed along the baseline path).
   */
  private async follow(level: string, asked: string, chain: AliasHop[], hops: number): Promise<Omit<AuthoritativeLevel, 'name'>> {
    const fromFile = this.whatIf?.answer(asked) ?? null;
    if (fromFile !== null) return this.followFile(level, fromFile.file, fromFile.answer, chain, hops);
    const d = await this.directAnswers(asked);
    if (d === null) return { baseline: null, perServer: [], signedZones: [] };
    const base = chooseBaseline(d.answers);
    const signedZones = d.signed ? [d.zone] : [];
    const targets = new Map<string, Promise<Omit<AuthoritativeLevel, 'name'>>>();
    const viaAlias = (hop: AliasHop): Promise<Omit<AuthoritativeLevel, 'name'>> => {
      const target = canonicalName(hop.target);
      const seen = [level, ...chain.map((h) => canonicalName(h.target))];
      return once(targets, target, () =>
        seen.includes(target) || hops + 1 > MAX_ALIAS_HOPS
          ? Promise.resolve({ baseline: aliasLoop(level, [...chain, hop]), perServer: [], signedZones: [] })
          : this.follow(level, target, [...chain, hop], hops + 1),
      );
    };
    const lookupOf = async (observation: ServerObservation): Promise<CaaLookup | null> => {
      const answer = observation.answer;
      if (answer.kind !== 'alias') return toLookup(level, answer, chain, observation, hops === 0);
      return (await viaAlias(answer.hop)).baseline;
    };
    let baseline = await lookupOf(base);
    // No server answering, or none authoritatively: the trouble may well be ours (a firewall, a
    // wrong turn in discovery). Say so, so that the level rests on our resolver instead.
    if (baseline?.kind === 'error' && d.answers.every((o) => o.answer.kind === 'fault' && POSSIBLY_OURS.has(o.answer.fault))) {
      baseline = { ...baseline, local: true };
    }
    const perServer: ServerLookup[] = [];
    for (const observation of d.answers) {
      const lookup = await lookupOf(observation);
      if (lookup !== null) perServer.push({ observation, lookup });
    }
    if (base.answer.kind === 'alias') {
      const rest = await viaAlias(base.answer.hop);
      perServer.push(...rest.perServer);
      signedZones.push(...rest.signedZones.filter((z) => !signedZones.includes(z)));
    }
    return { baseline, perServer, signedZones };
  }

  /**
   * A name a what-if zone file covers: the file is what every server of the zone will serve once
   * it is published, so it is the baseline and there is no other server's version to compare.
   */
  private followFile(level: string, file: string, answer: FileAnswer, chain: AliasHop[], hops: number): Promise<Omit<AuthoritativeLevel, 'name'>> | Omit<AuthoritativeLevel, 'name'> {
    if (answer.kind !== 'alias') return { baseline: fileLookup(level, answer, chain, file), perServer: [], signedZones: [] };
    const next = [...chain, answer.hop];
    // A loop, or more hops than a recursor follows (`hops` is the chain's length).
    const trouble = aliasTrouble(level, next);
    if (trouble !== null) return { baseline: aliasError(level, next, file, trouble), perServer: [], signedZones: [] };
    return this.follow(level, canonicalName(answer.hop.target), next, hops + 1);
  }

  /** Every server's answer for `name` over UDP and TCP (cached); null when none can be asked from here. */
  private directAnswers(name: string): Promise<Direct | null> {
    return once(this.direct, name, () => this.askAll(name));
  }

  private async askAll(name: string): Promise<Direct | null> {
    this.asked = true;
    const cut = await this.delegations.zoneOf(name);
    if (cut === null) return null;
    const signed = await this.isSigned(cut.zone);
    const servers = await this.usableServers(cut);
    const answers = (
      await Promise.all(servers.map((server) => this.observeServer(name, cut.zone, server, signed)))
    ).flat();
    return answers.length === 0 ? null : { zone: cut.zone, signed, answers };
  }

  /** The zone's servers we can reach: IPv6 ones only when this host has working IPv6. */
  private async usableServers(cut: ZoneCut): Promise<NameServer[]> {
    const v6 = cut.servers.filter((s) => s.address.includes(':'));
    if (v6.length === 0 || (await this.ipv6Works(v6))) return cut.servers;
    this.ipv6Skipped = true;
    return cut.servers.filter((s) => !s.address.includes(':'));
  }

  /** Whether IPv6 works from here: decided once, by whether any of a few IPv6 servers answers. */
  private ipv6Works(candidates: NameServer[]): Promise<boolean> {
    this.ipv6 ??= (async () => {
      const probes = candidates.slice(0, 3).map((s) =>
        this.client.ask(s.address, '.', TYPE_SOA, 'udp', 0).then(() => true, () => false),
      );
      return (await Promise.all(probes)).some(Boolean);
    })();
    return this.ipv6;
  }

  /** One server: CAA over UDP and over TCP, and the zone's serial. Nothing when it cannot be reached from here. */
  private async observeServer(name: string, zone: string, server: NameServer, signed: boolean): Promise<ServerObservation[]> {
    const [udp, tcp, serial] = await Promise.all([
      this.ask(name, server, 'udp', signed),
      this.ask(name, server, 'tcp', signed),
      this.serialOf(zone, server),
    ]);
    if (udp === 'local' || tcp === 'local') return [];
    const base = { name, zone, server, serial };
    // A truncated UDP answer sends a resolver to TCP: over UDP the CA gets what TCP gives.
    const udpAnswer = udp.truncated ? { ...tcp, viaTcp: true } : { ...udp, viaTcp: false };
    return [
      { ...base, transport: 'udp', answer: udpAnswer.answer, ms: udp.ms, viaTcp: udpAnswer.viaTcp },
      { ...base, transport: 'tcp', answer: tcp.answer, ms: tcp.ms, viaTcp: false },
    ];
  }

  private async ask(
    name: string,
    server: NameServer,
    transport: 'udp' | 'tcp',
    signed: boolean,
  ): Promise<'local' | { answer: ServerAnswer; ms: number | null; truncated: boolean }> {
    try {
      const { reply, ms } = await this.client.ask(server.address, name, TYPE_CAA, transport);
      this.answered = true;
      const truncated = reply.truncated && transport === 'udp';
      return { answer: classifyAnswer(name, reply, server, transport, signed ? this.now : null), ms, truncated };
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      if (isLocalFailure(err)) return 'local';
      const fault: ServerFault =
        err.kind === 'timeout' ? 'timeout'
        : err.code === 'ECONNREFUSED' ? 'port-closed'
        : err.code === 'ECLOSED' || err.code === 'ECONNRESET' ? 'closed'
        : 'network';
      const detail = `${serverLabel(server)} ${FAULT_TEXT[fault]} over ${transport.toUpperCase()}${fault === 'timeout' ? ` (${this.client.timeoutMs} ms)` : ''}`;
      return { answer: { kind: 'fault', fault, rcode: null, detail }, ms: null, truncated: false };
    }
  }

  /** The zone's SOA serial on one server (once per run), or null. */
  private serialOf(zone: string, server: NameServer): Promise<number | null> {
    return once(this.serials, `${zone}@${server.address}`, () =>
      this.client.ask(server.address, zone || '.', TYPE_SOA, 'udp').then(
        ({ reply }) => recordsOf(reply, 'SOA', { section: 'answer', owner: zone })[0]?.serial ?? null,
        () => null,
      ),
    );
  }

  /** Whether the zone is DNSSEC-signed: its parent publishes a DS for it (asked of our resolver). */
  private isSigned(zone: string): Promise<boolean> {
    if (zone === '') return Promise.resolve(false); // no DS above the root; its own answers are only for TLDs that do not exist
    return once(this.signed, zone, () =>
      this.resolver.query(zone, TYPE_DS).then((a) => a !== null && recordsOf(a.reply, 'DS', { section: 'answer', owner: zone }).length > 0),
    );
  }
}

/** A server's answer at `level` as a lookup the policy can use. */
function toLookup(level: string, answer: Exclude<ServerAnswer, { kind: 'alias' }>, chain: AliasHop[], observation: ServerObservation, atLevel: boolean): CaaLookup {
  const base = { name: level, chain, server: serverLabel(observation.server), transport: observation.transport, validated: false };
  switch (answer.kind) {
    case 'records':
      return { ...base, kind: 'records', records: answer.records };
    case 'empty':
      // Rule 4: NXDOMAIN is empty, except for the TLD itself.
      if (answer.nxdomain && atLevel && !level.includes('.')) {
        return { ...base, kind: 'error', cause: 'nxdomain-tld', rcode: 'NXDOMAIN', ede: null, local: false, detail: `${base.server} says the TLD ${level} does not exist (NXDOMAIN)` };
      }
      return { ...base, kind: 'empty', nxdomain: answer.nxdomain };
    case 'fault':
      // The CA's resolver turns a failing authoritative server into SERVFAIL.
      return { ...base, kind: 'error', cause: 'nameserver', rcode: 'SERVFAIL', ede: null, local: false, detail: answer.detail };
  }
}

function aliasLoop(level: string, chain: AliasHop[]): CaaFailed {
  return {
    kind: 'error', name: level, chain, server: null, transport: null, validated: false,
    cause: 'nameserver', rcode: 'SERVFAIL', ede: null, local: false,
    detail: `the aliases from ${level} loop or run longer than ${MAX_ALIAS_HOPS} hops (${chain.map((h) => `${h.owner} → ${h.target}`).join(', ')})`,
  };
}

