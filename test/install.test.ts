// install.sh into temporary prefixes, against a fake system root (CAA_PREFLIGHT_SYSTEM_ROOT: unit
// files, cron file, snap) and a temporary site defaults file (CAA_PREFLIGHT_CONFIG): the command
// works, the certbot pre-hook, the systemd drop-in and the man page are put in place, the acme.sh
// pre-hook is chained into existing confs (backed up, base64 as acme.sh writes it), --dry-run
// plans exactly what a run then does and changes nothing, a second run changes nothing,
// --systemd wraps what really renews certbot (or explains and changes nothing), --prefix writes
// nothing outside the prefix unless asked, and --uninstall removes only its own prefix's files.
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHook, withoutHook } from '../src/commands/acme-hooks.js';
import { manPage } from '../src/commands/help.js';
import { OPTIONS } from '../src/commands/option-table.js';
import { VERSION } from '../src/version.js';
import { decodeAcmeValue, parseShellConf } from '../src/sources/shellconf.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import type { JsonDocument } from '../src/report/json.js';
import { runCli } from './helpers/run-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const installSh = path.join(root, 'install.sh');
const b64 = (s: string) => `__ACME_BASE64__START_${Buffer.from(s).toString('base64')}__ACME_BASE64__END_`;
const DEBIAN_EXEC = '/usr/bin/certbot -q renew --no-random-sleep-on-renew';
const RUN = 'run --quiet --syslog --status-file /var/lib/caa-preflight/certbot-run.json';
const HOOK = path.join('renewal-hooks', 'pre', '00-caa-preflight');

/**
 * Every path under dir with its type, mode, size, content hash, link target and mtime: any write,
 * rewrite, chmod, creation or removal shows (the "changed nothing" / "left nothing" oracle).
 */
