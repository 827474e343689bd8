// The built CLI end to end under Node 18.19 (Debian 12's and Ubuntu 24.04's nodejs, the engines
// floor), beside the same runs under the Node running vitest: exit codes, output that matches
// apart from temp paths, ports and timings, and not a single warning on stderr. The binary comes
// from test/helpers/node18.ts (fetched once from the npm registry, cached); without it the suite
// skips locally and fails in CI.
import { createServer, type Server } from 'node:http';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { DEMO_ZONE, EXAMPLE_COM_CERT } from '../src/demo/sample.js';
import type { JsonDocument } from '../src/report/json.js';
import { certificateFacts } from '../src/sources/x509.js';
import { findNode18 } from './helpers/node18.js';
import { unavailable } from './helpers/system.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

// Once per run, before the suite is collected, so that a missing binary can skip it (locally).
const found = await findNode18();
const node18 = found.path ?? '';
const ready = found.path !== null || unavailable(`node18: ${found.reason}; set CAA_PREFLIGHT_NODE18=/path/to/node`);

let dir: string;
let home: string;
let dns: TestDns;
let directory: Server;
let directoryUrl: string;
let directoryRequests = 0;

beforeAll(async () => {
  if (!ready) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-node18-'));
  home = path.join(dir, 'home');
  await mkdir(home);
  dns = await startTestDns({
    ...DEMO_ZONE,
    'ok.test': ['0 issue "letsencrypt.org"'],
    'no.test': ['0 issue "ca.example"'],
    // The answer only fits over TCP: the resolver's net.connect path.
    'tcp.test': { caa: ['0 issue "letsencrypt.org"'], truncate: 'udp' },
    'own-ca.test': ['0 issue "ca.test"'],
  });
  // An ACME directory for --ca URL: the CLI fetch()es meta.caaIdentities.
  directory = createServer((_req, res) => {
    directoryRequests++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ meta: { caaIdentities: ['ca.test'] } }));
  });
  await new Promise<void>((resolve) => directory.listen(0, '127.0.0.1', resolve));
  directoryUrl = `http://127.0.0.1:${(directory.address() as { port: number }).port}/directory`;
});
afterAll(async () => {
  if (!ready) return;
  await dns.close();
  await new Promise((resolve) => directory.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** `node dist/cli.js ARGS` on the given Node, with a small clean environment. */
const cli = (node: string, args: string[]) =>
  execa(node, [bin, ...args], {
    env: { PATH: process.env.PATH, HOME: home, TMPDIR: os.tmpdir(), LOG: path.join(dir, 'log') },
    extendEnv: false, reject: false, timeout: 20_000,
  });
/** The same run under Node 18 and under this Node. */
const both = (args: string[]) => Promise.all([cli(node18, args), cli(process.execPath, args)]);

/** Text with what differs from run to run (temp dirs, ephemeral ports) made equal. */
const normalise = (text: string): string =>
  text.replace(/preflight-demo-[A-Za-z0-9]+/g, 'preflight-demo-<tmp>').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>').replace(/port \d+/g, 'port <port>');
/** A --json document with paths, ports, timings and the check's time made equal. */
const normalisedDocument = (text: string): unknown =>
  JSON.parse(text, (key, value: unknown) => {
    if (key === 'ms') return typeof value === 'number' ? 0 : value;
    if (key === 'checkedAt') return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? '<time>' : value;
    return typeof value === 'string' ? normalise(value) : value;
  });
const WARNING = /warning|deprecat|experimental/i;

describe.skipIf(!ready)(`the built CLI under Node 18 (${found.path ? found.source : 'absent'})`, () => {
  it('runs on 18.19', async () => {
    const version = await execa(node18, ['-p', 'process.version']);
    expect(version.stdout).toMatch(/^v18\.(19|[2-9]\d)\./);
  });

  it('--version and --help: exit 0, the same text as under this Node', async () => {
    const [version18, version] = await both(['--version']);
    expect([version18.exitCode, version18.stderr]).toEqual([0, '']);
    expect(version18.stdout).toMatch(/^preflight \d+\.\d+\.\d+$/);
    expect(version18.stdout).toBe(version.stdout);
    const [help18, help] = await both(['--help']);
    expect([help18.exitCode, help18.stderr]).toEqual([0, '']);
    expect(help18.stdout.startsWith('preflight — ')).toBe(true);
    expect(help18.stdout).toBe(help.stdout);
  });

  it('demo --no-color: exit 0, a result line, the same report as under this Node', async () => {
    const [demo18, demo] = await both(['demo', '--no-color']);
    expect([demo18.exitCode, demo18.stderr]).toEqual([0, '']);
    expect(demo18.stdout).toMatch(/^preflight demo — /);
    expect(demo18.stdout).toMatch(/\nresult: \d+ certificates \(.+\), \d+ names \(.+\)\n/);
    expect(demo.exitCode).toBe(0);
    expect(normalise(demo18.stdout)).toBe(normalise(demo.stdout));
  });

  it('demo --json: one document, equal to this Node\'s apart from paths, ports and timings', async () => {
    const [demo18, demo] = await both(['demo', '--json']);
    expect([demo18.exitCode, demo18.stderr]).toEqual([0, '']);
    const doc = JSON.parse(demo18.stdout) as JsonDocument;
    expect(doc.lineages.length).toBeGreaterThan(0);
    expect(doc.checkedAt).toBe('2026-11-25T12:00:00.000Z'); // the demo runs on its sample's clock
    expect(normalisedDocument(demo18.stdout)).toEqual(normalisedDocument(demo.stdout));
  });

  it('demo | head -1 under pipefail: the first line, nothing on stderr, exit 141 (SIGPIPE)', async () => {
    const result = await execa('bash', ['-c', `set -o pipefail; '${node18}' '${bin}' demo --no-color | head -1`], { reject: false, timeout: 20_000 });
    expect(result.stdout).toMatch(/^preflight demo — [^\n]*$/);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(141);
  });

  it('-d against a resolver (UDP, and TCP after truncation): pass, exit 0; a refusal: exit 1', async () => {
    const before = dns.queries.length;
    const pass = await cli(node18, ['-d', 'ok.test', '-d', 'tcp.test', '--resolver', dns.arg, '--json', '--no-authoritative']);
    expect([pass.exitCode, pass.stderr]).toEqual([0, '']);
    const doc = JSON.parse(pass.stdout) as JsonDocument;
    expect(doc.status).toBe('pass');
    expect(doc.lineages.flatMap((l) => l.names).map((n) => [n.name, n.status])).toEqual([['ok.test', 'pass'], ['tcp.test', 'pass']]);
    expect(dns.queries.slice(before).filter((q) => q.name === 'tcp.test').map((q) => q.transport)).toEqual(['udp', 'tcp']);
    const fail = await cli(node18, ['-d', 'no.test', '--resolver', dns.arg, '--no-authoritative', '-v']);
    expect([fail.exitCode, fail.stderr.replace(/^dns: .*(\n|$)/gm, '')]).toEqual([1, '']);
    expect(fail.stdout.replace(/\s+/g, ' ')).toContain('While processing CAA for no.test: CAA record for no.test prevents issuance');
  });

  it('--ca URL: fetches the directory\'s meta.caaIdentities (fetch, AbortSignal.timeout) and passes', async () => {
    const before = directoryRequests;
    const result = await cli(node18, ['-d', 'own-ca.test', '--ca', directoryUrl, '--resolver', dns.arg, '--json', '--no-authoritative']);
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    const lineage = (JSON.parse(result.stdout) as JsonDocument).lineages[0]!;
    expect([lineage.caIdentities, lineage.caIdentitySource, lineage.status]).toEqual([['ca.test'], 'ACME directory meta.caaIdentities', 'pass']);
    expect(directoryRequests).toBe(before + 1);
  });

  it('reads a certbot certificate through the node:crypto X509Certificate fallback', async () => {
    // A non-minimal DER length (4 length bytes) on the outer SEQUENCE: OpenSSL reads it, the
    // quick reader in src/sources/x509.ts declines it (more than 3 length bytes) and falls back.
    const sample = await writeDemoSample(path.join(dir, 'x509'));
    const der = Buffer.from(EXAMPLE_COM_CERT.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const body = der.subarray(2 + (der[1]! & 0x7f));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const padded = Buffer.concat([Buffer.from([0x30, 0x84]), length, body]).toString('base64').replace(/.{64}/g, '$&\n');
    const certFile = path.join(sample.configDir, 'archive', 'example.com', 'cert1.pem');
    await writeFile(certFile, `-----BEGIN CERTIFICATE-----\n${padded}\n-----END CERTIFICATE-----\n`);
    const args = ['--cert-name', 'example.com', '--config-dir', sample.configDir, '--acme-home', path.join(dir, 'x509', 'none'), '--resolver', dns.arg, '--no-authoritative', '--json'];
    const [run18, run] = await both(args);
    expect(run18.stderr).toBe('');
    const { lineages } = JSON.parse(run18.stdout) as JsonDocument;
    expect(lineages.map((l) => l.name)).toEqual(['example.com']);
    const lineage = lineages[0]!;
    const facts = certificateFacts(Buffer.from(EXAMPLE_COM_CERT));
    expect(lineage.names.map((n) => n.name).sort()).toEqual([...facts.dnsNames].sort());
    expect(lineage.expires).toBe(facts.notAfter.toISOString());
    expect(lineage.notes).toContain(`names from ${certFile}`);
    expect(run18.exitCode).toBe(run.exitCode);
    expect(normalisedDocument(run18.stdout)).toEqual(normalisedDocument(run.stdout));
  });

  it('run -- sh -c "exit 3": nothing to check, the command\'s exit code', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const result = await cli(node18, ['run', '--config-dir', empty, '--acme-home', empty, '--resolver', dns.arg, '--', 'sh', '-c', 'exit 3']);
    expect([result.exitCode, result.stdout, result.stderr]).toEqual([3, '', '']);
  });

  it('run: SIGTERM reaches the wrapped script, exit 143', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const log = path.join(dir, 'log');
    const script = path.join(dir, 'renew.sh');
    await writeFile(script, '#!/bin/sh\ntrap \'echo got-TERM >> "$LOG"; exit 143\' TERM\necho started >> "$LOG"\nwhile :; do sleep 0.05; done\n');
    await chmod(script, 0o755);
    const lines = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n');
    const child = cli(node18, ['run', '--config-dir', empty, '--acme-home', empty, '--resolver', dns.arg, '--', script]);
    for (let i = 0; i < 400 && !(await lines()).includes('started'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await lines()).toContain('started');
    child.kill('SIGTERM');
    const result = await child;
    expect(await lines()).toContain('got-TERM');
    expect(result.exitCode).toBe(143);
    expect(result.stderr).not.toMatch(WARNING);
  });

  it('--bogus: exit 64, the usage message and nothing else', async () => {
    const result = await cli(node18, ['--bogus']);
    expect(result.exitCode).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^preflight: unknown option '--bogus'\n/);
    expect(result.stderr).not.toMatch(WARNING);
  });
});
