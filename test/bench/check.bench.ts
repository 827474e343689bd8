// `npm run bench`: what the resolver's cache, de-duplication and concurrency buy, and the cost
// of the pure evaluation. Figures and ratios are printed by vitest; nothing here asserts time.
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { evaluateCaa } from '../../src/caa/evaluate.js';
import { AUTHORITIES } from '../../src/ca/authorities.js';
import { explainName, newSharedExplanations } from '../../src/explain/explain.js';
import { caaLookupNames, toCheckName } from '../../src/caa/name.js';
import type { CaaLookup } from '../../src/dns/lookup.js';
import { Resolver } from '../../src/dns/resolver.js';
import { startTestDns, type TestDns } from '../helpers/test-dns.js';

const ZONES = 10;
const HOSTS = 10;
const names = Array.from({ length: ZONES * HOSTS }, (_, i) => `host${i % HOSTS}.zone${Math.floor(i / HOSTS)}.bench`);
const zone = Object.fromEntries(Array.from({ length: ZONES }, (_, z) => [`zone${z}.bench`, { caa: ['0 issue "letsencrypt.org"'], delayMs: 2 }]));

let dns: TestDns;
beforeAll(async () => {
  dns = await startTestDns(zone);
});
afterAll(async () => {
  await dns.close();
});

const resolver = (concurrency: number) => new Resolver({ servers: [dns], timeoutMs: 2000, retries: 0, concurrency });
const climb = (r: Resolver, name: string) => Promise.all(caaLookupNames(name).map((n) => r.lookupCaa(n)));

describe(`${names.length} names under ${ZONES} zones (2 ms per answer)`, () => {
  bench('preflight: all names at once through one caching resolver', async () => {
    const r = resolver(16);
    await Promise.all(names.map((n) => climb(r, n)));
  }, { iterations: 10 });
  bench('naive: one name at a time, a fresh resolver (no cache) for each', async () => {
    for (const n of names) await climb(resolver(16), n);
  }, { iterations: 3 });
});

describe('concurrency bound of one caching resolver, same work', () => {
  bench('concurrency 16 (default)', async () => {
    const r = resolver(16);
    await Promise.all(names.map((n) => climb(r, n)));
  }, { iterations: 10 });
  bench('concurrency 1', async () => {
    const r = resolver(1);
    await Promise.all(names.map((n) => climb(r, n)));
  }, { iterations: 5 });
});

describe('pure evaluation and explanation of one name', () => {
  const name = toCheckName('www.example.com');
  const found: CaaLookup = {
    kind: 'records', name: 'example.com', chain: [], server: null, transport: 'udp', validated: false,
    records: [
      { owner: 'example.com', flags: 128, tag: 'iodef', value: 'mailto:sec@example.com' },
      { owner: 'example.com', flags: 0, tag: 'issue', value: 'sectigo.com' },
      { owner: 'example.com', flags: 0, tag: 'issue', value: 'letsencrypt.org.' },
      { owner: 'example.com', flags: 0, tag: 'issue', value: 'letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1; validationmethods=dns-01' },
    ],
  };
  const levels: CaaLookup[] = [{ kind: 'empty', name: 'www.example.com', chain: [], server: null, transport: 'udp', validated: false, nxdomain: false }, found];
  const policy = { identities: ['letsencrypt.org'], accountUriPrefixes: ['https://acme-v02.api.letsencrypt.org/acme/acct/'], otherAccountUriPrefixes: [], enforcesRfc8657: true };
  const context = { accountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/2', method: 'http-01', accountSource: null, methodSource: null };
  const view = { label: 'letsencrypt', displayName: "Let's Encrypt", policy, staging: false, catalog: AUTHORITIES };
  const run = newSharedExplanations();
  bench('evaluateCaa only', () => {
    evaluateCaa(levels, false, policy, context);
  });
  bench('evaluateCaa + explainName (with fix proposal)', () => {
    explainName(name, evaluateCaa(levels, false, policy, context), view, context);
  });
  bench('… for a name under an RRset the run already explained (a fleet under one zone)', () => {
    explainName(name, evaluateCaa(levels, false, policy, context, run.assessments), view, context, run);
  });
});
