// Reading an ACME directory (RFC 8555 §7.1.1) as the renewal's client reads it: over HTTPS with
// the roots that client trusts (docs/private-cas.md), within one deadline for the whole exchange,
// following a few redirects, and never more than a directory's worth of bytes.
import { readdirSync } from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import { readSmallFileSync } from '../fsutil.js';
import type { CaBundle } from '../sources/lineage.js';

/** Most bytes of a directory document; real ones are well under a kilobyte. */
export const MAX_DIRECTORY_BYTES = 1 << 20;

/** Redirects followed before giving up (a directory URL normally answers directly). */
export const MAX_DIRECTORY_REDIRECTS = 3;

/** Most files read from a directory of hashed certificate links (/etc/ssl/certs holds a few hundred). */
const MAX_HASHED_FILES = 4096;

/** Why a directory could not be read; `untrusted` when the server's chain did not lead to a trusted root. */
export class DirectoryError extends Error {
  constructor(message: string, readonly untrusted = false) {
    super(message);
  }
}

/** The roots a client names could not be used: the message names the file and the setting. */
export class BundleError extends DirectoryError {}

/** Node's codes for a chain that ends at no trusted root (OpenSSL's X509_V_ERR_* names). */
const UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED',
]);

/** "/etc/ssl/ca.pem from REQUESTS_CA_BUNDLE", "/x.pem from CA_BUNDLE in /root/.acme.sh/account.conf". */
export function describeBundle(bundle: CaBundle): string {
  return `${bundle.path} from ${bundle.source}${bundle.from === 'the environment' ? '' : ` in ${bundle.from}`}`;
}

/** How a fetch trusted the server, for messages: only the bundle, or the bundle besides Node's roots. */
export function trustPhrase(bundle: CaBundle): string {
  return bundle.replacesDefault ? `trusting only ${describeBundle(bundle)}` : `trusting ${describeBundle(bundle)} besides Node's default roots`;
}

/**
 * The certificates (PEM) a bundle names: every certificate of a file, or of the hashed links
 * (`<8 hex>.<n>`, as c_rehash makes them) in a directory, which is what OpenSSL looks up in a
 * CA path. A bundle that cannot be read or holds no certificate is an error naming it.
 */
export function loadBundle(bundle: CaBundle): string[] {
  const fail = (why: string): never => {
    throw new BundleError(`cannot use the CA bundle ${describeBundle(bundle)}: ${why}`);
  };
  let files: string[];
  try {
    const entries = readdirSync(bundle.path).filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n)).sort();
    files = entries.slice(0, MAX_HASHED_FILES).map((n) => path.join(bundle.path, n));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTDIR') return fail(code === 'ENOENT' ? 'no such file' : (err as Error).message);
    files = [bundle.path];
  }
  const pems: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readSmallFileSync(file).toString('latin1');
    } catch (err) {
      if (files.length > 1) continue; // a dangling link among many: OpenSSL skips it too
      return fail((err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message);
    }
    pems.push(...(text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []));
  }
  if (pems.length === 0) fail(files.length === 1 ? 'it holds no PEM certificate' : 'no hashed certificate link in it');
  return pems;
}

/**
 * GET a directory as JSON within `timeoutMs` (redirects included). With a bundle that replaces
 * the default roots, only its certificates are trusted. NODE_EXTRA_CA_CERTS is already among
 * Node's default roots (Node adds it when it starts): it is read here only so that a bad file is
 * named, never added twice.
 */
export function fetchDirectory(url: string, timeoutMs: number, bundle: CaBundle | null): Promise<unknown> {
  let ca: string[] | undefined;
  try {
    const pems = bundle ? loadBundle(bundle) : undefined;
    ca = bundle?.replacesDefault ? pems : undefined;
  } catch (err) {
    return Promise.reject(err);
  }
  return loadClients().then((clients) => get(clients, url, ca, Date.now() + timeoutMs, timeoutMs, 0));
}

type Clients = { http: typeof import('node:http'); https: typeof import('node:https') };
let clients: Promise<Clients> | null = null;

/** node:http and node:https, loaded on first use: only an unknown CA's directory needs them (README "Speed"). */
function loadClients(): Promise<Clients> {
  clients ??= Promise.all([import('node:http'), import('node:https')]).then(([http, https]) => ({ http, https }));
  return clients;
}

/** One GET of the chain of redirects, all within `deadline`. */
function get(clients: Clients, url: string, ca: string[] | undefined, deadline: number, timeoutMs: number, hops: number): Promise<unknown> {
  const { http, https } = clients;
  return new Promise((resolve, reject) => {
    let settled = false;
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new DirectoryError(`not a URL: ${JSON.stringify(url)}`));
      return;
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (client === null) {
      reject(new DirectoryError(`not an http(s) URL: ${target.protocol}`));
      return;
    }
    // agent: false, so no connection is kept open after the answer.
    const options: https.RequestOptions = { agent: false, headers: { accept: 'application/json' }, ...(client === https && ca ? { ca } : {}) };
    const req = client.get(target, options, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        res.resume();
        if (hops >= MAX_DIRECTORY_REDIRECTS) return fail(new DirectoryError(`more than ${MAX_DIRECTORY_REDIRECTS} redirects`));
        get(clients, new URL(location, target).href, ca, deadline, timeoutMs, hops + 1).then(done, fail);
        return;
      }
      if (status < 200 || status > 299) {
        res.resume();
        return fail(new DirectoryError(`HTTP ${status}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_DIRECTORY_BYTES) fail(new DirectoryError(`the answer is larger than ${MAX_DIRECTORY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        try {
          done(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
        } catch {
          fail(new DirectoryError('the answer is not JSON'));
        }
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => fail(new DirectoryError(`no answer within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
    function done(value: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      const code = (err as NodeJS.ErrnoException).code;
      reject(err instanceof DirectoryError ? err : new DirectoryError(err.message, code !== undefined && UNTRUSTED_CODES.has(code)));
    }
    req.on('error', fail);
  });
}
