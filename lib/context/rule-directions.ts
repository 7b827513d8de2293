/**
 * What a rule really is, part one: its direction.
 *
 * CloudTrail's ModifySecurityGroupRules record does not say whether the rule
 * it modified is ingress or egress; the normaliser then judges it as ingress
 * and marks it `directionUnknown`. This module fills the gap from the
 * account itself through a small port (the EC2 implementation lives in
 * ./ec2-rule-directions.ts, kept apart so that nothing here loads the SDK).
 *
 * `resolveDirections` never throws: a rule whose direction cannot be learnt
 * (deleted since, look-up refused, throttled, network down) keeps its flag,
 * so the policy still alerts on it as ingress and never revokes it on the
 * guess (the remediator asks EC2 for the direction again first); the
 * reason is handed to `onNote` so that it is visible in the logs.
 */
import type { Change, Direction, RuleChange } from '../model';
import { errorText } from '../errors/error-text';

export interface RuleDirectionResolver {
  /** Named on the facts it gives (default `ec2:DescribeSecurityGroupRules`); e.g. `inventory:FILE`. */
  readonly source?: `inventory:${string}` | `ec2:${string}`;
  /**
   * The real direction of the change's rules whose direction is unknown,
   * by `sgr-` id. Ids absent from the map were not found (the rule or the
   * group is gone). Throws when the look-up itself fails.
   */
  resolve(change: Change): Promise<Map<string, Direction>>;
}

export interface ResolveOptions {
  /** Told why a direction stays unknown (look-up failed, rule not found). */
  onNote?: (note: string) => void;
}

/** True when the change has rules whose direction the record does not state (and the call did not fail). */
export function hasUnknownDirection(change: Change): boolean {
  if (change.error) return false;
  for (const r of change.rules) if (r.directionUnknown) return true;
  return false;
}

/** The `sgr-` ids of the rules whose direction is unknown, each once, in order. */
export function unknownDirectionIds(change: Change): string[] {
  const ids: string[] = [];
  for (const r of change.rules) if (r.directionUnknown && r.ruleId && !ids.includes(r.ruleId)) ids.push(r.ruleId);
  return ids;
}

function withDirection(rule: RuleChange, direction: Direction): RuleChange {
  const { directionUnknown: _unknown, ...known } = rule;
  return { ...known, direction };
}

/**
 * The looked-up direction of the change's `directionUnknown` rules, by
 * `sgr-` id; empty when there is nothing to resolve or the look-up failed
 * (told to `onNote`). Never throws.
 */
export async function lookUpDirections(change: Change, resolver: RuleDirectionResolver, opts: ResolveOptions = {}): Promise<Map<string, Direction>> {
  const none = new Map<string, Direction>();
  if (!hasUnknownDirection(change)) return none;
  const what = `${change.eventName} ${change.eventId}`;
  const ids = unknownDirectionIds(change);
  if (ids.length === 0) {
    opts.onNote?.(`${what}: a rule of unknown direction carries no rule id, so its direction cannot be looked up; judged as ingress`);
    return none;
  }
  let found: Map<string, Direction>;
  try {
    found = await resolver.resolve(change);
  } catch (error) {
    opts.onNote?.(`${what}: could not look up the direction of ${ids.join(', ')} in ${change.groupId ?? 'the group'}: ${errorText(error)}; judged as ingress, revoked only if EC2 confirms it is ingress`);
    return none;
  }
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) {
    opts.onNote?.(`${what}: ${missing.join(', ')} not found in ${change.groupId ?? 'the group'} (removed since?); direction unknown, judged as ingress, not revoked`);
  }
  return new Map(ids.flatMap((id) => (found.has(id) ? [[id, found.get(id)!] as const] : [])));
}

/** A copy of the change where each `directionUnknown` rule with a known direction has it and no flag; the change itself when none is known. */
export function withDirections(change: Change, directions: ReadonlyMap<string, Direction>): Change {
  if (directions.size === 0) return change;
  const rules = change.rules.map((r) => {
    const d = r.directionUnknown && r.ruleId ? directions.get(r.ruleId) : undefined;
    return d ? withDirection(r, d) : r;
  });
  return { ...change, rules };
}

/**
 * A copy of the change where every `directionUnknown` rule found by the
 * resolver has its real direction and no flag; the change itself when there
 * is nothing to resolve or the look-up failed. Never throws.
 */
export async function resolveDirections(change: Change, resolver: RuleDirectionResolver, opts: ResolveOptions = {}): Promise<Change> {
  return withDirections(change, await lookUpDirections(change, resolver, opts));
}
