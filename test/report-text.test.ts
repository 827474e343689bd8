// The report for people (README "Reading the report"): 80 columns by default, one fix block per
// record owner marked add / replace with a provider's web-form fields, a dig line per failure,
// dates as people say them, a recap by certificate, -q for cron, ASCII where the terminal needs it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { relativeDate, terminalStyle, toAscii } from '../src/report/terminal.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import { runCli } from './helpers/run-cli.js';

const NOW = new Date('2026-11-25T12:00:00Z');
let dns: TestDns;
let dir: string;
let sample: { configDir: string; acmeHome: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-text-'));
  sample = await writeDemoSample(dir);
  dns = await startTestDns({
    'grp.test': ['0 issue "digicert.com"'],
    'dot.test': ['0 issue "letsencrypt.org."'],
    'vm.test': ['0 issue "letsencrypt.org; validationmethods=dns-01"'],
    'ok.test': ['0 issue "letsencrypt.org"'],
    'warn.test': ['0 issue "letsencrypt.org"', '128 iodef "mailto:a@warn.test"'],
    // the demo's zones, so that its lineages can be checked here too
    'example.com': ['0 issue "letsencrypt.org"'],
    'example.org': ['0 issue "letsencrypt.org"'],
    'example.net': ['0 issue "letsencrypt.org"'],
    'example.dev': ['0 issue "letsencrypt.org"'],
  });
});
afterAll(async () => {
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});

const check = (args: string[], env: NodeJS.ProcessEnv = { LANG: 'C.UTF-8' }) =>
  runCli([...args, '--resolver', dns.arg, '--no-authoritative'], { now: NOW, env });

/** Lines wider than 80 columns that are not paste-able zone lines or a web form's value. */
function tooWide(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 80 && !/ IN CAA /.test(l) && !/^\s+value /.test(l) && !/^\s*\S+$/.test(l.trim()));
}

