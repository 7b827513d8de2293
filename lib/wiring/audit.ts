/**
 * The scheduled audit in the Lambda (handlers/audit.ts; issue 6, section 3):
 * read every group, rule, interface and prefix list of the function's own
 * account and region through the live inventory (read-only), judge every
 * standing rule as a change adding it would be, compare with the last
 * snapshot kept in the table, and alert once: the new findings and the
 * summary (lib/audit/alert-result.ts) through the change pipeline, so the
 * same channels, escaping, step claims and idempotency apply.
 *
 * Order: compare → store and alert the report → keep the new snapshot. A
 * failure before the snapshot is kept leaves the last one in place, so the
 * next audit reports the same findings as new again (at least once, never
 * lost); an alert step that failed makes the invocation fail, and the
 * schedule's retry re-runs it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Policy } from '../policy/schema';
import type { Severity } from '../model';
import type { InventoryScope } from '../context/inventory';
import { addInventoryJson, emptyInventoryData, type InventoryData } from '../context/inventory-file';
import { collectInventorySnapshot, EC2_INVENTORY_SOURCE } from '../context/ec2-inventory';
import { judgeStanding } from '../audit/judge-standing';
import { compareAudit, snapshotOf, type AuditReport, type AuditStore } from '../audit/report';
import { auditResult } from '../audit/alert-result';
import { parseHandlerConfig } from '../pipeline/config';
import type { ChangeStore, Notifier } from '../pipeline/ports';
import { runPipeline, type PipelineDeps } from '../pipeline/run';
import { lambdaStoreAndNotifiers, pipelineLogger } from './stack-adapters';
import { callerAccount } from './caller-account';
import { checkCanaries, type CanaryCheckOutcome } from '../org/late-canary';
import type { OrgAuditFanOutDeps } from './org-audit';

export interface AuditDeps {
  policy: Policy;
  store: ChangeStore & AuditStore;
  /** The change pipeline, remediation off (the audit never revokes). */
  pipeline: PipelineDeps;
  /** The (account, region) audited: the function's own. */
  scope: () => Promise<InventoryScope>;
  /** Everything of the scope, read-only. */
  collect: (scope: InventoryScope) => Promise<InventoryData>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => Date;
  /** Organisation-wide with an audit queue (lib/wiring/org-audit.ts): the schedule fans the audit out over the Organization instead. */
  organization?: OrgAuditFanOutDeps;
  /** The member stacks' canary period (CANARY_PERIOD_MINUTES, default 60): a pair is silent after two. */
  canaryPeriodMs?: number;
}

/** The default canary period: the member template's default CanarySchedule, rate(1 hour). */
export const DEFAULT_CANARY_PERIOD_MINUTES = 60;

/**
 * The delivery check (lib/org/late-canary.ts), run by the same function on its
 * own schedule (`{"check": "canaries"}`): it reads the canaries and alerts each
 * silent (account, region) once. A stack that receives no canaries reads one
 * empty query and sends nothing.
 */
export function createCanaryCheck(deps: AuditDeps) {
  return async (): Promise<CanaryCheckOutcome> => {
    const now = (deps.now ?? (() => new Date()))();
    const periodMs = deps.canaryPeriodMs ?? DEFAULT_CANARY_PERIOD_MINUTES * 60_000;
    const store = deps.store;
    if (!store.canaries) return { pairs: 0, silent: [] };
    const out = await checkCanaries({ canaries: store.canaries.bind(store) }, deps.pipeline, now, periodMs);
    if (out.silent.length > 0) deps.logger.warn('sgwatch delivery check: silent account/region pairs', { pairs: out.pairs, silent: out.silent });
    else deps.logger.info('sgwatch delivery check: every pair delivers', { pairs: out.pairs });
    return out;
  };
}

function canaryPeriodMs(env: Record<string, string | undefined>): number {
  const text = (env.CANARY_PERIOD_MINUTES ?? '').trim();
  if (text === '') return DEFAULT_CANARY_PERIOD_MINUTES * 60_000;
  const minutes = Number(text);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 7 * 24 * 60) {
    throw new Error(`CANARY_PERIOD_MINUTES is ${JSON.stringify(text)}; expected whole minutes from 1 to 10080, the member stacks' CanarySchedule`);
  }
  return minutes * 60_000;
}

