// Which roots each client trusts for its CA's HTTPS, so that an unknown CA's directory is read as
// the client would read it (docs/private-cas.md): acme.sh gives curl --capath CA_PATH, else
// --cacert CA_BUNDLE, from account.conf; certbot's HTTP library takes REQUESTS_CA_BUNDLE, else
// CURL_CA_BUNDLE, from its environment; each replaces the default roots. NODE_EXTRA_CA_CERTS,
// which Node adds to its own default roots when it starts, is the fallback for every lineage.
import path from 'node:path';
import type { CaBundle, Lineage } from './lineage.js';

/** acme.sh's roots from its account.conf values (`get`), read as data; null: curl's defaults. */
export function acmeshTrust(get: (key: string) => string | null, accountConf: string): CaBundle | null {
  // _inithttp: `--capath` wins over `--cacert` when both are saved.
  const source = get('CA_PATH') ? 'CA_PATH' : get('CA_BUNDLE') ? 'CA_BUNDLE' : null;
  return source ? { path: get(source)!, source, from: accountConf, replacesDefault: true } : null;
}

/** The roots the environment gives a lineage that has none of its own (certbot, -d), or null. */
export function environmentTrust(lineage: Pick<Lineage, 'source'>, env: NodeJS.ProcessEnv, cwd: string): CaBundle | null {
  const at = (value: string): string => path.resolve(cwd, value);
  if (lineage.source !== 'acme.sh') {
    // requests: `REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE` replaces verify=True; an empty value is unset.
    for (const source of ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'] as const) {
      const value = env[source];
      if (value) return { path: at(value), source, from: 'the environment', replacesDefault: true };
    }
  }
  const extra = env.NODE_EXTRA_CA_CERTS;
  return extra ? { path: at(extra), source: 'NODE_EXTRA_CA_CERTS', from: 'the environment', replacesDefault: false } : null;
}

/** Every lineage with its client's roots: its own (acme.sh's account.conf), else the environment's. */
export function withTrust(lineages: Lineage[], env: NodeJS.ProcessEnv, cwd: string): Lineage[] {
  return lineages.map((l) => (l.caBundle ? l : { ...l, caBundle: environmentTrust(l, env, cwd) }));
}