describe('fixes', () => {
  it('one block per record owner, each step once, as a zone line and as web-form fields', async () => {
    const { stdout, code } = await check(['-d', 'a.grp.test', '-d', 'b.grp.test']);
    expect(code).toBe(1);
    expect(stdout).toContain('  fix at grp.test (for a.grp.test, b.grp.test):\n');
    expect(stdout.split('add      grp.test. IN CAA 0 issue "letsencrypt.org"').length).toBe(2); // once
    expect(stdout).toContain('web form: name grp.test, flags 0, tag issue, value letsencrypt.org');
    expect(stdout).toContain('check: dig grp.test CAA');
  });
  it('a replacement says which record goes and which comes', async () => {
    const { stdout } = await check(['-d', 'dot.test']);
    expect(stdout).toMatch(/ {4}replace {2}dot\.test\. IN CAA 0 issue "letsencrypt\.org\."\n {4}with {5}dot\.test\. IN CAA 0 issue "letsencrypt\.org"\n/);
  });
  it('a deliberate-looking restriction also gets the client-side alternative', async () => {
    const { stdout } = await check(['-d', 'vm.test']);
    expect(stdout).toMatch(/validationmethods=dns-01,http-01"/);
    expect(stdout).toMatch(/or keep the record and renew over dns-01 instead of http-01/);
  });
});

describe('the trailing dot, for every CA', () => {
  it('authorizes no CA at all: not "authorizes Let\'s Encrypt, not ZeroSSL"', async () => {
    const { stdout } = await check(['-d', 'dot.test', '--ca', 'zerossl']);
    expect(stdout).not.toMatch(/authorizes Let's Encrypt, not ZeroSSL/);
    expect(stdout.replace(/\s+/g, ' ')).toMatch(/issuer "letsencrypt\.org\." has a trailing dot, so it authorizes no CA at all \(it names Let's Encrypt; ZeroSSL needs "sectigo\.com"/);
  });
});

describe('a certificate at a glance', () => {
  it('dates as people say them, the account once, a recap at the end, 80 columns', async () => {
    const { stdout } = await check(['--config-dir', sample.configDir, '--acme-home', sample.acmeHome]);
    expect(stdout).toMatch(/PASS {2}certbot example\.com — due since 2026-10-31, expires in 5 days\s+\(2026-11-30\)/);
    expect(stdout.split('https://acme-v02.api.letsencrypt.org/acme/acct/2222').length - 1).toBe(2); // once per certbot lineage
    expect(stdout).not.toMatch(/regr\.json/); // where it came from is for -v
    expect(stdout).toMatch(/The CA would refuse these renewals:\n {2}acme\.sh blog\.example\.net: blog\.example\.net\n/);
    expect(stdout).toMatch(/result: 5 certificates \(1 fail, 4 pass\), 8 names \(1 fail, 7 pass\)\n$/);
    expect(tooWide(stdout)).toEqual([]);
    const verbose = await check(['-v', '--config-dir', sample.configDir, '--acme-home', sample.acmeHome]);
    expect(verbose.stdout).toMatch(/account: https:\/\/acme-v02\.api\.letsencrypt\.org\/acme\/acct\/2222\s+\(\S+regr\.json\)/);
  });
  it('relative dates', () => {
    expect(relativeDate(new Date('2026-12-07T03:00:00Z'), NOW)).toBe('in 12 days (2026-12-07)');
    expect(relativeDate(new Date('2026-11-22T23:00:00Z'), NOW)).toBe('3 days ago (2026-11-22)');
    expect(relativeDate(new Date('2026-11-25T01:00:00Z'), NOW)).toBe('today (2026-11-25)');
  });
});

describe('-q, for cron mail', () => {
  it('prints nothing when the worst is a warning', async () => {
    const { stdout, code } = await check(['-q', '-d', 'warn.test', '-d', 'ok.test']);
    expect([stdout, code]).toEqual(['', 0]);
  });
  it('prints only what fails, not the passing or warning names next to it', async () => {
    const { stdout } = await check(['-q', '-d', 'warn.test', '-d', 'ok.test', '-d', 'dot.test']);
    expect(stdout).toMatch(/FAIL {2}dot\.test/);
    expect(stdout).not.toMatch(/(WARN|PASS) {2}(warn|ok)\.test/);
  });
  it('the hooks are silent on a pass', async () => {
    const hook = await runCli(['hook', 'acme.sh', '--resolver', dns.arg, '--no-authoritative', '--status-file', path.join(dir, 'h.json')], {
      now: NOW, env: { Le_Domain: '*.example.dev', LE_CONFIG_HOME: sample.acmeHome }, cwd: path.join(sample.acmeHome, '*.example.dev_ecc'),
    });
    expect([hook.code, hook.stderr]).toEqual([0, '']);
  });
});

describe('terminals', () => {
  it('ASCII and no colour under TERM=dumb; ASCII under LANG=C or no locale; NO_COLOR always wins', () => {
    expect(terminalStyle({ TERM: 'dumb', LANG: 'C.UTF-8' }, true, null)).toEqual({ color: false, ascii: true });
    expect(terminalStyle({ LANG: 'C' }, true, null)).toEqual({ color: true, ascii: true });
    expect(terminalStyle({}, false, null)).toEqual({ color: false, ascii: true });
    expect(terminalStyle({ LANG: 'en_US.UTF-8' }, true, null)).toEqual({ color: true, ascii: false });
    expect(terminalStyle({ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, false, null)).toEqual({ color: false, ascii: true });
    expect(terminalStyle({ TERM: 'dumb', NO_COLOR: '1' }, true, true).color).toBe(false);
    expect(terminalStyle({ TERM: 'dumb' }, false, true).color).toBe(true);
  });
  it('a report under LANG=C is plain ASCII', async () => {
    const { stdout } = await check(['-v', '--config-dir', sample.configDir, '--acme-home', sample.acmeHome, '-d', 'bücher.dot.test'].filter((a, i, all) => !(a === '-d' || all[i - 1] === '-d')), { LANG: 'C' });
    expect(stdout).toMatch(/ - due since/);
    expect(stdout).not.toMatch(/[^\x00-\x7f]/);
    expect(toAscii('✓ ✗✗ — bücher')).toBe('ok XX - b\\u{fc}cher');
  });
});
