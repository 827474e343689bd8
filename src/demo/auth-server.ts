// A small authoritative DNS server on its own loopback address (127.53.0.0/16), UDP and TCP: the
// zones' nameservers of `preflight demo`, and in the tests the faults real BIND cannot be made
// to show (dropping CAA over UDP, closing TCP, SERVFAIL or NOTIMP for type CAA only, negative
// answers without SOA, expired DNSSEC signatures). It serves whole zones like BIND does:
// authoritative answers (AA) for its own data, referrals (NS + glue) for delegated children,
// REFUSED for names outside its zones.
import dgram from 'node:dgram';
import net from 'node:net';
import packet from 'dns-packet';
import { caaRdata } from '../dns/wire.js';
import { caa, type RcodeName } from './dns-server.js';
import { readQuery, serveFramed } from './serving.js';

/** What one name holds in a zone. */
export interface AuthName {
  caa?: string[];
  cname?: string;
  a?: string[];
  /** A delegation: the child zone's NS hosts (their glue comes from `a` of those names). */
  ns?: string[];
  /** Signature validity [inception, expiration] for the answers about this name (seconds since the epoch). */
  rrsig?: [number, number];
  /** A DS record (the child zone is signed). */
  ds?: boolean;
}

export interface AuthZone {
  apex: string;
  serial: number;
  /** The apex NS hosts. */
  ns: string[];
  names: Record<string, AuthName>;
  /** Sign every authoritative answer with these validity bounds (seconds since the epoch). */
  signatures?: [number, number];
}

/** Misbehaviour on demand. */
export interface AuthFault {
  dropUdpCaa?: boolean;
  closeTcp?: boolean;
  caaRcode?: RcodeName;
  noSoaOnNodata?: boolean;
  /** Answer without the AA bit (a server that is not really authoritative). */
  notAuthoritative?: boolean;
  /** Never answer anything, over UDP or TCP (a host that swallows DNS). */
  silent?: boolean;
}

export interface AuthServer {
  host: string;
  port: number;
  queries: Array<{ name: string; type: string; transport: 'udp' | 'tcp'; rd: boolean }>;
  close(): Promise<void>;
}

const RCODES: Record<RcodeName, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const lower = (n: string): string => n.toLowerCase().replace(/\.+$/, '');
const within = (name: string, zone: string): boolean => zone === '' || name === zone || name.endsWith(`.${zone}`);

