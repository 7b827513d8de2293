/**
 * What a rule really is, part two: the name of its group.
 *
 * The policy's `default-group-rule` (Security Hub EC2.2: a VPC's default
 * group should allow no traffic) needs the group's name, and the default
 * group is the one named `default` (it cannot be renamed). Authorize* and
 * ModifySecurityGroupRules records almost always name the group by id only,
 * so the name is looked up from the account through a small port (the EC2
 * implementation lives in ./ec2-group-names.ts, kept apart so that nothing
 * here loads the SDK).
 *
 * Only changes that add or modify rules and carry a group id but no name are
 * looked up: revokes, deletes, description updates, failed calls and records
 * that name the group cost nothing. `lookUpGroupName` never throws: a name
 * that cannot be learnt (group deleted since, look-up refused, throttled,
 * network down) stays unknown, so default-group-rule is not checked for that
 * change, and the reason is handed to `onNote` so that it is visible in the
 * logs.
 */
import type { Change } from '../model';
import { errorText } from '../errors/error-text';

export interface GroupNameResolver {
  /** Named on the facts it gives (default `ec2:DescribeSecurityGroups`); e.g. `inventory:FILE`. */
  readonly source?: `inventory:${string}` | `ec2:${string}`;
  /**
   * The name of the change's group (`change.groupId`); undefined when the
   * group does not exist (deleted since). Throws when the look-up itself
   * fails (denied, throttled, network, another account or region).
   */
  name(change: Change): Promise<string | undefined>;
}

export interface GroupNameOptions {
  /** Told why a group's name stays unknown (look-up failed, group not found). */
  onNote?: (note: string) => void;
}

/**
 * True when the change adds or modifies rules (and the call did not fail),
 * names its group by id only, and so needs the name to be judged fully.
 */
export function needsGroupName(change: Change): boolean {
  if (change.error || change.groupName !== undefined || !change.groupId) return false;
  if (change.kind !== 'authorize' && change.kind !== 'modify-rules') return false;
  for (const r of change.rules) if (r.action === 'add' || r.action === 'modify') return true;
  return false;
}

/** The group's name, or undefined when there is nothing to look up or it cannot be learnt. Never throws. */
export async function lookUpGroupName(change: Change, resolver: GroupNameResolver, opts: GroupNameOptions = {}): Promise<string | undefined> {
  if (!needsGroupName(change)) return change.groupName;
  const what = `${change.eventName} ${change.eventId}`;
  let name: string | undefined;
  try {
    name = await resolver.name(change);
  } catch (error) {
    opts.onNote?.(`${what}: could not look up the name of ${change.groupId}: ${errorText(error)}; default-group-rule not checked`);
    return undefined;
  }
  if (name === undefined) opts.onNote?.(`${what}: ${change.groupId} not found (deleted since?); its name is unknown, default-group-rule not checked`);
  return name;
}

/** A copy of the change with the looked-up group name; the change itself when there is nothing to look up or no name was learnt. Never throws. */
export async function resolveGroupName(change: Change, resolver: GroupNameResolver, opts: GroupNameOptions = {}): Promise<Change> {
  if (!needsGroupName(change)) return change;
  const name = await lookUpGroupName(change, resolver, opts);
  return name === undefined ? change : { ...change, groupName: name };
}
