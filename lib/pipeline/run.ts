/**
 * The pipeline after normalise + evaluate: store → remediate → notify.
 *
 * Order. The record is stored first (keyed by CloudTrail eventID, written
 * once), so nothing is lost whatever fails next. Remediation runs before the
 * notifications so that the one alert per channel says what sgwatch did
 * ("revoked", "would revoke", "alert only", or that the revoke FAILED), and
 * a failed revoke is alerted by that same message (reason
 * `remediation-failed`) instead of a second, follow-up alert. The revoke is a
 * single EC2 call, so the alert is delayed by well under a second.
 *
 * Idempotent and resumable: every side effect is a step with its status on
 * the record (see steps.ts). A redelivered event finds its record and skips
 * the steps already done; a retry after a Slack outage sends only Slack.
 * Failed steps are recorded, every independent step is still attempted, and
 * then runPipeline throws a PipelineError so the Lambda fails and EventBridge
 * retries (then the DLQ); the stored record keeps what happened.
 */
import { canaryBeatOf, isCanary } from '../org/canary';
import type { Change, RemediationMode, Result } from '../model';
import { decideAlert, type AlertDecision } from './alert-decision';
import type { PipelineConfig } from './config';
import { selfActionOf } from './loop-guard';
import { CHANNELS, notifyStep, type Alert, type Channel, type ChangeStore, type HistoryRecord, type Notifier, type RemediationOutcome, type Remediator, type StepName } from './ports';
import { errorText } from '../errors/error-text';
import { runStep, skipStep, type StepContext, type StepFailure, type StepReport } from './steps';
import { judgedChange } from '../context/facts';
import { dryRunOutcome } from '../remediate/revoke-plan';

/** The notifier of each configured channel; a channel without one is not a step of the record. */
export type PipelineNotifiers = Partial<Record<Channel, Notifier>>;

/** The subset of Powertools' Logger the pipeline uses (console works too). */
export interface PipelineLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface PipelineDeps {
  store: ChangeStore;
  notifiers: PipelineNotifiers;
  /** Needed only in enforce mode. */
  remediator?: Remediator;
  config: PipelineConfig;
  logger?: PipelineLogger;
  clock?: () => Date;
}

export type PipelineStatus = 'stored' | 'duplicate' | 'ignored' | 'invalid';

export interface PipelineOutcome {
  source: string;
  eventId?: string;
  /** stored: first time; duplicate: the record existed (a redelivery or a retry); ignored/invalid: not stored. */
  status: PipelineStatus;
  /** Set when the change is one of sgwatch's own actions (loop guard): which, and the record it acted on, when found. */
  selfAction?: { action: string; label: string; of?: string };
  alert: { send: boolean; reason?: Alert['reason']; why?: string };
  steps: Partial<Record<StepName, StepReport>>;
  remediation?: RemediationOutcome;
  record?: HistoryRecord;
  failures: StepFailure[];
}

export class PipelineError extends Error {
  constructor(
    readonly outcome: PipelineOutcome,
    readonly failures: StepFailure[],
  ) {
    super(`sgwatch: ${failures.length} step(s) failed for event ${outcome.eventId}: ${failures.map((f) => `${f.step}: ${f.message}`).join('; ')}`);
    this.name = 'PipelineError';
  }
}

