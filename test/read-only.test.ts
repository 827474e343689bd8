// Read-only, proven (docs/RELIABILITY.md §4): a certbot config dir and an acme.sh home, with hook
// fields that would leave a marker file if anything ran them and hostile entries (a FIFO, a
// symlink loop, /dev/zero, a directory, control and non-UTF-8 bytes), hash identically before and
// after every mode; the hostile entries are reported with their paths and the rest is checked.
import { createHash } from 'node:crypto';
import { appendFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoSample } from '../src/commands/demo.js';
import { encodeAcmeValue } from '../src/sources/shellconf.js';
import { DEMO_APEXES, startTestDns, type TestDns } from './helpers/test-dns.js';
import { runCli } from './helpers/run-cli.js';
import type { JsonDocument } from '../src/report/json.js';
import type { ListDocument } from '../src/report/listing.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let dir: string;
let sample: { configDir: string; acmeHome: string };
let marker: string;
let stubs: string;
let dns: TestDns;

/** Every entry under root: type, mode, size, content hash or link target (not times: reads set atime). */
async function fingerprint(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = path.join(d, name);
      const st = await lstat(p);
      const rel = path.relative(root, p);
      if (st.isSymbolicLink()) out.push(`l ${rel} -> ${await readlink(p)}`);
      else if (st.isDirectory()) {
        out.push(`d ${rel} ${st.mode.toString(8)}`);
        await walk(p);
      } else if (st.isFile()) out.push(`f ${rel} ${st.mode.toString(8)} ${createHash('sha256').update(await readFile(p)).digest('hex')}`);
      else out.push(`o ${rel} ${st.mode.toString(8)}`);
    }
  };
  await walk(root);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'preflight-readonly-'));
  sample = await writeDemoSample(path.join(dir, 'tree'));
  marker = path.join(dir, 'MARKER');
  const touch = `touch ${marker}`;
  // Hook fields everywhere the clients keep them: running any would create the marker.
  for (const name of ['example.com', 'api.example.org']) {
    const conf = path.join(sample.configDir, 'renewal', `${name}.conf`);
    const text = await readFile(conf, 'utf8');
    await writeFile(conf, text.replace('[renewalparams]', `[renewalparams]\npre_hook = ${touch}\npost_hook = $(${touch})\nrenew_hook = \`${touch}\`\ndeploy_hook = ${touch}; reboot`));
  }
  for (const folder of ['blog.example.net_ecc', 'mail.example.dev']) {
    const domain = folder.replace(/_ecc$/, '');
    const conf = path.join(sample.acmeHome, folder, `${domain}.conf`);
    const text = (await readFile(conf, 'utf8')).replace(/^Le_(Pre|Post|Renew)Hook=.*\n/gm, '');
    await writeFile(conf, `${text}Le_PreHook='${encodeAcmeValue(touch)}'\nLe_PostHook='${touch}'\nLe_RenewHook='$(${touch})'\nLe_ReloadCmd='${touch}'\n`);
  }
  await appendFile(path.join(sample.acmeHome, 'account.conf'), `SAVED_HOOK='$(${touch})'\nACME_DIRECTORY=\`${touch}\`\n`);
  // Hostile entries: each must be reported with its path, none may hang or stop the rest.
  const renewal = path.join(sample.configDir, 'renewal');
  await execa('mkfifo', [path.join(renewal, 'fifo.conf')]);
  await symlink('loop.conf', path.join(renewal, 'loop.conf'));
  await symlink('/dev/zero', path.join(renewal, 'zero.conf'));
  await mkdir(path.join(renewal, 'dir.conf'));
  await writeFile(path.join(renewal, 'bytes.conf'), '\u001b[2J\u001b]0;pwned\u0007 = \xff\xfe\n[renewalparams\n', 'latin1');
  // What a real acme.sh home has besides certificates: files with dots in their names.
  await writeFile(path.join(sample.acmeHome, 'acme.sh'), '#!/bin/sh\n');
  await writeFile(path.join(sample.acmeHome, 'acme.sh.env'), 'export LE_WORKING_DIR="/root/.acme.sh"\n');
  await writeFile(path.join(sample.acmeHome, 'http.header'), '');
  const acmeFifo = path.join(sample.acmeHome, 'fifo.example');
  await mkdir(acmeFifo);
  await execa('mkfifo', [path.join(acmeFifo, 'fifo.example.conf')]);
  const acmeBytes = path.join(sample.acmeHome, 'bytes.example');
  await mkdir(acmeBytes);
  await writeFile(path.join(acmeBytes, 'bytes.example.conf'), "Le_Domain='bytes.example\u001b[31m'\nLe_Alt='\xff\xfe.example'\nLe_Webroot='\u202e/var/www'\n", 'latin1');

  stubs = path.join(dir, 'bin');
  await mkdir(stubs);
  for (const client of ['certbot', 'acme.sh']) {
    await writeFile(path.join(stubs, client), '#!/bin/sh\nexit 0\n');
    await chmod(path.join(stubs, client), 0o755);
  }
  await writeFile(path.join(stubs, 'renew-all.sh'), '#!/bin/sh\nexit 0\n');
  await chmod(path.join(stubs, 'renew-all.sh'), 0o755);
  dns = await startTestDns(DEMO_APEXES);
});
afterAll(async () => {
  await dns.close();
  await rm(dir, { recursive: true, force: true });
});

const dnsArgs = () => ['--resolver', dns.arg, '--timeout', '300', '--retries', '0'];
const where = () => ['--config-dir', sample.configDir, '--acme-home', sample.acmeHome];

