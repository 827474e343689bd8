// Real system parts for interop tests: find binaries, pick free ports, and decide whether a
// missing binary skips (locally, with a clear message) or fails (in CI, where it must be there).
import { accessSync, constants } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';

const SEARCH = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** Absolute path of an executable, or null. */
export function findBinary(name: string): string | null {
  for (const dir of SEARCH) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

/**
 * Whether a suite needing these binaries can run. Missing binaries skip locally with a message,
 * and throw under CI (CI=true), where .ci/run installs them: a skipped interop test is no test.
 */
export function requireBinaries(suite: string, names: string[]): boolean {
  const missing = names.filter((n) => findBinary(n) === null);
  if (missing.length === 0) return true;
  return unavailable(`${suite}: missing ${missing.join(', ')} (apt-get install ${packagesFor(missing).join(' ')})`);
}

/** A real part a suite needs is not there: skip locally with the message, throw under CI. */
export function unavailable(message: string): false {
  if (process.env.CI) throw new Error(`${message} — required in CI`);
  console.warn(`SKIPPED ${message}`);
  return false;
}

function packagesFor(binaries: string[]): string[] {
  const pkg: Record<string, string> = {
    named: 'bind9', 'named-compilezone': 'bind9-utils', 'dnssec-keygen': 'bind9-utils', 'dnssec-signzone': 'bind9-utils', unbound: 'unbound',
    certbot: 'certbot', pebble: 'pebble', openssl: 'openssl', ip: 'iproute2',
  };
  return [...new Set(binaries.map((b) => pkg[b] ?? b))];
}

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
    const ok = await new Promise<boolean>((resolve) => {
      const tcp = net.createServer();
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => tcp.close(() => resolve(true)));
    });
    udp.close();
    if (ok) return port;
  }
  throw new Error('no free port');
}

/** Whether this machine has an IPv6 loopback to bind (some containers have none). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const socket = dgram.createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '::1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}