/** Longer than the Lambda timeout (30 s), shorter than its first async retry (~1 min). */
const DEFAULT_LEASE_SECONDS = 45;
const silent: PipelineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function runPipeline(result: Result, deps: PipelineDeps): Promise<PipelineOutcome> {
  const logger = deps.logger ?? silent;
  const now = deps.clock ?? (() => new Date());
  const { config, store } = deps;
  const outcome: PipelineOutcome = { source: result.source, status: 'ignored', alert: { send: false }, steps: {}, failures: [] };

  if (result.verdict.outcome === 'invalid' || (!result.change && result.verdict.outcome !== 'ignored')) {
    outcome.status = 'invalid';
    outcome.eventId = result.ignored?.eventId;
    outcome.alert.why = 'invalid record: not stored';
    logger.warn('invalid record, not stored', { source: result.source, eventId: result.ignored?.eventId, error: result.error ?? 'no change in result' });
    return outcome;
  }
  if (result.verdict.outcome === 'ignored' || !result.change) {
    outcome.eventId = result.ignored?.eventId;
    outcome.alert.why = 'not a security-group change: not stored';
    return outcome;
  }

  const change: Change = judgedChange(result);
  outcome.eventId = change.eventId;
  const self = selfActionOf(change, config.selfRoleArns);

  // Loop guard: find the record this action acted on before storing, so the link is in the first write.
  let original: HistoryRecord | undefined;
  if (self) original = await self.findOriginal(store, change);

  // The remediate step when it needs no call (alert-only, dry-run, off): stored with the record, in its
  // first write. Not for the paths below that never reach remediation (own actions, refused accounts, canaries).
  const refused = Boolean(config.allowedAccounts && !config.allowedAccounts.includes(change.account));
  const canary = isCanary(change);
  const remediationStep = !self && !refused && !canary ? remediationStepOf(result, change, config) : undefined;
  const storedAt = now();
  const fresh: HistoryRecord = {
    eventId: change.eventId,
    result,
    steps: remediationStep?.kind === 'skip' ? { remediate: { state: 'skipped', at: storedAt.toISOString(), detail: remediationStep.detail } } : {},
    ...(remediationStep?.kind === 'skip' ? { remediation: remediationStep.remediation } : {}),
    storedAt: storedAt.toISOString(),
    expiresAt: Math.floor(storedAt.getTime() / 1000) + config.retentionDays * 86_400,
    ...(original && self ? { links: { [self.links.self]: original.eventId } } : {}),
  };
  const { created, record } = await store.putIfAbsent(fresh);
  outcome.status = created ? 'stored' : 'duplicate';
  outcome.record = record;
  const ctx: StepContext = { store, record, now, leaseSeconds: config.stepLeaseSeconds ?? DEFAULT_LEASE_SECONDS };

  if (self) {
    if (original && !record.links?.[self.links.self]) {
      // A redelivery: the first delivery found no original, this one did (searched above, before the put).
      await store.addLinks(record.eventId, { [self.links.self]: original.eventId });
      record.links = { ...(record.links ?? {}), [self.links.self]: original.eventId };
    }
    const originalId = record.links?.[self.links.self];
    if (originalId) {
      try {
        await store.addLinks(originalId, { [self.links.original]: record.eventId });
      } catch (err) {
        outcome.failures.push({ step: 'remediate', message: `linking original ${originalId}: ${errorText(err, { max: 500 })}` });
      }
    }
    outcome.selfAction = { action: self.name, label: self.label, of: originalId };
    outcome.alert = { send: false, why: `sgwatch's own ${self.name}: recorded and linked, not alerted` };
    outcome.steps.remediate = { state: 'skipped', detail: `sgwatch's own ${self.name} is never remediated` };
    logger.info(`sgwatch ${self.name} recorded`, { eventId: change.eventId, groupId: change.groupId, [self.links.self]: originalId ?? null });
    return finish(outcome, logger);
  }

  // Organisation-wide: an account outside the allow-list is kept, never remediated, and alerted once.
  if (refused) {
    await refuseAccount(change, deps, outcome, fresh);
    logger.warn('change from an account outside the allow-list', { eventId: change.eventId, account: change.account });
    return finish(outcome, logger);
  }

  // A member account's delivery canary (lib/org/canary.ts): its heartbeat, never alerted or remediated.
  if (canary) {
    try {
      await store.putCanary?.(canaryBeatOf(change));
    } catch (err) {
      outcome.failures.push({ step: 'remediate', message: `recording the delivery canary: ${errorText(err, { max: 500 })}` });
    }
    outcome.alert = { send: false, why: 'sgwatch delivery canary: recorded as the heartbeat of its account and region, never alerted' };
    outcome.steps.remediate = { state: 'skipped', detail: 'sgwatch delivery canary' };
    logger.info('delivery canary recorded', { eventId: change.eventId, account: change.account, region: change.region, at: change.eventTime });
    return finish(outcome, logger);
  }

  // 1. Remediate (so that the alert can say what was done).
  // Set: the own-action, refused-account and canary paths above have returned.
  const remediation = await remediate(result, change, deps, ctx, outcome, remediationStep!);
  outcome.remediation = remediation;

  // Another invocation of the same event is revoking right now: leave the alert to it (it will
  // say what was done) and fail, so that this delivery is retried and finds everything done.
  if (outcome.failures.some((f) => f.busy && f.step === 'remediate')) {
    outcome.alert = { send: false, why: 'remediation in progress in another invocation; retried later' };
    return finish(outcome, logger);
  }

  // 2. Notify: each configured channel is its own step.
  const decision: AlertDecision = decideAlert(result, remediation, config.minAlertSeverity);
  outcome.alert = decision.send ? { send: true, reason: decision.reason } : { send: false, why: decision.why };
  const channels = CHANNELS.filter((k) => deps.notifiers[k]);
  if (decision.send) {
    const alert: Alert = { record, remediation, reason: decision.reason };
    const runs = await Promise.all(channels.map((k) => runStep(ctx, notifyStep(k), async () => (await deps.notifiers[k]!.send(alert), {}))));
    channels.forEach((k, i) => {
      outcome.steps[notifyStep(k)] = runs[i].report;
      if (runs[i].failure) outcome.failures.push(runs[i].failure!);
      const r = runs[i].report;
      if (r.state === 'unknown' && !r.earlier) {
        logger.warn('alert outcome unknown: not retried (at-most-once)', { eventId: change.eventId, channel: k, detail: r.detail });
      }
    });
  } else {
    for (const k of channels) {
      const prev = record.steps[notifyStep(k)];
      outcome.steps[notifyStep(k)] =
        prev?.state === 'done'
          ? { state: 'done', alreadyDone: true }
          : prev?.state === 'unknown'
            ? { state: 'unknown', earlier: true, detail: prev.detail }
            : { state: 'skipped', detail: decision.why };
    }
  }

  logger.info('change processed', {
    eventId: change.eventId,
    eventName: change.eventName,
    groupId: change.groupId,
    outcome: result.verdict.outcome,
    severity: result.verdict.severity,
    record: outcome.status,
    alert: outcome.alert.send ? outcome.alert.reason : 'none',
    remediation: remediation?.status ?? 'none',
    steps: Object.fromEntries(Object.entries(outcome.steps).map(([k, v]) => [k, v?.alreadyDone ? 'already-done' : v?.state])),
  });
  return finish(outcome, logger);
}