export interface AuditOutcome {
  account: string;
  region: string;
  groups: number;
  rules: number;
  findings: number;
  new: number;
  standing: number;
  resolved: number;
  /** The worst severity among the new findings (the new ones are sorted worst first). */
  worstNew?: Severity;
  /** `sent`, `none` (nothing new), or why the pipeline sent nothing (below minAlertSeverity, ...). */
  alert: string;
}

/**
 * Audits one (account, region) from its inventory: judge, compare with its last snapshot, alert what
 * is new, keep the new snapshot. The scheduled audit runs it on the function's own scope; the
 * Organization-wide audit's workers on each pair of a run (lib/wiring/org-audit.ts).
 */
export async function auditScope(
  deps: Pick<AuditDeps, 'policy' | 'store' | 'pipeline' | 'logger'>,
  scope: InventoryScope,
  collect: (scope: InventoryScope) => Promise<InventoryData>,
  auditedAt: Date,
  /** The account's OU path from Organizations (policy overrides by OU); absent: the policy's static map. */
  ous?: readonly string[],
): Promise<AuditOutcome> {
  const data = await collect(scope);
  const [audit] = judgeStanding(data, { policy: deps.policy, now: auditedAt, source: EC2_INVENTORY_SOURCE, fallback: scope, ...(ous ? { ousOf: () => ous } : {}) }).filter(
    (a) => a.scope.account === scope.account && a.scope.region === scope.region,
  );
  const current = audit ?? { scope, groups: 0, rules: 0, findings: [] };
  const report: AuditReport = compareAudit(current, await deps.store.latestAudit(scope), auditedAt.toISOString());
  let alert = 'none';
  if (report.new.length > 0) {
    // Throws (PipelineError) when an alert step failed: the snapshot is then not kept.
    const outcome = await runPipeline(auditResult(report), deps.pipeline);
    alert = outcome.alert.send ? 'sent' : (outcome.alert.why ?? 'none');
  }
  await deps.store.putAudit(snapshotOf(current, report.auditedAt));
  const out: AuditOutcome = {
    account: scope.account,
    region: scope.region,
    groups: report.groups,
    rules: report.rules,
    findings: current.findings.length,
    new: report.new.length,
    standing: report.standing.length,
    resolved: report.resolved.length,
    ...(report.new[0] ? { worstNew: report.new[0].severity } : {}),
    alert,
  };
  deps.logger.info('sgwatch audit done', { ...out, counts: report.counts, worstGroups: report.worstGroups });
  return out;
}

export function createScheduledAudit(deps: AuditDeps) {
  return async (): Promise<AuditOutcome> => auditScope(deps, await deps.scope(), deps.collect, (deps.now ?? (() => new Date()))());
}

/** The Lambda's dependencies from the environment (the same variables as onChange). */
export function buildAuditDeps(env: Record<string, string | undefined>, logger: Logger, adapters: { policy: (file: string) => Policy; slack: (parameterName: string) => Notifier }): AuditDeps {
  const base = parseHandlerConfig(env);
  // The audit alerts only: its pipeline never remediates, whatever the stage's mode.
  const config = { ...base, mode: 'off' as const };
  const { store, notifiers } = lambdaStoreAndNotifiers(config, adapters);
  const ec2 = new EC2Client({ maxAttempts: 5 });
  const roleAccount = config.selfRoleArns[0]?.split(':')[4];
  return {
    policy: adapters.policy(config.policyFile),
    store,
    pipeline: { store, notifiers, config, logger: pipelineLogger(logger) },
    scope: async () => ({ account: roleAccount || (await callerAccount()), region: await ec2.config.region() }),
    collect: async (scope) => {
      const data = emptyInventoryData();
      addInventoryJson(EC2_INVENTORY_SOURCE, await collectInventorySnapshot(ec2, scope), data);
      return data;
    },
    logger,
    canaryPeriodMs: canaryPeriodMs(env),
  };
}