async function fingerprint(dir: string, skip: (rel: string) => boolean = () => false, times = true): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = path.join(d, name);
      const rel = path.relative(dir, p);
      if (skip(rel)) continue;
      const s = await lstat(p);
      const what = s.isSymbolicLink() ? `l -> ${await readlink(p)}`
        : s.isDirectory() ? 'd'
        : `f ${s.size} ${createHash('sha256').update(await readFile(p)).digest('hex').slice(0, 16)}`;
      out.push(`${rel} ${what} ${(s.mode & 0o7777).toString(8)}${times && !s.isDirectory() ? ` ${s.mtimeMs}` : ''}`);
      if (s.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

/** The paths after `VERB: ` on lines of output (what install.sh says it did, or would do). */
function said(output: string, verbs: RegExp): string[] {
  return output.split('\n').flatMap((l) => {
    const m = new RegExp(`^(?:${verbs.source}): (\\S+)`).exec(l);
    return m ? [m[1]!] : [];
  }).sort();
}

interface FakeSystem {
  /** certbot.service in lib/systemd/system (Debian) or usr/lib/systemd/system, running this. */
  unit?: { dir: 'lib' | 'usr/lib'; exec: string };
  /** /usr/bin/certbot exists (executable). */
  certbotBinary?: boolean;
  snap?: boolean;
  /** /etc/cron.d/certbot: Debian's (a no-op under systemd) or one that always runs. */
  cron?: 'debian' | 'always';
  systemdRunning?: boolean;
  timersEnabled?: boolean;
  /** An admin's drop-in of certbot.service that sets ExecStart= itself. */
  otherDropin?: boolean;
}

/** A fake system root: unit files, timers, cron file and snap as the packages install them. */
async function fakeSystem(at: string, sys: FakeSystem): Promise<string> {
  const etc = path.join(at, 'etc', 'systemd', 'system');
  await mkdir(etc, { recursive: true });
  if (sys.systemdRunning !== false) await mkdir(path.join(at, 'run', 'systemd', 'system'), { recursive: true });
  const wants = path.join(etc, 'timers.target.wants');
  if (sys.timersEnabled !== false) await mkdir(wants);
  if (sys.unit) {
    const dir = path.join(at, sys.unit.dir, 'systemd', 'system');
    await mkdir(dir, { recursive: true });
    // Debian 12's certbot.service and certbot.timer (docs/certbot.md; certbot.md §6 of the research notes).
    await writeFile(path.join(dir, 'certbot.service'), `[Unit]\nDescription=Certbot\nDocumentation=file:///usr/share/doc/python-certbot-doc/html/index.html\nDocumentation=https://certbot.eff.org/docs\n[Service]\nType=oneshot\nExecStart=${sys.unit.exec}\nPrivateTmp=true\n`);
    await writeFile(path.join(dir, 'certbot.timer'), '[Unit]\nDescription=Run certbot twice daily\n\n[Timer]\nOnCalendar=*-*-* 00,12:00:00\nRandomizedDelaySec=43200\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n');
    if (sys.timersEnabled !== false) await symlink(`/${sys.unit.dir}/systemd/system/certbot.timer`, path.join(wants, 'certbot.timer'));
  }
  if (sys.certbotBinary !== false && sys.unit) {
    await mkdir(path.join(at, 'usr', 'bin'), { recursive: true });
    await writeFile(path.join(at, 'usr', 'bin', 'certbot'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  if (sys.otherDropin) {
    await mkdir(path.join(etc, 'certbot.service.d'));
    await writeFile(path.join(etc, 'certbot.service.d', 'override.conf'), '[Service]\nExecStart=\nExecStart=/usr/local/sbin/renew-all\n');
  }
  if (sys.snap) {
    // What snapd generates for the certbot snap's `renew` app (daemon: oneshot, timer: 00:00~24:00/2).
    await writeFile(path.join(etc, 'snap.certbot.renew.service'), '[Unit]\n# Auto-generated, DO NOT EDIT\nDescription=Service for snap application certbot.renew\nRequires=snap-certbot-4409.mount\nWants=network.target\nAfter=snap-certbot-4409.mount network.target snapd.apparmor.service\nX-Snappy=yes\n\n[Service]\nEnvironmentFile=-/etc/environment\nExecStart=/usr/bin/snap run --timer="00:00~24:00/2" certbot.renew\nSyslogIdentifier=certbot.renew\nRestart=no\nWorkingDirectory=/var/snap/certbot/4409\nTimeoutStopSec=30\nType=oneshot\n');
    await writeFile(path.join(etc, 'snap.certbot.renew.timer'), '[Unit]\n# Auto-generated, DO NOT EDIT\nDescription=Timer renew for snap application certbot.renew\n\n[Timer]\nUnit=snap.certbot.renew.service\nOnCalendar=*-*-* 00:00~24:00/2\n\n[Install]\nWantedBy=timers.target\n');
    if (sys.timersEnabled !== false) await symlink('/etc/systemd/system/snap.certbot.renew.timer', path.join(wants, 'snap.certbot.renew.timer'));
    await mkdir(path.join(at, 'snap', 'bin'), { recursive: true });
    await symlink('/usr/bin/snap', path.join(at, 'snap', 'bin', 'certbot'));
  }
  if (sys.cron) {
    await mkdir(path.join(at, 'etc', 'cron.d'), { recursive: true });
    const guard = sys.cron === 'debian' ? ' -a \\! -d /run/systemd/system' : '';
    await writeFile(path.join(at, 'etc', 'cron.d', 'certbot'), `# /etc/cron.d/certbot: crontab entries for the certbot package\nSHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n0 */12 * * * root test -x /usr/bin/certbot${guard} && perl -e 'sleep int(rand(43200))' && certbot -q renew --no-random-sleep-on-renew\n`);
  }
  return at;
}

/** Run install.sh with system paths in `dir` (never the real /etc or /lib). */
function installer(dir: string, systemRoot: string, siteConf: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env, HOME: dir, CAA_PREFLIGHT_SYSTEM_ROOT: systemRoot, CAA_PREFLIGHT_CONFIG: siteConf,
    CAA_PREFLIGHT_SYSTEMD_DIR: path.join(systemRoot, 'etc', 'systemd', 'system'), // the same, said twice: never the real /etc
  };
  return (...args: string[]) => execa(installSh, args, { env, reject: false, all: true });
}

describe('install.sh', () => {
  let dir: string;
  let prefix: string;
  let certbotDir: string;
  let systemRoot: string;
  let systemdDir: string;
  let acmeHome: string;
  let siteConf: string;
  let dns: TestDns;
  let snapshot: string[];
  let snapshotContent: string[];
  let plan: string;
  let installed: string;
  const confA = () => path.join(acmeHome, 'a.example_ecc', 'a.example.conf');
  const confB = () => path.join(acmeHome, 'b.example', 'b.example.conf');
  const bin = () => path.join(prefix, 'bin', 'preflight');
  const dropin = () => path.join(systemdDir, 'certbot.service.d', 'caa-preflight.conf');
  const manifest = () => path.join(prefix, 'lib', 'caa-preflight', 'install-manifest');
  const ALL = ['--certbot-hook', '--systemd', '--acme-sh-hooks', '--acme-home'];
  let install: (...args: string[]) => ReturnType<ReturnType<typeof installer>>;
  const full = (...more: string[]) => install('--prefix', prefix, '--certbot-config-dir', certbotDir, ...ALL, acmeHome, ...more);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-install-'));
    prefix = path.join(dir, 'prefix');
    certbotDir = path.join(dir, 'letsencrypt');
    acmeHome = path.join(dir, 'acme');
    siteConf = path.join(dir, 'caa-preflight.conf');
    systemRoot = await fakeSystem(path.join(dir, 'root'), { unit: { dir: 'lib', exec: DEBIAN_EXEC }, cron: 'debian' });
    systemdDir = path.join(systemRoot, 'etc', 'systemd', 'system');
    await mkdir(certbotDir);
    await mkdir(path.join(acmeHome, 'a.example_ecc'), { recursive: true });
    await mkdir(path.join(acmeHome, 'b.example'), { recursive: true });
    await writeFile(confA(), "Le_Domain='a.example'\nLe_Alt='no'\nLe_Webroot='/var/www'\nLe_PreHook=''\nLe_API='https://acme-v02.api.letsencrypt.org/directory'\n", { mode: 0o600 });
    await writeFile(confB(), `Le_Domain='b.example'\nLe_Alt='no'\nLe_Webroot='no'\nLe_PreHook='${b64('systemctl stop nginx || true')}'\n`, { mode: 0o600 });
    dns = await startTestDns({ 'ok.test': ['0 issue "letsencrypt.org"'] });
    // The host's settings live in the site defaults file: the installed command must use them.
    await writeFile(siteConf, `# this host's resolver\nresolver = ${dns.arg}\ntimeout = 2000\n`);
    install = installer(dir, systemRoot, siteConf);
    snapshot = await fingerprint(dir);
    snapshotContent = await fingerprint(dir, undefined, false);
  });
  afterAll(async () => {
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--dry-run first: prints the whole plan and changes nothing, system dirs included', async () => {
    const result = await full('--dry-run');
    expect(result.exitCode, result.all).toBe(0);
    plan = result.all;
    expect(await fingerprint(dir)).toEqual(snapshot);
    expect(said(plan, /would write/)).toEqual([
      path.join(certbotDir, HOOK), path.join(prefix, 'bin', 'preflight'), path.join(prefix, 'lib', 'caa-preflight', 'install-manifest'),
      path.join(prefix, 'share', 'man', 'man1', 'preflight.1'), dropin(),
    ].sort());
    expect(said(plan, /would create/)).toContain(`${path.join(systemdDir, 'certbot.service.d')}/`);
    expect(plan).toContain(`would add to: ${confA()} (backed up first to ${confA()}.caa-preflight.bak)`);
    expect(plan).toContain(`would add to: ${confB()}`);
    expect(plan).toMatch(/^dry run: nothing changed$/m);
  });

  it('installs a working preflight command that takes the host settings from the site defaults', async () => {
    const result = await full();
    expect(result.exitCode, result.all).toBe(0);
    installed = result.all;
    // No --resolver: the only way to reach the test DNS server is the site defaults file.
    const check = await execa(bin(), ['-d', 'ok.test', '--json'], { reject: false, env: { PATH: '/usr/bin:/bin', CAA_PREFLIGHT_CONFIG: siteConf } });
    expect(check.exitCode, check.stderr).toBe(0);
    expect((JSON.parse(check.stdout) as JsonDocument).status).toBe('pass');
    expect(result.all).toContain(`acme.sh pre-hook command: '${bin()}' hook acme.sh; [ $? -ne 1 ]`);
    expect(result.all).toContain(`site defaults: ${siteConf} (left as it is)`);
  });
  it('did exactly what the dry run said it would', async () => {
    expect(said(installed, /wrote|created/)).toEqual(said(plan, /would write|would create/));
    expect(said(installed, /added to/)).toEqual(said(plan, /would add to/));
    expect(said(installed, /added to/)).toEqual([confA(), confB()].sort());
  });
  it('drops the certbot pre-hook, pointing at the installed command', async () => {
    const hook = path.join(certbotDir, HOOK);
    expect((await stat(hook)).mode & 0o111).not.toBe(0);
    expect(await readFile(hook, 'utf8')).toContain(`PREFLIGHT=\${CAA_PREFLIGHT:-${bin()}}`);
  });
  it('writes the systemd drop-in that runs what certbot.service ran, through the wrapper', async () => {
    const text = await readFile(dropin(), 'utf8');
    expect(text).toMatch(/^ExecStart=$/m);
    expect(text).toContain(`\nExecStart=${bin()} ${RUN} -- ${DEBIAN_EXEC}\n`);
    expect(text).toMatch(/^StateDirectory=caa-preflight$/m); // systemd makes /var/lib/caa-preflight for the status file
  });
  it('installs the man page the command prints, and records it', async () => {
    const man = path.join(prefix, 'share', 'man', 'man1', 'preflight.1');
    expect(await readFile(man, 'utf8')).toBe(manPage(VERSION));
    expect(await readFile(manifest(), 'utf8')).toContain(`file ${man}\n`);
  });
  it('puts no per-host options in the hook or the drop-in (they belong in the site defaults)', async () => {
    // Reporting defaults of the wrapper (syslog, its own status file) are not per-host settings.
    const perHost = OPTIONS.filter((o) => o.site && o.name !== 'syslog' && o.name !== 'status-file').map((o) => o.name).concat('caa-identity');
    expect(perHost).toContain('resolver');
    for (const file of [path.join(certbotDir, HOOK), dropin()]) {
      const text = await readFile(file, 'utf8');
      for (const name of perHost) {
        // The certbot hook's --config-dir is its own location, worked out when it runs.
        const baked = name === 'config-dir' ? /--config-dir (?!"\$config_dir")/ : new RegExp(`--${name}\\b`);
        expect(text, `${file}: --${name}`).not.toMatch(baked);
      }
    }
  });
  it('chains the acme.sh pre-hook in front of an existing one, base64-encoded, after a backup', async () => {
    const command = `'${bin()}' hook acme.sh`;
    const hookOf = async (conf: string) => decodeAcmeValue(parseShellConf(await readFile(conf, 'utf8')).values.get('Le_PreHook') ?? '');
    expect(await hookOf(confA())).toBe(`${command}; [ $? -ne 1 ]`);
    expect(await hookOf(confB())).toBe(`{ ${command}; [ $? -ne 1 ]; } && (\nsystemctl stop nginx || true\n)`);
    expect(await readFile(confB(), 'utf8')).toMatch(/^Le_PreHook='__ACME_BASE64__START_[A-Za-z0-9+/=]+__ACME_BASE64__END_'$/m);
    expect(await readFile(`${confB()}.caa-preflight.bak`, 'utf8')).toContain(b64('systemctl stop nginx || true'));
    expect((await stat(confA())).mode & 0o777).toBe(0o600);
  });
  it('is idempotent: a second run rewrites nothing outside the package copy, site defaults included', async () => {
    const pkg = (rel: string) => /^prefix\/lib\/caa-preflight(\/(?!install-manifest$)|$)/.test(rel);
    const before = await fingerprint(dir, pkg);
    const again = await full();
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all).toMatch(/unchanged: .*a\.example\.conf/);
    expect(said(again.all, /unchanged/)).toEqual(expect.arrayContaining([bin(), dropin(), path.join(certbotDir, HOOK), manifest()]));
    expect(said(again.all, /wrote|created/)).toEqual([]);
    expect(await fingerprint(dir, pkg)).toEqual(before);
  });
  it('--uninstall --dry-run lists everything it would remove and changes nothing', async () => {
    const before = await fingerprint(dir);
    const result = await install('--uninstall', '--dry-run', '--prefix', prefix);
    expect(result.exitCode, result.all).toBe(0);
    expect(await fingerprint(dir)).toEqual(before);
    const removed = said(result.all, /would remove/);
    expect(removed).toEqual(expect.arrayContaining([bin(), dropin(), path.join(certbotDir, HOOK), manifest(), prefix,
      path.join(certbotDir, 'renewal-hooks'), path.join(systemdDir, 'certbot.service.d'), `${confB()}.caa-preflight.bak`]));
    expect(result.all).toContain(`would remove from: ${confA()}`);
    expect(removed).not.toContain(certbotDir);
  });
  it('--uninstall leaves nothing behind, restores the acme.sh hooks and says what it removed', async () => {
    const result = await install('--uninstall', '--prefix', prefix);
    expect(result.exitCode, result.all).toBe(0);
    // The acme.sh confs are rewritten with their old content: all the same but their mtimes.
    expect(await fingerprint(dir, undefined, false)).toEqual(snapshotContent);
    expect(said(result.all, /removed/)).toEqual(expect.arrayContaining([bin(), dropin(), path.join(certbotDir, HOOK), `${prefix}/`]));
    expect(result.all).toContain(`removed from: ${confB()}`);
    expect(result.all).not.toMatch(/^left: /m);
  });
});

