// A hosting box's certbot config dir at fleet scale, in the format certbot 2.x writes (renewal
// confs, live/ symlinks into archive/, one account), with real certificates: `lineages` lineages
// of `sans` names each, spread over `zones` zones of one TLD. Also the DNS data to serve it.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { issueCertificate, makeIssuer } from './x509.js';

export interface Fleet {
  configDir: string;
  names: string[];
  zones: string[];
  tld: string;
  /** Every distinct name the CA queries for these names: the minimum number of CAA queries. */
  suffixes: number;
}

const ACCOUNT = 'f1ee7f1ee7f1ee7f1ee7f1ee7f1ee7f1';
const SERVER = 'https://acme-v02.api.letsencrypt.org/directory';

/** The names of lineage `i`: its site name and `sans - 1` hosts below it. */
export function lineageNames(i: number, zones: number, sans: number, tld: string): string[] {
  const site = `s${i}.z${i % zones}.${tld}`;
  return [site, ...['www', 'api', 'cdn', 'mail', 'img', 'shop', 'blog'].slice(0, sans - 1).map((h) => `${h}.${site}`)];
}

/** Write the fleet under `root`; `server` is the ACME directory its lineages renew with (Let's Encrypt by default). */
export async function buildFleet(
  root: string,
  options: { lineages: number; sans: number; zones: number; tld?: string; now: Date; server?: string },
): Promise<Fleet> {
  const tld = options.tld ?? 'fleet';
  const server = options.server ?? SERVER;
  const configDir = path.join(root, 'letsencrypt');
  const issuer = makeIssuer();
  // certbot's account folder: accounts/<host:port/path>/<id> (docs/certbot.md §4).
  const serverUrl = new URL(server);
  const accountDir = path.join(configDir, 'accounts', `${serverUrl.host}${serverUrl.pathname}`, ACCOUNT);
  await mkdir(accountDir, { recursive: true });
  await writeFile(path.join(accountDir, 'regr.json'), JSON.stringify({ body: {}, uri: new URL('/acme/acct/4242', server).href }));
  await mkdir(path.join(configDir, 'renewal'), { recursive: true });
  const notBefore = new Date(options.now.getTime() - 80 * 86_400_000);
  const notAfter = new Date(notBefore.getTime() + 90 * 86_400_000);
  const names: string[] = [];
  for (let i = 0; i < options.lineages; i++) {
    const lineage = lineageNames(i, options.zones, options.sans, tld);
    names.push(...lineage);
    const name = lineage[0]!;
    const archive = path.join(configDir, 'archive', name);
    const live = path.join(configDir, 'live', name);
    await mkdir(archive, { recursive: true });
    await mkdir(live, { recursive: true });
    const pem = issueCertificate(issuer, lineage, i + 1, notBefore, notAfter);
    const files: Record<string, string> = { cert: pem, chain: pem, fullchain: pem, privkey: issuer.pem };
    for (const [kind, content] of Object.entries(files)) {
      await writeFile(path.join(archive, `${kind}1.pem`), content);
      await symlink(`../../archive/${name}/${kind}1.pem`, path.join(live, `${kind}.pem`));
    }
    await writeFile(
      path.join(configDir, 'renewal', `${name}.conf`),
      [
        '# renew_before_expiry = 30 days', 'version = 2.1.0', `archive_dir = ${archive}`,
        `cert = ${live}/cert.pem`, `privkey = ${live}/privkey.pem`, `chain = ${live}/chain.pem`, `fullchain = ${live}/fullchain.pem`,
        '', '# Options used in the renewal process', '[renewalparams]', `account = ${ACCOUNT}`, 'authenticator = webroot',
        `webroot_path = /var/www/${name},`, `server = ${server}`, 'key_type = ecdsa', '[[webroot_map]]',
        ...lineage.map((n) => `${n} = /var/www/${name}`), '',
      ].join('\n'),
    );
  }
  const zones = Array.from({ length: Math.min(options.zones, options.lineages) }, (_, z) => `z${z}.${tld}`);
  const suffixes = new Set(names.flatMap((n) => n.split('.').map((_, i, labels) => labels.slice(i).join('.')))).size;
  return { configDir, names, zones, tld, suffixes };
}
