// The acme.sh and certbot pre-hooks (exit codes, status files), `preflight demo` (offline,
// every seed case, nothing left behind), and output files that cannot be written (the metrics
// file itself: metrics.test.ts).
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { DEMO_APEXES, startBlackhole, startTestDns, type TestDns } from './helpers/test-dns.js';
import { runCli } from './helpers/run-cli.js';
import type { JsonDocument } from '../src/report/json.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

let dir: string;
let sample: { configDir: string; acmeHome: string };
let dns: TestDns;
let state: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-hooks-'));
  sample = await writeDemoSample(dir);
  state = path.join(dir, 'state');
  dns = await startTestDns(DEMO_APEXES);
});
afterAll(async () => {
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});

describe('acme.sh pre-hook', () => {
  const hook = (folder: string, domain: string, extra: string[] = []) =>
    runCli(['hook', 'acme.sh', '--resolver', dns.arg, '--timeout', '100', '--retries', '0', ...extra], {
      now: NOW,
      env: { Le_Domain: domain, LE_CONFIG_HOME: sample.acmeHome, CAA_PREFLIGHT_STATE_DIR: state },
      cwd: path.join(sample.acmeHome, folder),
    });

  it('exits 1 (acme.sh aborts this renewal, before any order) when the CA would refuse', async () => {
    const result = await hook('blog.example.net_ecc', 'blog.example.net');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/FAIL\s+blog\.example\.net/);
    expect(result.stderr).toMatch(/stopping acme\.sh's renewal of blog\.example\.net/);
    const status = JSON.parse(await readFile(path.join(state, 'acme.sh', 'blog.example.net_ecc.json'), 'utf8')) as JsonDocument;
    expect(status.lineages).toHaveLength(1);
    expect(status.status).toBe('fail');
  });
  it('exits 0 when the CA will issue', async () => {
    expect((await hook('*.example.dev_ecc', '*.example.dev')).code).toBe(0);
  });
  it('exits 0 when the check itself failed (our trouble never blocks a renewal), 1 with --strict', async () => {
    const dead = await startBlackhole();
    const env = { Le_Domain: '*.example.dev', LE_CONFIG_HOME: sample.acmeHome, CAA_PREFLIGHT_STATE_DIR: state };
    const cwd = path.join(sample.acmeHome, '*.example.dev_ecc');
    try {
      const args = ['hook', 'acme.sh', '--resolver', dead.arg, '--timeout', '100', '--retries', '0'];
      const lenient = await runCli(args, { now: NOW, env, cwd });
      expect(lenient.stderr).toMatch(/ERROR\s+\*\.example\.dev/);
      expect(lenient.code).toBe(0);
      expect(lenient.stderr).toMatch(/could not check \*\.example\.dev \(our own trouble, not the CA's\); acme\.sh renews it unchecked/);
      const strict = await runCli([...args, '--strict'], { now: NOW, env, cwd });
      expect(strict.code).toBe(1);
      expect(strict.stderr).toMatch(/stopping acme\.sh's renewal of \*\.example\.dev: it could not be checked \(--strict; our own trouble, not the CA's\)/);
      expect(strict.stderr).not.toMatch(/the CA would refuse/);
    } finally {
      await dead.close();
    }
  });
  it('never blocks acme.sh over its own trouble: outside acme.sh or misconfigured it says so and exits 0', async () => {
    const outside = await runCli(['hook', 'acme.sh']);
    expect(outside.code).toBe(0);
    expect(outside.stderr).toMatch(/Le_Domain is not set.*not stopping acme\.sh's renewal/);
    const typo = await hook('blog.example.net_ecc', 'blog.example.net', ['--bogus']);
    expect(typo.code).toBe(0);
    expect(typo.stderr).toMatch(/unknown option '--bogus'/);
    expect((await hook('blog.example.net_ecc', 'blog.example.net', ['--bogus', '--strict'])).code).toBe(1);
    expect((await runCli(['hook'])).code).toBe(64);
  });
});

describe('certbot pre-hook', () => {
  it('checks the due certbot lineages only, reports on stderr and in the status file, and says certbot will not stop', async () => {
    const result = await runCli(['hook', 'certbot', '--config-dir', sample.configDir, '--resolver', dns.arg], {
      now: NOW, env: { CAA_PREFLIGHT_STATE_DIR: state, LE_CONFIG_HOME: sample.acmeHome },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/certbot renews anyway/);
    const status = JSON.parse(await readFile(path.join(state, 'certbot.json'), 'utf8')) as JsonDocument;
    expect(status.lineages.map((l: { name: string; status: string }) => [l.name, l.status]).sort()).toEqual([
      ['api.example.org', 'fail'], ['example.com', 'pass'],
    ]);
  });
});

describe('inside preflight run', () => {
  it('the pre-hooks check nothing again: the wrapper has (and renews only what passed)', async () => {
    const env = { CAA_PREFLIGHT_CHECKED: 'run', CAA_PREFLIGHT_STATE_DIR: path.join(dir, 'state-run'), Le_Domain: 'blog.example.net', LE_CONFIG_HOME: sample.acmeHome };
    const certbot = await runCli(['hook', 'certbot', '--config-dir', sample.configDir, '--resolver', dns.arg], { now: NOW, env });
    expect([certbot.code, certbot.stderr]).toEqual([0, '']);
    const acme = await runCli(['hook', 'acme.sh', '--resolver', dns.arg], { now: NOW, env, cwd: path.join(sample.acmeHome, 'blog.example.net_ecc') });
    expect([acme.code, acme.stderr]).toEqual([0, '']);
    await expect(stat(path.join(dir, 'state-run'))).rejects.toThrow(/ENOENT/);
  });
});

describe('a reader that goes away', () => {
  it('preflight demo | head -1: the first line, no stack trace, the status of SIGPIPE (141)', async () => {
    const result = await execa('bash', ['-c', `set -o pipefail; node '${bin}' demo --no-color | head -1`], { reject: false });
    expect(result.stdout).toMatch(/^preflight demo — /);
    expect(result.stdout.split('\n')).toHaveLength(1);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(141);
  });
});

describe('preflight demo', () => {
  it('runs the whole pipeline offline on the bundled sample and shows every seed case', async () => {
    const tmpBefore = (await readdir(os.tmpdir())).filter((f) => f.startsWith('preflight-demo-'));
    const result = await execa('node', [bin, 'demo', '--no-color'], { reject: false });
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).not.toMatch(/^ERROR/m); // the sample's own files are all read
    expect(out).toMatch(/WARN\s+example\.com/);
    expect(out).toMatch(/128 iodef .*critical flag/);
    expect(out).toMatch(/FAIL\s+shop\.example\.com[\s\S]*trailing dot[\s\S]*shop\.example\.com\. IN CAA 0 issue "letsencrypt\.org"/);
    expect(out).toMatch(/FAIL\s+www\.example\.com[\s\S]*CNAME\s+example-com\.edge\.cdn\.example\.net/);
    expect(out).toMatch(/FAIL\s+api\.example\.org[\s\S]*acct\/1111":\s+its\s+accounturi\s+names\s+another\s+account;\s+this\s+renewal\s+uses\s+\S*acct\/2222/);
    expect(out).toMatch(/FAIL\s+blog\.example\.net[\s\S]*example\.net\. IN CAA 0 issue "sectigo\.com"/);
    expect(out).toMatch(/PASS\s+\*\.example\.dev/);
    expect(out).toMatch(/FAIL\s+mail\.example\.dev[\s\S]*ns2\.example\.dev\s+\(127\.53\.0\.\d+,\s+serial\s+2026060101\)\s+serves\s+0\s+issue\s+"sectigo\.com"[\s\S]*rndc\s+retransfer\s+example\.dev/);
    const tmpAfter = (await readdir(os.tmpdir())).filter((f) => f.startsWith('preflight-demo-'));
    expect(tmpAfter).toEqual(tmpBefore);
  });
  it('speaks JSON too', async () => {
    const result = await execa('node', [bin, 'demo', '--json'], { reject: false });
    const doc = JSON.parse(result.stdout) as JsonDocument;
    // Written a lineage at a time, yet exactly what one JSON.stringify of the whole would give.
    expect(result.stdout).toBe(JSON.stringify(doc, null, 2)); // execa drops the final newline
    expect(doc.summary).toEqual({ names: 8, pass: 2, warn: 1, fail: 5, error: 0 });
    const mail = doc.lineages.find((l) => l.name === 'mail.example.dev')!.names[0]!;
    expect(mail).toMatchObject({ status: 'fail', judgedFrom: 'authoritative' });
    expect(mail.findings.find((f) => f.code === 'server-stale')?.server?.name).toBe('ns2.example.dev');
  });
  it('refuses options that would point it elsewhere', async () => {
    expect((await runCli(['demo', '-d', 'example.com'])).code).toBe(64);
  });
});

describe('output files', () => {
  it('an output file that cannot be written is an error of the run (exit 2), and no directory is made up', async () => {
    const missing = path.join(dir, 'no-such-dir', 'caa.prom');
    const notADir = path.join(dir, 'a-file');
    await writeFile(notADir, '');
    for (const [flag, file] of [['--metrics-file', missing], ['--status-file', path.join(notADir, 'status.json')]] as const) {
      const extra = flag === '--metrics-file' ? ['--format', 'prometheus'] : [];
      const result = await runCli(['-d', 'example.com', '--resolver', dns.arg, '--no-authoritative', ...extra, flag, file], { now: NOW });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`preflight: ${file}: cannot write: no such directory`);
    }
    await expect(stat(path.dirname(missing))).rejects.toThrow(/ENOENT/);
    const json = await runCli(['-d', 'example.com', '--resolver', dns.arg, '--no-authoritative', '--json', '--status-file', missing], { now: NOW });
    const doc = JSON.parse(json.stdout) as JsonDocument;
    expect(doc.errors).toEqual([{ source: 'output', path: missing, message: 'cannot write: no such directory: ' + path.dirname(missing) }]);
    expect(doc.lineages[0]?.status).toBe('pass');
    expect(doc.status).toBe('error'); // the run's status counts its errors, as the exit code does
  });
});
