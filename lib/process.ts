/**
 * One record in, one result out: normalise a CloudTrail record and judge it
 * against the policy. Pure and synchronous; the Lambda handler and the local
 * replay both call it, then hand the result to the pipeline.
 */
import { normalise } from './cloudtrail/normalise';
import { evaluate } from './policy/evaluate';
import type { Policy } from './policy/schema';
import type { RemediationMode, Result, Verdict } from './model';

export interface ProcessOptions {
  policy: Policy;
  mode: RemediationMode;
  /** Judge exceptions' `until` as of this time instead of the event's time. */
  now?: Date;
}

function emptyVerdict(outcome: Verdict['outcome'], mode: RemediationMode): Verdict {
  return {
    outcome,
    severity: 'none',
    findings: [],
    exceptions: [],
    remediation: { mode, action: 'none', ruleIds: [], permissions: [] },
  };
}

export function invalidResult(source: string, error: string, mode: RemediationMode): Result {
  return { source, verdict: emptyVerdict('invalid', mode), error };
}

export function processRecord(source: string, record: unknown, opts: ProcessOptions): Result {
  const normalised = normalise(record);
  switch (normalised.status) {
    case 'invalid':
      return { source, ignored: normalised.record, verdict: emptyVerdict('invalid', opts.mode), error: `${source}: ${normalised.error}` };
    case 'ignored':
      return { source, ignored: normalised.record, verdict: emptyVerdict('ignored', opts.mode) };
    case 'change':
      return {
        source,
        change: normalised.change,
        verdict: evaluate(normalised.change, opts.policy, { mode: opts.mode, now: opts.now }),
      };
  }
}
