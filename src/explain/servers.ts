// A name's report with the zone's servers taken into account: which view decided, every server's
// answer the verdict rests on, a finding per server that would lead the CA elsewhere, and what
// our own resolver saw that the CA will not. Pure.
import type { CheckName } from '../caa/name.js';
import { evaluateCaa, type Evaluation } from '../caa/evaluate.js';
import { lookupProblem, refusalProblem } from '../caa/messages.js';
import { isDnssecFailure, levelsConsulted, sameLookup, type Deviation, type ViewSource } from '../caa/perspectives.js';
import { bytesToText } from '../caa/zone.js';
import type { AuthoritativeLevel } from '../dns/authoritative.js';
import { answerKey, type ServerObservation } from '../dns/server-answer.js';
import type { CaaLookup } from '../dns/lookup.js';
import { STATUS_RANK, worstStatus, type CaPolicy, type Status } from '../vocabulary.js';
import * as finding from './server-findings.js';
import type { ContextView, Finding, NameReport, ServerNote } from './types.js';

/** What the DNS phase learned about one name beyond the evaluated levels. */
export interface ServerEvidence {
  /** Our resolver's answer per level. */
  resolver: CaaLookup[];
  /** The zone's servers per level (null: not asked, or none reachable). */
  served: Array<AuthoritativeLevel | null>;
  /** Which view each level was judged from. */
  from: ViewSource[];
  deviations: Array<Deviation<ServerObservation>>;
}

/** Add the servers' side to a name's report: notes, findings, and the status they imply. */
export function explainServers(
  report: NameReport,
  name: CheckName,
  evaluation: Evaluation,
  evidence: ServerEvidence,
  policy: CaPolicy,
  context: ContextView,
): NameReport {
  const last = levelsConsulted(evaluation);
  const consulted = evaluation.levels.slice(0, last + 1);
  const served = evidence.served.slice(0, last + 1);
  const servers = served.flatMap((s, i) => (s ? s.perServer.map((p) => note(consulted[i]!.name, p.observation)) : []));
  const judgedFrom = evidence.from.slice(0, last + 1).every((f) => f === 'authoritative') ? 'authoritative' : 'resolver';
  const findings: Finding[] = [];
  const statuses: Status[] = [report.status];

  for (const [d, transports] of groupByServer(evidence.deviations)) {
    const level = evaluation.levels[d.level]!;
    const zoneServes = finding.lookupSummary(level);
    const o = d.server;
    if (d.lookup.kind === 'error') {
      const otherWorks = (evidence.served[d.level]?.perServer ?? []).some(
        (p) => p.observation.server.address === o.server.address && !transports.includes(p.observation.transport) && p.observation.answer.kind !== 'fault',
      );
      findings.push(finding.serverFault({ ...o, transport: transports[0]! }, level.name, `the zone's other servers serve ${zoneServes}`, otherWorks, transports));
    } else {
      const newest = newestSerial(evidence.served[d.level] ?? null, o.zone);
      findings.push(finding.serverDisagrees(o, level.name, d.lookup, zoneServes, newest, !d.changesVerdict));
    }
    statuses.push(d.changesVerdict ? statusOf(d.evaluation) : 'warn');
  }

  consulted.forEach((level, i) => {
    const own = evidence.resolver[i];
    if (evidence.from[i] !== 'authoritative' || own === undefined || sameLookup(own, level)) return;
    if (own.kind === 'error') {
      findings.push(finding.resolverFailed(own, level.name));
      statuses.push('warn');
      return;
    }
    const theirs = evaluateCaa(evaluation.levels.map((l, j) => (j === i ? own : l)), name.wildcard, policy, context);
    const changes = theirs.outcome !== evaluation.outcome;
    findings.push(finding.resolverDiffers(own, level.name, finding.lookupSummary(level), changes));
    if (changes) statuses.push('warn');
  });

  // A signed zone's answers count as validated only when our resolver validated the same answer.
  const validated = (i: number): boolean => {
    const own = evidence.resolver[i];
    return own !== undefined && own.validated && sameLookup(own, consulted[i]!);
  };
  const unvalidated = [...new Set(served.flatMap((s, i) => (s && !validated(i) ? s.signedZones : [])))];
  if (unvalidated.length > 0) findings.push(finding.dnssecUnvalidated(unvalidated, evidence.resolver[0]?.server ?? null));
  const resolverLevels = evidence.resolver;
  const unasked = consulted
    .filter((_, i) => evidence.from[i] === 'resolver' && !(resolverLevels[i] && isDnssecFailure(resolverLevels[i])))
    .map((l) => l.name);
  const reachedSome = evidence.served.some((s) => s?.baseline && !(s.baseline.kind === 'error' && s.baseline.local));
  if (unasked.length > 0 && reachedSome) findings.push(finding.authoritativeUnreachable(unasked));

  const status = worstStatus(statuses);
  const escalated = STATUS_RANK[status] > STATUS_RANK[report.status] && status !== 'warn';
  const first = findings.find((f) => f.level === 'fail');
  return {
    ...report,
    status,
    judgedFrom,
    servers,
    findings: [...report.findings, ...findings],
    ...(escalated && first ? escalation(name, report, first, evidence.deviations) : {}),
  };
}

