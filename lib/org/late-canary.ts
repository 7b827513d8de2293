/**
 * The central side's check of the delivery canaries (issue 10): an (account,
 * region) whose last canary is older than two canary periods has gone silent,
 * since its forwarding rule, the bus policy or the member stack broke, and
 * sgwatch no longer sees that pair's changes. It is alerted through the change
 * pipeline (the same channels, escaping and step claims) as one record per
 * silence: `canary-late:<account>:<region>:<last canary's eventId>`.
 *
 * Exactly once: the scheduled check runs again and again while the pair stays
 * silent, and finds the record with its alert steps done. When the canary
 * returns, the pair's last canary changes, so it is no longer silent and
 * nothing is sent. That is how the alert clears. If the pair goes silent
 * again later, the new silence has a new key and alerts once more.
 */
import type { ChangeResult } from '../model';
import { runPipeline, type PipelineDeps } from '../pipeline/run';
import { byPair, silentPairs, type CanaryBeat, type CanaryStore } from './canary';

/** The finding's rule id: not a policy rule, sgwatch's own check. */
export const DELIVERY_SILENT_RULE = 'sgwatch-delivery-silent';
/** A pair is silent after this many canary periods without a canary. */
export const SILENT_AFTER_PERIODS = 2;

export const lateCanaryEventId = (beat: CanaryBeat): string => `canary-late:${beat.account}:${beat.region}:${beat.eventId}`;

/** The silence of one pair as a result the pipeline stores and alerts once. */
export function lateCanaryResult(beat: CanaryBeat, now: Date, periodMs: number): ChangeResult {
  const minutes = (ms: number) => Math.round(ms / 60_000);
  const message =
    `account ${beat.account}, region ${beat.region}: no events since ${beat.at} ` +
    `(no delivery canary for ${minutes(now.getTime() - Date.parse(beat.at))} min, more than ${SILENT_AFTER_PERIODS} periods of ${minutes(periodMs)} min). ` +
    'sgwatch sees none of its security-group changes: check the member stack there (its forwarding rule and canary schedule) and the central bus policy.';
  return {
    source: `canary-check:${beat.account}/${beat.region}`,
    change: {
      eventId: lateCanaryEventId(beat),
      eventName: 'DeliveryCanaryLate',
      eventTime: now.toISOString(),
      account: beat.account,
      region: beat.region,
      eventSource: 'sgwatch',
      actor: { via: 'sgwatch', name: 'sgwatch delivery check' },
      kind: 'authorize',
      groupId: null,
      rules: [],
    },
    verdict: {
      outcome: 'violation',
      // Blind is as bad as open: whatever changes there goes unseen.
      severity: 'critical',
      findings: [{ rule: DELIVERY_SILENT_RULE, severity: 'critical', message, remediation: 'alert' }],
      exceptions: [],
      remediation: { mode: 'off', action: 'none', ruleIds: [], permissions: [], reason: 'a delivery check: nothing to revoke' },
      notes: [message],
    },
  };
}

export interface CanaryCheckOutcome {
  pairs: number;
  /** The silent pairs, in (account, region) order. */
  silent: { account: string; region: string; since: string; alert: 'sent' | 'already-sent' | string }[];
}

/** Checks every pair that ever sent a canary; throws (PipelineError) when an alert step failed, so the schedule retries. */
export async function checkCanaries(store: Pick<CanaryStore, 'canaries'>, pipeline: PipelineDeps, now: Date, periodMs: number): Promise<CanaryCheckOutcome> {
  const beats = await store.canaries();
  const silent = silentPairs(beats, now, SILENT_AFTER_PERIODS * periodMs).sort(byPair);
  const out: CanaryCheckOutcome = { pairs: beats.length, silent: [] };
  for (const beat of silent) {
    const outcome = await runPipeline(lateCanaryResult(beat, now, periodMs), pipeline);
    const notified = Object.entries(outcome.steps).filter(([step]) => step.startsWith('notify'));
    const sentNow = notified.some(([, r]) => r?.state === 'done' && !r.alreadyDone);
    const alert = sentNow ? 'sent' : outcome.status === 'duplicate' ? 'already-sent' : (outcome.alert.why ?? 'not sent');
    out.silent.push({ account: beat.account, region: beat.region, since: beat.at, alert });
  }
  return out;
}
