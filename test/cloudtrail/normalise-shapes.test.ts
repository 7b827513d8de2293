import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAll } from '../../lib/cloudtrail/read';
import { normalise, UNKNOWN_PROTOCOL } from '../../lib/cloudtrail/normalise';
import { detectVia } from '../../lib/cloudtrail/actor';
import type { Change, NormaliseResult } from '../../lib/model';

const BASE = {
  eventVersion: '1.10',
  eventID: 'a1b2c3d4-0000-4000-8000-000000000001',
  eventTime: '2025-03-04T10:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  awsRegion: 'us-east-1',
  recipientAccountId: '111122223333',
  requestID: 'r-1',
  sourceIPAddress: '198.51.100.24',
  userAgent: 'aws-cli/2.22.4',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' },
};
const rec = (eventName: string, requestParameters: unknown, more: Record<string, unknown> = {}) => ({
  ...BASE,
  eventName,
  requestParameters,
  responseElements: { _return: true },
  ...more,
});
function change(r: NormaliseResult): Change {
  if (r.status !== 'change') throw new Error(`expected a change, got ${JSON.stringify(r)}`);
  return r.change;
}
const load = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

describe('ModifySecurityGroupRules', () => {
  it('one rule (PascalCase, doubled SecurityGroupRule, tag)', () => {
    const c = change(normalise(load('events/modify/modify-rule-to-ssh-from-world.json')));
    expect(c.kind).toBe('modify-rules');
    expect(c.groupId).toBe('sg-0a1b2c3d4e5f60021');
    expect(c.rules).toEqual([
      { action: 'modify', direction: 'ingress', directionUnknown: true, protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' }, ruleId: 'sgr-0a1b2c3d4e5f60211' },
    ]);
  });
  it('a list of rules, string ports, group reference, IsEgress', () => {
    const c = change(normalise(load('events/modify/modify-two-rules-in-one-call.json')));
    expect(c.rules).toEqual([
      { action: 'modify', direction: 'ingress', directionUnknown: true, protocol: 'tcp', fromPort: 443, toPort: 443, source: { kind: 'cidr4', cidr: '0.0.0.0/0' }, description: 'public website', ruleId: 'sgr-0a1b2c3d4e5f60221' },
      { action: 'modify', direction: 'ingress', directionUnknown: true, protocol: 'tcp', fromPort: 3306, toPort: 3306, source: { kind: 'group', groupId: 'sg-0a1b2c3d4e5f60099' }, description: 'app servers', ruleId: 'sgr-0a1b2c3d4e5f60222' },
    ]);
    const egress = change(
      normalise(rec('ModifySecurityGroupRules', { ModifySecurityGroupRulesRequest: { GroupId: 'sg-1', SecurityGroupRule: { SecurityGroupRuleId: 'sgr-1', SecurityGroupRule: { IpProtocol: '-1', CidrIpv6: '::/0', IsEgress: 'true' } } } })),
    );
    expect(egress.rules).toEqual([{ action: 'modify', direction: 'egress', protocol: '-1', fromPort: null, toPort: null, source: { kind: 'cidr6', cidr: '::/0' }, ruleId: 'sgr-1' }]);
  });
  it('garbage where the rule must be is invalid, naming the path', () => {
    const r = normalise(rec('ModifySecurityGroupRules', { ModifySecurityGroupRulesRequest: { GroupId: 'sg-1', SecurityGroupRule: { SecurityGroupRuleId: 'sgr-1', SecurityGroupRule: 'x' } } }));
    expect(r).toMatchObject({ status: 'invalid', error: 'ModifySecurityGroupRules: requestParameters.ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule is "x", expected an object' });
  });
});

describe('Revoke', () => {
  it('by securityGroupRuleIds, detailed by revokedSecurityGroupRuleSet', () => {
    const c = change(normalise(load('events/revoke/revoke-by-rule-ids.json')));
    expect(c.ruleIds).toEqual(['sgr-0a1b2c3d4e5f60021']);
    expect(c.rules).toEqual([
      { action: 'remove', direction: 'ingress', protocol: 'tcp', fromPort: 3389, toPort: 3389, source: { kind: 'cidr6', cidr: '::/0' }, description: 'temporary RDP for vendor', ruleId: 'sgr-0a1b2c3d4e5f60021' },
    ]);
  });
  it('by ids alone: rules carry only the id', () => {
    const c = change(normalise(rec('RevokeSecurityGroupEgress', { groupId: 'sg-1', securityGroupRuleIds: { items: [{ securityGroupRuleId: 'sgr-a' }, { securityGroupRuleId: 'sgr-b' }] } })));
    expect(c.ruleIds).toEqual(['sgr-a', 'sgr-b']);
    expect(c.rules).toEqual([
      { action: 'remove', direction: 'egress', protocol: UNKNOWN_PROTOCOL, fromPort: null, toPort: null, ruleId: 'sgr-a' },
      { action: 'remove', direction: 'egress', protocol: UNKNOWN_PROTOCOL, fromPort: null, toPort: null, ruleId: 'sgr-b' },
    ]);
  });
  it('flat CLI form', () => {
    const c = change(normalise(load('events/revoke/revoke-egress-flat-cli-form.json')));
    expect(c.rules).toEqual([{ action: 'remove', direction: 'egress', protocol: '-1', fromPort: null, toPort: null, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } }]);
  });
});

