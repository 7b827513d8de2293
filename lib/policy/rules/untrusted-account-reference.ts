/** untrusted-account-reference: a rule (ingress or egress) referencing a group of a foreign account. */
import { formatRulePorts } from '../../net/ports';
import { classifySource, groupOwner } from '../../net/source';
import type { RuleChangeCheck } from './types';

export const untrustedAccountReference: RuleChangeCheck<'untrusted-account-reference'> = {
  id: 'untrusted-account-reference',
  scope: 'rule',
  why: 'The rule trusts a security group owned by an account that is not trusted: whoever controls that account decides what can reach this group.',
  match({ rule, change, policy }) {
    const source = rule.source;
    if (source?.kind !== 'group') return undefined;
    const cls = classifySource(source, { account: change.account, trustedAccounts: policy.trustedAccounts, trusted: policy.classifier });
    if (cls !== 'group-foreign') return undefined;
    const dir = rule.direction === 'ingress' ? 'from' : 'to';
    return `${formatRulePorts(rule)} ${dir} security group ${source.groupId ?? source.groupName ?? '(unnamed)'} of account ${groupOwner(source, change.account)}, which is neither this account (${change.account}) nor in trustedAccounts: whoever controls that account decides who gets this access.`;
  },
};
