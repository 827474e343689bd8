// Private CAs (README "Private CAs"): an ACME directory served over HTTPS with a certificate from a
// root made here, read with the roots each client is told to trust — REQUESTS_CA_BUNDLE for
// certbot and -d, CA_PATH/CA_BUNDLE from acme.sh's account.conf, NODE_EXTRA_CA_CERTS for Node —
// and, where cheap, pebble's own directory read as certbot reads it.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDirectory, MAX_DIRECTORY_BYTES } from '../src/ca/directory.js';
import { CaResolver } from '../src/ca/resolve.js';
import type { CaBundle } from '../src/sources/lineage.js';
import type { JsonDocument } from '../src/report/json.js';
import { buildFleet } from './helpers/fleet.js';
import { runCertbotOk, startPebble, type CertbotDirs, type PebbleLab } from './helpers/certbot-lab.js';
import { documentOf, runCli } from './helpers/run-cli.js';
import { requireBinaries } from './helpers/system.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';

const HOST = '127.53.80.1';
const NOW = new Date('2026-11-25T12:00:00Z');
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

/** A root and a leaf for HOST signed by it (the server sends the leaf alone, as many do). */
async function makePki(dir: string, name: string): Promise<{ root: string; key: string; cert: string }> {
  const root = path.join(dir, `${name}-root.pem`);
  const rootKey = path.join(dir, `${name}-root.key`);
  const key = path.join(dir, `${name}-leaf.key`);
  const csr = path.join(dir, `${name}-leaf.csr`);
  const cert = path.join(dir, `${name}-leaf.pem`);
  const ext = path.join(dir, `${name}-leaf.ext`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await execa('openssl', ['req', '-x509', ...ec, '-keyout', rootKey, '-out', root, '-days', '2', '-subj', `/CN=${name} private root`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await execa('openssl', ['req', '-new', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=${HOST}`]);
  await writeFile(ext, `subjectAltName=IP:${HOST}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await execa('openssl', ['x509', '-req', '-in', csr, '-CA', root, '-CAkey', rootKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { root, key, cert };
}

describe.skipIf(!requireBinaries('private CA', ['openssl']))('private CAs', () => {
  let dir: string;
  let pki: { root: string; key: string; cert: string };
  let otherRoot: string;
  let server: https.Server;
  let base = '';
  let dns: TestDns;
  const hits: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-private-ca-'));
    pki = await makePki(dir, 'ca');
    otherRoot = (await makePki(dir, 'other')).root;
    server = https.createServer({ key: await readFile(pki.key), cert: await readFile(pki.cert) }, (req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/directory') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ newOrder: `${base}/new-order`, meta: { caaIdentities: ['CA.Private.Example'] } }));
      } else if (req.url === '/moved') {
        res.writeHead(301, { location: '/directory' }).end();
      } else if (req.url?.startsWith('/loop')) {
        res.writeHead(302, { location: `/loop${(req.url.length % 9) + 1}` }).end();
      } else if (req.url === '/huge') {
        res.setHeader('content-type', 'application/json');
        res.end(`{"pad":"${'x'.repeat(MAX_DIRECTORY_BYTES)}"}`);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    base = `https://${HOST}:${(server.address() as { port: number }).port}`;
    dns = await startTestDns({ 'private.test': ['0 issue "ca.private.example"'], 'z0.fleet': ['0 issue "ca.private.example"'] });
    await mkdir(path.join(dir, 'empty'));
  }, 60_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await dns?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const check = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--resolver', dns.arg, '--json'], { env, now: NOW });
  const requests = (file: string): CaBundle => ({ path: file, source: 'REQUESTS_CA_BUNDLE', from: 'the environment', replacesDefault: true });

  describe('-d names', () => {
    it('without a bundle: an error naming the TLS failure and where to name the root', async () => {
      const result = await check(['-d', 'private.test', '--ca', `${base}/directory`]);
      expect(result.code).toBe(2);
      const reason = documentOf(result).lineages[0]!.names[0]!.reason;
      expect(reason).toContain(`unknown CA ${base}/directory: could not read its ACME directory (unable to verify the first certificate)`);
      expect(reason).toMatch(/if the CA's root is private, point REQUESTS_CA_BUNDLE at it.*NODE_EXTRA_CA_CERTS=FILE; give the CA's CAA identity with --caa-identity/);
    });

    it('with REQUESTS_CA_BUNDLE: the identity, and the report names the bundle', async () => {
      const result = await check(['-d', 'private.test', '--ca', `${base}/directory`], { REQUESTS_CA_BUNDLE: pki.root });
      expect(result.code).toBe(0);
      const lineage = documentOf(result).lineages[0]!;
      expect(lineage).toMatchObject({ caIdentities: ['ca.private.example'], caIdentitySource: 'ACME directory meta.caaIdentities', status: 'pass' });
      expect(lineage.caTrust).toEqual(requests(pki.root));
      expect(lineage.notes).toContain(`CA identities read from ${base}/directory, trusting only ${pki.root} from REQUESTS_CA_BUNDLE`);
      // Where the facts came from is for -v (README "Reading the report").
      const text = await runCli(['-v', '-d', 'private.test', '--ca', `${base}/directory`, '--resolver', dns.arg], { env: { REQUESTS_CA_BUNDLE: pki.root }, now: NOW });
      expect(text.stdout.replace(/\s+/g, ' ')).toContain(`note: CA identities read from ${base}/directory, trusting only ${pki.root} from REQUESTS_CA_BUNDLE`);
    });

    it('CURL_CA_BUNDLE is requests\' second choice; REQUESTS_CA_BUNDLE wins over it', async () => {
      const curl = documentOf(await check(['-d', 'private.test', '--ca', `${base}/directory`], { CURL_CA_BUNDLE: pki.root })).lineages[0]!;
      expect(curl.caTrust?.source).toBe('CURL_CA_BUNDLE');
      expect(curl.status).toBe('pass');
      const both = await check(['-d', 'private.test', '--ca', `${base}/directory`], { REQUESTS_CA_BUNDLE: otherRoot, CURL_CA_BUNDLE: pki.root });
      expect(documentOf(both).lineages[0]!.names[0]!.reason).toContain(`trusting only ${otherRoot} from REQUESTS_CA_BUNDLE`);
    });

    it('a bundle replaces the default roots, as requests does: the wrong root fails, and no advice is given', async () => {
      const result = await check(['-d', 'private.test', '--ca', `${base}/directory`], { REQUESTS_CA_BUNDLE: otherRoot });
      expect(result.code).toBe(2);
      const reason = documentOf(result).lineages[0]!.names[0]!.reason;
      expect(reason).toContain(`(unable to verify the first certificate, trusting only ${otherRoot} from REQUESTS_CA_BUNDLE)`);
      expect(reason).not.toContain('if the CA\'s root is private');
    });

    it('a bundle that is not there is an error naming the file and the setting', async () => {
      const missing = path.join(dir, 'nope.pem');
      const result = await check(['-d', 'private.test', '--ca', `${base}/directory`], { REQUESTS_CA_BUNDLE: missing });
      expect(documentOf(result).lineages[0]!.names[0]!.reason).toContain(`(cannot use the CA bundle ${missing} from REQUESTS_CA_BUNDLE: no such file); give`);
      const empty = path.join(dir, 'empty.pem');
      await writeFile(empty, 'not a certificate\n');
      const none = await check(['-d', 'private.test', '--ca', `${base}/directory`], { REQUESTS_CA_BUNDLE: empty });
      expect(documentOf(none).lineages[0]!.names[0]!.reason).toContain(`(cannot use the CA bundle ${empty} from REQUESTS_CA_BUNDLE: it holds no PEM certificate); give`);
    });
  });

  describe('certbot lineages', () => {
    let configDir: string;
    beforeAll(async () => {
      configDir = (await buildFleet(path.join(dir, 'certbot'), { lineages: 1, sans: 2, zones: 1, now: NOW, server: `${base}/directory` })).configDir;
    });

    it('read REQUESTS_CA_BUNDLE from preflight\'s environment', async () => {
      const result = await check(['--config-dir', configDir, '--acme-home', path.join(dir, 'empty')], { REQUESTS_CA_BUNDLE: pki.root });
      const doc = documentOf(result);
      expect(doc.lineages).toHaveLength(1);
      expect(doc.lineages[0]).toMatchObject({ source: 'certbot', caIdentities: ['ca.private.example'], caTrust: requests(pki.root), status: 'pass' });
      expect(doc.lineages[0]!.accountUri).toBe(`${base}/acme/acct/4242`);
    });

    it('without it, fail on the TLS error with certbot\'s advice', async () => {
      const doc = documentOf(await check(['--config-dir', configDir, '--acme-home', path.join(dir, 'empty')]));
      expect(doc.lineages[0]!.status).toBe('error');
      expect(doc.lineages[0]!.caTrust).toBeNull();
      expect(doc.lineages[0]!.names.map((n) => n.reason)).toEqual([expect.stringMatching(/unable to verify the first certificate\); if the CA's root is private, point REQUESTS_CA_BUNDLE/), expect.any(String)]);
    });
  });

  describe('acme.sh homes', () => {
    /** An acme.sh home whose account.conf holds `settings`, with one certificate renewing at our directory. */
    async function acmeHome(name: string, settings: string[]): Promise<string> {
      const home = path.join(dir, name);
      await mkdir(path.join(home, 'private.test'), { recursive: true });
      await writeFile(path.join(home, 'account.conf'), [`#LOG_FILE="${home}/acme.sh.log"`, "ACCOUNT_EMAIL='hostmaster@private.test'", ...settings, ''].join('\n'));
      await writeFile(path.join(home, 'private.test', 'private.test.conf'), [
        "Le_Domain='private.test'", "Le_Alt='no'", "Le_Webroot='/var/www/private'", `Le_API='${base}/directory'`,
        "Le_Keylength='ec-256'", "Le_CertCreateTime='1788220800'", "Le_NextRenewTime='1793404800'", '',
      ].join('\n'));
      return home;
    }
    const run = (home: string, env: NodeJS.ProcessEnv = {}) => check(['--acme-home', home, '--config-dir', path.join(dir, 'empty')], env);

    it('use CA_BUNDLE from account.conf, and the report names it and the file it came from', async () => {
      const home = await acmeHome('acme-bundle', [`CA_BUNDLE='${pki.root}'`]);
      const lineage = documentOf(await run(home)).lineages.find((l) => l.source === 'acme.sh')!;
      expect(lineage).toMatchObject({ caIdentities: ['ca.private.example'], status: 'pass' });
      expect(lineage.caTrust).toEqual({ path: pki.root, source: 'CA_BUNDLE', from: path.join(home, 'account.conf'), replacesDefault: true });
      expect(lineage.notes).toContain(`CA identities read from ${base}/directory, trusting only ${pki.root} from CA_BUNDLE in ${path.join(home, 'account.conf')}`);
    });

    it('ignore REQUESTS_CA_BUNDLE, which acme.sh does not read', async () => {
      const home = await acmeHome('acme-none', []);
      const reason = documentOf(await run(home, { REQUESTS_CA_BUNDLE: pki.root })).lineages[0]!.names[0]!.reason;
      expect(reason).toMatch(/unable to verify the first certificate\); if the CA's root is private, name it as acme\.sh does, with --ca-bundle FILE \(saved as CA_BUNDLE in account\.conf/);
    });

    it('take CA_PATH (hashed links, as curl --capath) over CA_BUNDLE, as acme.sh does', async () => {
      const hashed = path.join(dir, 'hashed');
      await mkdir(hashed);
      const hash = (await execa('openssl', ['x509', '-hash', '-noout', '-in', pki.root])).stdout.trim();
      await symlink(pki.root, path.join(hashed, `${hash}.0`));
      await symlink(path.join(dir, 'gone.pem'), path.join(hashed, 'deadbeef.0')); // dangling: skipped
      const home = await acmeHome('acme-path', [`CA_BUNDLE='${otherRoot}'`, `CA_PATH='${hashed}'`]);
      const lineage = documentOf(await run(home)).lineages[0]!;
      expect(lineage.status).toBe('pass');
      expect(lineage.caTrust).toMatchObject({ path: hashed, source: 'CA_PATH' });
    });

    it('name a CA_BUNDLE that cannot be read, with the account.conf that names it', async () => {
      const missing = path.join(dir, 'moved-away.pem');
      const home = await acmeHome('acme-missing', [`CA_BUNDLE='${missing}'`]);
      const reason = documentOf(await run(home)).lineages[0]!.names[0]!.reason;
      expect(reason).toContain(`(cannot use the CA bundle ${missing} from CA_BUNDLE in ${path.join(home, 'account.conf')}: no such file); give`);
    });
  });

  describe('NODE_EXTRA_CA_CERTS', () => {
    it('is trusted besides the default roots by the built command, which Node loaded it into', async () => {
      const result = await execa('node', [bin, '-d', 'private.test', '--ca', `${base}/directory`, '--resolver', dns.arg, '--json'], {
        reject: false, env: { NODE_EXTRA_CA_CERTS: pki.root }, extendEnv: false,
      });
      const lineage = (JSON.parse(result.stdout) as JsonDocument).lineages[0]!;
      expect(lineage).toMatchObject({ status: 'pass', caIdentities: ['ca.private.example'] });
      expect(lineage.caTrust).toEqual({ path: pki.root, source: 'NODE_EXTRA_CA_CERTS', from: 'the environment', replacesDefault: false });
      expect(lineage.notes).toContain(`CA identities read from ${base}/directory, trusting ${pki.root} from NODE_EXTRA_CA_CERTS besides Node's default roots`);
    });

    it('is not trusted where the client\'s bundle replaces the default roots (requests\' REQUESTS_CA_BUNDLE)', async () => {
      const result = await execa('node', [bin, '-d', 'private.test', '--ca', `${base}/directory`, '--resolver', dns.arg, '--json'], {
        reject: false, env: { NODE_EXTRA_CA_CERTS: pki.root, REQUESTS_CA_BUNDLE: otherRoot }, extendEnv: false,
      });
      expect(result.exitCode).toBe(2);
      const lineage = (JSON.parse(result.stdout) as JsonDocument).lineages[0]!;
      expect(lineage.names[0]!.reason).toContain(`(unable to verify the first certificate, trusting only ${otherRoot} from REQUESTS_CA_BUNDLE)`);
    });

    it('that cannot be read is named (Node itself only warns at start-up)', async () => {
      const missing = path.join(dir, 'extra-gone.pem');
      const result = await check(['-d', 'private.test', '--ca', `${base}/directory`], { NODE_EXTRA_CA_CERTS: missing });
      expect(documentOf(result).lineages[0]!.names[0]!.reason).toContain(`(cannot use the CA bundle ${missing} from NODE_EXTRA_CA_CERTS: no such file); give`);
    });

    it('comes after the client\'s own setting', async () => {
      const result = await check(['-d', 'private.test', '--ca', `${base}/directory`], { REQUESTS_CA_BUNDLE: pki.root, NODE_EXTRA_CA_CERTS: otherRoot });
      expect(documentOf(result).lineages[0]!.caTrust?.source).toBe('REQUESTS_CA_BUNDLE');
    });
  });

  describe('the directory fetch', () => {
    it('reads each directory once per set of roots: a failure without the bundle is not reused with it', async () => {
      const resolver = new CaResolver({ identityOverride: [], now: NOW, directoryTimeoutMs: 5000 });
      hits.length = 0;
      expect((await resolver.resolve(`${base}/directory`)).ok).toBe(false);
      const ok = await resolver.resolve(`${base}/directory`, { bundle: requests(pki.root) });
      expect(ok.ok && ok.ca.identities).toEqual(['ca.private.example']);
      expect((await resolver.resolve(`${base}/directory`, { bundle: requests(pki.root) })).ok).toBe(true);
      expect(hits).toEqual(['/directory']); // the first try never got past TLS; the third was cached
    });

    it('follows a redirect, and at most three', async () => {
      await expect(fetchDirectory(`${base}/moved`, 5000, requests(pki.root))).resolves.toMatchObject({ meta: { caaIdentities: ['CA.Private.Example'] } });
      await expect(fetchDirectory(`${base}/loop0`, 5000, requests(pki.root))).rejects.toThrow('more than 3 redirects');
    });

    it('reads at most a mebibyte', async () => {
      await expect(fetchDirectory(`${base}/huge`, 5000, requests(pki.root))).rejects.toThrow(`the answer is larger than ${MAX_DIRECTORY_BYTES} bytes`);
    });
  });
});

describe.skipIf(!requireBinaries('private CA with pebble', ['certbot', 'pebble']))('pebble, as certbot reads it', () => {
  let lab: PebbleLab;
  let root: string;
  let dirs: CertbotDirs;
  let dns: TestDns;
  beforeAll(async () => {
    lab = await startPebble();
    root = await mkdtemp(path.join(os.tmpdir(), 'preflight-private-pebble-'));
    dirs = { configDir: path.join(root, 'config'), workDir: path.join(root, 'work'), logsDir: path.join(root, 'logs') };
    // One real lineage, issued by pebble: its renewal conf names pebble's directory.
    await runCertbotOk(lab, dirs, ['certonly', '--manual', '--preferred-challenges', 'dns', '--manual-auth-hook', '/bin/true', '--cert-name', 'one', '-d', 'one.example.test']);
    dns = await startTestDns({});
  }, 120_000);
  afterAll(async () => {
    await dns?.close();
    await lab?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const run = (env: NodeJS.ProcessEnv) => runCli(['--config-dir', dirs.configDir, '--acme-home', root, '--resolver', dns.arg, '--json'], { env });

  it('with REQUESTS_CA_BUNDLE at pebble\'s root, TLS passes and the directory is read: pebble lists no meta.caaIdentities', async () => {
    const doc = documentOf(await run({ REQUESTS_CA_BUNDLE: lab.caCertPath }));
    expect(doc.lineages.map((l) => [l.name, l.server])).toEqual([['one', lab.directoryUrl]]);
    expect(doc.lineages[0]!.names[0]!.reason).toBe(
      `unknown CA ${lab.directoryUrl}: its ACME directory lists no meta.caaIdentities; give the CA's CAA identity with --caa-identity DOMAIN`,
    );
  });

  it('without it, the TLS failure', async () => {
    const reason = documentOf(await run({})).lineages[0]!.names[0]!.reason;
    expect(reason).toMatch(/could not read its ACME directory \(self-signed certificate\); if the CA's root is private, point REQUESTS_CA_BUNDLE/);
  });
});
