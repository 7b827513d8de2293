/**
 * The Organization-wide audit (issue 10) as one *run*: the scheduled audit
 * function lists the Organization's accounts, writes the run (every (account,
 * region) pair it covers) and puts one SQS message per pair on the audit
 * queue; workers audit each pair through its member role and record the
 * pair's final result on the run. The pair whose result completes the run
 * sends its one summary, through the change pipeline (the same channels,
 * escaping and step claims) as the record `org-audit:<runId>`.
 *
 * Nothing is lost or counted twice:
 * - a pair's result is written once (the first final one); a redelivered
 *   message finds it and counts nothing more;
 * - a failed pair is retried by SQS (its message comes back after the
 *   visibility timeout) and is recorded as failed, with its last error, on
 *   its last try (`maxTries`, the queue's maxReceiveCount); the message then
 *   goes to the dead-letter queue, from where it can be redriven;
 * - a run some pair never reported (a worker that timed out on the last try)
 *   is summarised by the next run, naming that pair as "no result";
 * - the summary is one pipeline record, so a retried or a late second
 *   summary of the same run sends nothing twice.
 *
 * Pure: the stores implement OrgAuditRunStore (lib/store/org-audit-items.ts),
 * the Lambda wiring is lib/wiring/org-audit.ts.
 */
import { type ChangeResult, type Finding, type Severity } from '../model';
import { compareSeverity, severityAtLeast, VIOLATION_THRESHOLD } from '../policy/severity';
import { ACCOUNT_ID, REGION } from '../aws-ids';

export interface AuditPair {
  account: string;
  region: string;
}

export const pairKey = (p: AuditPair): string => `${p.account}/${p.region}`;

/** One run: the pairs it covers, from the account list at its start. */
export interface OrgAuditRun {
  /** The schedule's time (ISO): a retried invocation of the same schedule is the same run. */
  runId: string;
  startedAt: string;
  /** The central stack's account and region: where the summary is from. */
  home: AuditPair;
  pairs: AuditPair[];
  /** Set once the summary went through the pipeline. */
  summarizedAt?: string;
}

/** The final result of one pair in one run. */
export interface PairResult extends AuditPair {
  status: 'audited' | 'failed';
  at: string;
  /** Deliveries of the pair's message it took (SQS ApproximateReceiveCount). */
  attempts: number;
  groups?: number;
  rules?: number;
  findings?: number;
  new?: number;
  resolved?: number;
  /** The worst severity among the new findings. */
  worstNew?: Severity;
  /** Why the pair failed: the last error. */
  reason?: string;
}

export interface OrgAuditRunStore {
  /** Writes the run unless it exists; returns the stored one either way. */
  startRun(run: OrgAuditRun): Promise<{ created: boolean; run: OrgAuditRun }>;
  /** Writes the pair's result unless it has one, and counts it once on the run; returns how many pairs of the run have a result. */
  putPairResult(runId: string, result: PairResult): Promise<{ counted: boolean; done: number; total: number }>;
  /** The pair's result in the run, if it has one (a redelivered message then skips the audit). */
  pairResult(runId: string, pair: AuditPair): Promise<PairResult | undefined>;
  /** The run and every result it has, in pair order. */
  readRun(runId: string): Promise<{ run: OrgAuditRun; results: PairResult[] } | undefined>;
  markSummarized(runId: string, at: string): Promise<void>;
  /** The newest runs, newest first. */
  recentRuns(limit: number): Promise<OrgAuditRun[]>;
}

/** The SQS message of one pair. */
export interface OrgAuditMessage extends AuditPair {
  runId: string;
}

export const orgAuditMessageBody = (runId: string, pair: AuditPair): string => JSON.stringify({ runId, account: pair.account, region: pair.region });

/** The message, or what is wrong with it (a message that can never be audited is not retried). */
export function parseOrgAuditMessage(body: string): OrgAuditMessage | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  const m = (value ?? {}) as Record<string, unknown>;
  if (typeof m.runId !== 'string' || Number.isNaN(Date.parse(m.runId))) return { problem: 'runId is not an ISO time' };
  if (typeof m.account !== 'string' || !ACCOUNT_ID.test(m.account)) return { problem: `account ${JSON.stringify(m.account)} is not a 12-digit account id` };
  if (typeof m.region !== 'string' || !REGION.test(m.region)) return { problem: `region ${JSON.stringify(m.region)} is not an AWS region` };
  return { runId: m.runId, account: m.account, region: m.region };
}

/** Every (account, region) pair, in account then region order. */
export function pairsOf(accounts: readonly string[], regions: readonly string[]): AuditPair[] {
  return [...new Set(accounts)].sort().flatMap((account) => [...new Set(regions)].sort().map((region) => ({ account, region })));
}

export const ORG_AUDIT_FAILED_RULE = 'sgwatch-audit-failed';
export const orgAuditEventId = (runId: string): string => `org-audit:${runId}`;
/** Pairs listed one per line in the summary; the rest are counted. */
export const SUMMARY_PAIR_LINES = 50;

