// The DNS fault matrix (docs/RELIABILITY.md): a hostile resolver over real UDP and TCP sockets,
// one fault per name, each asserted for its verdict and for the time the whole check took. The
// promise under test: with --timeout T --retries R, a check ends within (R + 1) × T of its
// slowest answer, plus SLACK_MS for start-up and the rest of the work.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, startHostileDns, type Fault, type HostileDns } from './helpers/hostile-dns.js';
import { namesOf, runCli } from './helpers/run-cli.js';

const TIMEOUT_MS = 400;
const RETRIES = 1;
const BOUND_MS = (RETRIES + 1) * TIMEOUT_MS;
/** The stated constant on top of what --timeout/--retries promise (README "Waiting is bounded"). */
const SLACK_MS = 1000;

let hostile: HostileDns;
let noTcp: HostileDns;
beforeAll(async () => {
  hostile = await startHostileDns({ host: '127.53.66.1', otherHost: '127.53.66.2' });
  noTcp = await startHostileDns({ host: '127.53.66.3', otherHost: '127.53.66.4', tcp: false });
});
afterAll(async () => {
  await hostile.close();
  await noTcp.close();
});

/** A check of -d names through the given resolvers, timed. */
async function check(names: string[], resolvers: string[], extra: string[] = []) {
  const started = performance.now();
  const result = await runCli([
    '--json', ...names.flatMap((n) => ['-d', n]), ...resolvers.flatMap((r) => ['--resolver', r]),
    '--timeout', String(TIMEOUT_MS), '--retries', String(RETRIES), ...extra,
  ]);
  const ms = performance.now() - started;
  return { result, ms, names: namesOf(result) };
}

// status, and what the reason must say. fail = the CA would refuse; error = our own trouble.
const EXPECTED: Record<Fault, [string, RegExp]> = {
  ok: ['pass', /letsencrypt\.org/],
  silent: ['fail', /answers for the root but not for silent\.hostile\.test/],
  'tc-tcp-ok': ['pass', /letsencrypt\.org/],
  'tc-tcp-closed': ['error', /TCP: connection closed before a reply/],
  'tc-tcp-reset': ['error', /TCP: .*ECONNRESET/],
  'tc-tcp-lying': ['error', /no reply within 400 ms \(TCP\) after a truncated UDP reply/],
  'tc-tcp-lying-close': ['error', /TCP: connection closed before a reply/],
  servfail: ['fail', /SERVFAIL/],
  refused: ['fail', /REFUSED/],
  notimp: ['fail', /NOTIMP/],
  formerr: ['fail', /FORMERR/],
  'wrong-id': ['pass', /letsencrypt\.org/],
  'wrong-question': ['pass', /letsencrypt\.org/],
  'wrong-source': ['pass', /letsencrypt\.org/],
  'wrong-only': ['fail', /answers for the root but not for wrong-only/],
  garbage: ['pass', /letsencrypt\.org/],
  'garbage-only': ['fail', /answers for the root but not for garbage-only/],
  cut: ['error', /malformed reply/],
  'cname-loop': ['fail', /alias loop \(cname-loop\.hostile\.test -> loop-b\.hostile\.test -> cname-loop\.hostile\.test\)/],
  'cname-chain-20': ['fail', /a chain of more than 11 aliases/],
  'big-rrset': ['pass', /letsencrypt\.org/],
  'mixed-case': ['pass', /letsencrypt\.org/],
};