/**
 * A change from an account the allow-list does not hold: nothing is revoked there, and one alert
 * per account says so (a marker record, see alertOnceOnMarker).
 */
async function refuseAccount(change: Change, deps: PipelineDeps, outcome: PipelineOutcome, fresh: HistoryRecord): Promise<void> {
  const detail = `account ${change.account} is not in the allow-list (orgAccounts): never looked up or remediated`;
  outcome.steps.remediate = { state: 'skipped', detail };
  const marker = `unknown-account#${change.account}`;
  const sent = await alertOnceOnMarker(deps, fresh, marker, 'unknown-account', outcome);
  outcome.alert = sent ? { send: true, reason: 'unknown-account' } : { send: false, why: `${detail}; alerted once already (${marker})` };
}

/**
 * A member account whose sgwatch-member role cannot be assumed (lib/org/member-clients.ts): the
 * change's record is kept as usual (its exposure unknown, with the reason), and one alert a day
 * per account names the misconfigured account. Called by the Lambda after runPipeline, when a
 * look-up of the change failed that way. Returns whether it alerted now.
 */
export async function alertMemberRoleOnce(record: HistoryRecord, account: string, detail: string, deps: PipelineDeps): Promise<boolean> {
  const day = (deps.clock ?? (() => new Date()))().toISOString().slice(0, 10);
  const result = structuredClone(record.result);
  result.verdict.notes = [...(result.verdict.notes ?? []), detail];
  const outcome: PipelineOutcome = { source: record.result.source, status: 'stored', alert: { send: false }, steps: {}, failures: [] };
  const sent = await alertOnceOnMarker(deps, { ...record, result }, `member-role#${account}#${day}`, 'member-role', outcome);
  if (outcome.failures.length > 0) throw new PipelineError(outcome, outcome.failures);
  return sent;
}

/**
 * One alert for many changes: claimed on a marker record (`<kind>#<account>…`, holding the first
 * such change; in no index), so redeliveries and that account's later changes send none.
 */
