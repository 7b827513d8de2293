/**
 * Facts looked up from the account, kept apart from the recorded change.
 *
 * A Result's `change` is what CloudTrail recorded; what sgwatch learnt from
 * EC2 since (a group's name, the direction of a modified rule) sits in
 * `result.context`, each fact naming the call it came from. The policy, the
 * remediator and the outputs see the change as judged: the recorded change
 * with these facts applied, built here and nowhere else.
 */
import type { Change, ChangeResult, ContextFacts, Direction, LookedUp, Result } from '../model';
import { withDirections } from './rule-directions';

/** The facts learnt, or undefined when nothing was learnt (so a result without look-ups is unchanged). */
export function contextFacts(
  groupName: string | undefined,
  directions: ReadonlyMap<string, Direction>,
  sources: { groupName?: LookedUp<string>["source"]; directions?: LookedUp<string>["source"] } = {},
): ContextFacts | undefined {
  const facts: ContextFacts = {};
  if (groupName !== undefined) facts.groupName = { value: groupName, source: sources.groupName ?? 'ec2:DescribeSecurityGroups' };
  if (directions.size > 0) {
    facts.directions = {};
    for (const [id, d] of directions) facts.directions[id] = { value: d, source: sources.directions ?? 'ec2:DescribeSecurityGroupRules' };
  }
  return facts.groupName || facts.directions ? facts : undefined;
}

/** The recorded change with the looked-up facts applied; the change itself without facts. */
export function applyFacts(change: Change, facts: ContextFacts | undefined): Change {
  if (!facts) return change;
  const directions = new Map(Object.entries(facts.directions ?? {}).map(([id, d]) => [id, d.value]));
  const directed = withDirections(change, directions);
  return facts.groupName && directed.groupName === undefined ? { ...directed, groupName: facts.groupName.value } : directed;
}

/** The change of a result as it was judged (recorded change + looked-up facts); undefined for ignored and invalid records. */
export function judgedChange(result: ChangeResult): Change;
export function judgedChange(result: Result): Change | undefined;
export function judgedChange(result: Result): Change | undefined {
  return result.change ? applyFacts(result.change, result.context) : undefined;
}
