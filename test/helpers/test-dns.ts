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

/** A UDP "resolver" that never answers anything: our own resolver being unreachable. */
export async function startBlackhole(): Promise<{ arg: string; host: string; port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return { arg: `127.0.0.1:${port}`, host: '127.0.0.1', port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