describe('Authorize request shapes', () => {
  it('flat form with host bits; response id matched on the masked CIDR', () => {
    const c = change(normalise(load('events/authorize/flat-cli-form-host-bits-cidr.json')));
    expect(c.rules).toEqual([
      { action: 'add', direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '198.51.100.7/0' }, ruleId: 'sgr-0a1b2c3d4e5f60131' },
    ]);
  });
  it('IPv6: the response id is matched on the masked network, whatever the case or zero compression', () => {
    const params = {
      groupId: 'sg-0a1b2c3d4e5f60001',
      ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv6Ranges: { items: [{ cidrIpv6: '2001:DB8:0:0:0:0:0:1/32' }] } }] },
    };
    const response = (cidrIpv6: string) => ({
      securityGroupRuleSet: { items: [{ groupId: 'sg-0a1b2c3d4e5f60001', securityGroupRuleId: 'sgr-0a1b2c3d4e5f606a1', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6 }] },
    });
    const matched = change(normalise(rec('AuthorizeSecurityGroupIngress', params, { responseElements: response('2001:db8::/32') })));
    expect(matched.rules).toEqual([
      { action: 'add', direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr6', cidr: '2001:DB8:0:0:0:0:0:1/32' }, ruleId: 'sgr-0a1b2c3d4e5f606a1' },
    ]);
    // Another network: not the request's rule, so the response entry is kept as a rule of its own.
    const other = change(normalise(rec('AuthorizeSecurityGroupIngress', params, { responseElements: response('2001:db9::/32') })));
    expect(other.rules.map((r) => r.ruleId)).toEqual([undefined, 'sgr-0a1b2c3d4e5f606a1']);
  });
  it('legacy sourceSecurityGroupName / OwnerId', () => {
    const c = change(normalise(rec('AuthorizeSecurityGroupIngress', { groupName: 'web', sourceSecurityGroupName: 'lb', sourceSecurityGroupOwnerId: '444455556666' })));
    expect(c.groupId).toBeNull();
    expect(c.groupName).toBe('web');
    expect(c.rules).toEqual([{ action: 'add', direction: 'ingress', protocol: '-1', fromPort: null, toPort: null, source: { kind: 'group', groupName: 'lb', ownerAccount: '444455556666' } }]);
  });
  it('two CIDRs in one call: each rule gets its own id, whatever the response order', () => {
    const c = change(normalise(load('events/authorize/ssh-two-cidrs-one-call.json')));
    expect(c.rules.map((r) => [(r.source as { cidr: string }).cidr, r.ruleId])).toEqual([
      ['10.0.0.0/8', 'sgr-0a1b2c3d4e5f60171'],
      ['0.0.0.0/0', 'sgr-0a1b2c3d4e5f60172'],
    ]);
    const split = change(normalise(load('events/authorize/ssh-open-to-world-split-in-two-halves.json')));
    expect(split.rules.map((r) => r.ruleId)).toEqual(['sgr-0a1b2c3d4e5f60041', 'sgr-0a1b2c3d4e5f60042']);
  });
  it('group named by name: groupId taken from the response', () => {
    const c = change(normalise(load('events/authorize/rule-added-to-default-group-by-name.json')));
    expect(c).toMatchObject({ groupId: 'sg-0a1b2c3d4e5f60009', groupName: 'default' });
    expect(c.rules[0].ruleId).toBe('sgr-0a1b2c3d4e5f60091');
  });
  it("Wazuh's collapsed single items object, prefix lists, ICMP type/code", () => {
    const c = change(
      normalise(rec('AuthorizeSecurityGroupIngress', {
        groupId: 'sg-1',
        ipPermissions: { items: { ipProtocol: 'icmp', fromPort: '8', toPort: '-1', ipRanges: { items: { cidrIp: '0.0.0.0/0' } }, prefixListIds: { items: [{ prefixListId: 'pl-1' }] } } },
      })),
    );
    expect(c.rules).toEqual([
      { action: 'add', direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: -1, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } },
      { action: 'add', direction: 'ingress', protocol: 'icmp', fromPort: 8, toPort: -1, source: { kind: 'prefix-list', prefixListId: 'pl-1' } },
    ]);
  });
  it('a response rule no request rule matches is kept as its own rule', () => {
    const c = change(
      normalise(rec('AuthorizeSecurityGroupIngress', { groupId: 'sg-1', ipPermissions: {} }, {
        responseElements: { _return: true, securityGroupRuleSet: { items: [{ securityGroupRuleId: 'sgr-x', groupId: 'sg-1', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }] } },
      })),
    );
    expect(c.rules).toEqual([{ action: 'add', direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' }, ruleId: 'sgr-x' }]);
  });
});

describe('descriptions, groups, failures', () => {
  it('UpdateSecurityGroupRuleDescriptions: by permissions and by rule id', () => {
    const ingress = change(normalise(load('events/groups/update-rule-descriptions-ingress.json')));
    expect(ingress.kind).toBe('update-descriptions');
    expect(ingress.rules).toEqual([
      { action: 'describe', direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '10.0.0.0/8' }, description: 'bastion subnet (ticket OPS-1234)' },
    ]);
    const egress = change(normalise(load('events/groups/update-rule-descriptions-egress-by-rule-id.json')));
    expect(egress.rules).toEqual([
      { action: 'describe', direction: 'egress', protocol: UNKNOWN_PROTOCOL, fromPort: null, toPort: null, ruleId: 'sgr-0a1b2c3d4e5f60161', description: 'all egress (NAT)' },
    ]);
  });
  it('groupSet on an instance', () => {
    const c = change(normalise(load('events/groups/instance-security-groups-replaced.json')));
    expect(c).toMatchObject({ kind: 'set-groups', groupId: null, resourceId: 'i-0a1b2c3d4e5f60001', groupIds: ['sg-0a1b2c3d4e5f60012', 'sg-0a1b2c3d4e5f60011'], rules: [] });
  });
  it('failed calls keep the request rules, ignore the response, and say whether access was denied', () => {
    const denied = change(normalise(load('events/failed/denied-ssh-open-to-world.json')));
    expect(denied.error).toMatchObject({ code: 'Client.UnauthorizedOperation', denied: true });
    expect(denied.error?.message).toMatch(/^You are not authorized/);
    expect(denied.rules).toHaveLength(1);
    const dup = change(normalise(load('events/failed/duplicate-https-rule.json')));
    expect(dup.error).toMatchObject({ code: 'Client.InvalidPermission.Duplicate', denied: false });
    const misleading = change(
      normalise(rec('AuthorizeSecurityGroupIngress', { groupId: 'sg-1', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } }, {
        errorCode: 'AccessDenied',
        responseElements: { _return: true, securityGroupRuleSet: { items: [{ securityGroupRuleId: 'sgr-fake', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }] } },
      })),
    );
    expect(misleading.error).toEqual({ code: 'AccessDenied', denied: true });
    expect(misleading.rules[0].ruleId).toBeUndefined();
    expect(change(normalise(rec('DeleteSecurityGroup', null, { errorCode: 'Client.InvalidGroup.NotFound' }))).error?.denied).toBe(false);
  });
});

