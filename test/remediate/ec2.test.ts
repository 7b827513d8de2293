import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEc2Remediator, errorDetail } from '../../lib/remediate/ec2';
import { toIpPermission } from '../../lib/remediate/revoke-plan';
import { describeAction } from '../../lib/alerts/describe';
import { awsErrorCode } from '../../lib/context/ec2-clients';
import type { Permission, RuleChange } from '../../lib/model';
import { change, GROUP_ID, plan, rule } from '../alerts/builders';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const client = () => new EC2Client({ region: 'eu-west-1' });
const ID1 = 'sgr-0aaaaaaaaaaaaaaa1';
const ID2 = 'sgr-0aaaaaaaaaaaaaaa2';
const ID3 = 'sgr-0aaaaaaaaaaaaaaa3';

function awsError(name: string, message = `${name} happened`) {
  return Object.assign(new Error(message), { name, $metadata: {} });
}
const revoked = (...ids: string[]) => ({ Return: true, RevokedSecurityGroupRules: ids.map((id) => ({ SecurityGroupRuleId: id, GroupId: GROUP_ID })) });

/** DescribeSecurityGroupRules answers with these rules, as EC2 holds them now (the remediator re-reads every id before revoking it). */
function holds(...rules: (Partial<RuleChange> & { ruleId: string; isEgress?: boolean })[]) {
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({
    SecurityGroupRules: rules.map((over) => {
      const r = rule(over);
      const src = r.source!;
      return {
        SecurityGroupRuleId: over.ruleId,
        GroupId: GROUP_ID,
        IsEgress: over.isEgress ?? r.direction === 'egress',
        IpProtocol: r.protocol,
        FromPort: r.fromPort ?? -1,
        ToPort: r.toPort ?? -1,
        ...(src.kind === 'cidr4' ? { CidrIpv4: src.cidr } : src.kind === 'cidr6' ? { CidrIpv6: src.cidr } : {}),
      };
    }),
  });
}

const noCalls = () => {
  expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupEgressCommand);
  expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupRulesCommand);
};

describe('createEc2Remediator: nothing happens unless enforce + revoke', () => {
  it.each([
    ['dry-run', plan({ mode: 'dry-run' }), { status: 'would-revoke', ruleIds: [ID1] }],
    ['off', plan({ mode: 'off' }), { status: 'alert-only', detail: 'remediation mode is off' }],
    ['action none', plan({ action: 'none', ruleIds: [] }), { status: 'none', ruleIds: [] }],
    ['alert-only actor', plan({ action: 'none', ruleIds: [], reason: 'actor matches terraform-deployer' }), { status: 'alert-only', detail: 'actor matches terraform-deployer' }],
  ] as const)('%s', async (_name, p, expected) => {
    const out = await createEc2Remediator({ client: client() }).revoke(change(), p);
    expect(out).toMatchObject(expected);
    noCalls();
  });
});