async function alertOnceOnMarker(deps: PipelineDeps, fresh: HistoryRecord, eventId: string, kind: NonNullable<HistoryRecord['marker']>, outcome: PipelineOutcome): Promise<boolean> {
  const { record: marker } = await deps.store.putIfAbsent({ ...fresh, eventId, steps: {}, marker: kind });
  const ctx: StepContext = { store: deps.store, record: marker, now: deps.clock ?? (() => new Date()), leaseSeconds: deps.config.stepLeaseSeconds ?? DEFAULT_LEASE_SECONDS };
  const channels = CHANNELS.filter((k) => deps.notifiers[k]);
  const alert: Alert = { record: marker, remediation: undefined, reason: kind };
  const runs = await Promise.all(channels.map((k) => runStep(ctx, notifyStep(k), async () => (await deps.notifiers[k]!.send(alert), {}))));
  channels.forEach((k, i) => {
    outcome.steps[notifyStep(k)] = runs[i].report;
    if (runs[i].failure) outcome.failures.push(runs[i].failure!);
  });
  return runs.some((r) => r.report.state === 'done' && !r.report.alreadyDone);
}

function finish(outcome: PipelineOutcome, logger: PipelineLogger): PipelineOutcome {
  if (outcome.failures.length > 0) {
    const error = new PipelineError(outcome, outcome.failures);
    logger.error('pipeline step(s) failed; the event will be retried', { eventId: outcome.eventId, failures: outcome.failures });
    throw error;
  }
  return outcome;
}

/** What the remediate step will be, decided from the verdict and the mode alone (no call made). */
type RemediationStep =
  | { kind: 'nothing' }
  | { kind: 'skip'; detail: string; remediation: RemediationOutcome }
  | { kind: 'enforce'; mode: RemediationMode };

function remediationStepOf(result: Result, change: Change, config: PipelineDeps['config']): RemediationStep {
  const { verdict } = result;
  const plan = verdict.remediation;
  // The mode the change was judged under: the stack's, or its account's override (lib/policy/overrides.ts).
  // The stack's `off` is the kill switch: nothing is revoked anywhere, whatever an override says.
  const mode = config.mode === 'off' ? 'off' : (plan.mode ?? config.mode);
  const planned = plan.ruleIds.length + plan.permissions.length > 0;
  const wantsRevoke = plan.action === 'revoke' && planned && verdict.outcome !== 'failed-call';
  const askedRevoke = verdict.findings.some((f) => f.remediation === 'revoke');
  if (!wantsRevoke) {
    if (askedRevoke && verdict.outcome === 'violation') {
      const detail = plan.reason ?? 'alert only (policy)';
      return { kind: 'skip', detail, remediation: { mode, status: 'alert-only', ruleIds: [], permissionsRevoked: 0, detail } };
    }
    return { kind: 'nothing' };
  }
  if (mode === 'dry-run' || mode === 'off') {
    const remediation: RemediationOutcome =
      mode === 'dry-run'
        ? dryRunOutcome(change, { ...plan, mode })
        : { mode, status: 'alert-only', ruleIds: [], permissionsRevoked: 0, detail: 'remediation mode is off' };
    return { kind: 'skip', detail: remediation.detail!, remediation };
  }
  return { kind: 'enforce', mode };
}

async function remediate(
  result: Result,
  change: Change,
  deps: PipelineDeps,
  ctx: StepContext,
  outcome: PipelineOutcome,
  step: RemediationStep,
): Promise<RemediationOutcome | undefined> {
  const plan = result.verdict.remediation;
  if (step.kind === 'nothing') {
    outcome.steps.remediate = { state: 'skipped', detail: 'nothing to revoke' };
    return ctx.record.remediation;
  }
  if (step.kind === 'skip') {
    // A new record was stored with this skip already (one write); a stored one is updated only if it differs.
    outcome.steps.remediate = await skipStep(ctx, 'remediate', step.detail, { remediation: step.remediation });
    return ctx.record.remediation ?? step.remediation;
  }
  const mode = step.mode;

  // enforce
  const remediator = deps.remediator;
  const run = await runStep(ctx, 'remediate', async () => {
    let out: RemediationOutcome;
    if (!remediator) {
      out = { mode, status: 'failed', ruleIds: [...plan.ruleIds], permissionsRevoked: 0, detail: 'enforce mode but no remediator is configured' };
    } else {
      try {
        out = await remediator.revoke(change, plan);
      } catch (err) {
        out = { mode, status: 'failed', ruleIds: [...plan.ruleIds], permissionsRevoked: 0, detail: errorText(err, { max: 500 }) };
      }
    }
    const failed = out.status === 'failed';
    return { state: failed ? 'failed' : 'done', detail: out.detail ?? (failed ? 'revoke failed' : out.status), extra: { remediation: out } };
  });
  outcome.steps.remediate = run.report;
  if (run.failure) outcome.failures.push(run.failure);
  return ctx.record.remediation;
}

