// `preflight run -- COMMAND`: which lineages it lets the client renew, with stand-in certbot
// and acme.sh executables that record how they were called (the real certbot runs in
// e2e-certbot.test.ts). Lineages come from the bundled sample, written as the real tools do.
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { parseWrappedCommand } from '../src/commands/run.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import { runCli } from './helpers/run-cli.js';
import type { JsonDocument } from '../src/report/json.js';

const NOW = new Date('2026-11-25T12:00:00Z'); // the sample certificates are due then
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

let dir: string;
let sample: { configDir: string; acmeHome: string };
let stubs: string;
let log: string;
let dns: TestDns;

// example.com's three names pass; api.example.org fails (accounturi); blog.example.net (ZeroSSL)
// fails; the *.example.dev certificate passes.
const zone = {
  'example.com': ['0 issue "letsencrypt.org"'],
  'example.org': ['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1111"'],
  'example.net': ['0 issue "letsencrypt.org"'],
  'example.dev': ['0 issue "letsencrypt.org"'],
};

async function stub(name: string, body: string): Promise<string> {
  const file = path.join(stubs, name);
  await writeFile(file, `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "$STUB_LOG"\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}
const calls = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-run-'));
  sample = await writeDemoSample(dir);
  stubs = path.join(dir, 'bin');
  await mkdir(stubs);
  log = path.join(dir, 'calls.log');
  dns = await startTestDns(zone);
  await stub('certbot', 'exit ${STUB_EXIT:-0}');
  await stub('acme.sh', 'exit ${STUB_EXIT:-0}');
});
afterAll(async () => {
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await rm(log, { force: true });
});

const run = (preflightArgs: string[], command: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(['run', '--resolver', dns.arg, '--timeout', '300', '--retries', '0', ...preflightArgs, '--', ...command], {
    now: NOW,
    env: { PATH: process.env.PATH, STUB_LOG: log, ...env },
  });

describe('certbot', () => {
  it('renews only the passing due lineages, one --cert-name at a time, and exits 1', async () => {
    const certbot = path.join(stubs, 'certbot');
    const result = await run([], [certbot, '-q', 'renew', '--config-dir', sample.configDir, '--no-random-sleep-on-renew']);
    expect(await calls()).toEqual([`certbot -q renew --config-dir ${sample.configDir} --no-random-sleep-on-renew --cert-name example.com`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAIL\s+certbot api\.example\.org/);
    expect(result.stderr).toMatch(/preflight run: blocked api\.example\.org .*example\.com: renewed/);
    expect(result.stdout).toBe('');
  });
  it('runs the command once, unchanged, when nothing fails, and passes its exit code through', async () => {
    const certbot = path.join(stubs, 'certbot');
    const command = [certbot, 'renew', '--config-dir', sample.configDir, '--cert-name', 'example.com'];
    const result = await run([], command, { STUB_EXIT: '3' });
    expect(await calls()).toEqual([`certbot renew --config-dir ${sample.configDir} --cert-name example.com`]);
    expect(result.code).toBe(3);
  });
  it('starts no order at all when the only lineage asked for fails', async () => {
    const certbot = path.join(stubs, 'certbot');
    const result = await run([], [certbot, 'renew', '--config-dir', sample.configDir, '--cert-name', 'api.example.org']);
    expect(await calls()).toEqual([]);
    expect(result.code).toBe(1);
  });
  it('renews a lineage whose check is only an error (our trouble), unless --strict', async () => {
    // Without its account file, api.example.org's accounturi-bound CAA cannot be judged: error.
    const accounts = path.join(sample.configDir, 'accounts');
    await rename(accounts, `${accounts}.away`);
    try {
      const certbot = path.join(stubs, 'certbot');
      const command = [certbot, 'renew', '--config-dir', sample.configDir];
      const lenient = await run([], command);
      expect(lenient.stderr).toMatch(/ERROR\s+certbot api\.example\.org/);
      expect(await calls()).toEqual([`certbot renew --config-dir ${sample.configDir}`]);
      expect(lenient.code).toBe(0);
      await rm(log, { force: true });
      const strict = await run(['--strict'], command);
      expect(await calls()).toEqual([`certbot renew --config-dir ${sample.configDir} --cert-name example.com`]);
      expect(strict.code).toBe(1);
    } finally {
      await rename(`${accounts}.away`, accounts);
    }
  });
  it("reads our --config-dir when the certbot command names none", async () => {
    const certbot = path.join(stubs, 'certbot');
    const result = await run(['--config-dir', sample.configDir], [certbot, '-q', 'renew']);
    expect(await calls()).toEqual(['certbot -q renew --cert-name example.com']);
    expect(result.code).toBe(1);
  });
  it('checks nothing before a command that does not renew', async () => {
    const certbot = path.join(stubs, 'certbot');
    const result = await run([], [certbot, 'certificates', '--config-dir', sample.configDir]);
    expect(await calls()).toEqual([`certbot certificates --config-dir ${sample.configDir}`]);
    expect(result.stderr).toMatch(/does not renew; running it unchanged/);
    expect(result.code).toBe(0);
  });
  it('checks --dry-run against Let\'s Encrypt staging and the staging account', async () => {
    const staging = path.join(sample.configDir, 'accounts', 'acme-staging-v02.api.letsencrypt.org', 'directory', 'abc');
    await mkdir(staging, { recursive: true });
    await writeFile(path.join(staging, 'regr.json'), JSON.stringify({ body: {}, uri: 'https://acme-staging-v02.api.letsencrypt.org/acme/acct/77' }));
    const status = path.join(dir, 'dry-run.json');
    try {
      const certbot = path.join(stubs, 'certbot');
      await run(['--status-file', status], [certbot, 'renew', '--dry-run', '--config-dir', sample.configDir]);
      const doc = JSON.parse(await readFile(status, 'utf8')) as JsonDocument;
      for (const l of doc.lineages) {
        expect(l.server).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
        expect(l.accountUri).toBe('https://acme-staging-v02.api.letsencrypt.org/acme/acct/77');
      }
      expect(doc.lineages.find((l) => l.name === 'api.example.org')?.names[0]?.reason).toMatch(/staging/);
    } finally {
      await rm(path.join(sample.configDir, 'accounts', 'acme-staging-v02.api.letsencrypt.org'), { recursive: true, force: true });
    }
  });
});

describe('acme.sh', () => {
  it('renews each passing due certificate with --renew -d (and --ecc), never the failing one', async () => {
    const acme = path.join(stubs, 'acme.sh');
    const result = await run([], [acme, '--cron', '--home', sample.acmeHome]);
    expect(await calls()).toEqual([
      `acme.sh --home ${sample.acmeHome} --renew -d *.example.dev --ecc`,
      `acme.sh --home ${sample.acmeHome} --renew -d mail.example.dev`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/blocked blog\.example\.net/);
  });
});

describe('any other command (a renewal script, sudo, env)', () => {
  let emptyHome: string;
  let passingDir: string;
  let script: string;
  beforeAll(async () => {
    emptyHome = path.join(dir, 'no-acme');
    await mkdir(emptyHome, { recursive: true });
    // A copy of the certbot sample without the failing lineage.
    const copy = await writeDemoSample(path.join(dir, 'passing'));
    passingDir = copy.configDir;
    await rm(path.join(passingDir, 'renewal', 'api.example.org.conf'));
    // What admins wrap: certbot, then a reload; the child sees that the check was done.
    script = path.join(stubs, 'renew-all.sh');
    await writeFile(script, `#!/bin/sh\nprintf '%s\\n' "renew-all checked=$CAA_PREFLIGHT_CHECKED" >> "$STUB_LOG"\n"${stubs}/certbot" -q renew\nexit \${STUB_EXIT:-0}\n`);
    await chmod(script, 0o755);
  });
  it('does not run it when a due lineage fails, says why, and exits 1', async () => {
    const result = await run(['--config-dir', sample.configDir, '--acme-home', emptyHome], [script]);
    expect(await calls()).toEqual([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAIL\s+certbot api\.example\.org/);
    expect(result.stderr).toMatch(/preflight run: not running .*renew-all\.sh: it renews whatever it renews.*blocked api\.example\.org \(the CA would refuse\)/);
  });
  it('--blocked-exit-code tells "blocked" from the command\'s own failure', async () => {
    const blocked = await run(['--blocked-exit-code', '75', '--config-dir', sample.configDir, '--acme-home', emptyHome], [script]);
    expect(blocked.code).toBe(75);
    expect(await calls()).toEqual([]);
    const failed = await run(['--blocked-exit-code', '75', '--config-dir', passingDir, '--acme-home', emptyHome], [script], { STUB_EXIT: '1' });
    expect(failed.code).toBe(1);
    expect(await calls()).toEqual(['renew-all checked=run', 'certbot -q renew']);
  });
  it('runs it unchanged when nothing fails, and passes its exit code through', async () => {
    const result = await run(['--config-dir', passingDir, '--acme-home', emptyHome], ['sh', script], { STUB_EXIT: '3' });
    expect(await calls()).toEqual(['renew-all checked=run', 'certbot -q renew']);
    expect(result.code).toBe(3);
  });
  it('also for a prefix such as env, which hides certbot from the wrapper', async () => {
    const result = await run(['--config-dir', sample.configDir, '--acme-home', emptyHome], ['env', 'X=1', path.join(stubs, 'certbot'), 'renew']);
    expect(await calls()).toEqual([]);
    expect(result.code).toBe(1);
  });
  it('with the resolver down, says the renewals go ahead unchecked; --strict says they were held back unchecked', async () => {
    const dead = ['--resolver', '127.53.0.9:9', '--timeout', '200', '--retries', '0', '--no-authoritative'];
    const lenient = await runCli(['run', ...dead, '--config-dir', passingDir, '--acme-home', emptyHome, '--', script], {
      now: NOW, env: { PATH: process.env.PATH, STUB_LOG: log },
    });
    expect(lenient.code).toBe(0);
    expect(await calls()).toEqual(['renew-all checked=run', 'certbot -q renew']);
    expect(lenient.stderr).toMatch(/could not check example\.com \(our own trouble.*so those renewals go ahead unchecked/);
    await rm(log, { force: true });
    const strict = await runCli(['run', ...dead, '--strict', '--config-dir', passingDir, '--acme-home', emptyHome, '--', script], {
      now: NOW, env: { PATH: process.env.PATH, STUB_LOG: log },
    });
    expect(strict.code).toBe(1);
    expect(await calls()).toEqual([]);
    expect(strict.stderr).toMatch(/blocked example\.com \(could not be checked; --strict\)/);
    expect(strict.stderr).not.toMatch(/CA would refuse/);
  });
});

