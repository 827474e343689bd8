// Debian's pebble as a real ACME CA on loopback: every challenge is answered "valid", so no DNS
// or HTTP reachability is needed. Used by the certbot lab (certbot-lab.ts) and its tests.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { findBinary, freePort } from './system.js';

export interface PebbleOptions {
  /** Validity of issued certificates in seconds (pebble's own default is 5 years). */
  certValiditySeconds?: number;
  /** Extra environment for pebble (e.g. PEBBLE_AUTHZREUSE). */
  env?: Record<string, string>;
}

export interface PebbleLab {
  /** ACME directory URL, https://localhost:<port>/dir. */
  directoryUrl: string;
  /** `host:port` of directoryUrl; certbot keeps accounts under config/accounts/<this>/dir/. */
  serverNetloc: string;
  /** Management interface (https://127.0.0.1:<port>): /roots/0, /intermediates/0, ... */
  managementUrl: string;
  /** PEM of the self-signed TLS certificate pebble serves: trust it (REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS). */
  caCertPath: string;
  /** PEM of pebble's (per-run, random) issuing root, fetched from the management interface. */
  issuerRootPath: string;
  /** Environment certbot needs (REQUESTS_CA_BUNDLE) plus NODE_EXTRA_CA_CERTS for Node children. */
  env: Record<string, string>;
  /** Temp dir holding the TLS cert, config and pebble.log. */
  dir: string;
  /** Kill pebble and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export function binary(name: string): string {
  const found = findBinary(name);
  if (!found) throw new Error(`${name} not found (apt-get install ${name === 'openssl' ? 'openssl' : name})`);
  return found;
}

function get(url: string, ca: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start pebble on free loopback ports with a fresh self-signed TLS cert; resolves once /dir answers. */
export async function startPebble(options: PebbleOptions = {}): Promise<PebbleLab> {
  const pebbleBin = binary('pebble');
  const opensslBin = binary('openssl');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'certbot-lab-pebble-'));
  const caCertPath = path.join(dir, 'localhost-cert.pem');
  const keyPath = path.join(dir, 'localhost-key.pem');
  // A self-signed cert that is its own trust anchor. CA:TRUE so OpenSSL/Python/Node accept it as a
  // root; serverAuth + SANs for localhost and 127.0.0.1 so either host form of the URL verifies.
  await execa(opensslBin, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', caCertPath, '-days', '7', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
    '-addext', 'extendedKeyUsage=serverAuth',
  ], { stdin: 'ignore' });
  const ca = readFileSync(caCertPath);
  const logPath = path.join(dir, 'pebble.log');

  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, mgmtPort, httpPort, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: caCertPath,
        privateKey: keyPath,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(options.certValiditySeconds ? { certificateValidityPeriod: options.certValiditySeconds } : {}),
      },
    };
    const configPath = path.join(dir, 'pebble-config.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const child = execa(pebbleBin, ['-config', configPath], {
      cwd: dir,
      stdin: 'ignore',
      // Always drained to a file: pebble logs every request and would block on a full pipe.
      stdout: { file: logPath, append: true },
      stderr: { file: logPath, append: true },
      reject: false,
      env: {
        PEBBLE_VA_ALWAYS_VALID: '1', // no challenge is ever checked: no DNS, no HTTP needed
        PEBBLE_VA_NOSLEEP: '1',
        PEBBLE_WFE_NONCEREJECT: '0', // default rejects 5% of good nonces: flaky for a fixture
        ...options.env,
      },
    });
    let exited = false;
    void child.then(() => (exited = true));
    const directoryUrl = `https://localhost:${port}/dir`;
    const deadline = Date.now() + 15_000;
    let ready = false;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await get(directoryUrl, ca);
        if (res.status === 200 && res.body.includes('newOrder')) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    if (!ready) {
      child.kill('SIGKILL');
      await child;
      lastError = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
      continue; // most likely a port raced away: try new ports
    }

    const managementUrl = `https://127.0.0.1:${mgmtPort}`;
    const issuerRootPath = path.join(dir, 'pebble-root.pem');
    try {
      const root = await get(`${managementUrl}/roots/0`, ca);
      if (root.status !== 200) throw new Error(`GET /roots/0: HTTP ${root.status}`);
      await writeFile(issuerRootPath, root.body);
    } catch (error) {
      child.kill('SIGKILL');
      await child;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }

    let stopped = false;
    return {
      directoryUrl,
      serverNetloc: `localhost:${port}`,
      managementUrl,
      caCertPath,
      issuerRootPath,
      env: { REQUESTS_CA_BUNDLE: caCertPath, NODE_EXTRA_CA_CERTS: caCertPath },
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (!exited) {
          child.kill('SIGTERM');
          const done = await Promise.race([child.then(() => true), sleep(3000).then(() => false)]);
          if (!done) {
            child.kill('SIGKILL');
            await child;
          }
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`pebble did not start:\n${lastError}`);
}