/** When a server turns a passing name into a failing one: the reason and the CA's words for it. */
function escalation(name: CheckName, report: NameReport, first: Finding, deviations: Array<Deviation<ServerObservation>>): Partial<NameReport> {
  const d = deviations.find((x) => x.changesVerdict && x.server.server.address === first.server?.address);
  const evaluation = d?.evaluation;
  const caProblem =
    evaluation?.why === 'lookup-error'
      ? lookupProblem(name.identifier, evaluation.failed)
      : evaluation && 'relevant' in evaluation && evaluation.outcome === 'refuse'
        ? refusalProblem(name.identifier, evaluation.relevant.name)
        : report.caProblem;
  const who = first.server ? `${first.server.name} (${first.server.address})` : 'one of the nameservers';
  const asked = d ? d.server.name : name.base;
  const reproduce = first.server
    ? `dig @${first.server.address} ${asked} CAA +norecurse${first.server.transport === 'tcp' ? ' +tcp' : ''}`
    : report.reproduce;
  return { reason: `nameserver ${who} would make the CA refuse (see below); the others: ${report.reason}`, caProblem, reproduce };
}

/** The deviations, one per server and answer: the same answer over UDP and TCP, or at several levels, is said once. */
function groupByServer(deviations: Array<Deviation<ServerObservation>>): Array<[Deviation<ServerObservation>, Array<'udp' | 'tcp'>]> {
  const groups = new Map<string, [Deviation<ServerObservation>, Array<'udp' | 'tcp'>]>();
  for (const d of deviations) {
    const key = `${d.server.server.host}|${d.server.server.address}|${answerKey(d.server.answer)}`;
    const group = groups.get(key);
    if (group && !group[1].includes(d.server.transport)) group[1].push(d.server.transport);
    else if (!group) groups.set(key, [d, [d.server.transport]]);
  }
  return [...groups.values()];
}

/** The newest serial any server of `zone` has (serials compare only within one zone). */
function newestSerial(level: AuthoritativeLevel | null, zone: string): number | null {
  const serials = (level?.perServer ?? [])
    .filter((p) => p.observation.zone === zone)
    .map((p) => p.observation.serial)
    .filter((s): s is number => s !== null);
  return serials.length > 0 ? Math.max(...serials) : null;
}

function statusOf(evaluation: Evaluation): Status {
  switch (evaluation.outcome) {
    case 'allow':
      return 'pass';
    case 'depends':
      return 'error';
    case 'refuse':
    case 'lookup-error':
      return 'fail';
  }
}

/** One observation for JSON and -v. */
function note(level: string, o: ServerObservation): ServerNote {
  const a = o.answer;
  const base = {
    level, asked: o.name, zone: o.zone, server: o.server.host, address: o.server.address, transport: o.transport,
    serial: o.serial, ms: o.ms === null ? null : Math.round(o.ms), records: [] as ServerNote['records'], alias: null, fault: null, rcode: 'NOERROR',
  };
  switch (a.kind) {
    case 'records':
      return { ...base, result: 'records', records: a.records.map((r) => ({ flags: r.flags, tag: bytesToText(r.tag), value: bytesToText(r.value) })) };
    case 'empty':
      return { ...base, result: a.nxdomain ? 'nxdomain' : 'empty', rcode: a.nxdomain ? 'NXDOMAIN' : 'NOERROR' };
    case 'alias':
      return { ...base, result: 'alias', alias: a.hop.target };
    case 'fault':
      return { ...base, result: 'error', rcode: a.rcode, fault: a.fault };
  }
}