describe('revoke by rule id', () => {
  it('revokes exactly the planned ids, split by direction, after reading their current state', async () => {
    holds({ ruleId: ID1 }, { ruleId: ID2, fromPort: 3389, toPort: 3389 });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1, ID2));
    const c = change({
      rules: [rule({ ruleId: ID1 }), rule({ ruleId: ID2, fromPort: 3389, toPort: 3389 }), rule({ ruleId: ID3, fromPort: 443, toPort: 443 })],
    });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan({ ruleIds: [ID1, ID2] }));
    expect(out).toEqual({ mode: 'enforce', status: 'revoked', ruleIds: [ID1, ID2], permissionsRevoked: 0, detail: `revoked ${ID1}, ${ID2}` });
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: GROUP_ID, SecurityGroupRuleIds: [ID1, ID2] });
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0].args[0].input).toEqual({ GroupId: GROUP_ID, SecurityGroupRuleIds: [ID1, ID2] });
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupEgressCommand);
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(DescribeSecurityGroupRulesCommand, {
      Filters: [
        { Name: 'group-id', Values: [GROUP_ID] },
        { Name: 'security-group-rule-id', Values: [ID1, ID2] },
      ],
    });
  });

  it('a group tagged sgwatch:protect=true is never revoked in: alert-only, not a failure', async () => {
    holds({ ruleId: ID1 });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP_ID, Tags: [{ Key: 'sgwatch:protect', Value: 'true' }] }] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    const out = await createEc2Remediator({ client: client() }).revoke(change(), plan());
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    expect(out).toMatchObject({ status: 'alert-only', ruleIds: [], detail: `${GROUP_ID} is protected (tag sgwatch:protect=true): not revoked` });
    // Another value of the tag, or another group, is not protected.
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP_ID, Tags: [{ Key: 'sgwatch:protect', Value: 'false' }] }] });
    expect((await createEc2Remediator({ client: client() }).revoke(change(), plan())).status).toBe('revoked');
  });

  it('a rule fixed since the event (same id, now 10.0.0.0/8) is not revoked, and the outcome says why', async () => {
    holds({ ruleId: ID1, source: { kind: 'cidr4', cidr: '10.0.0.0/8' } });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    const out = await createEc2Remediator({ client: client() }).revoke(change(), plan());
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    expect(out).toMatchObject({ status: 'alert-only', ruleIds: [], permissionsRevoked: 0 });
    expect(out.detail).toBe(`${ID1} changed since the event (now tcp/22 from 10.0.0.0/8): not revoked`);
  });

  it('of two ids, the one still as judged is revoked and the changed one is left', async () => {
    holds({ ruleId: ID1 }, { ruleId: ID2, fromPort: 443, toPort: 443 });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    const c = change({ rules: [rule({ ruleId: ID1 }), rule({ ruleId: ID2, fromPort: 3389, toPort: 3389 })] });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan({ ruleIds: [ID1, ID2] }));
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(RevokeSecurityGroupIngressCommand, { GroupId: GROUP_ID, SecurityGroupRuleIds: [ID1] });
    expect(out).toMatchObject({ status: 'revoked', ruleIds: [ID1] });
    expect(out.detail).toBe(`revoked ${ID1}; ${ID2} changed since the event (now tcp/443 from 0.0.0.0/0): not revoked`);
  });

  it('when the current state cannot be read (not a denial), nothing is revoked by id: failed, retried later', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('RequestLimitExceeded'));
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    const out = await createEc2Remediator({ client: client() }).revoke(change(), plan());
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    expect(out.status).toBe('failed');
    expect(out.detail).toMatch(/could not read the rules' current state, so nothing was revoked by id: RequestLimitExceeded/);
  });

  it('egress ids go to RevokeSecurityGroupEgress', async () => {
    holds({ ruleId: ID1, direction: 'egress' });
    ec2.on(RevokeSecurityGroupEgressCommand).resolves(revoked(ID1));
    const c = change({ eventName: 'AuthorizeSecurityGroupEgress', rules: [rule({ ruleId: ID1, direction: 'egress' })] });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan());
    expect(out.status).toBe('revoked');
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(RevokeSecurityGroupEgressCommand, { GroupId: GROUP_ID, SecurityGroupRuleIds: [ID1] });
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });

  it('ids of unknown direction (ModifySecurityGroupRules) are looked up, then split', async () => {
    holds({ ruleId: ID1 }, { ruleId: ID2, direction: 'egress' });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    ec2.on(RevokeSecurityGroupEgressCommand).resolves(revoked(ID2));
    // ID2 carried IsEgress: judged as egress (a rule is only revoked in the direction it was judged in, see below).
    const c = change({
      eventName: 'ModifySecurityGroupRules',
      kind: 'modify-rules',
      rules: [rule({ ruleId: ID1, action: 'modify' }), rule({ ruleId: ID2, action: 'modify', direction: 'egress' })],
    });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan({ ruleIds: [ID1, ID2, ID3] }));
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupRulesCommand, {
      Filters: [
        { Name: 'group-id', Values: [GROUP_ID] },
        { Name: 'security-group-rule-id', Values: [ID1, ID2, ID3] },
      ],
    });
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(RevokeSecurityGroupIngressCommand, { GroupId: GROUP_ID, SecurityGroupRuleIds: [ID1] });
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(RevokeSecurityGroupEgressCommand, { GroupId: GROUP_ID, SecurityGroupRuleIds: [ID2] });
    expect(out).toMatchObject({ status: 'revoked', ruleIds: [ID1, ID2], detail: `revoked ${ID1}, ${ID2}; already gone: ${ID3}` });
  });

  it('without ec2:DescribeSecurityGroupRules, revokes only in the direction the rule was judged in', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('UnauthorizedOperation'));
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    const c = change({ eventName: 'ModifySecurityGroupRules', kind: 'modify-rules', rules: [rule({ action: 'modify' })] });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan());
    expect(out).toMatchObject({ status: 'revoked', ruleIds: [ID1] });
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupEgressCommand);
  });

  // ModifySecurityGroupRules does not say a rule's direction; sgwatch judges such a rule as
  // ingress. Giving the default allow-all egress rule (-1 to 0.0.0.0/0) a description thus
  // reads as "all traffic from the world": the egress rule must not be revoked for it.
  it('a modified rule judged as ingress that is really egress is never revoked (Describe says egress)', async () => {
    holds({ ruleId: ID1, protocol: '-1', fromPort: null, toPort: null, direction: 'egress' });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    ec2.on(RevokeSecurityGroupEgressCommand).resolves(revoked(ID1));
    const c = change({
      eventName: 'ModifySecurityGroupRules',
      kind: 'modify-rules',
      rules: [rule({ action: 'modify', protocol: '-1', fromPort: null, toPort: null })],
    });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan());
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupEgressCommand);
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
    expect(out).toMatchObject({ status: 'alert-only', ruleIds: [], permissionsRevoked: 0 });
    expect(out.detail).toBe(`${ID1} is an egress rule but was judged as ingress: not revoked`);
  });

  it('a modified rule judged as ingress that is really egress is never revoked (no Describe permission)', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('UnauthorizedOperation'));
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('InvalidSecurityGroupRuleId.NotFound'));
    ec2.on(RevokeSecurityGroupEgressCommand).resolves(revoked(ID1));
    const c = change({ eventName: 'ModifySecurityGroupRules', kind: 'modify-rules', rules: [rule({ action: 'modify' })] });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan());
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupEgressCommand);
    expect(out).toMatchObject({ status: 'already-gone', ruleIds: [ID1] });
  });

  it('a rule whose direction CloudTrail did not record, not found in the judged direction without Describe: left as is, not reported as gone', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('UnauthorizedOperation'));
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('InvalidSecurityGroupRuleId.NotFound'));
    const c = change({ eventName: 'ModifySecurityGroupRules', kind: 'modify-rules', rules: [rule({ action: 'modify', directionUnknown: true })] });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan());
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupEgressCommand);
    expect(out).toMatchObject({ status: 'alert-only', ruleIds: [] });
    expect(out.detail).toMatch(/is not an ingress rule; CloudTrail does not record its direction/);
  });

  it.each(['InvalidSecurityGroupRuleId.NotFound', 'Client.InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.NotFound', 'InvalidGroup.NotFound'])(
    '%s (the rule went between the read and the revoke) → already-gone',
    async (code) => {
      holds({ ruleId: ID1 });
      ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError(code));
      const out = await createEc2Remediator({ client: client() }).revoke(change(), plan());
      expect(out).toMatchObject({ status: 'already-gone', ruleIds: [ID1], permissionsRevoked: 0 });
    },
  );

  it('an id EC2 no longer holds is already gone, without a revoke call', async () => {
    holds();
    const out = await createEc2Remediator({ client: client() }).revoke(change(), plan());
    expect(out).toMatchObject({ status: 'already-gone', ruleIds: [ID1] });
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });

  it('one gone id among several: the rest are still revoked, one by one', async () => {
    holds({ ruleId: ID1 }, { ruleId: ID2 });
    ec2
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: [ID1, ID2] })
      .rejects(awsError('InvalidSecurityGroupRuleId.NotFound'))
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: [ID1] })
      .rejects(awsError('InvalidSecurityGroupRuleId.NotFound'))
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: [ID2] })
      .resolves(revoked(ID2));
    const c = change({ rules: [rule({ ruleId: ID1 }), rule({ ruleId: ID2 })] });
    const out = await createEc2Remediator({ client: client() }).revoke(c, plan({ ruleIds: [ID1, ID2] }));
    expect(out).toMatchObject({ status: 'revoked', ruleIds: [ID2], detail: `revoked ${ID2}; already gone: ${ID1}` });
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 3);
  });

  it('any other error → failed with a one-line detail, no stack', async () => {
    holds({ ruleId: ID1 });
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.\nEncoded authorization failure message: abc'));
    const out = await createEc2Remediator({ client: client() }).revoke(change(), plan());
    expect(out).toMatchObject({ status: 'failed', ruleIds: [] });
    expect(out.detail).toBe(
      `FAILED: ingress revoke of ${ID1}: UnauthorizedOperation: You are not authorized to perform this operation. Encoded authorization failure message: abc`,
    );
    expect(out.detail).not.toMatch(/\n|    at /);
  });

  it('Return: false is a failure', async () => {
    holds({ ruleId: ID1 });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: false });
    const out = await createEc2Remediator({ client: client() }).revoke(change(), plan());
    expect(out.status).toBe('failed');
  });

});

