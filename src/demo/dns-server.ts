// An in-process DNS server on loopback (UDP and TCP, one port), built on dns-packet, used by
// `preflight demo` and by the tests. It answers like a recursive resolver would for a small
// described namespace: it follows CNAMEs inside its data, returns the chain plus the target's
// CAA, and can misbehave on demand (rcodes, EDE, silence, truncation, spoofed replies).
import dgram from 'node:dgram';
import net from 'node:net';
import packet from 'dns-packet';
import { caaRdata, type CaaRecord } from '../dns/wire.js';
import { readQuery, serveFramed } from './serving.js';

export type RcodeName = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

/** How one name behaves. A bare array is shorthand for `{ caa: [...] }`. */
export type NameSpec =
  | string[]
  | {
      caa?: string[];
      cname?: string;
      rcode?: RcodeName;
      ede?: { code: number; text?: string };
      /** Never answer (the client must time out). */
      drop?: boolean;
      /** Answer UDP with TC and no records ('udp'), or set TC on every transport ('always'). */
      truncate?: 'udp' | 'always';
      /** Before the real answer, send replies with a wrong ID, a wrong question and from a wrong port. */
      spoof?: boolean;
      /** Clear the RA bit (an authoritative-only server). */
      noRecursion?: boolean;
      /** Answer after this many milliseconds. */
      delayMs?: number;
      /** NS records at this name (so discovery of authoritative servers can start here). */
      ns?: string[];
      /** A records at this name (the addresses of those servers). */
      a?: string[];
      /** A DS record at this name: the zone is DNSSEC-signed. */
      ds?: boolean;
      /** This name is a zone apex: it answers SOA, and negative answers below it carry its SOA. */
      soa?: boolean;
    };

export type Zone = Record<string, NameSpec>;

export interface QueryLog {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
  ednsSize: number | null;
  ad: boolean;
  rd: boolean;
}

export interface DnsServer {
  host: string;
  port: number;
  /** `--resolver` argument for this server. */
  arg: string;
  queries: QueryLog[];
  /** Most queries received and not yet answered at any one time. */
  maxInFlight: number;
  zone: Zone;
  close(): Promise<void>;
}

const RCODES: Record<RcodeName, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

/** Parse `flags tag "value"` (zone-file syntax with \" \\ \DDD escapes) into a CAA record. */
export function caa(text: string): CaaRecord {
  const m = /^\s*(\d+)\s+(\S+)\s+"((?:[^"\\]|\\.)*)"\s*$/s.exec(text);
  if (!m) throw new Error(`bad CAA test record: ${text}`);
  const bytes = Buffer.from(m[3]!, 'utf8').toString('latin1');
  const value = bytes.replace(/\\(\d{3}|.)/g, (_, esc: string) => (/^\d{3}$/.test(esc) ? String.fromCharCode(Number(esc)) : esc));
  return { flags: Number(m[1]), tag: m[2]!, value };
}

function specOf(zone: Zone, name: string): Exclude<NameSpec, string[]> | undefined {
  const spec = zone[name];
  return Array.isArray(spec) ? { caa: spec } : spec;
}

/** Whether a name exists: described, or an ancestor of a described name (empty non-terminal). */
function exists(zone: Zone, name: string): boolean {
  return Object.keys(zone).some((n) => n === name || n.endsWith(`.${name}`));
}

interface Answer {
  delayMs: number;
  drop: boolean;
  flags: number;
  answers: packet.Answer[];
  /** The authority section: the zone's SOA in a negative answer (RFC 2308 §3). */
  authorities?: packet.Answer[];
  ede: { code: number; text?: string } | null;
  spoof: boolean;
}

/** What a resolver would answer for qname/qtype over the given transport. */
function answer(zone: Zone, qname: string, qtype: string, transport: 'udp' | 'tcp'): Answer {
  const answers: packet.Answer[] = [];
  let name = qname.toLowerCase();
  let spoof = false;
  let ra = packet.RECURSION_AVAILABLE;
  for (let depth = 0; depth < 10; depth++) {
    const spec = specOf(zone, name);
    if (spec?.noRecursion) ra = 0;
    if (spec?.spoof) spoof = true;
    const base = { delayMs: spec?.delayMs ?? 0, drop: false, answers, ede: spec?.ede ?? null, spoof };
    if (spec?.drop) return { ...base, drop: true, flags: 0 };
    if (spec?.truncate === 'always' || (spec?.truncate === 'udp' && transport === 'udp')) {
      return { ...base, answers: [], flags: ra | packet.TRUNCATED_RESPONSE };
    }
    if (spec?.rcode) return { ...base, flags: ra | RCODES[spec.rcode] };
    if (spec?.cname) {
      answers.push({ name, type: 'CNAME', class: 'IN', ttl: 60, data: spec.cname });
      name = spec.cname.toLowerCase();
      continue;
    }
    if (!exists(zone, name)) return { ...base, flags: ra | RCODES.NXDOMAIN, authorities: negativeSoa(zone, name) };
    if (qtype === 'SOA' && spec?.soa) answers.push(soaRecord(name));
    if (qtype === 'CAA') {
      for (const text of spec?.caa ?? []) {
        answers.push({ name, type: 'UNKNOWN_257', class: 'IN', ttl: 60, data: caaRdata.encode(caa(text)) } as never);
      }
    }
    if (qtype === 'NS') for (const host of spec?.ns ?? []) answers.push({ name, type: 'NS', class: 'IN', ttl: 60, data: host });
    if (qtype === 'A') for (const address of spec?.a ?? []) answers.push({ name, type: 'A', class: 'IN', ttl: 60, data: address });
    if (qtype === 'DS' && spec?.ds) {
      answers.push({ name, type: 'DS', class: 'IN', ttl: 60, data: { keyTag: 1, algorithm: 13, digestType: 2, digest: Buffer.alloc(32, 1) } });
    }
    const negative = answers.every((a) => a.type === 'CNAME');
    return { ...base, flags: ra, authorities: negative ? negativeSoa(zone, name) : [] };
  }
  return { delayMs: 0, drop: false, flags: ra | RCODES.SERVFAIL, answers: [], ede: null, spoof };
}