describe('acme.sh command-line overrides', () => {
  it('--staging checks against Let\'s Encrypt staging with the staging CA folder\'s account', async () => {
    const caDir = path.join(sample.acmeHome, 'ca', 'acme-staging-v02.api.letsencrypt.org', 'directory');
    await mkdir(caDir, { recursive: true });
    await writeFile(path.join(caDir, 'ca.conf'), "ACCOUNT_URL='https://acme-staging-v02.api.letsencrypt.org/acme/acct/55'\n");
    const status = path.join(dir, 'staging.json');
    try {
      await run(['--status-file', status], [path.join(stubs, 'acme.sh'), '--cron', '--staging', '--home', sample.acmeHome]);
      const doc = JSON.parse(await readFile(status, 'utf8')) as JsonDocument;
      expect(doc.lineages.length).toBeGreaterThan(0);
      for (const l of doc.lineages) {
        expect(l.server).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
        expect(l.accountUri).toBe('https://acme-staging-v02.api.letsencrypt.org/acme/acct/55');
      }
    } finally {
      await rm(path.join(sample.acmeHome, 'ca', 'acme-staging-v02.api.letsencrypt.org'), { recursive: true, force: true });
    }
  });
  it('--cert-home on the command line is where it looks for certificates', async () => {
    const status = path.join(dir, 'cert-home.json');
    const emptyHome = path.join(dir, 'empty-home');
    await mkdir(emptyHome, { recursive: true });
    await run(['--status-file', status], [path.join(stubs, 'acme.sh'), '--cron', '--home', emptyHome, '--cert-home', sample.acmeHome]);
    const doc = JSON.parse(await readFile(status, 'utf8')) as JsonDocument;
    expect(doc.lineages.map((l) => l.name).sort()).toEqual(['*.example.dev', 'blog.example.net', 'mail.example.dev']);
  });
});

