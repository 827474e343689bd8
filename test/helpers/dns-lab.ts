// A real DNS lab on loopback: BIND as the authoritative server for a root zone and test zones,
// Unbound as the recursive resolver in front of it (as Let's Encrypt runs Unbound), both
// started by the test on free ports and stopped afterwards.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Resolver } from '../../src/dns/resolver.js';
import { findBinary, freePort } from './system.js';

export interface DnsLabSpec {
  /** Zone apex (no trailing dot) -> zone file body; SOA and NS are added. */
  zones: Record<string, string>;
  /** Apexes configured as secondaries whose primary is unreachable: BIND answers SERVFAIL. */
  unloadable?: string[];
  /** Apexes signed with signatures that expired in 2020; Unbound gets their key as trust anchor. */
  expiredSignatures?: string[];
  /** Extra `server:` lines for unbound.conf. */
  unboundServer?: string[];
  /** Enable unbound-control on a local socket, so that queries() can count what Unbound received. */
  control?: boolean;
}

export interface DnsLab {
  /** `--resolver` argument for Unbound. */
  resolverArg: string;
  /** `--resolver` argument for BIND itself (authoritative only). */
  bindArg: string;
  dir: string;
  /** Queries Unbound has received since it started (needs `control`). */
  queries(): Promise<number>;
  stop(): Promise<void>;
}

const SOA = (apex: string): string =>
  `$TTL 60\n@ IN SOA ns.${apex || 'root'}. hostmaster.${apex || 'root'}. 1 3600 600 86400 60\n@ IN NS ns.${apex || 'root'}.\n`;

