// End to end with Debian's certbot against pebble (certificates valid 20 days, so certbot 2.x
// considers every lineage due): the pre-hook reports but cannot stop certbot; the wrapper
// renews exactly the lineages the CA will accept, runs certbot once and unchanged when all
// pass, and passes certbot's exit code through.
import { chmod, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertbotFixture, runCertbot, startPebble, type CertbotFixture, type PebbleLab } from './helpers/certbot-lab.js';
import { startTestDns, type TestDns, type Zone } from './helpers/test-dns.js';
import { findBinary, requireBinaries } from './helpers/system.js';
import type { JsonDocument } from '../src/report/json.js';

const available = requireBinaries('certbot end to end', ['certbot', 'pebble', 'openssl']);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'dist', 'cli.js');

describe.skipIf(!available)('certbot end to end', () => {
  let lab: PebbleLab;
  let fx: CertbotFixture;
  let dns: TestDns;
  let tools: string;
  const blockingZone = (): Zone => ({
    'example.test': ['0 issue "pebble.test"'],
    'web.example.test': ['0 issue "pebble.test; validationmethods=dns-01"'], // webroot is http-01: blocked
    'second.example.test': [`0 issue "pebble.test; accounturi=${fx.lineages.web!.accountUri}"`], // other account: blocked
    'alone.example.test': [`0 issue "pebble.test; accounturi=${fx.lineages.alone!.accountUri}"`],
  });

  /** Highest N of archive/<lineage>/certN.pem. */
  const certVersion = async (configDir: string, lineage: string): Promise<number> =>
    Math.max(...(await readdir(path.join(configDir, 'archive', lineage))).map((f) => Number(/^cert(\d+)\.pem$/.exec(f)?.[1] ?? 0)));
  const versions = async (configDir: string) =>
    Object.fromEntries(await Promise.all(Object.keys(fx.lineages).map(async (l) => [l, await certVersion(configDir, l)] as const)));

  /** A fresh copy of the fixture's config dir (the confs' absolute paths rewritten). */
  const freshCopy = async (name: string): Promise<string> => {
    const copy = path.join(fx.root, name);
    await cp(fx.configDir, copy, { recursive: true, verbatimSymlinks: true });
    for (const file of await readdir(path.join(copy, 'renewal'))) {
      const p = path.join(copy, 'renewal', file);
      await writeFile(p, (await readFile(p, 'utf8')).replaceAll(fx.configDir, copy));
    }
    return copy;
  };
  const dirsFor = (configDir: string) => ({ configDir, workDir: fx.workDir, logsDir: path.join(configDir, 'logs') });

  beforeAll(async () => {
    lab = await startPebble({ certValiditySeconds: 20 * 86_400 });
    fx = await makeCertbotFixture(lab);
    dns = await startTestDns(blockingZone());
    tools = path.join(fx.root, 'tools');
    await mkdir(tools);
    // The command the hooks call: this checkout's preflight, pointed at the test DNS server.
    await writeFile(path.join(tools, 'preflight'), `#!/bin/sh\nexec node ${bin} "$@" --resolver ${dns.arg} --caa-identity pebble.test\n`);
    // A certbot that counts its invocations.
    await writeFile(path.join(tools, 'certbot'), `#!/bin/sh\necho run >> "${path.join(tools, 'certbot-runs')}"\nexec ${findBinary('certbot')} "$@"\n`);
    await chmod(path.join(tools, 'preflight'), 0o755);
    await chmod(path.join(tools, 'certbot'), 0o755);
  }, 180_000);
  afterAll(async () => {
    await dns?.close();
    await fx?.cleanup();
    await lab?.stop();
  });

  it('pre-hook: reports to stderr, the status file and the log, but certbot renews everything anyway', async () => {
    const configDir = await freshCopy('prehook');
    const hookDir = path.join(configDir, 'renewal-hooks', 'pre');
    await mkdir(hookDir, { recursive: true });
    await cp(path.join(root, 'hooks', 'certbot-pre-hook'), path.join(hookDir, '00-caa-preflight'));
    const stateDir = path.join(fx.root, 'state');
    const before = await versions(configDir);
    const result = await runCertbot(lab, dirsFor(configDir), ['renew'], {
      env: { CAA_PREFLIGHT: path.join(tools, 'preflight'), CAA_PREFLIGHT_STATE_DIR: stateDir },
    });
    expect(result.exitCode).toBe(0); // certbot ignores the failing pre-hook...
    const after = await versions(configDir);
    for (const l of Object.keys(before)) expect(after[l], l).toBe(before[l]! + 1); // ...and renews all
    const status = JSON.parse(await readFile(path.join(stateDir, 'certbot.json'), 'utf8')) as JsonDocument;
    expect(status.status).toBe('fail');
    expect(status.lineages.filter((l: { status: string }) => l.status === 'fail').map((l: { name: string }) => l.name).sort()).toEqual(['second', 'web']);
    expect(result.all).toMatch(/Hook 'pre-hook' reported error code 1/);
    expect(result.all).toMatch(/FAIL\s+web\.example\.test/);
    const log = await readFile(path.join(configDir, 'logs', 'letsencrypt.log'), 'utf8');
    expect(log).toMatch(/Hook 'pre-hook' reported error code 1/);
  });

  it('--zone-file on real lineages: the published CAA names another CA (fail); a proposed zone fixes it, and a deny-all in it fails exactly its names', async () => {
    for (const key of Object.keys(dns.zone)) delete dns.zone[key];
    Object.assign(dns.zone, { 'example.test': ['0 issue "digicert.com"'] });
    try {
      const check = (extra: string[]) =>
        execa('node', [bin, '--all', '--config-dir', fx.configDir, '--resolver', dns.arg, '--caa-identity', 'pebble.test', '--json', ...extra], {
          env: { ...process.env, ...lab.env }, reject: false,
        });
      const statusOf = (stdout: string) =>
        Object.fromEntries((JSON.parse(stdout) as JsonDocument).lineages.flatMap((l) => l.names.map((n) => [n.name, n.status])));
      const names = Object.values(fx.lineages).flatMap((l) => l.reportedNames);
      const published = await check([]);
      expect(published.exitCode).toBe(1);
      expect(Object.values(statusOf(published.stdout))).toEqual(names.map(() => 'fail'));

      const proposed = path.join(fx.root, 'db.example.test');
      await writeFile(proposed, [
        '$TTL 300', '$ORIGIN example.test.',
        '@    IN SOA ns1 hostmaster ( 2026112601 3600 600 86400 60 )', '     IN NS ns1', 'ns1  IN A 192.0.2.53',
        '@    IN CAA 0 issue "pebble.test"',
        'web  IN CAA 0 issue ";"   ; the proposed change: nobody issues for web any more', '',
      ].join('\n'));
      dns.queries.length = 0;
      const whatIf = await check(['--zone-file', proposed]);
      expect(whatIf.exitCode).toBe(1);
      const statuses = statusOf(whatIf.stdout);
      for (const name of names) expect(statuses[name], name).toBe(/(^|\.)web\.example\.test$/.test(name) ? 'fail' : 'pass');
      const doc = JSON.parse(whatIf.stdout) as JsonDocument;
      expect(doc.lineages.filter((l) => l.status === 'fail').map((l) => l.name)).toEqual(['web']);
      expect(doc.lineages.flatMap((l) => l.names).every((n) => n.zoneFiles.includes(proposed))).toBe(true);
      // Live DNS was not asked about the zone, and still says what it said.
      expect(dns.queries.filter((q) => /example\.test\.?$/i.test(q.name))).toEqual([]);
      expect(dns.zone).toEqual({ 'example.test': ['0 issue "digicert.com"'] });
    } finally {
      for (const key of Object.keys(dns.zone)) delete dns.zone[key];
      Object.assign(dns.zone, blockingZone());
    }
  });

  it('wrapper: renews exactly the lineages the CA will accept, and exits non-zero', async () => {
    const configDir = await freshCopy('wrapper');
    const before = await versions(configDir);
    const { workDir, logsDir } = dirsFor(configDir);
    const result = await execa('node', [
      bin, 'run', '--resolver', dns.arg, '--caa-identity', 'pebble.test', '--',
      path.join(tools, 'certbot'), 'renew', '--config-dir', configDir, '--work-dir', workDir, '--logs-dir', logsDir,
      '--non-interactive', '--no-random-sleep-on-renew',
    ], { env: { ...process.env, ...lab.env }, reject: false, all: true });
    const after = await versions(configDir);
    expect(after).toEqual({ ...before, alone: before.alone! + 1, 'w.example.test': before['w.example.test']! + 1 });
    expect(result.exitCode).toBe(1);
    expect(result.all).toMatch(/preflight run: blocked (second|web) \(the CA would refuse\), (web|second) \(the CA would refuse\)/);
  });

  it('wrapper: with everything clean, runs certbot exactly once, unchanged, and passes its exit code through', async () => {
    const configDir = await freshCopy('clean');
    const runs = path.join(tools, 'certbot-runs');
    await rm(runs, { force: true });
    for (const key of Object.keys(dns.zone)) delete dns.zone[key];
    Object.assign(dns.zone, { 'example.test': ['0 issue "pebble.test"'] });
    try {
      const before = await versions(configDir);
      const { workDir, logsDir } = dirsFor(configDir);
      const command = [path.join(tools, 'certbot'), 'renew', '--config-dir', configDir, '--work-dir', workDir, '--logs-dir', logsDir, '--non-interactive', '--no-random-sleep-on-renew'];
      const result = await execa('node', [bin, 'run', '--resolver', dns.arg, '--caa-identity', 'pebble.test', '--', ...command], {
        env: { ...process.env, ...lab.env }, reject: false, all: true,
      });
      expect(result.exitCode).toBe(0);
      expect((await readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(1);
      const after = await versions(configDir);
      for (const l of Object.keys(before)) expect(after[l], l).toBe(before[l]! + 1);

      // certbot exits 1 when a conf is broken (docs/certbot.md §1.5); the wrapper hands that on.
      await writeFile(path.join(configDir, 'renewal', 'zz-broken.conf'), 'not a conf\n');
      const broken = await execa('node', [bin, 'run', '--resolver', dns.arg, '--caa-identity', 'pebble.test', '--', ...command], {
        env: { ...process.env, ...lab.env }, reject: false, all: true,
      });
      expect(broken.exitCode).toBe(1);
      expect(broken.all).toMatch(/zz-broken\.conf.*broken/);
      expect((await readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(2);
    } finally {
      for (const key of Object.keys(dns.zone)) delete dns.zone[key];
      Object.assign(dns.zone, blockingZone());
    }
  });
});