describe('usage', () => {
  it.each([
    [['run'], /needs the renewal command after --/],
    [['run', '--blocked-exit-code', '0', '--', 'certbot', 'renew'], /--blocked-exit-code must be between 1 and 125/],
    [['--blocked-exit-code', '75', '-d', 'example.com'], /--blocked-exit-code applies to preflight run only/],
    [['run', '-d', 'example.com', '--', 'certbot', 'renew'], /-d, --all and --cert-name do not apply/],
    [['run', '--json', '--', 'certbot', 'renew'], /use --status-file FILE/],
  ])('%j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
  });
  it('recognises the clients by executable name', () => {
    expect(parseWrappedCommand(['/usr/bin/certbot', '-q', 'renew'])?.renews).toBe(true);
    expect(parseWrappedCommand(['certbot', '--config-dir', '/x', 'renew'])?.renews).toBe(true);
    expect(parseWrappedCommand(['certbot', 'certonly', '-d', 'x'])?.renews).toBe(false);
    expect(parseWrappedCommand(['/root/.acme.sh/acme.sh', '--cron'])?.renews).toBe(true);
    expect(parseWrappedCommand(['acme.sh', '--renew', '-d', 'x.example'])?.renews).toBe(true);
    expect(parseWrappedCommand(['acme.sh', '--list'])?.renews).toBe(false);
    // Anything else is a renewal script or a prefix: checked all or nothing.
    expect(parseWrappedCommand(['/usr/local/sbin/renew-all.sh'])).toBeNull();
    expect(parseWrappedCommand(['sudo', '-u', 'acme', 'acme.sh', '--cron'])).toBeNull();
  });
});