/** Start BIND and Unbound for the given zones; resolves once Unbound answers from BIND. */
export async function startDnsLab(spec: DnsLabSpec): Promise<DnsLab> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-dnslab-'));
  const [bindPort, unboundPort] = [await freePort(), await freePort()];
  const zones = { '': `ns.root. IN A 127.0.0.1\n`, ...spec.zones };
  const zoneConf: string[] = [];
  const anchors: string[] = [];
  for (const [apex, body] of Object.entries(zones)) {
    const file = `${apex || 'root'}.zone`;
    const nsGlue = apex ? `ns IN A 127.0.0.1\n` : '';
    await writeFile(path.join(dir, file), SOA(apex) + nsGlue + body);
    let served = file;
    if (spec.expiredSignatures?.includes(apex)) {
      served = await signExpired(dir, apex, file);
      const key = (await readdir(dir)).find((f) => f.startsWith(`K${apex}.`) && f.endsWith('.key'))!;
      const dnskey = (await readFile(path.join(dir, key), 'utf8')).split('\n').find((l) => l.includes('DNSKEY'))!;
      anchors.push(`  trust-anchor: "${dnskey.replace(/\s+IN\s+/, ' ').trim()}"`);
    }
    zoneConf.push(`zone "${apex}." { type primary; file "${served}"; };`);
  }
  for (const apex of spec.unloadable ?? []) {
    zoneConf.push(`zone "${apex}." { type secondary; primaries { 127.0.0.2 port 9; }; file "${apex}.bk"; };`);
  }
  await writeFile(
    path.join(dir, 'named.conf'),
    `options {\n  directory "${dir}";\n  pid-file "${dir}/named.pid";\n  session-keyfile "${dir}/session.key";\n` +
      `  listen-on port ${bindPort} { 127.0.0.1; };\n  listen-on-v6 { none; };\n  recursion no;\n  allow-query { any; };\n` +
      `  dnssec-validation no;\n  notify no;\n};\ncontrols { };\n${zoneConf.join('\n')}\n`,
  );
  const stubs = Object.keys(zones)
    .filter((apex) => apex === '' || !apex.includes('.'))
    .map((apex) => `stub-zone:\n  name: "${apex}."\n  stub-addr: 127.0.0.1@${bindPort}\n`);
  const tlds = Object.keys(zones).filter((apex) => apex !== '' && !apex.includes('.'));
  await writeFile(
    path.join(dir, 'unbound.conf'),
    [
      'server:',
      '  interface: 127.0.0.1',
      `  port: ${unboundPort}`,
      '  do-daemonize: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${dir}"`,
      `  pidfile: "${dir}/unbound.pid"`,
      '  use-syslog: no',
      '  logfile: ""',
      '  verbosity: 0',
      '  do-ip6: no',
      '  do-not-query-localhost: no',
      '  access-control: 127.0.0.0/8 allow',
      `  module-config: "${anchors.length ? 'validator iterator' : 'iterator'}"`,
      '  ede: yes',
      '  val-log-level: 2',
      '  qname-minimisation: no',
      // Unbound serves RFC 6761 names such as "test." itself unless told otherwise.
      ...tlds.map((tld) => `  local-zone: "${tld}." nodefault`),
      ...anchors,
      ...(spec.unboundServer ?? []).map((l) => `  ${l}`),
      ...stubs,
      ...(spec.control ? ['remote-control:', '  control-enable: yes', `  control-interface: "${dir}/unbound.ctl"`] : []),
    ].join('\n') + '\n',
  );

  const named = execa(findBinary('named')!, ['-g', '-c', path.join(dir, 'named.conf')], { reject: false, all: true });
  const unbound = execa(findBinary('unbound')!, ['-d', '-c', path.join(dir, 'unbound.conf')], { reject: false, all: true });
  const processes: ResultPromise[] = [named, unbound];
  const stop = async (): Promise<void> => {
    for (const p of processes) p.kill('SIGTERM');
    await Promise.all(processes);
    await rm(dir, { recursive: true, force: true });
  };
  const queries = async (): Promise<number> => {
    const stats = await execa(findBinary('unbound-control')!, ['-c', path.join(dir, 'unbound.conf'), 'stats_noreset']);
    return Number(/^total\.num\.queries=(\d+)$/m.exec(stats.stdout)?.[1] ?? Number.NaN);
  };
  const lab = { resolverArg: `127.0.0.1:${unboundPort}`, bindArg: `127.0.0.1:${bindPort}`, dir, queries, stop };
  try {
    await waitForAnswer(unboundPort, Object.keys(spec.zones)[0] ?? 'root', processes);
  } catch (err) {
    const logs = await Promise.all(processes.map(async (p) => (p.exitCode !== null ? ((await p).all ?? '') : '(running)')));
    await stop();
    throw new Error(`DNS lab did not come up: ${(err as Error).message}\n${logs.join('\n')}`);
  }
  return lab;
}

/** Sign a zone with signatures valid only in January 2020 (so: expired), without verifying. */
async function signExpired(dir: string, apex: string, file: string): Promise<string> {
  const keygen = await execa(findBinary('dnssec-keygen')!, ['-q', '-K', dir, '-a', 'ECDSAP256SHA256', '-f', 'KSK', '-n', 'ZONE', `${apex}.`], { cwd: dir });
  const keyFile = `${keygen.stdout.trim()}.key`;
  const zonePath = path.join(dir, file);
  await writeFile(zonePath, (await readFile(zonePath, 'utf8')) + (await readFile(path.join(dir, keyFile), 'utf8')));
  await execa(findBinary('dnssec-signzone')!, ['-q', '-P', '-z', '-K', dir, '-o', `${apex}.`, '-s', '20200101000000', '-e', '20200201000000', '-f', `${zonePath}.signed`, zonePath, path.join(dir, keyFile)], { cwd: dir });
  return `${file}.signed`;
}

/** Poll Unbound until it answers a CAA query for the first zone without error. */
async function waitForAnswer(port: number, name: string, processes: ResultPromise[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (processes.some((p) => p.exitCode !== null)) throw new Error('a server exited');
    const resolver = new Resolver({ servers: [{ host: '127.0.0.1', port }], timeoutMs: 300, retries: 0, concurrency: 1 });
    const result = await resolver.lookupCaa(name);
    if (result.kind !== 'error') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('timed out waiting for Unbound');
}