describe('install.sh --prefix: nothing outside the prefix unless asked; uninstall removes only its own', () => {
  let dir: string;
  let certbotDir: string;
  let systemRoot: string;
  let install: ReturnType<typeof installer>;
  let snapshot: string[];
  const pfx = (n: string) => path.join(dir, n);
  const hook = () => path.join(certbotDir, HOOK);
  const dropin = () => path.join(systemRoot, 'etc', 'systemd', 'system', 'snap.certbot.renew.service.d', 'caa-preflight.conf');

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-install-'));
    certbotDir = path.join(dir, 'letsencrypt');
    await mkdir(certbotDir);
    systemRoot = await fakeSystem(path.join(dir, 'root'), { snap: true });
    const siteConf = path.join(dir, 'caa-preflight.conf');
    await writeFile(siteConf, 'timeout = 2000\n');
    install = installer(dir, systemRoot, siteConf);
    snapshot = await fingerprint(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('--prefix alone writes only under the prefix, even with --certbot-config-dir', async () => {
    const outside = (rel: string) => rel.startsWith('a/') || rel === 'a';
    const result = await install('--prefix', pfx('a'), '--certbot-config-dir', certbotDir);
    expect(result.exitCode, result.all).toBe(0);
    expect(await fingerprint(dir, outside)).toEqual(snapshot);
    expect(result.all).toContain(`certbot pre-hook: not installed: --prefix keeps everything under ${pfx('a')} (add --certbot-hook`);
  });
  it('--certbot-hook and --systemd install into the system; for the snap, around the snap\'s certbot', async () => {
    const result = await install('--prefix', pfx('a'), '--certbot-config-dir', certbotDir, '--certbot-hook', '--systemd');
    expect(result.exitCode, result.all).toBe(0);
    expect(await readFile(hook(), 'utf8')).toContain(`PREFLIGHT=\${CAA_PREFLIGHT:-${pfx('a')}/bin/preflight}`);
    const text = await readFile(dropin(), 'utf8');
    expect(text).toContain(`\nExecStart=\nExecStart=${pfx('a')}/bin/preflight ${RUN} -- /snap/bin/certbot -q renew\n`);
    expect(result.all).toContain(`systemd: snap.certbot.renew.timer starts snap.certbot.renew.service, which now runs: ${pfx('a')}/bin/preflight ${RUN} -- /snap/bin/certbot -q renew`);
    expect(result.all).not.toContain('certbot.timer starts certbot.service');
  });
  it('a second prefix takes the hook and the drop-in over, and says so', async () => {
    const result = await install('--prefix', pfx('b'), '--certbot-config-dir', certbotDir, '--certbot-hook', '--systemd');
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(`taking over: ${hook()} (it ran ${pfx('a')}/bin/preflight`);
    expect(result.all).toContain(`taking over: ${dropin()} (it ran ${pfx('a')}/bin/preflight`);
    expect(await readFile(hook(), 'utf8')).toContain(`PREFLIGHT=\${CAA_PREFLIGHT:-${pfx('b')}/bin/preflight}`);
    expect(await readFile(dropin(), 'utf8')).toContain(`ExecStart=${pfx('b')}/bin/preflight run`);
  });
  it('uninstalling the first prefix leaves what the second one owns, and says why', async () => {
    const [hookBefore, dropinBefore] = await Promise.all([readFile(hook(), 'utf8'), readFile(dropin(), 'utf8')]);
    const result = await install('--uninstall', '--prefix', pfx('a'));
    expect(result.exitCode, result.all).toBe(0);
    expect(await readFile(hook(), 'utf8')).toBe(hookBefore);
    expect(await readFile(dropin(), 'utf8')).toBe(dropinBefore);
    expect(result.all).toContain(`left: ${hook()} (it runs ${pfx('b')}/bin/preflight, another prefix's install)`);
    expect(result.all).toContain(`left: ${dropin()} (it runs ${pfx('b')}/bin/preflight, another prefix's install)`);
    expect(result.all).toContain(`removed: ${pfx('a')}/bin/preflight`);
    await expect(stat(pfx('a'))).rejects.toThrow(/ENOENT/);
  });
  it('uninstalling the second prefix then leaves nothing behind', async () => {
    const result = await install('--uninstall', '--prefix', pfx('b'));
    expect(result.exitCode, result.all).toBe(0);
    expect(await fingerprint(dir)).toEqual(snapshot);
  });
});

describe('install.sh --systemd finds what really renews certbot', () => {
  let dir: string;
  let n = 0;
  afterAll(() => rm(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-install-'));
  });
  /** A fresh fake system, and install.sh --systemd against it (a dry run unless told). */
  async function attempt(sys: FakeSystem, dryRun = true) {
    const at = path.join(dir, `case${n++}`);
    await mkdir(at);
    const systemRoot = await fakeSystem(path.join(at, 'root'), sys);
    const before = await fingerprint(at);
    const args = ['--prefix', path.join(at, 'p'), '--certbot-config-dir', path.join(at, 'letsencrypt'), '--systemd'];
    const result = await installer(at, systemRoot, path.join(at, 'none.conf'))(...args, ...(dryRun ? ['--dry-run'] : []));
    return { result, unchanged: (await fingerprint(at)).join('\n') === before.join('\n'), bin: path.join(at, 'p', 'bin', 'preflight'), at };
  }
  const wraps = (bin: string, unit: string, command: string) => `${unit}, which would then run: ${bin} ${RUN} -- ${command}`;

  it("wraps the command the unit really runs (Ubuntu's certbot.service in /usr/lib)", async () => {
    const { result, unchanged, bin } = await attempt({ unit: { dir: 'usr/lib', exec: '/usr/bin/certbot -q renew' } });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(wraps(bin, 'certbot.service', '/usr/bin/certbot -q renew'));
    expect(unchanged).toBe(true);
  });
  it('wraps the snap timer\'s certbot when renewals come from the snap', async () => {
    const { result, bin } = await attempt({ snap: true });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(wraps(bin, 'snap.certbot.renew.service', '/snap/bin/certbot -q renew'));
    expect(result.all).not.toMatch(/certbot\.timer starts certbot\.service/);
  });
  it("notes that Debian's /etc/cron.d/certbot does nothing while systemd runs", async () => {
    const { result, bin } = await attempt({ unit: { dir: 'lib', exec: DEBIAN_EXEC }, cron: 'debian' });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(wraps(bin, 'certbot.service', DEBIAN_EXEC));
    expect(result.all).toContain('/etc/cron.d/certbot does nothing while systemd runs');
  });
  it('says when the timer is not enabled', async () => {
    const { result } = await attempt({ unit: { dir: 'lib', exec: DEBIAN_EXEC }, timersEnabled: false });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('certbot.timer is not enabled, so nothing starts certbot.service on a schedule (systemctl enable --now certbot.timer)');
  });
  it.each<[string, FakeSystem, RegExp]>([
    ['nothing renews', {}, /nothing renews certbot's certificates here: no certbot.service .*no snap\.certbot\.renew\.service, no active \/etc\/cron\.d\/certbot/],
    ['the unit runs a certbot that is not there', { unit: { dir: 'lib', exec: DEBIAN_EXEC }, certbotBinary: false }, /runs \/usr\/bin\/certbot, which is not there/],
    ['the unit runs something else', { unit: { dir: 'lib', exec: '/usr/local/sbin/renew-all --quiet' } }, /certbot\.service runs \/usr\/local\/sbin\/renew-all, not certbot; wrap the renewal there instead: \S+ run --quiet -- \/usr\/local\/sbin\/renew-all --quiet/],
    ['an admin drop-in decides ExecStart', { unit: { dir: 'lib', exec: DEBIAN_EXEC }, otherDropin: true }, /certbot\.service\.d\/override\.conf already set\(s\) ExecStart= for certbot\.service/],
    ['a cron job renews whether systemd runs or not', { unit: { dir: 'lib', exec: DEBIAN_EXEC }, cron: 'always' }, /certbot renews from \/etc\/cron\.d\/certbot here/],
  ])('%s: explains, exits non-zero and changes nothing', async (_what, sys, message) => {
    const { result, unchanged } = await attempt(sys, false);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toMatch(message);
    expect(result.all).toContain('install.sh: nothing was changed');
    expect(result.all).not.toMatch(/now runs|wrote:/);
    expect(unchanged).toBe(true);
  });
  it('without systemd, shows the line to put in /etc/cron.d/certbot', async () => {
    const { result, unchanged, bin } = await attempt({ cron: 'debian', systemdRunning: false }, false);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toContain(`&& perl -e 'sleep int(rand(43200))' && ${bin} run --quiet -- certbot -q renew --no-random-sleep-on-renew`);
    expect(unchanged).toBe(true);
  });
});

describe('install.sh guards', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-install-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    execa(installSh, ['--certbot-config-dir', path.join(dir, 'letsencrypt'), ...args], {
      env: { ...process.env, HOME: dir, CAA_PREFLIGHT_SYSTEM_ROOT: path.join(dir, 'root'), CAA_PREFLIGHT_SYSTEMD_DIR: path.join(dir, 'root', 'etc', 'systemd', 'system'), CAA_PREFLIGHT_CONFIG: path.join(dir, 'none.conf'), ...env },
      reject: false, all: true,
    });

  it('refuses a prefix whose path hooks, units or acme.sh confs would misread', async () => {
    const before = await fingerprint(dir);
    const result = await run(['--prefix', path.join(dir, 'my prefix'), '--dry-run']);
    expect(result.exitCode).toBe(64);
    expect(result.all).toMatch(/has characters that hooks, systemd units or acme\.sh confs would misread/);
    expect(await fingerprint(dir)).toEqual(before);
  });
  it('--certbot-hook without a certbot config dir explains and changes nothing', async () => {
    const result = await run(['--prefix', path.join(dir, 'p'), '--certbot-hook', '--certbot-config-dir', path.join(dir, 'nope')]);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain(`--certbot-hook: no ${path.join(dir, 'nope')}`);
    await expect(stat(path.join(dir, 'p'))).rejects.toThrow(/ENOENT/);
  });
  it("will not overwrite a hook that is not caa-preflight's", async () => {
    const le = path.join(dir, 'le');
    await mkdir(path.join(le, 'renewal-hooks', 'pre'), { recursive: true });
    await writeFile(path.join(le, HOOK), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const result = await run(['--prefix', path.join(dir, 'p'), '--certbot-hook', '--certbot-config-dir', le]);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain(`${path.join(le, HOOK)} exists and is not caa-preflight's`);
    expect(await readFile(path.join(le, HOOK), 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });
  it.each([['v18.18.2', 1], ['v18.19.0', 0], ['v19.9.0', 1], ['v20.4.0', 1], ['v20.5.0', 0], ['v22.1.0', 0]])(
    'accepts the Node versions package.json allows: %s exits %i',
    async (version, code) => {
      // A node that reports another version and otherwise is the real one.
      const fake = path.join(dir, `node-${version}`);
      await mkdir(fake, { recursive: true });
      await writeFile(path.join(fake, 'node'), `#!/bin/sh\n[ "$1" = --version ] && { echo ${version}; exit 0; }\nexec '${process.execPath}' "$@"\n`);
      await chmod(path.join(fake, 'node'), 0o755);
      const result = await run(['--prefix', path.join(dir, 'p'), '--dry-run'], { PATH: `${fake}:${process.env.PATH}` });
      expect(result.exitCode, result.all).toBe(code);
      if (code) expect(result.all).toContain(`(found ${version})`);
    },
  );
  it("prints acme.sh's own cron line through the wrapper, as the README shows it", async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const line = /^ {3}17 3 \* \* \* (\/usr\/local\/bin\/preflight run .*)$/m.exec(readme)?.[1];
    // acme.sh --install-cronjob: "<home>"/acme.sh --cron --home "<home>" > /dev/null (research notes acmesh.md)
    expect(line).toBe('/usr/local/bin/preflight run --quiet -- "/root/.acme.sh"/acme.sh --cron --home "/root/.acme.sh" > /dev/null');
    const prefix = path.join(dir, 'p');
    const result = await run(['--prefix', prefix, '--dry-run', '--acme-home', '/root/.acme.sh']);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all.split('\n')).toContain(`  ${line!.replace('/usr/local/bin/preflight', `${prefix}/bin/preflight`)}`);
  });
  it('the README shows the drop-in install.sh writes for Debian', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    const shown = /```ini\n(\s*\[Service\][^`]*?)```/.exec(readme)?.[1]?.replace(/^ {3}/gm, '');
    const template = await readFile(path.join(root, 'hooks', 'certbot.service.d-caa-preflight.conf'), 'utf8');
    const written = template.slice(template.indexOf('[Service]')).replace('@PREFLIGHT@', '/usr/local/bin/preflight').replace('@COMMAND@', DEBIAN_EXEC);
    expect(shown).toBe(written);
  });
});

describe('acme-hooks', () => {
  it('changes nothing and exits 2 for an acme.sh home that does not exist', async () => {
    const result = await runCli(['acme-hooks', 'add', '--acme-home', '/nonexistent/acme.sh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\/nonexistent\/acme\.sh: no such directory \(--acme-home\); nothing changed there/);
    await expect(stat('/nonexistent')).rejects.toThrow(/ENOENT/);
  });
  it('--dry-run says what add and remove would change, and changes nothing', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'preflight-acme-'));
    try {
      await mkdir(path.join(home, 'c.example'));
      const conf = path.join(home, 'c.example', 'c.example.conf');
      await writeFile(conf, "Le_Domain='c.example'\nLe_Alt='no'\nLe_Webroot='/var/www'\nLe_PreHook=''\n", { mode: 0o600 });
      const before = await fingerprint(home);
      const add = await runCli(['acme-hooks', 'add', '--dry-run', '--acme-home', home]);
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toContain(`would add to: ${conf} (backed up first to ${conf}.caa-preflight.bak)`);
      expect(await fingerprint(home)).toEqual(before);
      expect((await runCli(['acme-hooks', 'add', '--acme-home', home])).stdout).toContain(`added to: ${conf}`);
      const after = await fingerprint(home);
      const remove = await runCli(['acme-hooks', 'remove', '--purge-backups', '--dry-run', '--acme-home', home]);
      expect(remove.stdout).toContain(`would remove from: ${conf}\nwould remove: ${conf}.caa-preflight.bak\n`);
      expect(await fingerprint(home)).toEqual(after);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('acme.sh hook chaining', () => {
  const cmd = "'/usr/local/bin/preflight' hook acme.sh";
  const ours = `${cmd}; [ $? -ne 1 ]`;
  it.each([
    ['', ours, ''],
    ['systemctl stop nginx', `{ ${ours}; } && (\nsystemctl stop nginx\n)`, 'systemctl stop nginx'],
    [cmd, ours, ''], // the form older installs wrote, upgraded
    [`${cmd} && (\nsystemctl stop nginx\n)`, `{ ${ours}; } && (\nsystemctl stop nginx\n)`, 'systemctl stop nginx'],
  ])('add to %j and take out again', (before, after, left) => {
    expect(withHook(before, cmd)).toBe(after);
    expect(withHook(after, cmd)).toBe(after);
    expect(withoutHook(after, cmd)).toBe(left);
  });
  it.each<[string, boolean]>([
    ['(exit 1)', true], // the CA would refuse: stop the renewal
    ['(exit 0)', false],
    ['(exit 2)', false],
    ['(exit 70)', false], // a crash of ours
    ['/nonexistent/preflight hook acme.sh', false], // the launcher or node gone (127)
  ])('a hook command that does %s stops acme.sh only when it says the CA would refuse', async (command, stops) => {
    const result = await execa('sh', ['-c', `eval "$HOOK"`], { env: { HOOK: withHook('', command) }, reject: false });
    expect(result.exitCode !== 0).toBe(stops);
  });
  it("keeps our failure a failure whatever the old hook does (acme.sh evals the value)", async () => {
    const chained = withHook('systemctl stop nginx || true # stop it', 'false');
    const result = await execa('sh', ['-c', `eval "$HOOK"`], { env: { HOOK: chained }, reject: false });
    expect(result.exitCode).not.toBe(0);
    const passing = withHook('echo old-hook-ran', 'true');
    const ran = await execa('sh', ['-c', `eval "$HOOK"`], { env: { HOOK: passing }, reject: false });
    expect(ran.stdout).toBe('old-hook-ran');
  });
});
