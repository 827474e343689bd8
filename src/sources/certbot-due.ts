// When certbot renews a lineage (docs/certbot.md §3): autorenew, renew_before_expiry, and the
// default of the certbot version that wrote the conf, read from the newest archive version.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readSmallFileSync } from '../fsutil.js';
import { confString, type ConfSection } from './configobj.js';
import { certificateFacts, type CertificateFacts } from './x509.js';

/**
 * docs/certbot.md §3: autorenew=False never renews; renew_before_expiry when set; else 30 days before
 * expiry for certbot < 4.0 and 2/3 of the lifetime (1/2 under 10 days) from 4.0 on. Due-ness is
 * read from the newest archive version, as certbot does.
 */
export async function dueState(
  conf: ConfSection,
  params: ConfSection,
  configDir: string,
  name: string,
  live: { path: string; facts: CertificateFacts },
  now: Date,
): Promise<{ due: boolean; dueAt: Date | null; expires: Date; note: string | null }> {
  const cert = (await newestArchiveCert(conf, configDir, name, live)) ?? live.facts;
  const expires = cert.notAfter;
  if ((confString(params, 'autorenew') ?? '').toLowerCase() === 'false') {
    return { due: false, dueAt: null, expires, note: 'autorenew = False: certbot renew never renews this lineage' };
  }
  const notBefore = cert.notBefore.getTime();
  const notAfter = cert.notAfter.getTime();
  const before = confString(conf, 'renew_before_expiry');
  if (before !== null) {
    const renewAt = subtractInterval(new Date(notAfter), before);
    if (renewAt === null) {
      return { due: now.getTime() >= notAfter, dueAt: expires, expires, note: `renew_before_expiry ${JSON.stringify(before)} is not understood; certbot then renews only at expiry` };
    }
    return { due: now.getTime() >= renewAt.getTime(), dueAt: renewAt, expires, note: `due from ${renewAt.toISOString()} (renew_before_expiry = ${before})` };
  }
  const version = confString(conf, 'version') ?? '0';
  const major = Number(/^(\d+)/.exec(version)?.[1] ?? 0);
  let renewAt: number;
  let rule: string;
  if (major >= 4) {
    const lifetime = notAfter - notBefore;
    const fraction = lifetime < 10 * 86_400_000 ? 1 / 2 : 2 / 3;
    renewAt = notBefore + lifetime * fraction;
    rule = `certbot ${version} default: after ${fraction === 0.5 ? 'half' : 'two thirds'} of the lifetime, or earlier by ARI`;
  } else {
    renewAt = notAfter - 30 * 86_400_000;
    rule = `certbot ${version} default: 30 days before expiry`;
  }
  return { due: now.getTime() >= renewAt, dueAt: new Date(renewAt), expires, note: `due from ${new Date(renewAt).toISOString()} (${rule})` };
}

/**
 * archive_dir/certN.pem for the highest N present for all four files (storage.latest_common_version);
 * the live certificate's facts when that is the file `live` already points to.
 */
async function newestArchiveCert(
  conf: ConfSection,
  configDir: string,
  name: string,
  live: { path: string; facts: CertificateFacts },
): Promise<CertificateFacts | null> {
  const archiveDir = confString(conf, 'archive_dir') ?? path.join(configDir, 'archive', name);
  try {
    const versions = new Map<string, Set<number>>();
    for (const file of readdirSync(archiveDir)) {
      const m = ARCHIVE_FILE.exec(file);
      if (m) versions.set(m[1]!, (versions.get(m[1]!) ?? new Set()).add(Number(m[2])));
    }
    const sets = ['cert', 'privkey', 'chain', 'fullchain'].map((kind) => versions.get(kind) ?? new Set<number>());
    const common = [...sets[0]!].filter((v) => sets.every((s) => s.has(v)));
    if (common.length === 0) return null;
    const newest = path.join(archiveDir, `cert${Math.max(...common)}.pem`);
    return newest === live.path ? live.facts : certificateFacts(readSmallFileSync(newest));
  } catch {
    return null;
  }
}

const ARCHIVE_FILE = /^(cert|privkey|chain|fullchain)(\d+)\.pem$/;

const UNIT_MS: Record<string, number> = {
  second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000,
};

/** notAfter minus a certbot interval ("30 days", "2 weeks", "1 month", bare number = days), or null. */
export function subtractInterval(from: Date, interval: string): Date | null {
  let text = interval.trim().toLowerCase();
  if (/^\d+$/.test(text)) text += ' days'; // storage.add_time_interval
  const tokens = text.replace(/(\d)([a-z])/g, '$1 $2').split(/[\s,]+/).filter((t) => t !== '' && t !== 'and');
  if (tokens.length === 0 || tokens.length % 2 !== 0) return null;
  const result = new Date(from);
  for (let i = 0; i < tokens.length; i += 2) {
    if (!/^\d+$/.test(tokens[i]!)) return null;
    const amount = Number(tokens[i]);
    const unit = UNIT_ALIASES[tokens[i + 1]!.replace(/s$/, '')];
    if (unit === undefined) return null;
    if (unit === 'month') result.setUTCMonth(result.getUTCMonth() - amount);
    else if (unit === 'year') result.setUTCFullYear(result.getUTCFullYear() - amount);
    else result.setTime(result.getTime() - amount * UNIT_MS[unit]!);
  }
  return result;
}

const UNIT_ALIASES: Record<string, string> = {
  second: 'second', sec: 'second', minute: 'minute', min: 'minute', hour: 'hour', hr: 'hour', h: 'hour',
  day: 'day', d: 'day', week: 'week', wk: 'week', w: 'week', month: 'month', mon: 'month', year: 'year', yr: 'year', y: 'year',
};

