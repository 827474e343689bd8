// A hostile "resolver" on loopback for the DNS fault matrix (test/dns-faults.test.ts): one fault
// per name, over real UDP and TCP sockets. Names are `<fault>.hostile.test`; anything else under
// hostile.test answers empty, so the CA's walk up the tree (rule 5) finds nothing more above.
import dgram from 'node:dgram';
import net from 'node:net';
import packet from 'dns-packet';
import { caaRdata } from '../../src/dns/wire.js';
import { readQuery } from '../../src/demo/serving.js';

export const FAULTS = [
  'ok', 'silent',
  'tc-tcp-ok', 'tc-tcp-closed', 'tc-tcp-reset', 'tc-tcp-lying', 'tc-tcp-lying-close',
  'servfail', 'refused', 'notimp', 'formerr',
  'wrong-id', 'wrong-question', 'wrong-source', 'wrong-only',
  'garbage', 'garbage-only', 'cut',
  'cname-loop', 'cname-chain-20', 'big-rrset', 'mixed-case',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface HostileDns {
  host: string;
  port: number;
  /** `--resolver` argument. */
  arg: string;
  /** Queries received per transport, for assertions that TCP was (or was not) tried. */
  received: Array<{ name: string; type: string; transport: 'udp' | 'tcp' }>;
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const RA = packet.RECURSION_AVAILABLE | packet.RECURSION_DESIRED;

const caaRecord = (name: string, value: string): packet.Answer =>
  ({ name, type: 'UNKNOWN_257', class: 'IN', ttl: 60, data: caaRdata.encode({ flags: 0, tag: 'issue', value }) }) as never;
const cname = (name: string, data: string): packet.Answer => ({ name, type: 'CNAME', class: 'IN', ttl: 60, data });

/** The fault a query name asks for: its first label under hostile.test. */
function faultOf(qname: string): Fault | null {
  const m = /^([a-z0-9-]+)\.hostile\.test\.?$/i.exec(qname);
  const label = m?.[1]?.toLowerCase();
  return (FAULTS as readonly string[]).includes(label ?? '') ? (label as Fault) : null;
}

/** Random capitals, as a resolver using 0x20 encoding or a careless zone would write names. */
function mixCase(name: string): string {
  return [...name].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** The full, honest answer for a query (what the faults then spoil). */
function honestAnswer(query: packet.Packet, fault: Fault | null): { flags: number; answers: packet.Answer[] } {
  const q = query.questions![0]!;
  const name = q.name;
  const isCaa = q.type === ('CAA' as never) || q.type === ('UNKNOWN_257' as never);
  if (fault === null || !isCaa) return { flags: RA, answers: [] };
  switch (fault) {
    case 'cname-loop':
      return { flags: RA, answers: [cname(name, 'loop-b.hostile.test'), cname('loop-b.hostile.test', name)] };
    case 'cname-chain-20': {
      const answers: packet.Answer[] = [];
      let at = name;
      for (let i = 1; i <= 20; i++) {
        const next = `hop${i}.hostile.test`;
        answers.push(cname(at, next));
        at = next;
      }
      answers.push(caaRecord(at, 'letsencrypt.org'));
      return { flags: RA, answers };
    }
    case 'big-rrset': {
      const answers = Array.from({ length: 399 }, (_, i) => caaRecord(name, `ca-${i}.example`));
      answers.push(caaRecord(name, 'letsencrypt.org'));
      return { flags: RA, answers };
    }
    case 'mixed-case': {
      const target = mixCase('target.hostile.test');
      return { flags: RA, answers: [cname(mixCase(name), target), caaRecord(target, 'letsencrypt.org')] };
    }
    case 'servfail':
      return { flags: RA | RCODE.SERVFAIL, answers: [] };
    case 'refused':
      return { flags: RA | RCODE.REFUSED, answers: [] };
    case 'notimp':
      return { flags: RA | RCODE.NOTIMP, answers: [] };
    case 'formerr':
      return { flags: RA | RCODE.FORMERR, answers: [] };
    default:
      return { flags: RA, answers: [caaRecord(name, 'letsencrypt.org')] };
  }
}

function encode(query: packet.Packet, body: { flags: number; answers: packet.Answer[] }, over: { id?: number; qname?: string } = {}): Buffer {
  const q = query.questions![0]!;
  const name = faultOf(q.name) === 'mixed-case' ? mixCase(q.name) : q.name;
  return packet.encode({
    type: 'response', id: over.id ?? query.id, flags: body.flags,
    questions: [{ ...q, name: over.qname ?? name }], answers: body.answers,
  });
}

const frame = (msg: Buffer): Buffer => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);

/** Start the hostile server on `host` (UDP, and TCP unless `tcp: false`: then TCP is refused). */
export async function startHostileDns(options: { host?: string; otherHost?: string; tcp?: boolean } = {}): Promise<HostileDns> {
  const host = options.host ?? '127.53.66.1';
  const received: HostileDns['received'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, host, resolve));
    const port = udp.address().port;
    const tcp = net.createServer();
    const listening = options.tcp === false || (await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    }));
    if (!listening) {
      udp.close();
      continue;
    }
    // Wrong sources: another port on the same address, and another address.
    const otherPort = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => otherPort.bind(0, host, resolve));
    const otherHost = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => otherHost.bind(0, options.otherHost ?? '127.53.66.2', resolve));

    udp.on('message', (msg, from) => {
      const read = readQuery(msg);
      if (!read) return;
      const { query, question } = read;
      const fault = faultOf(question.name);
      received.push({ name: question.name.toLowerCase(), type: String(question.type), transport: 'udp' });
      const send = (buf: Buffer, via: dgram.Socket = udp): void => via.send(buf, from.port, from.address);
      const honest = encode(query, honestAnswer(query, fault));
      switch (fault) {
        case 'silent':
          return;
        case 'tc-tcp-ok': case 'tc-tcp-closed': case 'tc-tcp-reset': case 'tc-tcp-lying': case 'tc-tcp-lying-close': case 'big-rrset':
          return send(encode(query, { flags: RA | packet.TRUNCATED_RESPONSE, answers: [] }));
        case 'wrong-id':
          send(encode(query, honestAnswer(query, 'servfail'), { id: (query.id! + 1) & 0xffff }));
          return later(30, () => send(honest));
        case 'wrong-question':
          send(encode(query, honestAnswer(query, 'servfail'), { qname: 'other.hostile.test' }));
          return later(30, () => send(honest));
        case 'wrong-source':
          send(encode(query, honestAnswer(query, 'servfail')), otherPort);
          send(encode(query, honestAnswer(query, 'servfail')), otherHost);
          return later(30, () => send(honest));
        case 'wrong-only':
          send(encode(query, honestAnswer(query, 'servfail'), { id: (query.id! + 1) & 0xffff }));
          send(encode(query, honestAnswer(query, 'servfail')), otherPort);
          return;
        case 'garbage':
          send(Buffer.from('\u00ff\u00fe not dns at all', 'latin1'));
          send(Buffer.from([0x12]));
          return later(30, () => send(honest));
        case 'garbage-only':
          send(Buffer.from('garbage, only garbage'));
          return;
        case 'cut':
          return send(honest.subarray(0, honest.length - 7));
        default:
          return send(honest);
      }
    });
    udp.on('error', () => {});

    const sockets = new Set<net.Socket>();
    tcp.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
        const read = readQuery(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = Buffer.alloc(0);
        if (!read) return void socket.destroy();
        const fault = faultOf(read.question.name);
        received.push({ name: read.question.name.toLowerCase(), type: String(read.question.type), transport: 'tcp' });
        const honest = encode(read.query, honestAnswer(read.query, fault));
        switch (fault) {
          case 'tc-tcp-closed':
            return void socket.end();
          case 'tc-tcp-reset':
            return void socket.resetAndDestroy();
          case 'tc-tcp-lying': // says 1024 bytes follow, sends fewer, and keeps the connection open
            return void socket.write(Buffer.concat([Buffer.from([0x04, 0x00]), honest.subarray(0, 20)]));
          case 'tc-tcp-lying-close':
            return void socket.end(Buffer.concat([Buffer.from([0x04, 0x00]), honest.subarray(0, 20)]));
          case 'silent':
            return;
          default:
            return void socket.write(frame(honest));
        }
      });
    });

    return {
      host,
      port,
      arg: `${host}:${port}`,
      received,
      close: async () => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        await Promise.all([
          ...[udp, otherPort, otherHost].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
          options.tcp === false ? Promise.resolve() : new Promise<void>((resolve) => tcp.close(() => resolve())),
        ]);
      },
    };
  }
  throw new Error(`could not bind a UDP+TCP port pair on ${host}`);
}
