// The test DNS server is the in-process server `preflight demo` uses (src/demo/dns-server.ts).
export {
  caa,
  startDnsServer as startTestDns,
  type DnsServer as TestDns,
  type NameSpec,
  type QueryLog,
  type RcodeName,
  type Zone,
} from '../../src/demo/dns-server.js';

import dgram from 'node:dgram';
import type { Zone } from '../../src/demo/dns-server.js';

/**
 * The demo sample's four zones, each authorizing Let's Encrypt at its apex, example.org bound to
 * account 1111 as in the demo's own zone: the world several suites check the sample against.
 */
export const DEMO_APEXES: Zone = {
  'example.com': ['0 issue "letsencrypt.org"'],
  'example.org': ['0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1111"'],
  'example.net': ['0 issue "letsencrypt.org"'],
  'example.dev': ['0 issue "letsencrypt.org"'],
};

/** A UDP "resolver" that never answers anything: our own resolver being unreachable. */
export async function startBlackhole(): Promise<{ arg: string; host: string; port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return { arg: `127.0.0.1:${port}`, host: '127.0.0.1', port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
