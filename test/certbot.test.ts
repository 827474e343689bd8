// The certbot reader on configurations made by the real certbot (Debian's 2.1.0, against a local
// pebble): names = the live certificate's SANs, account URI = what `certbot show_account`
// prints, challenge from the authenticator, due-ness, verdicts, and broken confs that are
// reported with their path while every other lineage is still checked; `preflight list` of them.
import { cp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertbotFixture, startPebble, type CertbotFixture, type PebbleLab } from './helpers/certbot-lab.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import { runCli } from './helpers/run-cli.js';
import type { JsonDocument } from '../src/report/json.js';
import type { ListDocument } from '../src/report/listing.js';
import { requireBinaries } from './helpers/system.js';

const available = requireBinaries('certbot readers on real certbot files', ['certbot', 'pebble', 'openssl']);
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

type Doc = JsonDocument;

describe.skipIf(!available)('certbot lineages made by the real certbot', () => {
  let lab: PebbleLab;
  let fx: CertbotFixture;
  let dns: TestDns;
  const check = async (args: string[], now = new Date()): Promise<{ code: number; doc: Doc }> => {
    const r = await runCli([...args, '--resolver', dns.arg, '--caa-identity', 'pebble.test', '--json', '--acme-home', fx.root], { now });
    return { code: r.code, doc: JSON.parse(r.stdout) as Doc };
  };
  const lineage = (doc: Doc, name: string) => doc.lineages.find((l) => l.name === name)!;

  beforeAll(async () => {
    lab = await startPebble();
    fx = await makeCertbotFixture(lab);
    const [first, second] = fx.accounts;
    expect(first!.uri).not.toBe(second!.uri);
    dns = await startTestDns({
      'example.test': ['0 issue "pebble.test"'],
      // bound to the account that really renews it
      'alone.example.test': [`0 issue "pebble.test; accounturi=${fx.lineages.alone!.accountUri}"`],
      // bound to the other account: blocked
      'second.example.test': [`0 issue "pebble.test; accounturi=${fx.lineages.web!.accountUri}"`],
      // dns-01 only: fine for the manual dns lineage, blocks the webroot one
      'w.example.test': ['0 issue "pebble.test; validationmethods=dns-01"'],
      'web.example.test': ['0 issue "pebble.test; validationmethods=dns-01"'],
    });
  }, 180_000);
  afterAll(async () => {
    await dns?.close();
    await fx?.cleanup();
    await lab?.stop();
  });

  describe('reading the fixture', () => {
    let doc: Doc;
    let code: number;
    beforeAll(async () => {
      ({ doc, code } = await check(['--config-dir', fx.configDir]));
    });

    it('finds every lineage, each from certbot', () => {
      expect(doc.lineages.map((l) => l.name).sort()).toEqual(Object.keys(fx.lineages).sort());
      expect(doc.lineages.every((l) => l.source === 'certbot')).toBe(true);
      expect(doc.errors).toEqual([]);
    });
    it('takes the names from the certificate, as `certbot certificates` lists them', () => {
      for (const [name, expected] of Object.entries(fx.lineages)) {
        expect(lineage(doc, name).names.map((n) => n.name).sort(), name).toEqual([...expected.reportedNames].sort());
      }
    });
    it('gives each lineage the expiry `certbot certificates` prints (to the second), and when it becomes due', () => {
      for (const [name, expected] of Object.entries(fx.lineages)) {
        expect(expected.expiry, name).toBeInstanceOf(Date);
        const expires = lineage(doc, name).expires;
        expect(expires !== null && Math.floor(Date.parse(expires) / 1000), name).toBe(Math.floor(expected.expiry!.getTime() / 1000));
        expect(Date.parse(lineage(doc, name).dueAt ?? '')).toBeLessThan(Date.parse(expires!));
      }
    });
    it('reads the renewed certificate (cert2) through the live symlink', () => {
      expect(lineage(doc, 'web').notes.join('\n')).toMatch(/names from .*archive\/web\/cert2\.pem/);
    });
    it('finds the account each lineage renews with, as `certbot show_account` reports it', () => {
      for (const [name, expected] of Object.entries(fx.lineages)) {
        expect(lineage(doc, name).accountUri, name).toBe(expected.accountUri);
        expect(lineage(doc, name).accountSource).toMatch(new RegExp(`/accounts/.*/${expected.accountId}/regr\\.json$`));
      }
    });
    it('derives the challenge from the authenticator and pref_challs', () => {
      expect(lineage(doc, 'web').challenge).toBe('http-01');
      expect(lineage(doc, 'alone').challenge).toBe('http-01');
      expect(lineage(doc, 'w.example.test').challenge).toBe('dns-01');
      expect(lineage(doc, 'second').challenge).toBe('http-01');
    });
    it('reports the server and the CA identities in use', () => {
      for (const l of doc.lineages) {
        expect(l.server).toBe(fx.serverUrl);
        expect(l.caIdentities).toEqual(['pebble.test']);
      }
    });
    it('gives the verdicts the CAA requires', () => {
      expect(lineage(doc, 'alone').status).toBe('pass'); // accounturi = its own account
      expect(lineage(doc, 'second').status).toBe('fail'); // accounturi of the other account
      expect(lineage(doc, 'second').names[0]!.reason).toMatch(/accounturi=.*": its accounturi names another account; this renewal uses https:/);
      expect(lineage(doc, 'w.example.test').status).toBe('pass'); // manual dns-01 under validationmethods=dns-01
      expect(lineage(doc, 'web').names.map((n) => n.status)).toEqual(['fail', 'fail']); // webroot is http-01
      expect(doc.status).toBe('fail');
      expect(code).toBe(1);
    });
  });

  it('computes due-ness with certbot 2.x rules (30 days before expiry) and filters with --due', async () => {
    const expiry = fx.lineages.alone!.expiry!;
    const early = await check(['--config-dir', fx.configDir, '--due'], new Date(expiry.getTime() - 40 * 86_400_000));
    expect(early.doc.lineages).toHaveLength(0);
    const late = await check(['--config-dir', fx.configDir, '--due'], new Date(expiry.getTime() - 20 * 86_400_000));
    expect(late.doc.lineages.map((l) => l.name).sort()).toEqual(Object.keys(fx.lineages).sort());
    expect(late.doc.lineages.every((l) => l.due === true)).toBe(true);
  });

  it('selects one lineage with --cert-name', async () => {
    const { doc } = await check(['--config-dir', fx.configDir, '--cert-name', 'alone']);
    expect(doc.lineages.map((l) => l.name)).toEqual(['alone']);
  });

  it('preflight list shows what `certbot certificates` and `certbot show_account` say, with no DNS (exit 0)', async () => {
    // No --resolver, and runCli's resolv.conf does not exist: a listing needs no DNS.
    const now = new Date(fx.lineages.alone!.expiry!.getTime() - 40 * 86_400_000);
    const json = await runCli(['list', '--config-dir', fx.configDir, '--acme-home', fx.root, '--json'], { now });
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as ListDocument;
    expect(listed.errors).toEqual([]);
    expect(listed.lineages.map((l) => l.name).sort()).toEqual(Object.keys(fx.lineages).sort());
    const text = await runCli(['list', '--config-dir', fx.configDir, '--acme-home', fx.root], { now });
    expect(text.code).toBe(0);
    for (const [name, expected] of Object.entries(fx.lineages)) {
      const l = listed.lineages.find((x) => x.name === name)!;
      expect(l.source).toBe('certbot');
      expect([...l.names].sort(), name).toEqual([...expected.reportedNames].sort());
      expect(Math.floor(Date.parse(l.expires!) / 1000), name).toBe(Math.floor(expected.expiry!.getTime() / 1000));
      expect(l.accountUri, name).toBe(expected.accountUri);
      expect(l.ca).toBe(new URL(fx.serverUrl).host); // pebble is in no table: named by its host
      expect(l.due).toBe(false);
      const block = text.stdout.split('\n\n').find((b) => b.startsWith(`Certificate Name: ${name}   (certbot)`))!;
      expect(block, name).toBeDefined();
      const stamp = `${expected.expiry!.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      expect(block).toContain(`  Expiry: in ${Math.floor((expected.expiry!.getTime() - now.getTime()) / 86_400_000)} days (${stamp})\n`);
      expect(block).toContain(`  Account: ${expected.accountUri}\n`);
      const domains = /^ {2}Domains: (.*)$/m.exec(block.replace(/\n {11}/g, ' '))![1]!.split(' ');
      expect(domains.sort(), name).toEqual([...expected.reportedNames].sort());
    }
    expect(text.stdout).toMatch(/\n4 certificates \(certbot: 4, acme\.sh: 0\); 0 due now; 0 configuration errors\n$/);
  });

  it("asks an unknown CA's directory for its identities: pebble lists none, so the check says to give --caa-identity", async () => {
    const r = await execa('node', [bin, '--config-dir', fx.configDir, '--cert-name', 'alone', '--resolver', dns.arg, '--json'], {
      env: { ...process.env, ...lab.env }, reject: false,
    });
    expect(r.exitCode).toBe(2);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.lineages[0]!.names[0]!.reason).toMatch(/lists no meta\.caaIdentities; give the CA's CAA identity with --caa-identity/);
  });

  describe('broken and unusual confs', () => {
    let copy: string;
    let doc: Doc;
    let code: number;
    beforeAll(async () => {
      copy = path.join(fx.root, 'copy');
      await cp(fx.configDir, copy, { recursive: true, verbatimSymlinks: true });
      const renewal = path.join(copy, 'renewal');
      for (const file of await readdir(renewal)) {
        const p = path.join(renewal, file);
        await writeFile(p, (await readFile(p, 'utf8')).replaceAll(fx.configDir, copy));
      }
      const edit = async (name: string, fn: (text: string) => string) => {
        const p = path.join(renewal, `${name}.conf`);
        await writeFile(p, fn(await readFile(p, 'utf8')));
      };
      // configobj would reject this line
      await edit('web', (t) => t.replace('[renewalparams]', 'this line is not valid\n[renewalparams]'));
      // the certificate is gone
      await unlink(path.join(copy, 'archive', 'alone', 'cert1.pem'));
      // an account that does not exist: reported, but the lineage is still checked
      await edit('second', (t) => t.replace(/^account = .*$/m, 'account = 00000000000000000000000000000000'));
      // no authenticator
      await edit('w.example.test', (t) => t.replace(/^authenticator = .*$/m, ''));
      // certbot only reads *.conf
      await writeFile(path.join(renewal, 'web.conf.bak'), 'garbage');
      ({ doc, code } = await check(['--config-dir', copy]));
    });
    afterAll(async () => {
      await rm(copy, { recursive: true, force: true });
    });

    it('reports each broken conf with its path and a one-line cause', () => {
      const byPath = (suffix: string) => doc.errors.filter((e) => e.path?.endsWith(suffix)).map((e) => e.message);
      expect(byPath('renewal/web.conf')).toEqual([expect.stringMatching(/broken \(line \d+: invalid line "this line is not valid"/)]);
      expect(byPath('renewal/alone.conf')).toEqual([expect.stringMatching(/cannot read the certificate .*live\/alone\/cert\.pem: no such file/)]);
      expect(byPath('renewal/w.example.test.conf')).toEqual([expect.stringMatching(/does not specify an authenticator/)]);
      expect(doc.errors.some((e) => e.path?.includes('00000000000000000000000000000000') && /cannot read the account/.test(e.message))).toBe(true);
      expect(doc.errors.every((e) => !e.message.includes('\n'))).toBe(true);
      expect(doc.errors.some((e) => e.path?.endsWith('.bak'))).toBe(false);
    });
    it('still checks the lineage whose account is unreadable, with the account unknown', () => {
      expect(doc.lineages.map((l) => l.name)).toEqual(['second']);
      const second = lineage(doc, 'second');
      expect(second.accountUri).toBeNull();
      expect(second.status).toBe('error'); // its CAA binds an account, and the account is unknown
      expect(code).toBe(2);
    });
  });

  it('uses renew_before_expiry when set, and the 2/3-lifetime default of certbot 4+', async () => {
    const copy = path.join(fx.root, 'copy-due');
    await cp(fx.configDir, copy, { recursive: true, verbatimSymlinks: true });
    const conf = path.join(copy, 'renewal', 'alone.conf');
    const text = (await readFile(conf, 'utf8')).replaceAll(fx.configDir, copy);
    const expiry = fx.lineages.alone!.expiry!;
    try {
      await writeFile(conf, `renew_before_expiry = 2 weeks\n${text}`);
      const at = (days: number) => new Date(expiry.getTime() - days * 86_400_000);
      expect(lineage((await check(['--config-dir', copy, '--cert-name', 'alone'], at(15))).doc, 'alone').due).toBe(false);
      expect(lineage((await check(['--config-dir', copy, '--cert-name', 'alone'], at(13))).doc, 'alone').due).toBe(true);
      // certbot 4+: due after 2/3 of the lifetime (pebble's certificates live 5 years)
      await writeFile(conf, text.replace(/^version = .*$/m, 'version = 4.1.0'));
      const yearAfterIssue = new Date(expiry.getTime() - 4 * 365 * 86_400_000);
      expect(lineage((await check(['--config-dir', copy, '--cert-name', 'alone'], yearAfterIssue)).doc, 'alone').due).toBe(false);
      const fourYearsIn = new Date(expiry.getTime() - 365 * 86_400_000);
      expect(lineage((await check(['--config-dir', copy, '--cert-name', 'alone'], fourYearsIn)).doc, 'alone').due).toBe(true);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