describe('safety checks before any call', () => {
  it.each([
    ['wrong region', change({ region: 'us-west-2' }), {}, /EC2 client is for eu-west-1, the change is in us-west-2/],
    ['other account', change({ account: '999988887777' }), { accountId: '111122223333' }, /account 999988887777/],
    ['region that is no region name', change({ region: 'evil.example.com#' }), {}, /is not an AWS region name/],
    ['no group id', change({ groupId: null }), {}, /no valid group id/],
    ['failed call', change({ error: { code: 'Client.UnauthorizedOperation', denied: true } }), {}, /the call failed/],
  ])('%s → failed, nothing called', async (_n, c, extra, detail) => {
    const out = await createEc2Remediator({ client: client(), ...extra }).revoke(c, plan());
    expect(out.status).toBe('failed');
    expect(out.detail).toMatch(detail);
    noCalls();
  });

  it('malformed ids and empty plans are refused', async () => {
    const r = createEc2Remediator({ client: client() });
    expect((await r.revoke(change(), plan({ ruleIds: ['sgr-1; rm -rf'] }))).detail).toMatch(/malformed rule id/);
    expect((await r.revoke(change(), plan({ ruleIds: [] }))).detail).toMatch(/names no rule id or permission/);
    noCalls();
  });

  it('uses a client per region when none is given', async () => {
    const regions: string[] = [];
    holds({ ruleId: ID1 });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    const r = createEc2Remediator({ clientForRegion: (region) => (regions.push(region), new EC2Client({ region })) });
    await r.revoke(change({ region: 'ap-southeast-2' }), plan());
    expect(regions).toEqual(['ap-southeast-2']);
    // A region that is no region name never becomes a client (nor an endpoint).
    expect((await r.revoke(change({ region: 'ap-southeast-2.evil.example' }), plan())).status).toBe('failed');
    expect(regions).toEqual(['ap-southeast-2']);
  });
});