/** Start an authoritative server on `host:port` (port 0: any). */
export async function startAuthServer(options: { host: string; port?: number; zones: AuthZone[]; fault?: AuthFault }): Promise<AuthServer> {
  const { host, zones } = options;
  const fault = options.fault ?? {};
  const queries: AuthServer['queries'] = [];
  const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options.port ?? 0, host, () => resolve());
  });
  const port = udp.address().port;
  const tcp = net.createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  const sockets = new Set<net.Socket>();

  const respond = (msg: Buffer, transport: 'udp' | 'tcp'): Buffer | null => {
    const read = readQuery(msg);
    if (!read) return null;
    const { query, question: q } = read;
    queries.push({ name: lower(q.name), type: q.type, transport, rd: ((query.flags ?? 0) & packet.RECURSION_DESIRED) !== 0 });
    if (fault.silent || (q.type === 'CAA' && transport === 'udp' && fault.dropUdpCaa)) return null;
    const reply = answer(zones, fault, lower(q.name), q.type);
    return packet.encode({
      type: 'response', id: query.id, flags: reply.flags, questions: [q],
      answers: reply.answers, authorities: reply.authorities, additionals: [...reply.additionals, { type: 'OPT', name: '.', udpPayloadSize: 4096 } as never],
    });
  };

  udp.on('message', (msg, rinfo) => {
    const reply = respond(msg, 'udp');
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  udp.on('error', () => {});
  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (fault.closeTcp) {
      socket.destroy();
      return;
    }
    serveFramed(socket, (msg) => respond(msg, 'tcp'));
  });
  return {
    host, port, queries,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

interface Reply {
  flags: number;
  answers: packet.Answer[];
  authorities: packet.Answer[];
  additionals: packet.Answer[];
}

/** BIND's logic in small: the deepest zone served, a referral below a cut, else the zone's data. */
function answer(zones: AuthZone[], fault: AuthFault, qname: string, qtype: string): Reply {
  const zone = zones.filter((z) => within(qname, lower(z.apex))).sort((a, b) => b.apex.length - a.apex.length)[0];
  const empty: Reply = { flags: RCODES.REFUSED, answers: [], authorities: [], additionals: [] };
  if (!zone) return empty;
  const apex = lower(zone.apex);
  const names = Object.fromEntries(Object.entries(zone.names).map(([k, v]) => [lower(k), v]));
  const glue = (hosts: string[]): packet.Answer[] =>
    hosts.flatMap((h) => (names[lower(h)]?.a ?? []).map((address) => ({ name: h, type: 'A', class: 'IN', ttl: 60, data: address }) as packet.Answer));
  // A delegation at or above qname (below the apex): a referral, unless DS is asked at the cut.
  const cut = Object.keys(names).filter((n) => n !== apex && names[n]!.ns && within(qname, n)).sort((a, b) => b.length - a.length)[0];
  if (cut !== undefined && !(qtype === 'DS' && qname === cut)) {
    const hosts = names[cut]!.ns!;
    return {
      flags: 0,
      answers: [],
      authorities: hosts.map((h) => ({ name: cut, type: 'NS', class: 'IN', ttl: 60, data: h }) as packet.Answer),
      additionals: glue(hosts),
    };
  }
  const aa = fault.notAuthoritative ? 0 : packet.AUTHORITATIVE_ANSWER;
  const soa = { name: apex || '.', type: 'SOA', class: 'IN', ttl: 60, data: { mname: zone.ns[0] ?? 'ns', rname: 'hostmaster.invalid', serial: zone.serial, refresh: 3600, retry: 600, expire: 86400, minimum: 60 } } as packet.Answer;
  const sign = (records: packet.Answer[], covered: string, owner: string, window = names[owner]?.rrsig ?? zone.signatures): packet.Answer[] =>
    window === undefined ? records : [...records, rrsig(owner, covered, window, apex)];
  if (qtype === 'CAA' && fault.caaRcode) return { ...empty, flags: aa | RCODES[fault.caaRcode] };
  const spec = names[qname];
  const exists = Object.keys(names).some((n) => within(n, qname)) || qname === apex;
  if (!exists) return { flags: aa | RCODES.NXDOMAIN, answers: [], authorities: sign([soa], 'SOA', apex), additionals: [] };
  const answers: packet.Answer[] = [];
  if (spec?.cname && qtype !== 'CNAME') {
    answers.push(...sign([{ name: qname, type: 'CNAME', class: 'IN', ttl: 60, data: spec.cname } as packet.Answer], 'CNAME', qname));
  } else if (qtype === 'CAA') {
    const caas = (spec?.caa ?? []).map((t) => ({ name: qname, type: 'UNKNOWN_257', class: 'IN', ttl: 60, data: caaRdata.encode(caa(t)) }) as never as packet.Answer);
    if (caas.length > 0) answers.push(...sign(caas, 'CAA', qname));
  } else if (qtype === 'NS' && qname === apex) {
    answers.push(...sign(zone.ns.map((h) => ({ name: apex || '.', type: 'NS', class: 'IN', ttl: 60, data: h }) as packet.Answer), 'NS', qname));
    return { flags: aa, answers, authorities: [], additionals: glue(zone.ns) };
  } else if (qtype === 'SOA' && qname === apex) {
    answers.push(...sign([soa], 'SOA', apex));
  } else if (qtype === 'A') {
    answers.push(...(spec?.a ?? []).map((address) => ({ name: qname, type: 'A', class: 'IN', ttl: 60, data: address }) as packet.Answer));
  } else if (qtype === 'DS' && spec?.ds) {
    answers.push({ name: qname, type: 'DS', class: 'IN', ttl: 60, data: { keyTag: 1, algorithm: 13, digestType: 2, digest: Buffer.alloc(32, 1) } } as packet.Answer);
  }
  if (answers.length > 0) return { flags: aa, answers, authorities: [], additionals: [] };
  return { flags: aa, answers: [], authorities: fault.noSoaOnNodata ? [] : sign([soa], 'SOA', apex), additionals: [] };
}

function rrsig(owner: string, covered: string, [inception, expiration]: [number, number], signer: string): packet.Answer {
  return {
    name: owner || '.', type: 'RRSIG', class: 'IN', ttl: 60,
    data: { typeCovered: covered, algorithm: 13, labels: owner.split('.').length, originalTTL: 60, expiration, inception, keyTag: 1, signersName: signer || '.', signature: Buffer.alloc(64, 7) },
  } as packet.Answer;
}

/** Whether this process may bind `host` (privileged ports need root). */
export async function canBind(host: string, port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}
