/** default-group-rule: any rule (ingress or egress) added or set on a group named `default`. */
import { formatRulePorts } from '../../net/ports';
import { sourcePhrase } from './phrases';
import type { RuleChangeCheck } from './types';

export const defaultGroupRule: RuleChangeCheck<'default-group-rule'> = {
  id: 'default-group-rule',
  scope: 'rule',
  why: 'Default security groups are attached implicitly (new instances, ENIs, Lambda in a VPC), so their rules spread to resources nobody reviewed; they should stay empty.',
  match({ rule, change }) {
    if (change.groupName !== 'default') return undefined;
    const dir = rule.direction === 'ingress' ? 'from' : 'to';
    return `${rule.direction} rule ${formatRulePorts(rule)} ${dir} ${sourcePhrase(rule)} ${rule.action === 'modify' ? 'set' : 'added'} on the default security group${change.groupId ? ` ${change.groupId}` : ''}: everything launched without an explicit group gets it. Keep default groups empty and use dedicated groups.`;
  },
};
