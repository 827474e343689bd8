// Resolver addresses: /etc/resolv.conf (the system's view) or --resolver ADDR[:PORT].
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import type { ServerAddress } from './transport.js';

/** What resolv.conf says about where and how to query. */
export interface SystemResolverConfig {
  servers: ServerAddress[];
  /** `options timeout:N`, in milliseconds, when present. */
  timeoutMs: number | null;
  /** `options attempts:N`, when present. */
  attempts: number | null;
}

/** Canonical text form of an IP address (compressed, lowercase IPv6, zone id kept), or null. */
export function canonicalIp(text: string): string | null {
  const bare = text.replace(/%.*$/, '');
  const zone = text.slice(bare.length);
  if (net.isIPv4(bare) && zone === '') return bare;
  if (net.isIPv6(bare)) return new URL(`http://[${bare}]/`).hostname.slice(1, -1) + zone;
  return null;
}

/** Queries on the wire at once when --concurrency is not given (README "Speed"). */
export const DEFAULT_CONCURRENCY = 16;
/** ... when every resolver is on this host: a local cache answers from memory and forwards at its own pace. */
export const LOOPBACK_CONCURRENCY = 64;

/** Whether an address is this host's own (127.0.0.0/8, ::1, or 127/8 mapped into IPv6). */
export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || /^::ffff:127\./i.test(host);
}

/** The default number of queries on the wire for these resolvers. */
export function defaultConcurrency(servers: ServerAddress[]): number {
  return servers.length > 0 && servers.every((s) => isLoopback(s.host)) ? LOOPBACK_CONCURRENCY : DEFAULT_CONCURRENCY;
}

/** Parse `ADDR`, `ADDR:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 address. Throws on bad input. */
export function parseResolverAddress(text: string): ServerAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^([\d.]+)(?::(\d+))?$/.exec(text);
  let host: string | null = null;
  let port = 53;
  if (bracketed) {
    host = net.isIPv6(bracketed[1]!.replace(/%.*$/, '')) ? canonicalIp(bracketed[1]!) : null;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (v4) {
    host = canonicalIp(v4[1]!);
    if (v4[2] !== undefined) port = Number(v4[2]);
  } else if (net.isIPv6(text.replace(/%.*$/, ''))) {
    host = canonicalIp(text);
  }
  if (host === null) {
    throw new Error(`--resolver ${JSON.stringify(text)} is not an IP address (use 192.0.2.1, 192.0.2.1:5353 or [2001:db8::1]:5353)`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--resolver ${JSON.stringify(text)} has an invalid port`);
  }
  return { host, port };
}

/** Parse resolv.conf text: nameserver lines (IPv4/IPv6) and `options timeout:/attempts:`. */
export function parseResolvConf(text: string): SystemResolverConfig {
  const config: SystemResolverConfig = { servers: [], timeoutMs: null, attempts: null };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/[#;].*$/, '').trim();
    const [keyword, ...args] = line.split(/\s+/);
    if (keyword === 'nameserver' && args[0]) {
      const host = canonicalIp(args[0]);
      if (host) config.servers.push({ host, port: 53 });
    } else if (keyword === 'options') {
      for (const option of args) {
        const m = /^(timeout|attempts):(\d+)$/.exec(option);
        if (!m) continue;
        // glibc caps timeout at 30 s and attempts at 5 (resolv.conf(5)).
        if (m[1] === 'timeout') config.timeoutMs = Math.min(Math.max(Number(m[2]), 1), 30) * 1000;
        else config.attempts = Math.min(Math.max(Number(m[2]), 1), 5);
      }
    }
  }
  return config;
}

/** Read resolv.conf; an unreadable file yields no servers (the caller reports it). */
export async function readResolvConf(path = '/etc/resolv.conf'): Promise<SystemResolverConfig> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch {
    return { servers: [], timeoutMs: null, attempts: null };
  }
}
