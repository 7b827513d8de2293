/**
 * The existing context look-ups (rule directions, group names) answered by
 * an Inventory instead of EC2, so that `replay --inventory` judges offline
 * what --describe would ask the account. Each resolver carries the
 * inventory's `source`, which the facts of the result name.
 */
import type { Change, Direction } from '../model';
import type { GroupNameResolver } from './group-names';
import type { Inventory } from './inventory';
import { unknownDirectionIds, type RuleDirectionResolver } from './rule-directions';

export function inventoryRuleDirections(inventory: Inventory): RuleDirectionResolver {
  return {
    source: inventory.source,
    async resolve(change: Change): Promise<Map<string, Direction>> {
      const found = new Map<string, Direction>();
      const scope = { account: change.account, region: change.region };
      for (const id of unknownDirectionIds(change)) {
        const rule = await inventory.rule(scope, id);
        // The rule must belong to the change's group, as the EC2 filter proves it.
        if (rule && (!change.groupId || rule.groupId === change.groupId)) found.set(id, rule.direction);
      }
      return found;
    },
  };
}

export function inventoryGroupNames(inventory: Inventory): GroupNameResolver {
  return {
    source: inventory.source,
    async name(change: Change): Promise<string | undefined> {
      if (!change.groupId) throw new Error('the record names no group id');
      return (await inventory.group({ account: change.account, region: change.region }, change.groupId))?.groupName;
    },
  };
}
