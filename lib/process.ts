/**
 * One record in, one result out: normalise a CloudTrail record and judge it
 * against the policy. `processRecord` is pure and synchronous (the offline
 * replay and the bench); `processRecordWithContext` adds, between the two
 * steps, what the record does not say but the account can tell, through the
 * context resolvers given: the real direction of ModifySecurityGroupRules
 * rules (lib/context/rule-directions.ts) and the name of a group named by id
 * only (lib/context/group-names.ts; for default-group-rule). Both look-ups
 * run side by side and only for the records that need them. What they learn
 * is kept in `result.context`, apart from the recorded change, and the
 * policy judges the change with it applied (lib/context/facts.ts).
 * The Lambda handler and the replay hand the result to the pipeline.
 */
import { normalise } from './cloudtrail/normalise';
import { evaluate } from './policy/evaluate';
import type { Policy } from './policy/schema';
import { compilePolicy } from './policy/compile';
import { effectivePolicy, hasOverrides } from './policy/overrides';
import type { ContextFacts, NormaliseResult, RemediationMode, Result, Verdict } from './model';
import { hasUnknownDirection, lookUpDirections, type RuleDirectionResolver } from './context/rule-directions';
import { applyFacts, contextFacts } from './context/facts';
import { lookUpGroupName, needsGroupName, type GroupNameResolver } from './context/group-names';
import type { Inventory } from './context/inventory';
import { gatherInventoryContext, needsInventoryContext, type Gathered } from './context/gather';
import type { EvaluationContext } from './policy/context';
import { isPrefixListChange, judgePrefixListChange } from './context/prefix-list-change';

export interface ProcessOptions {
  policy: Policy;
  mode: RemediationMode;
  /** Judge exceptions' `until` as of this time instead of the event's time. */
  now?: Date;
  /** The OU path of an account, outermost first (Organizations); absent or undefined: the policy's static `organizationalUnits:`. */
  ousOf?: (account: string) => readonly string[] | undefined;
  /**
   * The most an override's remediationMode may raise the mode to (the CLI
   * passes its --mode: a replay on a laptop never revokes because a policy
   * file said enforce). Absent (the Lambda): the override's mode stands, and
   * the member role's IAM decides whether a revoke can happen there.
   */
  modeCeiling?: RemediationMode;
}

const MODE_RANK: Record<RemediationMode, number> = { off: 0, 'dry-run': 1, enforce: 2 };

/** The options with the policy and mode of the change's account (its `overrides:`, lib/policy/overrides.ts). */
function forAccount<O extends ProcessOptions>(opts: O, account: string | undefined): O {
  if (account === undefined || !hasOverrides(opts.policy)) return opts;
  const eff = effectivePolicy(opts.policy, account, opts.ousOf?.(account));
  if (eff.applied.length === 0) return opts;
  let mode = eff.mode ?? opts.mode;
  if (opts.modeCeiling && MODE_RANK[mode] > MODE_RANK[opts.modeCeiling]) mode = opts.modeCeiling;
  return { ...opts, policy: eff.policy, mode };
}

function emptyVerdict<O extends 'ignored' | 'invalid'>(outcome: O, mode: RemediationMode): Verdict<O> {
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

/** What the account can tell that the record does not say; each resolver is optional. */
export interface ContextResolvers {
  /** Looks up the direction of rules the record does not state; without it they are judged as ingress (and revoked only if the remediator finds them ingress). */
  directions?: RuleDirectionResolver;
  /** Looks up the name of a group the record names by id only; without it default-group-rule fires only when the record carries the name. */
  groupNames?: GroupNameResolver;
  /** What the account holds (issue 6): exposure, tag exceptions and prefix-list entries; without it exposure is `unknown`. */
  inventory?: Inventory;
}

/** What a note is about: a rule direction or a group name that stays unknown, or an inventory look-up. */
export type ContextTopic = 'direction' | 'group-name' | 'inventory';

export interface ContextOptions extends ProcessOptions {
  context?: ContextResolvers;
  /** Told (prefixed with the source) why something stays unknown: look-up failed, rule or group not found. */
  onNote?: (note: string, topic: ContextTopic) => void;
}

export function processRecord(source: string, record: unknown, opts: ProcessOptions): Result {
  const normalised = normalise(record);
  return judged(source, normalised, normalised.status === 'change' ? forAccount(opts, normalised.change.account) : opts);
}

/** normalise → (look up what the record does not say, with the resolvers given) → evaluate. Never throws for a failed look-up. */
export async function processRecordWithContext(source: string, record: unknown, given: ContextOptions): Promise<Result> {
  const normalised = normalise(record);
  const opts = normalised.status === 'change' ? forAccount(given, normalised.change.account) : given;
  const ctx = opts.context;
  if (!ctx || normalised.status !== 'change') return judged(source, normalised, opts);
  const found = normalised.change;
  if (ctx.inventory && isPrefixListChange(found)) {
    const onNote = opts.onNote;
    const judgedList = await judgePrefixListChange(found, ctx.inventory, {
      policy: opts.policy,
      mode: opts.mode,
      now: opts.now,
      ...(onNote ? { onNote: (note: string) => onNote(`${source}: ${note}`, 'inventory') } : {}),
    });
    return { source, change: found, ...(judgedList.context ? { context: judgedList.context } : {}), verdict: judgedList.verdict };
  }
  const directions = ctx.directions && hasUnknownDirection(found) ? ctx.directions : undefined;
  const groupNames = ctx.groupNames && needsGroupName(found) && defaultGroupRuleOn(opts) ? ctx.groupNames : undefined;
  const inventory = ctx.inventory && needsInventoryContext(found) ? ctx.inventory : undefined;
  if (!directions && !groupNames && !inventory) return judged(source, normalised, opts);
  const onNote = opts.onNote;
  const noteOn = (topic: ContextTopic) => (onNote ? { onNote: (note: string) => onNote(`${source}: ${note}`, topic) } : {});
  const [directed, name, gathered] = await Promise.all([
    directions ? lookUpDirections(found, directions, noteOn('direction')) : new Map(),
    groupNames ? lookUpGroupName(found, groupNames, noteOn('group-name')) : undefined,
    inventory ? gatherInventoryContext(found, inventory, noteOn('inventory').onNote) : undefined,
  ]);
  const facts = withGathered(contextFacts(name, directed, { groupName: groupNames?.source, directions: directions?.source }), gathered);
  return judged(source, normalised, opts, facts, gathered?.evaluation);
}

function withGathered(facts: ContextFacts | undefined, gathered: Gathered | undefined): ContextFacts | undefined {
  if (!gathered) return facts;
  return { ...(facts ?? {}), ...gathered.facts };
}

/** The group's name matters only to default-group-rule: no look-up when the policy turned it off. */
function defaultGroupRuleOn(opts: ProcessOptions): boolean {
  return compilePolicy(opts.policy).rules['default-group-rule'].enabled;
}

function judged(source: string, normalised: NormaliseResult, opts: ProcessOptions, context?: ContextFacts, evaluation?: EvaluationContext): Result {
  switch (normalised.status) {
    case 'invalid':
      return { source, ignored: normalised.record, verdict: emptyVerdict('invalid', opts.mode), error: `${source}: ${normalised.error}` };
    case 'ignored':
      return { source, ignored: normalised.record, verdict: emptyVerdict('ignored', opts.mode) };
    case 'change':
      return {
        source,
        change: normalised.change,
        ...(context ? { context } : {}),
        verdict: evaluate(applyFacts(normalised.change, context), opts.policy, { mode: opts.mode, now: opts.now, ...(evaluation ? { context: evaluation } : {}) }),
      };
  }
}
