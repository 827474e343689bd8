// The command-line contract: usage errors (64), exit codes 0/1/2, one JSON document, --quiet,
// colour rules, escaping of untrusted text, and the built binary as users run it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { startBlackhole, startTestDns, type TestDns } from './helpers/test-dns.js';
import { namesOf, runCli } from './helpers/run-cli.js';
import type { JsonDocument } from '../src/report/json.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'dist', 'cli.js');

let dns: TestDns;
beforeAll(async () => {
  dns = await startTestDns({
    'ok.test': ['0 issue "letsencrypt.org"'],
    'warn.test': ['128 iodef "mailto:a@warn.test"', '0 issue "letsencrypt.org"'],
    'no.test': ['0 issue "ca.example"'],
    'evil.test': ['0 issue "letsencrypt.org\\027[2J\\027]0;owned\\007"', '0 issue "ca.example ‮gro.tpyrcnesttel"'],
    'slow.test': { drop: true },
  });
});
afterAll(async () => {
  await dns.close();
});

describe('usage errors exit 64 and say what was wrong', () => {
  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['-d', 'a..b'], /invalid label/],
    [['-d', 'ok.test', '--challenge', 'http01'], /--challenge must be one of/],
    [['-d', 'ok.test', '--resolver', 'dns.example'], /is not an IP address/],
    [['-d', 'ok.test', '--timeout', '0'], /--timeout must be between 1 and 60000/],
    [['-d', 'ok.test', '--retries', 'x'], /--retries needs a whole number/],
    [['-d', 'ok.test', '--all'], /cannot be combined with --all/],
    [['ok.test'], /unexpected argument "ok.test"/],
    [['-d', 'ok.test', '--account-uri', 'acct-123'], /--account-uri must be an http\(s\) URL/],
    [['-d', 'ok.test', '--format', 'prometheus'], /needs --metrics-file/],
    [['-d', 'ok.test', '--caa-identity', '..'], /not a domain name/],
  ])('%j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('exit codes and output modes', () => {
  const r = (...args: string[]) => runCli([...args, '--resolver', dns.arg, '--timeout', '200', '--retries', '0']);

  it('exits 0 on pass and on warn, 1 on any fail, 2 on error without fail', async () => {
    expect((await r('-d', 'ok.test')).code).toBe(0);
    expect((await r('-d', 'warn.test')).code).toBe(0);
    expect((await r('-d', 'ok.test', '-d', 'no.test', '-d', 'slow.test')).code).toBe(1);
    const dead = await startBlackhole();
    try {
      expect((await runCli(['-d', 'ok.test', '--resolver', dead.arg, '--timeout', '100', '--retries', '0'])).code).toBe(2);
    } finally {
      await dead.close();
    }
  });
  it('prints exactly one JSON document with the contract keys', async () => {
    const result = await r('-d', 'ok.test', '-d', 'no.test', '--json', '-v');
    const doc = JSON.parse(result.stdout) as JsonDocument;
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['status', 'lineages', 'errors']));
    expect(doc.status).toBe('fail');
    expect(doc.lineages[0]).toMatchObject({
      source: 'cli', name: 'cli', server: 'https://acme-v02.api.letsencrypt.org/directory', caIdentities: ['letsencrypt.org'],
      accountUri: null, challenge: null, due: null, status: 'fail',
    });
    const no = doc.lineages[0]?.names.find((n) => n.name === 'no.test');
    expect(no).toMatchObject({ status: 'fail', foundAt: 'no.test', records: [{ flags: 0, tag: 'issue', value: 'ca.example' }] });
    expect(typeof no?.reason).toBe('string');
    expect(no?.fix).toBe('no.test. IN CAA 0 issue "letsencrypt.org"');
  });
  it('is silent with --quiet when everything passes, and reports when something does not', async () => {
    expect((await r('-d', 'ok.test', '--quiet')).stdout).toBe('');
    const failing = await r('-d', 'no.test', '--quiet');
    expect(failing.stdout).toMatch(/FAIL\s+no\.test/);
  });
  it('reports missing resolvers as an error (exit 2), not a crash', async () => {
    const result = await runCli(['-d', 'ok.test', '--json'], { resolvConfPath: '/nonexistent' });
    expect(result.code).toBe(2);
    expect((JSON.parse(result.stdout) as JsonDocument).errors[0]).toMatchObject({ source: 'dns', message: expect.stringMatching(/no nameserver/) });
  });
  it('colours only when asked or on a TTY, never with NO_COLOR', async () => {
    expect((await r('-d', 'no.test')).stdout).not.toContain('\x1b[');
    expect((await r('-d', 'no.test', '--color')).stdout).toContain('\x1b[31m');
    const noColor = await runCli(['-d', 'no.test', '--color', '--resolver', dns.arg], { env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\x1b[');
  });
  it('escapes terminal control sequences and bidi overrides from DNS data', async () => {
    const text = await r('-d', 'evil.test', '-v');
    expect(text.stdout).not.toMatch(/[\x1b\x07\u202e]/);
    expect(text.stdout).toContain('\\027[2J');
    const json = await r('-d', 'evil.test', '--json');
    expect(json.stdout).not.toMatch(/[\x1b\x07\u202e]/);
    const values = namesOf(json)[0]!.records.map((rec: { value: string }) => rec.value);
    expect(values).toContain('letsencrypt.org\x1b[2J\x1b]0;owned\x07');
    expect(values).toContain('ca.example \u202egro.tpyrcnesttel');
  });
  it('passes IP address identifiers, which the CA does not check CAA for', async () => {
    const result = await r('-d', '192.0.2.1', '-d', '2001:db8::1', '--json');
    expect(namesOf(result).map((n) => [n.name, n.status])).toEqual([['192.0.2.1', 'pass'], ['2001:db8::1', 'pass']]);
    expect(namesOf(result)[0]!.reason).toMatch(/does not check CAA for IP addresses/);
  });
  it('treats an empty NO_COLOR as unset (no-color.org)', async () => {
    expect((await runCli(['-d', 'no.test', '--color', '--resolver', dns.arg], { env: { NO_COLOR: '' } })).stdout).toContain('\x1b[31m');
  });
  it('prints help and version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^preflight — stop certificate renewals from failing on CAA\n\nUsage:/);
    expect((await runCli(['--version'])).stdout).toMatch(/^preflight \d+\.\d+\.\d+\n$/);
  });
});

describe('the built command', () => {
  it('runs as `node dist/cli.js` with the contract exit codes', async () => {
    const pass = await execa('node', [bin, '-d', 'ok.test', '--resolver', dns.arg, '--json'], { reject: false });
    expect(pass.exitCode).toBe(0);
    expect((JSON.parse(pass.stdout) as JsonDocument).status).toBe('pass');
    const fail = await execa('node', [bin, '-d', 'no.test', '--resolver', dns.arg], { reject: false });
    expect(fail.exitCode).toBe(1);
    expect(fail.stdout).toMatch(/check: dig no\.test CAA\n[\s\S]*The CA would refuse these renewals:\n  names given with -d: no\.test\n/);
    const verbose = await execa('node', [bin, '-d', 'no.test', '--resolver', dns.arg, '-v'], { reject: false });
    expect(verbose.stdout).toMatch(/While processing CAA for no\.test: CAA record for\s+no\.test prevents issuance/);
    const usage = await execa('node', [bin, '--nope'], { reject: false });
    expect(usage.exitCode).toBe(64);
  });
});
