/**
 * One side-effect step of a record, performed at most once with success:
 * a step already `done` is skipped; otherwise it is claimed (compare-and-set
 * on its status, with a lease so a concurrent delivery of the same event does
 * not perform it too), performed, and its outcome written back with
 * UpdateItem. A failure is recorded (state failed, detail, attempts) and
 * returned, never thrown, so that independent steps still run.
 *
 * A work that throws an OutcomeUnknown error (a Slack post that timed out:
 * delivered or not, nobody can tell) records the step `unknown`, which is
 * final like `done`: at-most-once, never performed again.
 */
import { isOutcomeUnknown, type ChangeStore, type HistoryRecord, type StepName, type StepState, type StepStatus } from './ports';
import { errorText } from '../errors/error-text';

export interface StepReport {
  state: StepState;
  /** True when an earlier invocation had already done it (nothing was repeated). */
  alreadyDone?: boolean;
  /** State `unknown` recorded by an earlier invocation (nothing was repeated). */
  earlier?: boolean;
  detail?: string;
  attempts?: number;
}

export interface StepFailure {
  step: StepName;
  message: string;
  /** Another invocation holds the step: not an error of the step itself, just retry later. */
  busy?: boolean;
}

export interface StepContext {
  store: ChangeStore;
  record: HistoryRecord;
  now: () => Date;
  leaseSeconds: number;
}

export type StepWork = () => Promise<{ detail?: string; extra?: Pick<HistoryRecord, 'remediation' | 'links'>; state?: 'done' | 'failed' }>;


/** A step an earlier attempt left `unknown`: reported as such (not as done), and not performed again. */
function unknownReport(prev: StepStatus): StepReport {
  return { state: 'unknown', detail: `not retried (at-most-once): an earlier attempt's outcome is unknown: ${prev.detail ?? 'no detail'}`, attempts: prev.attempts, earlier: true };
}

function iso(d: Date): string {
  return d.toISOString();
}

/** Performs `work` for `step` unless already done; returns what happened and, on failure, the failure. */
export async function runStep(ctx: StepContext, step: StepName, work: StepWork): Promise<{ report: StepReport; failure?: StepFailure }> {
  const { store, record } = ctx;
  let prev = record.steps[step];
  if (prev?.state === 'done') return { report: { state: 'done', alreadyDone: true, attempts: prev.attempts } };
  if (prev?.state === 'unknown') return { report: unknownReport(prev) };
  const now = ctx.now();
  if (prev?.state === 'pending' && prev.leaseUntil && prev.leaseUntil > iso(now)) {
    const message = `step ${step} of ${record.eventId} is being performed by another invocation (lease until ${prev.leaseUntil}); retry later`;
    return { report: { state: 'pending', detail: message, attempts: prev.attempts }, failure: { step, message, busy: true } };
  }
  const attempts = (prev?.attempts ?? 0) + 1;
  const claim: StepStatus = { state: 'pending', at: iso(now), attempts, leaseUntil: iso(new Date(now.getTime() + ctx.leaseSeconds * 1000)) };
  const claimed = await store.claimStep(record.eventId, step, prev, claim);
  if (!claimed) {
    const fresh = await store.get(record.eventId);
    prev = fresh?.steps[step];
    if (prev?.state === 'done') {
      record.steps[step] = prev;
      return { report: { state: 'done', alreadyDone: true, attempts: prev.attempts } };
    }
    if (prev?.state === 'unknown') {
      record.steps[step] = prev;
      return { report: unknownReport(prev) };
    }
    const message = `step ${step} of ${record.eventId} was claimed by another invocation; retry later`;
    return { report: { state: prev?.state ?? 'pending', detail: message, attempts: prev?.attempts }, failure: { step, message, busy: true } };
  }
  record.steps[step] = claim;

  let status: StepStatus;
  let extra: Pick<HistoryRecord, 'remediation' | 'links'> | undefined;
  try {
    const out = await work();
    extra = out.extra;
    status = { state: out.state ?? 'done', at: iso(ctx.now()), attempts, ...(out.detail ? { detail: out.detail } : {}) };
  } catch (err) {
    status = { state: isOutcomeUnknown(err) ? 'unknown' : 'failed', at: iso(ctx.now()), attempts, detail: errorText(err, { max: 500 }) };
  }
  await store.updateStep(record.eventId, step, status, extra);
  record.steps[step] = status;
  if (extra?.remediation) record.remediation = extra.remediation;
  const report: StepReport = { state: status.state, attempts, ...(status.detail ? { detail: status.detail } : {}) };
  return status.state === 'failed' ? { report, failure: { step, message: status.detail ?? 'failed' } } : { report };
}

/** Records a step as skipped (with why) unless the same status is already stored or the step is done. */
export async function skipStep(ctx: StepContext, step: StepName, detail: string, extra?: Pick<HistoryRecord, 'remediation' | 'links'>): Promise<StepReport> {
  const prev = ctx.record.steps[step];
  if (prev?.state === 'done') return { state: 'done', alreadyDone: true, attempts: prev.attempts };
  if (prev?.state === 'unknown') return unknownReport(prev);
  const sameRemediation = JSON.stringify(extra?.remediation ?? ctx.record.remediation) === JSON.stringify(ctx.record.remediation);
  if (prev?.state === 'skipped' && prev.detail === detail && sameRemediation) return { state: 'skipped', detail };
  const status: StepStatus = { state: 'skipped', at: iso(ctx.now()), detail };
  await ctx.store.updateStep(ctx.record.eventId, step, status, extra);
  ctx.record.steps[step] = status;
  if (extra?.remediation) ctx.record.remediation = extra.remediation;
  return { state: 'skipped', detail };
}
