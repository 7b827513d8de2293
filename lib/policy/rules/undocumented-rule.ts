/** undocumented-rule: an ingress rule without a description (blank counts as none). */
import { formatRulePorts } from '../../net/ports';
import { sourcePhrase } from './phrases';
import type { RuleChangeCheck } from './types';

/** A description with some text (same whitespace as String#trim, without allocating). */
const NON_BLANK = /\S/;

export const undocumentedRule: RuleChangeCheck<'undocumented-rule'> = {
  id: 'undocumented-rule',
  scope: 'rule',
  why: 'A rule without a description cannot be reviewed or owned: nobody can tell later why it exists or whether it is still needed.',
  match({ rule, ingress }) {
    if (!ingress || NON_BLANK.test(rule.description ?? '')) return undefined;
    return `Ingress rule ${formatRulePorts(rule)} from ${sourcePhrase(rule)} has no description: say why it exists so reviewers can tell whether it is still needed.`;
  },
};
