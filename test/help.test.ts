// Help from one source: every help path prints and does nothing else; `--help` lists every
// command and option the parser knows; the man page renders; the README's table is the table.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { AUTHORITIES } from '../src/ca/authorities.js';
import { COMMANDS, readmeOptionTable } from '../src/commands/help.js';
import { OPTIONS } from '../src/commands/option-table.js';
import { CHALLENGE_TYPES } from '../src/vocabulary.js';
import { runCli } from './helpers/run-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('every help path prints help and does nothing else', () => {
  it.each([
    [['--help']], [['-h']], [['help']],
    [['help', 'run']], [['run', '--help']], [['run', '--help', '--', 'certbot', 'renew']],
    [['help', 'hook']], [['hook', 'certbot', '--help']], [['hook', 'acme.sh', '-h']],
    [['help', 'demo']], [['demo', '--help']],
    [['help', 'acme-hooks']], [['acme-hooks', 'add', '--help']],
    [['help', 'list']], [['list', '--help']],
    [['help', 'suggest']], [['suggest', '--help']], [['suggest', '--iodef', 'mailto:a@example.com', '-h']],
    [['help', 'check']], [['-d', 'example.com', '--help']],
  ])('%j', async (args) => {
    // An environment where doing the real thing would show: no resolver, a state dir to write.
    const state = path.join(os.tmpdir(), `preflight-help-${process.pid}`);
    const result = await runCli(args, { env: { CAA_PREFLIGHT_STATE_DIR: state, Le_Domain: 'x.example' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage:/);
    expect(result.stderr).toBe('');
    await expect(readFile(path.join(state, 'certbot.json'))).rejects.toThrow(/ENOENT/);
    for (const line of result.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
  it('help for what does not exist is a usage error', async () => {
    const result = await runCli(['help', 'renew']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/no help on "renew"/);
  });
  it('--help after -- belongs to the wrapped command', async () => {
    const result = await runCli(['run', '--', 'certbot', '--help'], { env: { PATH: '/nonexistent' } });
    expect(result.stdout).not.toMatch(/Usage:/);
  });
});

describe('preflight --help is complete', () => {
  it('names every command, every option, every CA and challenge the code knows', async () => {
    const { stdout } = await runCli(['--help']);
    for (const c of COMMANDS) if (c.name !== 'check') expect(stdout).toContain(`preflight ${c.name}`);
    for (const o of OPTIONS) if (!o.commands.every((c) => c === 'acme-hooks')) expect(stdout).toContain(`--${o.name}`);
    const flat = stdout.replace(/\s+/g, ' ');
    for (const a of AUTHORITIES) expect(flat).toContain(a.id);
    for (const t of CHALLENGE_TYPES) expect(flat).toContain(t);
  });
  it("a command's help lists exactly the options it takes", async () => {
    const { stdout } = await runCli(['help', 'run']);
    expect(stdout).toContain('--blocked-exit-code');
    expect(stdout).not.toMatch(/^  (-d, )?--(domain|cert-name|json)\b/m);
  });
});

describe('the man page and the README', () => {
  it('renders with man without warnings', async () => {
    const page = (await runCli(['help', '--man'])).stdout;
    expect(page).toMatch(/^\.TH PREFLIGHT 1/);
    const groff = await execa('groff', ['-man', '-ww', '-z'], { input: page, reject: false });
    expect(groff.stderr).toBe('');
    const man = await execa('man', ['-l', '-'], { input: page, env: { MANWIDTH: '80' }, reject: false });
    expect(man.stdout).toMatch(/EXIT STATUS/);
    for (const o of OPTIONS) expect(man.stdout).toContain(`--${o.name}`);
  });
  it("the README's option table is the option table", async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain(readmeOptionTable());
    const keys = /Keys \(the per-host options\): ([^.]+)\./s.exec(readme)?.[1]?.match(/`([a-z-]+)`/g)?.map((k) => k.slice(1, -1));
    expect(keys?.sort()).toEqual(OPTIONS.filter((o) => o.site).map((o) => o.name).sort());
  });
});
