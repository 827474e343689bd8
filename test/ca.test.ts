// CA identities: the built-in table, --caa-identity, and meta.caaIdentities fetched from an
// unknown ACME directory over real HTTP (once per run, with a timeout).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAuthority } from '../src/ca/authorities.js';
import { CaResolver } from '../src/ca/resolve.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import { namesOf, runCli } from './helpers/run-cli.js';
import type { JsonDocument } from '../src/report/json.js';

let dns: TestDns;
let server: http.Server;
let base = '';
const hits: string[] = [];
beforeAll(async () => {
  dns = await startTestDns({
    'private.test': ['0 issue "ca.internal.example"'],
    'zs.test': ['0 issue "sectigo.com"'],
  });
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/with-caa/directory') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ newOrder: 'x', meta: { caaIdentities: ['CA.Internal.Example.'] } }));
    } else if (req.url === '/no-caa/directory') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ newOrder: 'x', meta: { termsOfService: 'x' } }));
    } else if (req.url === '/hang/directory') {
      // never answers: the fetch must time out
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dns.close();
});

describe('built-in CA table', () => {
  it.each([
    ['letsencrypt', 'letsencrypt'],
    ['https://acme-v02.api.letsencrypt.org/directory', 'letsencrypt'],
    ['https://ACME-V02.api.letsencrypt.org/directory/', 'letsencrypt'],
    ['letsencrypt_test', 'letsencrypt-staging'],
    ['https://acme-staging-v02.api.letsencrypt.org/directory', 'letsencrypt-staging'],
    ['https://acme.zerossl.com/v2/DV90', 'zerossl'],
    ['googletest', 'google-staging'],
    ['https://acme.ssl.com/sslcom-dv-ecc', 'sslcom'],
    ['actalis.com', 'actalis'],
  ])('%s -> %s', (input, id) => {
    expect(findAuthority(input)?.id).toBe(id);
  });
  it('gives ZeroSSL its Sectigo identities, not zerossl.com', () => {
    const zerossl = findAuthority('zerossl')!;
    expect(zerossl.caaIdentities).toContain('sectigo.com');
    expect(zerossl.caaIdentities).not.toContain('zerossl.com');
  });
});

describe('resolved once per run', () => {
  it('hands every lineage of one CA the same resolution, and a lineage with other roots its own', async () => {
    const resolver = new CaResolver({ identityOverride: [], now: new Date(), directoryTimeoutMs: 200 });
    const server = 'https://acme-v02.api.letsencrypt.org/directory';
    const bundle = { path: '/etc/ssl/private-root.pem', source: 'CA_BUNDLE' as const, from: 'account.conf', replacesDefault: true };
    const [a, b, c, d] = await Promise.all([
      resolver.resolve(server, { client: 'certbot' }),
      resolver.resolve(server, { client: 'certbot' }),
      resolver.resolve(server, { client: 'acme.sh', bundle }),
      resolver.resolve('zerossl', { client: 'certbot' }),
    ]);
    expect(a.ok && b.ok && c.ok && d.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok || !d.ok) return;
    expect(b.ca).toBe(a.ca); // the same object: explanations are shared on it
    expect(c.ca).not.toBe(a.ca);
    expect(d.ca.identities).toContain('sectigo.com');
  });
});

describe('unknown directories', () => {
  it('reads meta.caaIdentities once per run and normalises them', async () => {
    hits.length = 0;
    const result = await runCli(['-d', 'private.test', '-d', 'sub.private.test', '--ca', `${base}/with-caa/directory`, '--resolver', dns.arg, '--json']);
    const doc = JSON.parse(result.stdout) as JsonDocument;
    expect(doc.lineages[0]?.caIdentities).toEqual(['ca.internal.example']);
    expect(doc.lineages[0]?.caIdentitySource).toBe('ACME directory meta.caaIdentities');
    expect(namesOf(result).map((n) => n.status)).toEqual(['pass', 'pass']);
    expect(hits).toEqual(['/with-caa/directory']);
  });
  it('is an error asking for --caa-identity when the directory lists none', async () => {
    const result = await runCli(['-d', 'private.test', '--ca', `${base}/no-caa/directory`, '--resolver', dns.arg, '--json']);
    expect(result.code).toBe(2);
    expect(namesOf(result)[0]).toMatchObject({ status: 'error', reason: expect.stringMatching(/no meta\.caaIdentities.*--caa-identity/) });
  });
  it('gives up on a directory that does not answer', async () => {
    const resolver = new CaResolver({ identityOverride: [], now: new Date(), directoryTimeoutMs: 200 });
    const started = Date.now();
    const result = await resolver.resolve(`${base}/hang/directory`);
    expect(result.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });
  it('lets --caa-identity override any CA, without fetching', async () => {
    hits.length = 0;
    const result = await runCli(['-d', 'private.test', '--ca', `${base}/no-caa/directory`, '--caa-identity', 'ca.internal.example', '--resolver', dns.arg, '--json']);
    expect(namesOf(result)[0]!.status).toBe('pass');
    expect(hits).toEqual([]);
  });
  it('rejects an unknown short name as a usage error naming the choices', async () => {
    const result = await runCli(['-d', 'zs.test', '--ca', 'nosuchca', '--resolver', dns.arg, '--json']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--ca "nosuchca" is not a CA short name \(letsencrypt, letsencrypt-staging, zerossl/);
  });
});
