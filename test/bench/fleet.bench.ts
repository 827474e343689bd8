// `npm run bench`, fleet scale: a hosting box's certbot config dir (real confs, real
// certificates) of 200, 2,000 and 10,000 lineages x 5 names under one TLD, served by real BIND
// behind a fresh Unbound on loopback when they are installed, else by the in-process resolver.
// Prints, per size: wall time and peak RSS of `preflight --all` (text and --json) as a separate
// process, the queries the resolver received against the minimum (one per distinct suffix);
// then start-up against bare node, a sequential dig loop, and the authoritative view's cost.
// Figures only: nothing here asserts time (README "Speed").
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, bench, describe } from 'vitest';
import { buildFleet, type Fleet } from '../helpers/fleet.js';
import { startDnsLab, type DnsLab } from '../helpers/dns-lab.js';
import { findBinary } from '../helpers/system.js';
import { startTestDns, type TestDns } from '../helpers/test-dns.js';

const run = promisify(execFile);
const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');
const SIZES = [200, 2000, 10_000];
const ZONES_PER_LINEAGE = 10; // 2,000 lineages under 200 zones
const real = findBinary('named') !== null && findBinary('unbound') !== null && findBinary('unbound-control') !== null;
const rows: string[] = [];

/** The fleet's DNS: BIND + Unbound when installed (counting queries with unbound-control), else in-process. */
async function serve(fleet: Fleet): Promise<{ arg: string; bindArg: string | null; queries(): Promise<number>; stop(): Promise<void> }> {
  if (real) {
    const body = fleet.zones.map((z) => `${z.slice(0, -fleet.tld.length - 1)} IN CAA 0 issue "letsencrypt.org"\n`).join('');
    const lab: DnsLab = await startDnsLab({ zones: { [fleet.tld]: body }, control: true, unboundServer: ['num-threads: 1'] });
    const before = await lab.queries();
    return { arg: lab.resolverArg, bindArg: lab.bindArg, queries: async () => (await lab.queries()) - before, stop: () => lab.stop() };
  }
  const dns: TestDns = await startTestDns({ [fleet.tld]: [], ...Object.fromEntries(fleet.zones.map((z) => [z, ['0 issue "letsencrypt.org"']])) });
  return { arg: dns.arg, bindArg: null, queries: async () => dns.queries.length, stop: () => dns.close() };
}

/** Run the CLI as its own process; wall time and peak RSS (from the process itself, at exit). */
async function measure(args: string[]): Promise<{ ms: number; rssMb: number }> {
  const rssFile = path.join(os.tmpdir(), `preflight-rss-${process.pid}-${Date.now()}`);
  const preload = path.join(os.tmpdir(), `preflight-rss-${process.pid}.cjs`);
  await writeFile(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
  const started = performance.now();
  await run('node', ['--require', preload, cli, ...args], { maxBuffer: 1 << 30 }).catch((err: { code?: number }) => {
    if (typeof err.code !== 'number') throw err; // a non-zero exit is a verdict, not a failure here
  });
  const ms = performance.now() - started;
  const rssKb = Number(await readFile(rssFile, 'utf8'));
  await rm(rssFile, { force: true });
  return { ms, rssMb: rssKb / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe(`fleet: preflight --all (${real ? 'BIND behind a fresh Unbound' : 'in-process resolver'})`, () => {
  bench('fleet figures (printed below)', async () => {
    for (const lineages of SIZES) {
      const root = await mkdtemp(path.join(os.tmpdir(), 'preflight-fleet-'));
      try {
        const fleet = await buildFleet(root, { lineages, sans: 5, zones: Math.max(1, lineages / ZONES_PER_LINEAGE), now: new Date() });
        const dns = await serve(fleet);
        try {
          const args = ['--all', '--config-dir', fleet.configDir, '--acme-home', root, '--resolver', dns.arg, '--no-authoritative'];
          const json = await measure([...args, '--json']); // on a fresh Unbound: every suffix a cache miss
          const queries = await dns.queries();
          const text = await measure(args);
          rows.push(
            `${String(fleet.names.length).padStart(6)} names: --json ${json.ms.toFixed(0).padStart(6)} ms ${json.rssMb.toFixed(0).padStart(4)} MB (fresh cache)` +
              ` | text ${text.ms.toFixed(0).padStart(6)} ms ${text.rssMb.toFixed(0).padStart(4)} MB | ${queries} queries, minimum ${fleet.suffixes}` +
              ` | ${(json.ms / fleet.names.length * 1000).toFixed(0)} µs per name`,
          );
          if (lineages === 2000) rows.push(...(await extras(fleet, dns, args)));
        } finally {
          await dns.stop();
        }
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }
  }, { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 });
});

/** Start-up against bare node, a dig loop over the same names, and the authoritative view's cost. */
async function extras(fleet: Fleet, dns: { arg: string; bindArg: string | null }, args: string[]): Promise<string[]> {
  const out: string[] = [];
  // Interleaved, median of 15 each: both see the same background load (BIND and Unbound idle on the other core).
  const time = async (command: string[]): Promise<number> => {
    const started = performance.now();
    await run(command[0]!, command.slice(1));
    return performance.now() - started;
  };
  const ours: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < 15; i++) {
    ours.push(await time(['node', cli, '--version']));
    node.push(await time(['node', '-e', '0']));
  }
  const version = median(ours);
  const bare = median(node);
  out.push(`start-up: preflight --version ${version.toFixed(0)} ms, node -e 0 ${bare.toFixed(0)} ms: ${(version / bare).toFixed(2)}x`);
  const dig = findBinary('dig');
  if (dig) {
    const [host, port] = dns.arg.split(':');
    const sample = fleet.names.slice(0, 100);
    const started = performance.now();
    for (const name of sample) await run(dig, ['+short', '+tries=1', '-p', port!, `@${host}`, name, 'CAA']);
    const perName = (performance.now() - started) / sample.length;
    const ours = await measure([...args, '--json']);
    out.push(`dig loop: ${perName.toFixed(1)} ms per name -> ${(perName * fleet.names.length).toFixed(0)} ms for ${fleet.names.length} names; preflight ${ours.ms.toFixed(0)} ms: ${(perName * fleet.names.length / ours.ms).toFixed(0)}x faster`);
  }
  if (dns.bindArg) {
    const port = dns.bindArg.split(':')[1]!;
    const authoritative = await measure([...args.filter((a) => a !== '--no-authoritative'), '--authoritative', '--authoritative-port', port, '--json']);
    out.push(`authoritative view (every server, UDP and TCP): ${authoritative.ms.toFixed(0)} ms for ${fleet.names.length} names = ${(authoritative.ms / fleet.names.length).toFixed(2)} ms per name`);
  }
  return out;
}

afterAll(() => {
  console.log(['', `fleet (${real ? 'BIND + Unbound' : 'in-process resolver'}, 5 names per lineage, 10 lineages per zone):`, ...rows, ''].join('\n'));
});