describe('metadata, EventBridge, ignored and invalid records', () => {
  it('EventBridge envelope: detail is the record; its account fills a missing recipientAccountId', () => {
    const { recipientAccountId: _drop, ...detail } = rec('DeleteSecurityGroup', { groupId: 'sg-1' });
    const detailNoIdentityAccount = { ...detail, userIdentity: { type: 'IAMUser' } };
    const c = change(normalise({ 'detail-type': 'AWS API Call via CloudTrail', account: '111122223333', region: 'eu-west-1', detail: detailNoIdentityAccount }));
    expect(c).toMatchObject({ kind: 'delete-group', account: '111122223333', region: 'us-east-1', groupId: 'sg-1' });
  });
  it('Panther lower-cased keys and string booleans', () => {
    const c = change(normalise(load('events/authorize/ports-as-strings-panther-copy.json')));
    expect(c.eventTime).toBe('2025-03-04T10:15:00.000Z');
    expect(c.rules[0]).toMatchObject({ fromPort: 5601, toPort: 5601 });
    expect(c.actor).toMatchObject({ principalId: 'AROAEXAMPLEROLE0001:bob', accountId: '111122223333', roleArn: 'arn:aws:iam::111122223333:role/PlatformAdmin', mfa: true });
  });
  it('ignores RunInstances and other services cheaply, with a reason', () => {
    expect(normalise(load('events/ignored/run-instances.json'))).toMatchObject({ status: 'ignored', record: { eventName: 'RunInstances', reason: 'RunInstances does not change security groups', account: '111122223333' } });
    expect(normalise({ ...BASE, eventSource: 's3.amazonaws.com', eventName: 'GetObject' })).toMatchObject({ status: 'ignored', record: { reason: 'not an EC2 call (s3.amazonaws.com)' } });
  });
  it('invalid records say what is wrong, never throw', () => {
    const cases: [unknown, string][] = [
      [null, 'record is null, expected a JSON object'],
      [[1], 'record is a list, expected a JSON object'],
      [{ ...BASE, eventName: undefined }, 'not a CloudTrail record: eventName is missing'],
      [{ ...BASE, eventSource: 5, eventName: 'X' }, 'not a CloudTrail record: eventSource is 5'],
      [rec('AuthorizeSecurityGroupIngress', 'oops'), 'AuthorizeSecurityGroupIngress: requestParameters is "oops", expected an object'],
      [rec('AuthorizeSecurityGroupIngress', { groupId: 'sg-1', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: { a: 1 } }] } }] } }),
        'AuthorizeSecurityGroupIngress: requestParameters.ipPermissions.items[0].ipRanges.items[0].cidrIp is an object, expected text'],
      [rec('AuthorizeSecurityGroupIngress', { groupId: 'sg-1', ipPermissions: 7 }), 'AuthorizeSecurityGroupIngress: requestParameters.ipPermissions is 7, expected {"items": [...]}'],
      [{ ...rec('CreateSecurityGroup', {}), eventTime: 'yesterday' }, 'CreateSecurityGroup: eventTime is "yesterday", expected a timestamp'],
      [rec('ModifyNetworkInterfaceAttribute', { networkInterfaceId: 'eni-1', groupSet: { items: ['sg-1'] } }), 'ModifyNetworkInterfaceAttribute: requestParameters.groupSet.items[0] is "sg-1", expected {"groupId": "sg-..."}'],
    ];
    for (const [input, error] of cases) expect(normalise(input)).toMatchObject({ status: 'invalid', error });
  });
  it('actor.via precedence', () => {
    expect(detectVia({ invokedBy: 'cloudformation.amazonaws.com', userAgent: 'AWS Internal', fromConsole: true })).toBe('cloudformation');
    expect(detectVia({ userAgent: 'aws-sdk-go/1.29.7 (go1.13.7) APN/1.0 HashiCorp/1.0 Terraform/0.12.24' })).toBe('terraform');
    expect(detectVia({ userAgent: 'APN/1.0 HashiCorp/1.0 Terraform/1.3.5 terraform-provider-aws/4.50.0 aws-sdk-go/1.44.177' })).toBe('terraform');
    expect(detectVia({ userAgent: 'eks.amazonaws.com', sourceIp: 'eks.amazonaws.com' })).toBe('aws-service');
    expect(detectVia({ type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' })).toBe('aws-service');
    expect(detectVia({ userAgent: 'signin.amazonaws.com', invokedBy: 'signin.amazonaws.com' })).toBe('console');
    expect(detectVia({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/122.0.0.0', fromConsole: true })).toBe('console');
    expect(detectVia({ userAgent: 'AWS Internal', fromConsole: true })).toBe('console');
    expect(detectVia({ userAgent: 'aws-cli/2.22.4 md/command#ec2.authorize-security-group-ingress' })).toBe('cli');
    expect(detectVia({ userAgent: 'Boto3/1.35.80 md/Botocore#1.35.80' })).toBe('sdk');
    expect(detectVia({ userAgent: 'stratus-red-team_54d79918' })).toBe('sdk');
    expect(detectVia({ userAgent: 'AWS Internal' })).toBe('unknown');
  });
});

describe('every shipped event normalises', () => {
  it('events/ yields changes and ignored records, no invalid one', async () => {
    const items = await readAll(['events']);
    const statuses: Record<string, number> = {};
    for (const item of items) {
      expect('record' in item).toBe(true);
      const r = normalise((item as { record: unknown }).record);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 'invalid') throw new Error(`${item.source}: ${r.error}`);
      if (r.status === 'change' && (r.change.kind === 'authorize' || r.change.kind === 'modify-rules') && !r.change.error) {
        // every shipped authorize/modify names its rule ids (except the Panther copy, a pre-2021 shape)
        if (!item.source.includes('panther')) for (const rule of r.change.rules) expect(rule.ruleId, item.source).toMatch(/^sgr-0[0-9a-f]{16}$/);
      }
    }
    expect(statuses).toEqual({ change: 45, ignored: 4 });
  });
});
