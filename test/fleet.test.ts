// A fleet checked the way `npm run bench` checks one, at a size a test can afford: every suffix
// asked exactly once (the benchmark's "queries = minimum" is this property), every name judged,
// and the report's text kept one-byte (a single two-byte string makes V8 build the whole JSON
// report two-byte: twice the bytes to make and write, README "Speed").
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCertbotLineages } from '../src/sources/certbot.js';
import { buildFleet, lineageNames, type Fleet } from './helpers/fleet.js';
import { issueCertificate, makeIssuer } from './helpers/x509.js';
import { namesOf, runCli } from './helpers/run-cli.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';

/** Whether V8 holds a string one byte per character (its serializer tags those '"'). */
const oneByte = (text: string): boolean => v8.serialize(text)[2] === 0x22;

describe('a fleet of 40 lineages x 5 names under 4 zones', () => {
  let root: string;
  let fleet: Fleet;
  let dns: TestDns;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'preflight-fleet-test-'));
    fleet = await buildFleet(root, { lineages: 40, sans: 5, zones: 4, now: new Date() });
    dns = await startTestDns({ [fleet.tld]: [], ...Object.fromEntries(fleet.zones.map((z) => [z, ['0 issue "letsencrypt.org"']])) });
  });
  afterAll(async () => {
    await dns?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('asks each distinct suffix exactly once, and every name passes', async () => {
    const result = await runCli(['--all', '--config-dir', fleet.configDir, '--acme-home', root, '--resolver', dns.arg, '--no-authoritative', '--json']);
    expect(result.code).toBe(0);
    expect(namesOf(result)).toHaveLength(fleet.names.length);
    expect(namesOf(result).every((n) => n.status === 'pass')).toBe(true);
    const asked = dns.queries.map((q) => q.name);
    expect(new Set(asked).size).toBe(fleet.suffixes);
    expect(asked).toHaveLength(fleet.suffixes);
  });
  it('reads lineages whose every string is one-byte', async () => {
    const { lineages } = await readCertbotLineages(fleet.configDir, new Date());
    expect(lineages).toHaveLength(40);
    for (const l of lineages) {
      const texts = [l.name, l.server, l.accountUri ?? '', l.accountSource ?? '', l.challengeSource ?? '', l.confPath ?? '', ...l.names, ...l.notes];
      expect(texts.filter((t) => !oneByte(t))).toEqual([]);
    }
  });
});

describe("certbot's newest archive version (storage.latest_common_version)", () => {
  it('reads due-ness from the highest version all four files have, not from a half-written newer one', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'preflight-archive-test-'));
    try {
      const now = new Date();
      const fleet = await buildFleet(root, { lineages: 1, sans: 1, zones: 1, now });
      const [name] = lineageNames(0, 1, 1, fleet.tld);
      const archive = path.join(fleet.configDir, 'archive', name!);
      const issuer = makeIssuer();
      const day = 86_400_000;
      const cert = (serial: number, days: number): string => issueCertificate(issuer, [name!], serial, new Date(now.getTime() - day), new Date(now.getTime() + days * day));
      // Version 2 complete (renewed, live/ not yet moved), version 3 only half there.
      for (const kind of ['cert', 'chain', 'fullchain', 'privkey']) await writeFile(path.join(archive, `${kind}2.pem`), kind === 'privkey' ? issuer.pem : cert(2, 60));
      await writeFile(path.join(archive, 'cert3.pem'), cert(3, 85));
      await writeFile(path.join(archive, 'privkey3.pem'), issuer.pem);
      const { lineages } = await readCertbotLineages(fleet.configDir, now);
      expect(lineages).toHaveLength(1);
      expect(Math.round((lineages[0]!.expires!.getTime() - now.getTime()) / day)).toBe(60);
      expect(lineages[0]!.due).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
