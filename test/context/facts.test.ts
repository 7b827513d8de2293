/**
 * Facts looked up from EC2 stay apart from the recorded change: what
 * contextFacts keeps, and applyFacts / judgedChange giving the change as the
 * policy judged it.
 */
import { describe, expect, it } from 'vitest';
import { applyFacts, contextFacts, judgedChange } from '../../lib/context/facts';
import { change as changeOf, result } from '../alerts/builders';

describe('context facts', () => {
  it('nothing learnt: no facts, the change itself', () => {
    expect(contextFacts(undefined, new Map())).toBeUndefined();
    const c = changeOf();
    expect(applyFacts(c, undefined)).toBe(c);
  });

  it('a name and directions, each naming its source; applied without touching the recorded change', () => {
    const c = changeOf({ groupName: undefined, rules: [{ action: 'modify', direction: 'ingress', directionUnknown: true, protocol: 'tcp', fromPort: 22, toPort: 22, ruleId: 'sgr-1' }, { action: 'modify', direction: 'ingress', directionUnknown: true, protocol: 'tcp', fromPort: 80, toPort: 80, ruleId: 'sgr-2' }] });
    const facts = contextFacts('default', new Map([['sgr-1', 'egress']]));
    expect(facts).toEqual({ groupName: { value: 'default', source: 'ec2:DescribeSecurityGroups' }, directions: { 'sgr-1': { value: 'egress', source: 'ec2:DescribeSecurityGroupRules' } } });
    const judged = applyFacts(c, facts);
    expect(judged.groupName).toBe('default');
    expect(judged.rules[0]).toMatchObject({ direction: 'egress' });
    expect(judged.rules[0].directionUnknown).toBeUndefined();
    expect(judged.rules[1]).toMatchObject({ direction: 'ingress', directionUnknown: true });
    expect(c.groupName).toBeUndefined();
    expect(c.rules[0].directionUnknown).toBe(true);
  });

  it('a name the record carries wins over a looked-up one; judgedChange of a result uses its context', () => {
    const facts = contextFacts('other', new Map());
    expect(applyFacts(changeOf({ groupName: 'web' }), facts).groupName).toBe('web');
    const r = { ...result({ change: { groupName: undefined } }), context: facts };
    expect(judgedChange(r).groupName).toBe('other');
  });
});