const MODES: Array<[string, () => { args: string[]; env?: NodeJS.ProcessEnv; cwd?: string }]> = [
  ['--all', () => ({ args: ['--all', ...where(), ...dnsArgs()] })],
  ['--json', () => ({ args: ['--json', ...where(), ...dnsArgs()] })],
  ['--due -q', () => ({ args: ['--due', '-q', ...where(), ...dnsArgs()] })],
  ['-v', () => ({ args: ['-v', ...where(), ...dnsArgs()] })],
  ['--cert-name', () => ({ args: ['--cert-name', 'example.com', ...where(), ...dnsArgs()] })],
  ['metrics and status files (outside the trees)', () => ({
    args: [...where(), ...dnsArgs(), '--format', 'prometheus', '--metrics-file', path.join(dir, 'caa.prom'), '--status-file', path.join(dir, 'status.json')],
  })],
  ['hook certbot', () => ({ args: ['hook', 'certbot', '--config-dir', sample.configDir, ...dnsArgs()], env: { CAA_PREFLIGHT_STATE_DIR: path.join(dir, 'state') } })],
  ['hook acme.sh', () => ({
    args: ['hook', 'acme.sh', ...dnsArgs()],
    env: { Le_Domain: 'mail.example.dev', LE_CONFIG_HOME: sample.acmeHome, CAA_PREFLIGHT_STATE_DIR: path.join(dir, 'state') },
    cwd: path.join(sample.acmeHome, 'mail.example.dev'),
  })],
  ['run -- certbot renew', () => ({ args: ['run', ...dnsArgs(), '--', path.join(stubs, 'certbot'), 'renew', '--config-dir', sample.configDir] })],
  ['run -- acme.sh --cron', () => ({ args: ['run', ...dnsArgs(), '--', path.join(stubs, 'acme.sh'), '--cron', '--home', sample.acmeHome] })],
  ['run -- a renewal script', () => ({ args: ['run', ...where(), ...dnsArgs(), '--', path.join(stubs, 'renew-all.sh')] })],
  ['list', () => ({ args: ['list', ...where()] })],
  ['list --json', () => ({ args: ['list', '--json', ...where()] })],
];

describe('nothing under the certbot dir or the acme.sh home changes, and no hook field runs', () => {
  let before: string[];
  beforeAll(async () => {
    before = await fingerprint(path.join(dir, 'tree'));
  });
  it.each(MODES)('%s', async (_, mode) => {
    const { args, env, cwd } = mode();
    const result = await runCli(args, { now: NOW, env: { PATH: process.env.PATH, ...env }, cwd });
    expect([0, 1, 2]).toContain(result.code);
    expect(await fingerprint(path.join(dir, 'tree'))).toEqual(before);
    await expect(lstat(marker)).rejects.toThrow(/ENOENT/);
    expect(UNSAFE.exec(result.stdout)).toBeNull();
    expect(UNSAFE.exec(result.stderr)).toBeNull();
  });
});

describe('hostile entries are reported with their paths; the rest is still checked', () => {
  it('FIFO, symlink loop, /dev/zero, a directory, control and non-UTF-8 bytes', async () => {
    const result = await runCli(['--json', ...where(), ...dnsArgs()], { now: NOW });
    const doc = JSON.parse(result.stdout) as JsonDocument;
    const errorFor = (file: string) => doc.errors.find((e) => e.path?.endsWith(file))?.message;
    expect(errorFor('renewal/fifo.conf')).toMatch(/not a regular file/);
    expect(errorFor('renewal/loop.conf')).toMatch(/ELOOP|too many symbolic links/i);
    expect(errorFor('renewal/zero.conf')).toMatch(/not a regular file/);
    expect(errorFor('renewal/dir.conf')).toMatch(/is a directory/);
    expect(errorFor('renewal/bytes.conf')).toMatch(/broken/);
    expect(errorFor('fifo.example/fifo.example.conf')).toMatch(/not a regular file/);
    // Nothing else is an error: account.conf, ca/ and other files of the home are not certificates.
    expect(doc.errors.map((e) => path.relative(path.join(dir, 'tree'), e.path ?? '')).sort()).toEqual([
      'acme.sh/fifo.example/fifo.example.conf', 'letsencrypt/renewal/bytes.conf', 'letsencrypt/renewal/dir.conf',
      'letsencrypt/renewal/fifo.conf', 'letsencrypt/renewal/loop.conf', 'letsencrypt/renewal/zero.conf',
    ]);
    // The good lineages are all there.
    expect(doc.lineages.map((l) => l.name).sort()).toEqual(expect.arrayContaining(['api.example.org', 'example.com', 'blog.example.net', 'mail.example.dev', '*.example.dev']));
    const text = await runCli([...where(), ...dnsArgs()], { now: NOW });
    expect(text.stdout).toContain('ERROR acme.sh bytes.example\\x1b[31m');
    expect(UNSAFE.exec(text.stdout)).toBeNull();
     // preflight list reads the same way: the same errors (on stderr) and lineages, escaped.
    const listed = JSON.parse((await runCli(['list', '--json', ...where()], { now: NOW })).stdout) as ListDocument;
    expect(listed.errors.map((e) => e.path).sort()).toEqual(doc.errors.map((e) => e.path).sort());
    expect(listed.lineages.map((l) => l.name).sort()).toEqual(doc.lineages.map((l) => l.name).sort());
    const listText = await runCli(['list', ...where()], { now: NOW });
    expect(listText.code).toBe(2);
    expect(listText.stdout).toContain('Certificate Name: bytes.example\\x1b[31m');
    expect(listText.stderr).toContain(`preflight list: certbot ${path.join(sample.configDir, 'renewal', 'bytes.conf')}: `);
    expect(UNSAFE.exec(listText.stdout + listText.stderr)).toBeNull();
  });
});