/** The pairs of a run without a result (when summarised before every pair reported). */
export function missingPairs(run: OrgAuditRun, results: readonly PairResult[]): AuditPair[] {
  const have = new Set(results.map(pairKey));
  return run.pairs.filter((p) => !have.has(pairKey(p)));
}

/** `after 3 tries: <reason>`: how a failed pair is told, in its line and in its finding. */
const failedAfter = (r: PairResult): string => `after ${r.attempts} ${r.attempts === 1 ? 'try' : 'tries'}: ${r.reason ?? 'no reason recorded'}`;

const pairLine = (r: PairResult): string =>
  r.status === 'failed'
    ? `${pairKey(r)}: FAILED ${failedAfter(r)}`
    : `${pairKey(r)}: ${r.groups ?? 0} groups, ${r.rules ?? 0} rules, ${r.findings ?? 0} findings (${r.new ?? 0} new, ${r.resolved ?? 0} resolved)`;

/**
 * The run's summary as one result the pipeline stores and alerts once. A
 * failed or missing pair is a high finding (an account sgwatch could not
 * audit is an account nobody checked); new findings make it as severe as the
 * worst of them (each pair's own alert lists them). A run with neither is
 * recorded, not alerted: nothing needs a human.
 */
export function orgAuditSummaryResult(run: OrgAuditRun, results: readonly PairResult[]): ChangeResult {
  const sorted = [...results].sort((a, b) => (pairKey(a) < pairKey(b) ? -1 : pairKey(a) > pairKey(b) ? 1 : 0));
  const failed = sorted.filter((r) => r.status === 'failed');
  const audited = sorted.filter((r) => r.status === 'audited');
  const missing = missingPairs(run, sorted);
  const findings: Finding[] = [
    ...failed.map((r) => ({ rule: ORG_AUDIT_FAILED_RULE, severity: 'high' as const, message: `account ${r.account}, region ${r.region}: not audited ${failedAfter(r)}`, remediation: 'alert' as const })),
    ...missing.map((p) => ({
      rule: ORG_AUDIT_FAILED_RULE,
      severity: 'high' as const,
      message: `account ${p.account}, region ${p.region}: no result (its audit never finished: look for its message in the audit dead-letter queue)`,
      remediation: 'alert' as const,
    })),
  ];
  const newCount = audited.reduce((n, r) => n + (r.new ?? 0), 0);
  const worstNew = audited.map((r) => r.worstNew).filter((s): s is Severity => Boolean(s)).sort((a, b) => compareSeverity(b, a))[0];
  const severity: Severity = [findings.length ? ('high' as Severity) : undefined, worstNew].filter((s): s is Severity => Boolean(s)).sort((a, b) => compareSeverity(b, a))[0] ?? 'info';
  const accounts = new Set(run.pairs.map((p) => p.account)).size;
  const regions = new Set(run.pairs.map((p) => p.region)).size;
  const total = audited.reduce((n, r) => n + (r.findings ?? 0), 0);
  const notes = [
    `organization audit ${run.runId}: ${run.pairs.length} account/region pairs (${accounts} accounts × ${regions} regions): ${audited.length} audited, ${failed.length} failed${missing.length ? `, ${missing.length} without a result` : ''}; ${total} findings, ${newCount} new since the last audit`,
    ...sorted.slice(0, SUMMARY_PAIR_LINES).map(pairLine),
  ];
  if (sorted.length > SUMMARY_PAIR_LINES) notes.push(`${sorted.length - SUMMARY_PAIR_LINES} more pairs not listed here (every failed one is a finding above)`);
  const outcome = findings.length > 0 || (worstNew && severityAtLeast(worstNew, VIOLATION_THRESHOLD)) ? 'violation' : 'compliant';
  return {
    source: `org-audit:${run.runId}`,
    change: {
      eventId: orgAuditEventId(run.runId),
      eventName: 'OrganizationAudit',
      eventTime: run.startedAt,
      account: run.home.account,
      region: run.home.region,
      eventSource: 'sgwatch',
      actor: { via: 'sgwatch', name: 'sgwatch organization audit' },
      kind: 'authorize',
      groupId: null,
      rules: [],
    },
    verdict: {
      outcome,
      severity,
      findings,
      exceptions: [],
      remediation: { mode: 'off', action: 'none', ruleIds: [], permissions: [], reason: 'an audit summary: nothing to revoke' },
      notes,
    },
  };
}

/** Counts by status, for logs and the scheduler's answer. */
export function runCounts(run: OrgAuditRun, results: readonly PairResult[]): Record<'pairs' | 'audited' | 'failed' | 'missing', number> {
  return {
    pairs: run.pairs.length,
    audited: results.filter((r) => r.status === 'audited').length,
    failed: results.filter((r) => r.status === 'failed').length,
    missing: missingPairs(run, results).length,
  };
}
