/**
 * unparseable-source: a rule (ingress or egress) whose CIDR source is not a
 * CIDR (`999.1.1.1/33`, `10.0.0.0/abc`). EC2 refuses such a source, so a
 * record that carries one is malformed, hand-made or tampered with; either
 * way sgwatch cannot tell what it exposes, and says so instead of judging it
 * compliant. Alert only by default: a rule sgwatch cannot read is never revoked.
 */
import { JSON_QUOTE } from './phrases';
import type { RuleChangeCheck } from './types';

export const unparseableSource: RuleChangeCheck<'unparseable-source'> = {
  id: 'unparseable-source',
  scope: 'rule',
  why: 'A source that is not a valid CIDR cannot be judged: the record is malformed or was altered, and what the rule really exposes is unknown until someone looks at the group.',
  match(s) {
    const j = s.cidr();
    if (j?.class !== 'invalid') return undefined;
    return `The ${s.rule.direction} rule's source ${JSON_QUOTE(s.cidrText ?? '')} is not a valid CIDR (${j.reason ?? 'unparseable'}): sgwatch cannot tell what it exposes and did not judge it. EC2 refuses such a source, so check the record and the group's rules in the console.`;
  },
};
