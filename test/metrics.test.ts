// The node_exporter textfile (--metrics-file): every series with HELP/TYPE and no duplicates,
// values that agree with the JSON report of the same run, no series that come and go with a
// verdict, the last success carried over a failed run, and what `preflight run` blocked.
// Lineages come from the bundled sample; DNS from the in-process test server.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/check.js';
import { writeDemoSample } from '../src/commands/demo.js';
import { lastSuccessIn, renderMetrics } from '../src/report/metrics.js';
import type { JsonDocument } from '../src/report/json.js';
import { startBlackhole, startTestDns, type TestDns } from './helpers/test-dns.js';
import { runCli } from './helpers/run-cli.js';

const NOW = new Date('2026-11-25T12:00:00Z'); // the sample certificates are due then
const LATER = new Date('2026-11-26T12:00:00Z');
const epoch = (d: Date | string): number => Math.floor(new Date(d).getTime() / 1000);

// api.example.org fails (accounturi of another account), blog.example.net (ZeroSSL) fails.
const failing = {
  'example.com': ['0 issue "letsencrypt.org"'],
  'example.org': ['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1111"'],
  'example.net': ['0 issue "letsencrypt.org"'],
  'example.dev': ['0 issue "letsencrypt.org"'],
};
// The zones exist without CAA (but example.com's): every CA may issue, everything passes.
const passing = { 'example.com': ['0 issue "letsencrypt.org"'], 'example.org': [], 'example.net': [], 'example.dev': [] };

let dir: string;
let sample: { configDir: string; acmeHome: string };
let failDns: TestDns;
let passDns: TestDns;
let stubs: string;
let log: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-metrics-'));
  sample = await writeDemoSample(dir);
  failDns = await startTestDns(failing);
  passDns = await startTestDns(passing);
  stubs = path.join(dir, 'bin');
  await mkdir(stubs);
  log = path.join(dir, 'calls.log');
  // A stand-in certbot that records its call and whether a metrics file existed while it ran.
  await writeFile(
    path.join(stubs, 'certbot'),
    '#!/bin/sh\nprintf \'%s\\n\' "certbot $*" >> "$STUB_LOG"\n[ -e "$METRICS" ] && echo "metrics file present" >> "$STUB_LOG"\nexit ${STUB_EXIT:-0}\n',
  );
  await chmod(path.join(stubs, 'certbot'), 0o755);
});
afterAll(async () => {
  await failDns.close();
  await passDns.close();
  await rm(dir, { recursive: true, force: true });
});

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parse the text exposition format strictly, checking the rules node_exporter's parser and
 * promtool enforce: HELP then TYPE before a metric's samples, each metric's lines together,
 * label values escaped, numeric values, no series twice, a final newline.
 */
