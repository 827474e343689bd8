// Site defaults (/etc/caa-preflight.conf, here through CAA_PREFLIGHT_CONFIG): read by check, run and
// the hooks; the command line wins; per-CA identities; a bad file is a clear error naming the line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { parseCheckOptions } from '../src/commands/options.js';
import { parseSiteDefaults } from '../src/commands/site-config.js';
import { startBlackhole, startTestDns, type TestDns } from './helpers/test-dns.js';
import { documentOf, namesOf, runCli } from './helpers/run-cli.js';

let dir: string;
let dns: TestDns;
let dead: Awaited<ReturnType<typeof startBlackhole>>;
const validate = (argv: string[]): void => void parseCheckOptions(argv);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-site-'));
  dns = await startTestDns({
    'example.com': ['0 issue "letsencrypt.org"'],
    'internal.example': ['0 issue "ca.internal"'],
    'example.org': ['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1111"'],
  });
  dead = await startBlackhole();
});
afterAll(async () => {
  await dns.close();
  await dead.close();
  await rm(dir, { recursive: true, force: true });
});

async function site(text: string): Promise<NodeJS.ProcessEnv> {
  const file = path.join(dir, `site-${Math.random().toString(36).slice(2)}.conf`);
  await writeFile(file, text);
  return { CAA_PREFLIGHT_CONFIG: file };
}

describe('the file', () => {
  it('reads per-host options and per-CA identities', () => {
    const parsed = parseSiteDefaults(
      '# site\nresolver = 192.0.2.53, [2001:db8::53]:53\ntimeout = 2000\nstrict = yes\nauthoritative = no\n\n[ca https://ca.internal/acme/directory/]\ncaa-identity = CA.internal., other.internal\n',
      '/etc/caa-preflight.conf',
      validate,
    );
    expect(parsed.values).toEqual({ resolver: ['192.0.2.53', '[2001:db8::53]:53'], timeout: '2000', strict: true, authoritative: false });
    expect([...parsed.caIdentities]).toEqual([['https://ca.internal/acme/directory', ['ca.internal', 'other.internal']]]);
  });
  it.each([
    ['resolvers = 192.0.2.53\n', /line 1: unknown key "resolvers"/],
    ['timeout = fast\n', /line 1: --timeout needs a whole number/],
    ['# ok\nstrict = maybe\n', /line 2: strict is yes or no/],
    ['domain = example.com\n', /line 1: unknown key "domain"/], // not a per-host setting
    ['[ca nowhere]\n', /line 1: \[ca nowhere\] names no known CA/],
    ['[ca letsencrypt]\ntimeout = 5\n', /line 2: only caa-identity goes in a \[ca \.\.\.\] section/],
    ['just words\n', /line 1: expected "key = value"/],
  ])('%j is an error naming the file and line', (text, message) => {
    expect(() => parseSiteDefaults(text, '/etc/caa-preflight.conf', validate)).toThrow(message);
    expect(() => parseSiteDefaults(text, '/etc/caa-preflight.conf', validate)).toThrow(/^\/etc\/caa-preflight\.conf line \d+: /);
  });
});

describe('every entry point reads it; the command line wins', () => {
  it('check uses the site resolver', async () => {
    const env = await site(`resolver = ${dns.arg}\nauthoritative = no\n`);
    const result = await runCli(['--json', '-d', 'example.com'], { env });
    expect(namesOf(result)[0]?.status).toBe('pass');
  });
  it('a --resolver on the command line replaces the site list', async () => {
    const env = await site(`resolver = ${dns.arg}\nauthoritative = no\n`);
    const result = await runCli(['--json', '-d', 'example.com', '--resolver', dead.arg, '--timeout', '100', '--retries', '0'], { env });
    expect(namesOf(result)[0]?.status).toBe('error');
  });
  it('--authoritative on the command line wins over authoritative = no', async () => {
    const env = await site(`resolver = ${dns.arg}\nauthoritative = no\n`);
    const doc = documentOf(await runCli(['--json', '-d', 'example.com', '--authoritative'], { env }));
    expect(doc.notices.join(' ')).toMatch(/no authoritative nameserver could be asked/); // it tried
  });
  it('[ca URL] gives a private CA its identity, without fetching its directory', async () => {
    const env = await site(`resolver = ${dns.arg}\nauthoritative = no\n[ca https://ca.internal/acme/directory]\ncaa-identity = ca.internal\n`);
    const doc = documentOf(await runCli(['--json', '-d', 'internal.example', '--ca', 'https://ca.internal/acme/directory'], { env }));
    expect(doc.lineages[0]).toMatchObject({ caIdentities: ['ca.internal'], caIdentitySource: 'site defaults' });
    expect(doc.lineages[0]?.names[0]?.status).toBe('pass');
  });
  it('run and the certbot hook use it too (strict, resolver)', async () => {
    const sample = await writeDemoSample(path.join(dir, 'sample'));
    const env = { ...(await site(`resolver = ${dead.arg}\ntimeout = 100\nretries = 0\nauthoritative = no\nstrict = yes\n`)), PATH: process.env.PATH };
    const run = await runCli(['run', '--config-dir', sample.configDir, '--acme-home', path.join(dir, 'none'), '--', 'true'], { env, now: new Date('2026-11-25T12:00:00Z') });
    expect(run.code).toBe(1); // strict, and nothing could be checked through the dead resolver
    expect(run.stderr).toMatch(/could not be checked; --strict/);
    const hook = await runCli(['hook', 'certbot', '--config-dir', sample.configDir, '--status-file', path.join(dir, 'hook.json')], { env, now: new Date('2026-11-25T12:00:00Z') });
    expect(hook.stderr).toMatch(new RegExp(`no answer from ${dead.arg.replace(/\./g, '\\.')}`));
  });
  it('a bad file stops with the file and line (exit 64); a named file that is missing too', async () => {
    const env = await site('timeout = soon\n');
    const bad = await runCli(['-d', 'example.com'], { env });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(new RegExp(`${env.CAA_PREFLIGHT_CONFIG!.replace(/\./g, '\\.')} line 1: --timeout needs a whole number`));
    const missing = await runCli(['-d', 'example.com'], { env: { CAA_PREFLIGHT_CONFIG: path.join(dir, 'nope.conf') } });
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/nope\.conf: cannot read the site defaults/);
  });
});
