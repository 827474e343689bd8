// `preflight demo`: the whole pipeline on the bundled sample — a certbot config dir and an
// acme.sh home written to a temporary directory, checked against an in-process resolver and
// in-process authoritative servers (src/demo/world.ts). Offline; nothing outside the temporary
// directory is touched.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDemoWorld } from '../demo/world.js';
import { parseCheckOptions, UsageError } from './options.js';
import { wrapped } from '../report/terminal.js';
import { emitReport, executeCheck, type CliIo } from './session.js';
import {
  ACME_CA_CONFS, ACME_CERTS, CERTBOT_LINEAGES, certbotRenewalConf, DEMO_ACCOUNT_ID, DEMO_ACCOUNT_URI, DEMO_NOW,
} from '../demo/sample.js';

/** Write the sample certbot config dir and acme.sh home under root. */
export async function writeDemoSample(root: string): Promise<{ configDir: string; acmeHome: string }> {
  const configDir = path.join(root, 'letsencrypt');
  const acmeHome = path.join(root, 'acme.sh');
  for (const lineage of CERTBOT_LINEAGES) {
    const archive = path.join(configDir, 'archive', lineage.name);
    const live = path.join(configDir, 'live', lineage.name);
    await mkdir(archive, { recursive: true });
    await mkdir(live, { recursive: true });
    const pem = `${lineage.cert.trim()}\n`;
    const files: Record<string, string> = { cert: pem, chain: pem, fullchain: pem, privkey: '(the demo carries no private keys)\n' };
    for (const [kind, content] of Object.entries(files)) {
      await writeFile(path.join(archive, `${kind}1.pem`), content);
      await symlink(`../../archive/${lineage.name}/${kind}1.pem`, path.join(live, `${kind}.pem`));
    }
    await mkdir(path.join(configDir, 'renewal'), { recursive: true });
    await writeFile(
      path.join(configDir, 'renewal', `${lineage.name}.conf`),
      certbotRenewalConf(lineage.name, lineage.authenticator).replaceAll('CONFIG_DIR', configDir),
    );
  }
  const accountDir = path.join(configDir, 'accounts', 'acme-v02.api.letsencrypt.org', 'directory', DEMO_ACCOUNT_ID);
  await mkdir(accountDir, { recursive: true });
  await writeFile(path.join(accountDir, 'regr.json'), JSON.stringify({ body: {}, uri: DEMO_ACCOUNT_URI }));

  await mkdir(acmeHome, { recursive: true });
  await writeFile(path.join(acmeHome, 'account.conf'), "#LOG_FILE=\"/root/.acme.sh/acme.sh.log\"\nACCOUNT_EMAIL='hostmaster@example.net'\n");
  for (const ca of ACME_CA_CONFS) {
    await mkdir(path.join(acmeHome, 'ca', ca.dir), { recursive: true });
    await writeFile(path.join(acmeHome, 'ca', ca.dir, 'ca.conf'), `ACCOUNT_URL='${ca.accountUrl}'\n`);
  }
  for (const cert of ACME_CERTS) {
    const folder = path.join(acmeHome, cert.folder);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, `${cert.folder.replace(/_ecc$/, '')}.conf`), `${cert.conf.join('\n')}\n`);
  }
  return { configDir, acmeHome };
}

/** Run the demo; output options (--json, -v, --no-color) work as for a real check. */
export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCheckOptions(argv);
  if (parsed.domains.length || parsed.certNames.length || parsed.configDir || parsed.acmeHomes.length || parsed.resolvers.length) {
    throw new UsageError('demo brings its own configuration and DNS; only output options apply');
  }
  const root = await mkdtemp(path.join(os.tmpdir(), 'preflight-demo-'));
  const world = await startDemoWorld();
  const dns = world.resolver;
  try {
    const { configDir, acmeHome } = await writeDemoSample(root);
    const options = {
      ...parsed,
      configDir,
      acmeHomes: [acmeHome],
      resolvers: [{ host: dns.host, port: dns.port }],
      timeoutMs: 2000,
      retries: 1,
      authoritative: parsed.authoritative !== false && world.authorityPort !== null,
      authoritativePort: world.authorityPort ?? 53,
    };
    if (!options.json) {
      const servers = options.authoritative
        ? `and the zones' own nameservers (in-process too, on 127.53.0.0/16 port ${world.authorityPort})`
        : '(the zones\' own nameservers are not part of this run)';
      const banner =
        `a bundled certbot config dir and acme.sh home, as of ${DEMO_NOW.toISOString().slice(0, 10)}, checked against an in-process ` +
        `resolver (${dns.arg}) ${servers}. Nothing leaves this machine.`;
      io.stdout.write(`${wrapped('preflight demo —', banner, 0).join('\n')}\n\n`);
    }
    // The sample's certificates and due dates are fixed: so is the demo's clock.
    const demoIo = { ...io, now: () => DEMO_NOW };
    const report = await executeCheck(options, { ...demoIo, env: {} });
    await emitReport(report, options, demoIo);
    if (!options.json) {
      const next =
        'A real run exits 1 when a name fails (0 pass or warn, 2 error). Next: `node dist/cli.js -d your.domain` ' +
        'from this checkout, or `sudo ./install.sh` and then `preflight`.';
      io.stdout.write(`\n${wrapped('', next, 0).join('\n')}\n`);
    }
    return 0;
  } finally {
    await world.close();
    await rm(root, { recursive: true, force: true });
  }
}