/** The SOA record of a zone apex (the fields our client reads: owner and serial). */
function soaRecord(apex: string): packet.Answer {
  return {
    name: apex, type: 'SOA', class: 'IN', ttl: 60,
    data: { mname: `ns.${apex}`, rname: `hostmaster.${apex}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
  };
}

/** The SOA of the closest enclosing apex marked `soa`, for a negative answer; none when no apex is marked. */
function negativeSoa(zone: Zone, name: string): packet.Answer[] {
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    const candidate = labels.slice(i).join('.');
    if (specOf(zone, candidate)?.soa) return [soaRecord(candidate)];
  }
  return [];
}

function encodeReply(query: packet.Packet, result: Answer, idOverride?: number, questionOverride?: string): Buffer {
  const q = query.questions![0]!;
  const hasEdns = (query.additionals ?? []).some((a) => a.type === 'OPT');
  const options = result.ede
    ? [{ code: 15, data: Buffer.concat([Buffer.from([result.ede.code >> 8, result.ede.code & 0xff]), Buffer.from(result.ede.text ?? '', 'utf8')]) }]
    : [];
  return packet.encode({
    type: 'response',
    id: idOverride ?? query.id,
    flags: result.flags | packet.RECURSION_DESIRED,
    questions: [{ ...q, name: questionOverride ?? q.name }],
    answers: result.answers,
    authorities: result.authorities ?? [],
    additionals: hasEdns || options.length ? [{ type: 'OPT', name: '.', udpPayloadSize: 4096, options } as never] : [],
  });
}

/** Start the server on loopback (UDP and, unless `tcp: false`, TCP on the same port). */
export async function startDnsServer(zone: Zone, options: { host?: string; tcp?: boolean } = {}): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const family = net.isIPv6(host) ? 'udp6' : 'udp4';
  const queries: QueryLog[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket(family);
    await new Promise<void>((resolve) => udp.bind(0, host, resolve));
    const port = udp.address().port;
    const tcp = net.createServer();
    const listening = options.tcp === false || await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    if (!listening) {
      udp.close();
      continue;
    }
    const spoofer = dgram.createSocket(family);
    await new Promise<void>((resolve) => spoofer.bind(0, host, resolve));
    const later = (ms: number, fn: () => void): void => {
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        fn();
      }, ms);
    };

    const handle = (msg: Buffer, transport: 'udp' | 'tcp'): { query: packet.Packet; result: Answer } | null => {
      const read = readQuery(msg);
      if (!read) return null;
      const { query, question: q } = read;
      const opt = (query.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
      const flags = query.flags ?? 0;
      queries.push({
        name: q.name.toLowerCase(), type: q.type, transport,
        ednsSize: opt?.udpPayloadSize ?? null,
        ad: (flags & packet.AUTHENTIC_DATA) !== 0, rd: (flags & packet.RECURSION_DESIRED) !== 0,
      });
      return { query, result: answer(zone, q.name, q.type, transport) };
    };

    udp.on('message', (msg, rinfo) => {
      const handled = handle(msg, 'udp');
      if (!handled || handled.result.drop) return;
      const { query, result } = handled;
      later(result.delayMs, () => reply(query, result, rinfo));
    });
    const reply = (query: packet.Packet, result: Answer, rinfo: dgram.RemoteInfo): void => {
      if (result.spoof) {
        spoofer.send(encodeReply(query, { ...result, answers: [], flags: packet.RECURSION_AVAILABLE | RCODES.NXDOMAIN }), rinfo.port, rinfo.address);
        udp.send(encodeReply(query, { ...result, answers: [] }, (query.id! + 1) & 0xffff), rinfo.port, rinfo.address);
        udp.send(encodeReply(query, { ...result, answers: [] }, undefined, 'spoofed.invalid'), rinfo.port, rinfo.address);
        setTimeout(() => udp.send(encodeReply(query, result), rinfo.port, rinfo.address), 20);
        return;
      }
      udp.send(encodeReply(query, result), rinfo.port, rinfo.address);
    };
    udp.on('error', () => {});
    tcp.on('connection', (socket) => {
      socket.on('error', () => {});
      serveFramed(socket, (msg) => {
        const handled = handle(msg, 'tcp');
        return !handled || handled.result.drop ? null : encodeReply(handled.query, handled.result);
      });
    });
    const sockets = new Set<net.Socket>();
    tcp.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return {
      host,
      port,
      arg: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`,
      queries,
      get maxInFlight() {
        return state.maxInFlight;
      },
      zone,
      close: async () => {
        for (const s of sockets) s.destroy();
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => spoofer.close(() => resolve())),
          options.tcp === false ? Promise.resolve() : new Promise<void>((resolve) => tcp.close(() => resolve())),
        ]);
      },
    };
  }
  throw new Error('could not bind a UDP+TCP port pair for the test DNS server');
}
