/**
 * A standing rule, as the inventory holds it, in sgwatch's rule model, so
 * that the policy judges it with the checks it uses on a change that adds
 * the same rule: the audit judges every rule this way, and a prefix-list
 * change judges each rule using the list with the list's new entries.
 */
import type { RuleChange, RuleSource } from '../model';
import { hasPorts, isIcmp, normaliseProtocol } from '../net/protocol';
import type { InventoryRule } from './inventory';
import { groupReference } from '../net/source';

export function inventorySource(rule: InventoryRule): RuleSource | undefined {
  const s = rule.source;
  if (!s) return undefined;
  switch (s.kind) {
    case 'cidr4':
      return { kind: 'cidr4', cidr: s.value };
    case 'cidr6':
      return { kind: 'cidr6', cidr: s.value };
    case 'prefix-list':
      return { kind: 'prefix-list', prefixListId: s.value };
    case 'group':
      return groupReference(s.value);
  }
}

/** The rule as if a change added it; `source` replaces the rule's own (a prefix list's entry). */
export function addedRule(rule: InventoryRule, source: RuleSource | undefined = inventorySource(rule)): RuleChange {
  const protocol = normaliseProtocol(rule.protocol);
  const ported = hasPorts(protocol) || isIcmp(protocol);
  const out: RuleChange = {
    action: 'add',
    direction: rule.direction,
    protocol,
    fromPort: ported ? (rule.fromPort ?? null) : null,
    toPort: ported ? (rule.toPort ?? null) : null,
    ruleId: rule.ruleId,
  };
  if (source) out.source = source;
  if (rule.description !== undefined) out.description = rule.description;
  return out;
}
