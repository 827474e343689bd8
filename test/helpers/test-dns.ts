// The test DNS server is the in-process server `preflight demo` uses (src/demo/dns-server.ts).
export {
  caa,
  startDnsServer as startTestDns,
  type DnsServer as TestDns,
  type NameSpec,
  type QueryLog,
  type Zone,
} from '../../src/demo/dns-server.js';
