// The certbot + pebble lab itself: real lineages in a throw-away config dir, checked against
// certbot's own reports and the arguments given.
import { readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertbotFixture,
  type PebbleLab,
  exists,
  makeCertbotFixture,
  parseShowAccount,
  runCertbot,
  startPebble,
} from './helpers/certbot-lab.js';
import { requireBinaries } from './helpers/system.js';

const LINEAGES = ['web', 'alone', 'w.example.test', 'second'];

/** `key = value` lines of a renewal conf (top level and [renewalparams]; no ini parser on purpose). */
function confValue(text: string, key: string): string | undefined {
  const m = new RegExp(`^${key.replace(/\./g, '\\.')}\\s*=\\s*(.*)$`, 'm').exec(text);
  return m?.[1]?.trim();
}

describe.skipIf(!requireBinaries('certbot+pebble lab', ['certbot', 'pebble', 'openssl']))('certbot lab', () => {
  let lab: PebbleLab;
  let fx: CertbotFixture;
  const conf = (name: string): Promise<string> => readFile(path.join(fx.configDir, 'renewal', `${name}.conf`), 'utf8');

  beforeAll(async () => {
    lab = await startPebble();
    fx = await makeCertbotFixture(lab);
  }, 120_000);

  afterAll(async () => {
    await fx?.cleanup();
    await lab?.stop();
  });

  it('serves a directory over TLS the lab CA cert verifies', async () => {
    expect(lab.directoryUrl).toMatch(/^https:\/\/localhost:\d+\/dir$/);
    expect(lab.env.REQUESTS_CA_BUNDLE).toBe(lab.caCertPath);
    expect(await readFile(lab.caCertPath, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(await readFile(lab.issuerRootPath, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('writes one renewal conf per lineage, and nothing else', async () => {
    for (const name of LINEAGES) expect(await exists(path.join(fx.configDir, 'renewal', `${name}.conf`))).toBe(true);
    expect((await readdir(path.join(fx.configDir, 'renewal'))).sort()).toEqual(LINEAGES.map((n) => `${n}.conf`).sort());
    expect(Object.keys(fx.lineages).sort()).toEqual([...LINEAGES].sort());
  });

  it('force-renewed web once: archive holds cert1 and cert2, live points at cert2', async () => {
    const archive = path.join(fx.configDir, 'archive', 'web');
    const files = await readdir(archive);
    expect(files.filter((f) => /^cert\d+\.pem$/.test(f)).sort()).toEqual(['cert1.pem', 'cert2.pem']);
    expect(await realpath(path.join(fx.configDir, 'live', 'web', 'cert.pem'))).toBe(
      await realpath(path.join(archive, 'cert2.pem')),
    );
    expect(fx.lineages.web!.certVersion).toBe(2);
    const [c1, c2] = await Promise.all(['cert1.pem', 'cert2.pem'].map((f) => readFile(path.join(archive, f), 'utf8')));
    expect(c1).not.toBe(c2);
  });

  it('other lineages are at version 1', async () => {
    for (const name of ['alone', 'w.example.test', 'second']) {
      expect(fx.lineages[name]!.certVersion).toBe(1);
      expect(path.basename(await realpath(path.join(fx.configDir, 'live', name, 'cert.pem')))).toBe('cert1.pem');
    }
  });

  it('has two distinct accounts on the same server', async () => {
    expect(fx.accounts).toHaveLength(2);
    const [a, b] = fx.accounts;
    expect(a!.id).not.toBe(b!.id);
    expect(a!.uri).not.toBe(b!.uri);
    for (const acct of fx.accounts) {
      expect(acct.id).toMatch(/^[0-9a-f]{32}$/);
      expect(acct.uri.startsWith(new URL(lab.directoryUrl).origin + '/')).toBe(true);
    }
  });

  it('certbot show_account in the fixture dir agrees with the recorded URIs', async () => {
    for (const acct of fx.accounts) {
      const res = await runCertbot(lab, fx, ['show_account', '--account', acct.id]);
      expect(res.exitCode, res.all).toBe(0);
      expect(parseShowAccount(res.stdout)).toBe(acct.uri);
    }
  });

  it('regr.json of each account holds its URI', async () => {
    for (const acct of fx.accounts) {
      const regr = JSON.parse(
        await readFile(path.join(fx.configDir, 'accounts', lab.serverNetloc, 'dir', acct.id, 'regr.json'), 'utf8'),
      ) as { uri?: string };
      expect(regr.uri).toBe(acct.uri);
    }
  });

  it('each renewal conf names its account, authenticator and server', async () => {
    for (const name of LINEAGES) {
      const text = await conf(name);
      const l = fx.lineages[name]!;
      expect(confValue(text, 'account')).toBe(l.accountId);
      expect(confValue(text, 'authenticator')).toBe(l.authenticator);
      expect(confValue(text, 'server')).toBe(lab.directoryUrl);
      expect(confValue(text, 'version')).toBe('2.1.0');
    }
    expect(fx.lineages.second!.accountId).toBe(fx.accounts[1]!.id);
    expect(confValue(await conf('second'), 'account')).toBe(fx.accounts[1]!.id);
    for (const name of ['web', 'alone', 'w.example.test']) expect(fx.lineages[name]!.accountId).toBe(fx.accounts[0]!.id);
  });

  it('records authenticator-specific settings', async () => {
    const wild = await conf('w.example.test');
    expect(confValue(wild, 'pref_challs')).toBe('dns-01,');
    expect(confValue(wild, 'manual_auth_hook')).toBe('/bin/true');
    const alone = await conf('alone');
    expect(confValue(alone, 'http01_port')).toBe(String(fx.lineages.alone!.http01Port));
    const web = await conf('web');
    expect(confValue(web, 'webroot_path')).toBe(`${fx.lineages.web!.webroot},`);
    expect(confValue(web, 'web.example.test')).toBe(fx.lineages.web!.webroot);
  });

  it('certbot certificates reports the requested names and a future expiry', () => {
    for (const name of LINEAGES) {
      const l = fx.lineages[name]!;
      expect([...l.reportedNames].sort()).toEqual([...l.names].sort());
      expect(l.expiry).toBeInstanceOf(Date);
      expect(l.expiry!.getTime()).toBeGreaterThan(Date.now());
      expect(l.serial).toMatch(/^[0-9a-f]+$/);
    }
    expect(fx.lineages['w.example.test']!.names).toContain('*.w.example.test');
  });

  it('issued certificates chain to pebble\'s issuing root', async () => {
    const live = path.join(fx.configDir, 'live', 'second');
    const res = await execa(
      'openssl',
      ['verify', '-CAfile', lab.issuerRootPath, '-untrusted', path.join(live, 'chain.pem'), path.join(live, 'cert.pem')],
      { reject: false, all: true },
    );
    expect(res.exitCode, res.all).toBe(0);
  });

  it('runCertbot reports failure instead of throwing', async () => {
    const res = await runCertbot(lab, fx, ['renew', '--cert-name', 'no-such-lineage']);
    expect(res.exitCode).not.toBe(0);
    expect(res.all).toMatch(/no-such-lineage|No certificate found/i);
  });

  it('renew --dry-run stays on pebble (certbot would switch to LE staging without --server)', async () => {
    // A --server on the command line (which --dry-run needs) makes certbot ignore the stored
    // account too (account depends on server), so with two accounts --account must be given.
    const res = await runCertbot(lab, fx, [
      'renew', '--dry-run', '--cert-name', 'w.example.test', '--account', fx.lineages['w.example.test']!.accountId,
    ]);
    expect(res.exitCode, res.all).toBe(0);
    expect(res.argv).toContain(lab.directoryUrl);
    expect(path.basename(await realpath(path.join(fx.configDir, 'live', 'w.example.test', 'cert.pem')))).toBe('cert1.pem');
  });

  it('with two accounts, certbot needs --account (non-interactive cannot choose)', async () => {
    const res = await runCertbot(lab, fx, ['show_account']);
    expect(res.exitCode).not.toBe(0);
    expect(res.all).toMatch(/choose an account/i);
  });

  // Mutates the fixture (second -> cert2): keep last.
  it('can renew a lineage of the second account again (renew without --server)', async () => {
    const res = await runCertbot(lab, fx, ['renew', '--cert-name', 'second', '--force-renewal']);
    expect(res.exitCode, res.all).toBe(0);
    expect(path.basename(await realpath(path.join(fx.configDir, 'live', 'second', 'cert.pem')))).toBe('cert2.pem');
    expect(confValue(await conf('second'), 'account')).toBe(fx.accounts[1]!.id);
  });
});