describe('signals and exit codes, as a separate process', () => {
  // A renewal script whose certbot (a grandchild of run) records each signal it gets and its pid.
  const grandchild = (signals: string) =>
    `sh -c 'for s in ${signals}; do trap "echo grandchild-got-\$s >> \"\$STUB_LOG\"; exit 0" \$s; done; ` +
    `echo "grandchild-pid \$\$" >> "$STUB_LOG"; while :; do sleep 0.05; done'`;
  // Running, not merely a zombie waiting for an init that does not reap (as in some containers).
  const alive = async (pid: number): Promise<boolean> => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    return stat !== null && !/^\d+ \(.*\) Z/.test(stat);
  };
  it.each([['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const)(
    '%s reaches the whole process group of a wrapped script; exit %i; nothing left running',
    async (signal, code) => {
      const script = path.join(stubs, `renew-${signal}.sh`);
      await writeFile(script, `#!/bin/sh\n${grandchild('TERM INT HUP')}\necho script-after >> "$STUB_LOG"\n`);
      await chmod(script, 0o755);
      const child = execa('node', [bin, 'run', '--resolver', dns.arg, '--config-dir', path.join(dir, 'none'), '--acme-home', path.join(dir, 'none'), '--', script], {
        env: { STUB_LOG: log, PATH: process.env.PATH }, extendEnv: false, reject: false,
      });
      let pid = 0;
      for (let i = 0; i < 800 && pid === 0; i++) {
        pid = Number(/grandchild-pid (\d+)/.exec((await calls()).join('\n'))?.[1] ?? 0);
        if (pid === 0) await new Promise((r) => setTimeout(r, 25));
      }
      expect(pid).toBeGreaterThan(0);
      child.kill(signal);
      const result = await child;
      expect(await calls()).toContain(`grandchild-got-${signal.slice(3)}`);
      expect(result.exitCode).toBe(code);
      for (let i = 0; i < 40 && (await alive(pid)); i++) await new Promise((r) => setTimeout(r, 25));
      expect(await alive(pid)).toBe(false);
    },
  );

  it('forwards SIGTERM to the command and exits 128+15 when the command dies of it', async () => {
    const certbot = await stub('certbot', 'trap \'echo got-TERM >> "$STUB_LOG"; exit 143\' TERM\necho started >> "$STUB_LOG"\nwhile :; do sleep 0.05; done');
    const child = execa('node', [bin, 'run', '--resolver', dns.arg, '--', certbot, 'renew', '--config-dir', path.join(dir, 'none')], {
      env: { STUB_LOG: log, PATH: process.env.PATH }, extendEnv: false, reject: false,
    });
    for (let i = 0; i < 400 && !(await calls()).includes('started'); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const result = await child;
    await stub('certbot', 'exit ${STUB_EXIT:-0}');
    expect(await calls()).toContain('got-TERM');
    expect(result.exitCode).toBe(143);
  });
});
