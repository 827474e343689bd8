// install.sh into a temporary prefix: the command works, the certbot pre-hook and the systemd
// drop-in are put in place, the acme.sh pre-hook is chained into existing confs (backed up,
// base64 as acme.sh writes it), a second run changes nothing, and --uninstall leaves nothing.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHook, withoutHook } from '../src/commands/acme-hooks.js';
import { decodeAcmeValue, parseShellConf } from '../src/sources/shellconf.js';
import { startTestDns, type TestDns } from './helpers/test-dns.js';
import type { JsonDocument } from '../src/report/json.js';
import { runCli } from './helpers/run-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const b64 = (s: string) => `__ACME_BASE64__START_${Buffer.from(s).toString('base64')}__ACME_BASE64__END_`;

/** Every path under dir with its type and size (the "nothing left behind" oracle). */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      out.push(`${entry.isDirectory() ? 'd' : 'f'} ${path.relative(dir, p)} ${entry.isDirectory() ? '' : (await stat(p)).size}`);
      if (entry.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

describe('install.sh', () => {
  let dir: string;
  let prefix: string;
  let certbotDir: string;
  let systemdDir: string;
  let acmeHome: string;
  let dns: TestDns;
  let snapshot: string[];
  const confA = () => path.join(acmeHome, 'a.example_ecc', 'a.example.conf');
  const confB = () => path.join(acmeHome, 'b.example', 'b.example.conf');
  const install = (...args: string[]) =>
    execa(path.join(root, 'install.sh'), ['--prefix', prefix, '--certbot-config-dir', certbotDir, ...args], {
      env: { ...process.env, CAA_PREFLIGHT_SYSTEMD_DIR: systemdDir, HOME: dir }, reject: false, all: true,
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-install-'));
    prefix = path.join(dir, 'prefix');
    certbotDir = path.join(dir, 'letsencrypt');
    systemdDir = path.join(dir, 'systemd');
    acmeHome = path.join(dir, 'acme');
    await mkdir(certbotDir);
    await mkdir(path.join(acmeHome, 'a.example_ecc'), { recursive: true });
    await mkdir(path.join(acmeHome, 'b.example'), { recursive: true });
    await writeFile(confA(), "Le_Domain='a.example'\nLe_Alt='no'\nLe_Webroot='/var/www'\nLe_PreHook=''\nLe_API='https://acme-v02.api.letsencrypt.org/directory'\n", { mode: 0o600 });
    await writeFile(confB(), `Le_Domain='b.example'\nLe_Alt='no'\nLe_Webroot='no'\nLe_PreHook='${b64('systemctl stop nginx || true')}'\n`, { mode: 0o600 });
    dns = await startTestDns({ 'ok.test': ['0 issue "letsencrypt.org"'] });
    snapshot = await tree(dir);
  });
  afterAll(async () => {
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs a working preflight command', async () => {
    const result = await install('--systemd', '--acme-sh-hooks', '--acme-home', acmeHome);
    expect(result.exitCode, result.all).toBe(0);
    const preflight = path.join(prefix, 'bin', 'preflight');
    const check = await execa(preflight, ['-d', 'ok.test', '--resolver', dns.arg, '--json'], { reject: false, env: { PATH: '/usr/bin:/bin' } });
    expect(check.exitCode).toBe(0);
    expect((JSON.parse(check.stdout) as JsonDocument).status).toBe('pass');
    expect(result.all).toContain(`acme.sh pre-hook command: '${preflight}' hook acme.sh; [ $? -ne 1 ]`);
  });
  it('drops the certbot pre-hook, pointing at the installed command', async () => {
    const hook = path.join(certbotDir, 'renewal-hooks', 'pre', '00-caa-preflight');
    expect((await stat(hook)).mode & 0o111).not.toBe(0);
    expect(await readFile(hook, 'utf8')).toContain(`PREFLIGHT=\${CAA_PREFLIGHT:-${path.join(prefix, 'bin', 'preflight')}}`);
  });
  it('writes the systemd drop-in that runs certbot through the wrapper', async () => {
    const dropin = await readFile(path.join(systemdDir, 'certbot.service.d', 'caa-preflight.conf'), 'utf8');
    expect(dropin).toMatch(/^ExecStart=$/m);
    expect(dropin).toContain(`ExecStart=${path.join(prefix, 'bin', 'preflight')} run --quiet --syslog`);
    expect(dropin).toContain('-- /usr/bin/certbot -q renew --no-random-sleep-on-renew');
  });
  it('chains the acme.sh pre-hook in front of an existing one, base64-encoded, after a backup', async () => {
    const command = `'${path.join(prefix, 'bin', 'preflight')}' hook acme.sh`;
    const hookOf = async (conf: string) => decodeAcmeValue(parseShellConf(await readFile(conf, 'utf8')).values.get('Le_PreHook') ?? '');
    expect(await hookOf(confA())).toBe(`${command}; [ $? -ne 1 ]`);
    expect(await hookOf(confB())).toBe(`{ ${command}; [ $? -ne 1 ]; } && (\nsystemctl stop nginx || true\n)`);
    expect(await readFile(confB(), 'utf8')).toMatch(/^Le_PreHook='__ACME_BASE64__START_[A-Za-z0-9+/=]+__ACME_BASE64__END_'$/m);
    expect(await readFile(`${confB()}.caa-preflight.bak`, 'utf8')).toContain(b64('systemctl stop nginx || true'));
    expect((await stat(confA())).mode & 0o777).toBe(0o600);
  });
  it('is idempotent: a second run changes no conf and no manifest', async () => {
    const manifest = path.join(prefix, 'lib', 'caa-preflight', 'install-manifest');
    const [beforeManifest, beforeA, beforeB] = await Promise.all([readFile(manifest, 'utf8'), readFile(confA(), 'utf8'), readFile(confB(), 'utf8')]);
    const again = await install('--systemd', '--acme-sh-hooks', '--acme-home', acmeHome);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all).toMatch(/unchanged: .*a\.example\.conf/);
    expect(await readFile(manifest, 'utf8')).toBe(beforeManifest);
    expect(await readFile(confA(), 'utf8')).toBe(beforeA);
    expect(await readFile(confB(), 'utf8')).toBe(beforeB);
  });
  it('--uninstall leaves nothing behind and restores the acme.sh hooks', async () => {
    const result = await install('--uninstall');
    expect(result.exitCode, result.all).toBe(0);
    expect(await tree(dir)).toEqual(snapshot);
  });
});

describe('acme-hooks', () => {
  it('changes nothing and exits 2 for an acme.sh home that does not exist', async () => {
    const result = await runCli(['acme-hooks', 'add', '--acme-home', '/nonexistent/acme.sh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\/nonexistent\/acme\.sh: no such directory \(--acme-home\); nothing changed there/);
    await expect(stat('/nonexistent')).rejects.toThrow(/ENOENT/);
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