function parseExposition(text: string): Series[] {
  expect(text.endsWith('\n')).toBe(true);
  const series: Series[] = [];
  const seen = new Set<string>();
  const finished = new Set<string>();
  let current = null as { name: string; type: boolean } | null;
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (current?.name !== name) {
        if (current) finished.add(current.name);
        expect(finished.has(name), `${name} appears in two places`).toBe(false);
        expect(kind, `${name}: HELP comes first`).toBe('HELP');
        current = { name, type: false };
      } else {
        expect(kind, `${name}: one HELP, then one TYPE`).toBe('TYPE');
        expect(current.type).toBe(false);
        expect(rest).toBe('gauge');
        current.type = true;
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(sample, `not a sample: ${line}`).not.toBeNull();
    const [, name, rawLabels = '', rawValue] = sample as unknown as [string, string, string | undefined, string];
    expect(current?.name, `${line}: sample outside its metric's HELP/TYPE`).toBe(name);
    expect(current?.type, `${name}: TYPE before samples`).toBe(true);
    const labels: Record<string, string> = {};
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let at = 0;
    while (at < rawLabels.length) {
      pair.lastIndex = at;
      const m = pair.exec(rawLabels);
      expect(m, `bad labels in ${line}`).not.toBeNull();
      labels[m![1]!] = m![2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      at = pair.lastIndex;
    }
    const value = Number(rawValue);
    expect(Number.isFinite(value), `value of ${line}`).toBe(true);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    expect(seen.has(key), `duplicate series ${line}`).toBe(false);
    seen.add(key);
    series.push({ name, labels, value });
  }
  return series;
}

/** The value of the one series of `name` whose labels include `labels`. */
function valueOf(series: Series[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(hits.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return hits[0]?.value;
}

/** Series identities (name and labels), without values. */
const identities = (series: Series[]): string[] => series.map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort();

const checkArgs = (dns: { arg: string }, file: string, extra: string[] = []) => [
  '--config-dir', sample.configDir, '--acme-home', sample.acmeHome, '--resolver', dns.arg, '--timeout', '300', '--retries', '0',
  '--format', 'prometheus', '--metrics-file', file, ...extra,
];

describe('metrics file of a check', () => {
  it('has every series, with HELP/TYPE and no duplicates, agreeing with the JSON report of the same run', async () => {
    const file = path.join(dir, 'check', 'caa.prom');
    const status = path.join(dir, 'check', 'status.json');
    await mkdir(path.dirname(file));
    const result = await runCli(checkArgs(failDns, file, ['--status-file', status]), { now: NOW });
    expect(result.code).toBe(1);
    const series = parseExposition(await readFile(file, 'utf8'));
    const doc = JSON.parse(await readFile(status, 'utf8')) as JsonDocument;
    expect(doc.lineages.length).toBe(5);

    for (const l of doc.lineages) {
      const labels = { source: l.source, lineage: l.name, conf: l.confPath ?? '' };
      expect(valueOf(series, 'caa_preflight_lineage_status', labels)).toBe({ pass: 0, warn: 1, error: 2, fail: 3 }[l.status]);
      expect(valueOf(series, 'caa_preflight_lineage_due', labels)).toBe(l.due === null ? undefined : Number(l.due));
      expect(valueOf(series, 'caa_preflight_due_timestamp_seconds', labels)).toBe(l.dueAt === null ? undefined : epoch(l.dueAt));
      expect(valueOf(series, 'caa_preflight_certificate_expiry_timestamp_seconds', labels)).toBe(l.expires === null ? undefined : epoch(l.expires));
      for (const n of l.names) {
        expect(valueOf(series, 'caa_preflight_name_status', { ...labels, name: n.name })).toBe({ pass: 0, warn: 1, error: 2, fail: 3 }[n.status]);
      }
    }
    // The sample's certbot lineages have certificates (expiry known), its acme.sh ones only confs.
    expect(series.filter((s) => s.name === 'caa_preflight_certificate_expiry_timestamp_seconds')).toHaveLength(2);
    expect(series.filter((s) => s.name === 'caa_preflight_due_timestamp_seconds')).toHaveLength(5);
    const api = { source: 'certbot', lineage: 'api.example.org', conf: path.join(sample.configDir, 'renewal', 'api.example.org.conf') };
    expect(valueOf(series, 'caa_preflight_name_status', { ...api, name: 'api.example.org' })).toBe(3);
    expect(valueOf(series, 'caa_preflight_lineage_due', api)).toBe(1);
    expect(valueOf(series, 'caa_preflight_certificate_expiry_timestamp_seconds', api)).toBe(epoch('2026-11-30T00:00:00Z'));

    for (const s of ['pass', 'warn', 'error', 'fail'] as const) {
      expect(valueOf(series, 'caa_preflight_names', { status: s })).toBe(doc.summary[s]);
      expect(valueOf(series, 'caa_preflight_lineages', { status: s })).toBe(doc.lineages.filter((l) => l.status === s).length);
    }
    expect(valueOf(series, 'caa_preflight_names', { status: 'fail' })).toBe(2);
    expect(valueOf(series, 'caa_preflight_source_errors')).toBe(0);
    expect(valueOf(series, 'caa_preflight_last_run_timestamp_seconds')).toBe(epoch(NOW));
    expect(valueOf(series, 'caa_preflight_last_success_timestamp_seconds')).toBe(epoch(NOW)); // fail is the CA's verdict, not our error
    const duration = valueOf(series, 'caa_preflight_run_duration_seconds')!;
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(60);
    // Only run writes the wrapper's series; no label says a status.
    expect(series.some((s) => s.name.startsWith('caa_preflight_run_blocked'))).toBe(false);
    expect(series.filter((s) => 'status' in s.labels).every((s) => /^caa_preflight_(names|lineages)$/.test(s.name))).toBe(true);
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the same series when verdicts change (only values change)', async () => {
    const file = path.join(dir, 'churn.prom');
    await runCli(checkArgs(passDns, file), { now: NOW });
    const before = parseExposition(await readFile(file, 'utf8'));
    await runCli(checkArgs(failDns, file), { now: LATER });
    const after = parseExposition(await readFile(file, 'utf8'));
    expect(before.filter((s) => s.name === 'caa_preflight_lineage_status').every((s) => s.value === 0)).toBe(true);
    expect(after.filter((s) => s.name === 'caa_preflight_lineage_status').some((s) => s.value === 3)).toBe(true);
    expect(identities(after)).toEqual(identities(before));
  });

  it('carries the last success over a run with errors of our own, from the file it replaces', async () => {
    const file = path.join(dir, 'carry.prom');
    const dead = await startBlackhole();
    try {
      await runCli(checkArgs(passDns, file), { now: NOW });
      const failed = await runCli(checkArgs(dead, file, ['--no-authoritative', '--timeout', '100']), { now: LATER });
      expect(failed.code).toBe(2);
      const series = parseExposition(await readFile(file, 'utf8'));
      expect(valueOf(series, 'caa_preflight_names', { status: 'error' })).toBeGreaterThan(0);
      expect(valueOf(series, 'caa_preflight_last_run_timestamp_seconds')).toBe(epoch(LATER));
      expect(valueOf(series, 'caa_preflight_last_success_timestamp_seconds')).toBe(epoch(NOW));
      // Without a readable previous value: 0, "none recorded".
      await writeFile(file, 'garbage\0\ncaa_preflight_last_success_timestamp_seconds NaN\n');
      await runCli(checkArgs(dead, file, ['--no-authoritative', '--timeout', '100']), { now: LATER });
      expect(valueOf(parseExposition(await readFile(file, 'utf8')), 'caa_preflight_last_success_timestamp_seconds')).toBe(0);
    } finally {
      await dead.close();
    }
  });
});

describe('metrics file of preflight run', () => {
  const run = (file: string, command: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(['run', '--resolver', failDns.arg, '--timeout', '300', '--retries', '0', '--metrics-file', file, '--', ...command], {
      now: NOW,
      env: { PATH: process.env.PATH, STUB_LOG: log, METRICS: file, ...env },
    });

  it('is written once, after the command, with what was blocked and the command\'s exit code', async () => {
    const file = path.join(dir, 'run.prom');
    await rm(log, { force: true });
    const result = await run(file, [path.join(stubs, 'certbot'), 'renew', '--config-dir', sample.configDir], { STUB_EXIT: '3' });
    expect(result.code).toBe(1);
    // The command ran (for the passing lineage only) before any metrics file existed.
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([`certbot renew --config-dir ${sample.configDir} --cert-name example.com`]);
    const series = parseExposition(await readFile(file, 'utf8'));
    const conf = (name: string) => path.join(sample.configDir, 'renewal', `${name}.conf`);
    expect(valueOf(series, 'caa_preflight_run_blocked_lineages')).toBe(1);
    expect(valueOf(series, 'caa_preflight_run_blocked', { lineage: 'api.example.org', conf: conf('api.example.org') })).toBe(1);
    expect(valueOf(series, 'caa_preflight_run_blocked', { lineage: 'example.com', conf: conf('example.com') })).toBe(0);
    expect(valueOf(series, 'caa_preflight_run_command_exit_code')).toBe(3);
    expect(valueOf(series, 'caa_preflight_lineage_status', { lineage: 'api.example.org' })).toBe(3);
  });

  it('passes the exit code of a command it ran unchanged; has no exit code when the command did not run', async () => {
    const file = path.join(dir, 'run-one.prom');
    const certbot = path.join(stubs, 'certbot');
    const passed = await run(file, [certbot, 'renew', '--config-dir', sample.configDir, '--cert-name', 'example.com'], { STUB_EXIT: '4' });
    expect(passed.code).toBe(4);
    let series = parseExposition(await readFile(file, 'utf8'));
    expect(valueOf(series, 'caa_preflight_run_blocked_lineages')).toBe(0);
    expect(valueOf(series, 'caa_preflight_run_command_exit_code')).toBe(4);
    const blocked = await run(file, [certbot, 'renew', '--config-dir', sample.configDir, '--cert-name', 'api.example.org']);
    expect(blocked.code).toBe(1);
    series = parseExposition(await readFile(file, 'utf8'));
    expect(valueOf(series, 'caa_preflight_run_blocked_lineages')).toBe(1);
    expect(valueOf(series, 'caa_preflight_run_command_exit_code')).toBeUndefined();
  });
});

describe('renderMetrics and lastSuccessIn', () => {
  const at = { writtenAt: NOW, previousSuccess: null };
  it('keeps acme.sh RSA and ECC certificates of one name apart (no duplicate series)', () => {
    const lineage = (conf: string) => ({ source: 'acme.sh', name: 'x.example', confPath: conf, due: true, dueAt: null, expires: null, status: 'pass', names: [{ name: 'x.example', status: 'pass' }] });
    const report = { status: 'pass', errors: [], notices: [], lineages: [lineage('/a/x.example/x.example.conf'), lineage('/a/x.example_ecc/x.example.conf')] } as unknown as Report;
    expect(parseExposition(renderMetrics(report, at)).filter((s) => s.name === 'caa_preflight_name_status')).toHaveLength(2);
  });
  it('escapes label values', () => {
    const report = {
      status: 'warn', errors: [], notices: [],
      lineages: [{ source: 'acme.sh', name: 'we"ird\\name\n', due: null, dueAt: null, expires: null, status: 'warn', names: [{ name: 'a.example', status: 'warn' }] }],
    } as unknown as Report;
    const text = renderMetrics(report, at);
    expect(text).toContain('lineage="we\\"ird\\\\name\\n"');
    expect(parseExposition(text).find((s) => s.name === 'caa_preflight_lineage_status')?.labels.lineage).toBe('we"ird\\name\n');
    // Unknown due state and dates: those series are left out, and so are their HELP/TYPE lines.
    expect(text).not.toMatch(/caa_preflight_(lineage_due|due_timestamp_seconds|certificate_expiry_timestamp_seconds)/);
  });
  it('reads the previous last success only from the top of a file, and tolerates anything else', async () => {
    const file = path.join(dir, 'previous.prom');
    const line = 'caa_preflight_last_success_timestamp_seconds 1795608000\n';
    await writeFile(file, `# HELP x\n${line}${'x 1\n'.repeat(1 << 20)}`); // 4 MiB: only its head is read
    expect(lastSuccessIn(file)).toBe(1795608000);
    await writeFile(file, `${'#\n'.repeat(64 * 1024)}${line}`);
    expect(lastSuccessIn(file)).toBeNull();
    await writeFile(file, Buffer.from([0xff, 0xfe, 0, 1, 2]));
    expect(lastSuccessIn(file)).toBeNull();
    expect(lastSuccessIn(path.join(dir, 'missing.prom'))).toBeNull();
    expect(lastSuccessIn(dir)).toBeNull();
  });
});