describe('one fault per name, all in one check', () => {
  let run: Awaited<ReturnType<typeof check>>;
  beforeAll(async () => {
    await check(['ok.hostile.test'], [hostile.arg]); // load the modules first: their start-up is not waiting
    run = await check(FAULTS.map((f) => `${f}.hostile.test`), [hostile.arg]);
  });
  it.each(FAULTS.map((f) => [f]))('%s', (fault) => {
    const entry = run.names.find((n) => n.name === `${fault}.hostile.test`);
    const [status, reason] = EXPECTED[fault];
    expect([entry?.status, entry?.reason]).toEqual([status, expect.stringMatching(reason)]);
  });
  it('ends within (retries + 1) × timeout plus the stated constant, and says what it waited for', () => {
    expect(run.ms).toBeLessThan(BOUND_MS + SLACK_MS);
    expect(run.result.code).toBe(1);
  });
  it('went over TCP exactly for the truncated answers', () => {
    const overTcp = new Set(hostile.received.filter((q) => q.transport === 'tcp').map((q) => q.name.split('.')[0]));
    expect([...overTcp].sort()).toEqual(['big-rrset', 'tc-tcp-closed', 'tc-tcp-lying', 'tc-tcp-lying-close', 'tc-tcp-ok', 'tc-tcp-reset']);
  });
  it('keeps mixed-case owners and every record of a 400-record RRset', () => {
    const big = run.names.find((n) => n.name === 'big-rrset.hostile.test');
    expect(big?.records).toHaveLength(400);
    const mixed = run.names.find((n) => n.name === 'mixed-case.hostile.test');
    expect(mixed?.records.map((r) => r.value)).toEqual(['letsencrypt.org']);
  });
});

describe('transport faults alone, each within its bound', () => {
  it('TC, then TCP refused: our own trouble, not the CA\'s', async () => {
    const { names, ms } = await check(['tc-tcp-ok.hostile.test'], [noTcp.arg], ['--no-authoritative']);
    expect(names[0]).toMatchObject({ status: 'error', reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
  });
  it('TC, then a TCP length prefix that lies and a connection left open: bounded by --timeout', async () => {
    const { names, ms } = await check(['tc-tcp-lying.hostile.test'], [hostile.arg], ['--no-authoritative']);
    expect(names[0]?.status).toBe('error');
    expect(ms).toBeGreaterThanOrEqual(BOUND_MS - 50); // it did wait: each try's TCP read timed out
    expect(ms).toBeLessThan(BOUND_MS + SLACK_MS);
  });
});

describe('silent resolvers', () => {
  let silent: dgram.Socket[];
  beforeAll(async () => {
    silent = await Promise.all(['127.53.66.5', '127.53.66.6'].map(async (host) => {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, host, resolve));
      return socket;
    }));
  });
  afterAll(() => {
    for (const s of silent) s.close();
  });
  const arg = (i: number): string => `${silent[i]!.address().address}:${silent[i]!.address().port}`;
  const many = ['ok', 'servfail', 'cname-loop', 'mixed-case', 'wrong-id'].map((f) => `${f}.hostile.test`);

  it('one silent resolver first: the next one answers, every name as if alone, in about one timeout', async () => {
    const { names, ms } = await check(many, [arg(0), hostile.arg]);
    expect(names.map((n) => n.status)).toEqual(['pass', 'fail', 'fail', 'pass', 'pass']);
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });
  it('every resolver silent: error for each name (our trouble), within resolvers × (retries + 1) × timeout', async () => {
    const { names, ms, result } = await check(many, [arg(0), arg(1)]);
    expect(names.map((n) => n.status)).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(names[0]?.reason).toMatch(/no answer from .*this machine and its resolver|no answer from/);
    expect(result.code).toBe(2);
    expect(ms).toBeLessThan(2 * BOUND_MS + SLACK_MS);
  });
  it('a dead resolver is noticed once, not waited out per name (the probe runs alongside the retries)', async () => {
    const started = performance.now();
    const result = await runCli(['--json', ...many.flatMap((n) => ['-d', n]), '--resolver', arg(0), '--timeout', '1000', '--retries', '2']);
    const ms = performance.now() - started;
    expect(namesOf(result).every((n) => n.status === 'error')).toBe(true);
    // The message counts the tries really made.
    expect(namesOf(result).map((n) => n.reason)).toContainEqual(expect.stringMatching(/\(2 tries, 1000 ms each; then not asked again: it answers nothing, not even for the root\)/));
    // 3 tries of 1 s promised; the root probe that finds it dead runs alongside the retries.
    expect(ms).toBeLessThan(3 * 1000 + SLACK_MS);
  });
});