describe('revoke by permissions (old records without ids)', () => {
  const perms: Permission[] = [
    { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '198.51.100.7/0' } },
    { direction: 'ingress', protocol: '-1', fromPort: null, toPort: null, source: { kind: 'cidr6', cidr: '::/0' } },
    { direction: 'ingress', protocol: 'tcp', fromPort: 0, toPort: 65535, source: { kind: 'group', groupId: 'sg-0fedcba9876543210', ownerAccount: '444455556666' } },
    { direction: 'egress', protocol: 'udp', fromPort: 53, toPort: 53, source: { kind: 'prefix-list', prefixListId: 'pl-0123abcd' } },
  ];

  /** A remediator whose clock is a minute after the builders' eventTime (2024-05-01T12:00:00Z). */
  const recent = (over: { now?: () => number } = {}) => createEc2Remediator({ client: client(), now: () => Date.parse('2024-05-01T12:01:00Z'), ...over });

  it('an id-less record older than an hour is not revoked by permission: alert-only, no call, and it says why', async () => {
    const out = await recent({ now: () => Date.parse('2024-05-01T13:30:00Z') }).revoke(change(), plan({ ruleIds: [], permissions: [perms[0]] }));
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(out).toMatchObject({ status: 'alert-only', ruleIds: [], permissionsRevoked: 0 });
    expect(out.detail).toMatch(/1 permission\(s\) of a record without rule ids, 90 min after the event: not revoked .*re-created since/);
  });

  it('builds the exact IpPermissions, by direction', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    ec2.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
    const c = change({ rules: [rule({ ruleId: undefined })] });
    const out = await recent().revoke(c, plan({ ruleIds: [], permissions: perms }));
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0].args[0].input).toEqual({
      GroupId: GROUP_ID,
      IpPermissions: [
        // Written 198.51.100.7/0 in the record; EC2 stored (and must be asked to revoke) 0.0.0.0/0.
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: 'sg-0fedcba9876543210', UserId: '444455556666' }] },
      ],
    });
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)[0].args[0].input).toEqual({
      GroupId: GROUP_ID,
      IpPermissions: [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, PrefixListIds: [{ PrefixListId: 'pl-0123abcd' }] }],
    });
    expect(out).toMatchObject({ status: 'revoked', permissionsRevoked: 4 });
  });

  it('one permission revoked, whose rule id EC2 reports, counts as one rule ("Revoked 1 rule", not 2)', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).resolves(revoked(ID1));
    const out = await recent().revoke(change(), plan({ ruleIds: [], permissions: [perms[0]] }));
    expect(out).toMatchObject({ status: 'revoked', ruleIds: [ID1], permissionsRevoked: 0, detail: `revoked 1 permission(s) (${ID1})` });
    expect(describeAction(out, undefined).text).toMatch(/^Revoked 1 rule\b/);
  });

  it('UnknownIpPermissions count as already gone', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, UnknownIpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }] });
    const out = await recent().revoke(change(), plan({ ruleIds: [], permissions: [perms[0]] }));
    expect(out).toMatchObject({ status: 'already-gone', permissionsRevoked: 0, detail: '1 permission(s) already gone' });
  });

  it('InvalidPermission.NotFound → already-gone', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('Client.InvalidPermission.NotFound'));
    const out = await recent().revoke(change(), plan({ ruleIds: [], permissions: [perms[0]] }));
    expect(out.status).toBe('already-gone');
  });

  it('toIpPermission names the CIDR as EC2 stores it (host bits cleared) and refuses an invalid one', () => {
    expect(toIpPermission({ direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '198.51.100.7/0' } })).toEqual({
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    });
    expect(toIpPermission({ direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr6', cidr: '2001:db8::1/32' } })).toMatchObject({
      Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
    });
    expect(toIpPermission({ direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '10.0.0.0/33' } })).toMatch(/invalid IPv4 CIDR/);
  });

  it('toIpPermission refuses what it cannot match exactly; ICMP all types is -1/-1', () => {
    expect(toIpPermission({ direction: 'ingress', protocol: 'tcp', fromPort: null, toPort: null, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } })).toMatch(/without ports/);
    expect(toIpPermission({ direction: 'ingress', protocol: 'icmp', fromPort: null, toPort: null, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } })).toEqual({
      IpProtocol: 'icmp',
      FromPort: -1,
      ToPort: -1,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    });
    expect(toIpPermission({ direction: 'ingress', protocol: 'tcp', fromPort: 1, toPort: 2, source: { kind: 'group', groupName: 'legacy' } })).toEqual({
      IpProtocol: 'tcp',
      FromPort: 1,
      ToPort: 2,
      UserIdGroupPairs: [{ GroupName: 'legacy' }],
    });
  });
});

describe('error codes (the shared awsErrorCode) and details', () => {
  it('strips the Client./Server. prefix', () => {
    expect(awsErrorCode(awsError('Client.InvalidPermission.NotFound'))).toBe('InvalidPermission.NotFound');
    expect(awsErrorCode({ Code: 'Server.InternalError' })).toBe('InternalError');
  });

  it('a prefixed "group not found" is already-gone, not a failure', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('Client.InvalidGroup.NotFound'));
    expect(await createEc2Remediator({ client: client() }).revoke(change(), plan())).toMatchObject({ status: 'already-gone', ruleIds: [ID1] });
  });

  it('errorDetail is one line `Code: message`, capped, and names Error when there is no code', () => {
    expect(errorDetail(awsError('Client.RequestLimitExceeded', 'Request limit\n  exceeded.'))).toBe('RequestLimitExceeded: Request limit exceeded.');
    expect(errorDetail({ message: 'x'.repeat(400) })).toBe(`Error: ${'x'.repeat(300)}…`);
    expect(errorDetail({ Code: 'InternalError' })).toBe('InternalError');
  });
});
