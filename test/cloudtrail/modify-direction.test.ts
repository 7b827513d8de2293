/**
 * ModifySecurityGroupRules does not record a rule's direction: the
 * normaliser judges such a rule as ingress and marks it `directionUnknown`
 * (lib/context resolves it; nothing is revoked on the guess). A
 * record that does carry `IsEgress` states the direction: no flag.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalise } from '../../lib/cloudtrail/normalise';
import type { Change, NormaliseResult } from '../../lib/model';

function change(r: NormaliseResult): Change {
  if (r.status !== 'change') throw new Error(`expected a change, got ${JSON.stringify(r)}`);
  return r.change;
}
const load = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const modify = (entry: unknown) => ({
  eventVersion: '1.10',
  eventID: 'a1b2c3d4-0000-4000-8000-0000000000f1',
  eventTime: '2025-03-04T10:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'ModifySecurityGroupRules',
  awsRegion: 'us-east-1',
  recipientAccountId: '111122223333',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' },
  requestParameters: { ModifySecurityGroupRulesRequest: { GroupId: 'sg-0a1b2c3d4e5f60050', SecurityGroupRule: entry } },
  responseElements: { _return: true },
});

describe('ModifySecurityGroupRules direction', () => {
  it('the default egress rule given a description: judged as ingress, flagged directionUnknown', () => {
    const c = change(normalise(load('events/modify/modify-default-egress-description.json')));
    expect(c).toMatchObject({ kind: 'modify-rules', groupId: 'sg-0a1b2c3d4e5f60050', actor: { via: 'terraform' } });
    expect(c.rules).toEqual([
      {
        action: 'modify',
        direction: 'ingress',
        directionUnknown: true,
        protocol: '-1',
        fromPort: null,
        toPort: null,
        source: { kind: 'cidr4', cidr: '0.0.0.0/0' },
        description: 'Allow all outbound traffic',
        ruleId: 'sgr-0a1b2c3d4e5f60501',
      },
    ]);
  });

  it('every rule of the shipped ModifySecurityGroupRules events is flagged (none states its direction)', () => {
    for (const f of ['modify-rule-to-ssh-from-world.json', 'modify-two-rules-in-one-call.json']) {
      const c = change(normalise(load(`events/modify/${f}`)));
      expect(c.rules.length, f).toBeGreaterThan(0);
      for (const r of c.rules) expect(r, f).toMatchObject({ direction: 'ingress', directionUnknown: true });
    }
  });

  it.each([
    ['IsEgress true in the rule', { SecurityGroupRuleId: 'sgr-1', SecurityGroupRule: { IpProtocol: '-1', CidrIpv4: '0.0.0.0/0', IsEgress: true } }, 'egress'],
    ['IsEgress "false" in the entry', { SecurityGroupRuleId: 'sgr-1', IsEgress: 'false', SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' } }, 'ingress'],
  ] as const)('%s: the direction is stated, no flag', (_name, entry, direction) => {
    const [r] = change(normalise(modify(entry))).rules;
    expect(r.direction).toBe(direction);
    expect('directionUnknown' in r).toBe(false);
  });
});
