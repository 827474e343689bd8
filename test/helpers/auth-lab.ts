// A public DNS tree in miniature on loopback, port 53 of addresses in 127.53.0.0/16 (so nothing
// collides with a resolver on 127.0.0.1 or 127.0.0.53): real BIND instances as the root, a TLD and
// the zones' nameservers, in-process servers where BIND cannot misbehave as needed, and real
// Unbound as the resolver, with chosen zones pinned to one server (the view a host may have).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Resolver } from '../../src/dns/resolver.js';
import { recordsOf, TYPE_SOA } from '../../src/dns/wire.js';
import { startAuthServer, type AuthFault, type AuthServer, type AuthZone } from '../../src/demo/auth-server.js';
import { findBinary, freePort } from './system.js';

/** One BIND instance: its address and the zones it serves (apex -> zone-file body without SOA/NS). */
export interface BindSpec {
  address: string;
  zones: Record<string, { body: string; serial: number; ns: string[] }>;
}

export interface AuthLabSpec {
  /** The root server's address (it also serves the TLD, which delegates every zone). */
  root: string;
  tld: string;
  /** Each zone's NS hosts and their addresses, as the TLD delegates them. */
  delegations: Record<string, Array<{ host: string; address: string }>>;
  binds: BindSpec[];
  inProcess: Array<{ address: string; zone: AuthZone; fault: AuthFault }>;
  /** Zones our resolver asks only of this address. */
  pinned: Record<string, string>;
}

export interface AuthLab {
  resolverArg: string;
  stop(): Promise<void>;
}

const soa = (apex: string, serial: number, ns: string[]): string =>
  `$TTL 60\n@ IN SOA ${ns[0]}. hostmaster.${apex ? `${apex}.` : ''} ${serial} 3600 600 86400 60\n${ns.map((h) => `@ IN NS ${h}.`).join('\n')}\n`;

/** Start everything; resolves once Unbound answers through the tree. */
export async function startAuthLab(spec: AuthLabSpec): Promise<AuthLab> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-authlab-'));
  const processes: ResultPromise[] = [];
  const servers: AuthServer[] = [];
  const added: string[] = [];
  const stop = async (): Promise<void> => {
    for (const p of processes) p.kill('SIGTERM');
    await Promise.all([...processes, ...servers.map((s) => s.close())]);
    for (const address of added) await execa('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo'], { reject: false });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // BIND listens only on addresses an interface carries: put the lab's on lo for the run.
    const shown = (await execa('ip', ['-4', 'addr', 'show', 'dev', 'lo'])).stdout;
    for (const address of [spec.root, ...spec.binds.map((b) => b.address)]) {
      if (shown.includes(`inet ${address}/`)) continue;
      await execa('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
      added.push(address);
    }
    const tldNs = `ns.${spec.tld}`;
    const delegations = Object.entries(spec.delegations)
      .map(([zone, hosts]) => hosts.map((h) => `${zone}. IN NS ${h.host}.\n`).join('') + hosts.map((h) => `${h.host}. IN A ${h.address}\n`).join(''))
      .join('');
    const rootSpec: BindSpec = {
      address: spec.root,
      zones: {
        '': { serial: 1, ns: [tldNs], body: `${spec.tld}. IN NS ${tldNs}.\n${tldNs}. IN A ${spec.root}\n` },
        [spec.tld]: { serial: 1, ns: [tldNs], body: `${tldNs}. IN A ${spec.root}\n${delegations}` },
      },
    };
    for (const [i, bind] of [rootSpec, ...spec.binds].entries()) {
      const home = path.join(dir, `named-${i}`);
      await execa('mkdir', ['-p', home]);
      const zones: string[] = [];
      for (const [apex, zone] of Object.entries(bind.zones)) {
        const file = `${apex || 'root'}.zone`;
        // BIND wants addresses for NS hosts inside the zone: the same ones the TLD delegates to.
        const glue = (spec.delegations[apex] ?? []).filter((h) => h.host.endsWith(`.${apex}`)).map((h) => `${h.host}. IN A ${h.address}\n`).join('');
        await writeFile(path.join(home, file), soa(apex, zone.serial, zone.ns) + glue + zone.body);
        zones.push(`zone "${apex}." { type primary; file "${file}"; };`);
      }
      await writeFile(
        path.join(home, 'named.conf'),
        `options {\n  directory "${home}";\n  pid-file "${home}/named.pid";\n  session-keyfile "${home}/session.key";\n` +
          `  listen-on port 53 { ${bind.address}; };\n  listen-on-v6 { none; };\n  recursion no;\n  allow-query { any; };\n` +
          `  dnssec-validation no;\n  notify no;\n  minimal-responses no;\n};\ncontrols { };\n${zones.join('\n')}\n`,
      );
      processes.push(execa(findBinary('named')!, ['-g', '-c', path.join(home, 'named.conf')], { reject: false, all: true }));
    }
    for (const s of spec.inProcess) servers.push(await startAuthServer({ host: s.address, port: 53, zones: [s.zone], fault: s.fault }));

    const port = await freePort();
    const pins = Object.entries(spec.pinned).map(([zone, address]) => `stub-zone:\n  name: "${zone}."\n  stub-addr: ${address}\n`);
    await writeFile(
      path.join(dir, 'unbound.conf'),
      [
        'server:', '  interface: 127.0.0.1', `  port: ${port}`, '  do-daemonize: no', '  username: ""', '  chroot: ""',
        `  directory: "${dir}"`, `  pidfile: "${dir}/unbound.pid"`, '  use-syslog: no', '  logfile: ""', '  verbosity: 0',
        '  do-ip6: no', '  do-not-query-localhost: no', '  access-control: 127.0.0.0/8 allow', '  module-config: "iterator"',
        '  qname-minimisation: no', `  local-zone: "${spec.tld}." nodefault`,
        'stub-zone:', '  name: "."', `  stub-addr: ${spec.root}`, ...pins,
      ].join('\n') + '\n',
    );
    processes.push(execa(findBinary('unbound')!, ['-d', '-c', path.join(dir, 'unbound.conf')], { reject: false, all: true }));
    const resolverArg = `127.0.0.1:${port}`;
    await waitForTree(port, Object.keys(spec.delegations)[0]!, processes);
    return { resolverArg, stop };
  } catch (err) {
    for (const p of processes) p.kill('SIGTERM');
    const logs = await Promise.all(processes.map(async (p) => (await p).all ?? ''));
    await stop();
    throw new Error(`authoritative lab did not come up: ${(err as Error).message}\n${logs.join('\n').slice(-6000)}`);
  }
}

/** Poll Unbound until a zone's SOA resolves through the root and the TLD. */
async function waitForTree(port: number, zone: string, processes: ResultPromise[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (processes.some((p) => p.exitCode !== null)) throw new Error('a server exited');
    const resolver = new Resolver({ servers: [{ host: '127.0.0.1', port }], timeoutMs: 1000, retries: 0, concurrency: 1 });
    const answer = await resolver.query(zone, TYPE_SOA);
    if (answer !== null && recordsOf(answer.reply, 'SOA', { section: 'answer' }).length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('timed out waiting for Unbound to resolve through the lab');
}
