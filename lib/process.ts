/**
 * One record in, one result out: normalise a CloudTrail record and judge it
 * against the policy. `processRecord` is pure and synchronous (the offline
 * replay and the bench); `processRecordWithContext` adds, between the two
 * steps, what the record does not say but the account can tell (the real
 * direction of ModifySecurityGroupRules rules), when a resolver is given.
 * The Lambda handler and the replay hand the result to the pipeline.
 */
import { normalise } from './cloudtrail/normalise';
import { evaluate } from './policy/evaluate';
import type { Policy } from './policy/schema';
import type { NormaliseResult, RemediationMode, Result, Verdict } from './model';
import { hasUnknownDirection, resolveDirections, type RuleDirectionResolver } from './context/rule-directions';

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

export interface ContextOptions extends ProcessOptions {
  /** Looks up the direction of rules the record does not state; without it they are judged as ingress and not revoked. */
  resolver?: RuleDirectionResolver;
  /** Told (prefixed with the source) why a direction stays unknown: look-up failed, rule not found. */
  onNote?: (note: string) => void;
}

export function processRecord(source: string, record: unknown, opts: ProcessOptions): Result {
  return judged(source, normalise(record), opts);
}

/** normalise → (resolve unknown rule directions, when a resolver is given) → evaluate. Never throws for a failed look-up. */
export async function processRecordWithContext(source: string, record: unknown, opts: ContextOptions): Promise<Result> {
  const normalised = normalise(record);
  const resolver = opts.resolver;
  if (!resolver || normalised.status !== 'change' || !hasUnknownDirection(normalised.change)) return judged(source, normalised, opts);
  const onNote = opts.onNote;
  const change = await resolveDirections(normalised.change, resolver, onNote ? { onNote: (note) => onNote(`${source}: ${note}`) } : {});
  return judged(source, { status: 'change', change }, opts);
}

function judged(source: string, normalised: NormaliseResult, opts: ProcessOptions): Result {
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
