/**
 * The member template (npm run package:member): what each member account and
 * region gets, and the least privilege of each of its roles.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memberTemplate, sgwatchEventPattern } from '../../lib/org/member-template';
import { SECURITY_GROUP_EVENTS } from '../../lib/cloudtrail/normalise';

type Json = Record<string, any>;
const t = memberTemplate() as Json;
const r = t.Resources as Record<string, Json>;
const statementsOf = (role: Json): Json[] => role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);

describe('member template', () => {
  it('forwards sgwatch\'s own pattern from the default bus to the central bus, every event name the normaliser reads', () => {
    const rule = r.ForwardRule.Properties;
    expect(rule.EventBusName).toBeUndefined(); // the default bus
    expect(rule.EventPattern).toEqual(sgwatchEventPattern());
    expect(new Set(rule.EventPattern.detail.eventName)).toEqual(new Set(SECURITY_GROUP_EVENTS));
    expect(rule.Targets).toEqual([{ Id: 'sgwatch-central-bus', Arn: { Ref: 'CentralBusArn' }, RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] } }]);
  });

  it('the forwarding role may put events on the central bus ARN only, and only EventBridge of this account may assume it', () => {
    const role = r.ForwardRole.Properties;
    expect(statementsOf(r.ForwardRole)).toEqual([{ Sid: 'PutOnTheCentralBusOnly', Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'CentralBusArn' } }]);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }]);
  });

  it('sgwatch-member: trusts only the central Lambda role (and the central audit role when given) from inside the Organization; read-only look-ups; once per account', () => {
    const role = r.MemberRole;
    expect(role.Condition).toBe('MemberRole');
    expect(t.Conditions.MemberRole).toEqual({ 'Fn::Equals': [{ Ref: 'CreateMemberRole' }, 'true'] });
    expect(role.Properties.RoleName).toBe('sgwatch-member');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Sid: 'CentralSgwatchOnly',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Split': [',', { 'Fn::If': ['CentralAudit', { 'Fn::Join': [',', [{ Ref: 'CentralRoleArn' }, { Ref: 'CentralAuditRoleArn' }]] }, { Ref: 'CentralRoleArn' }] }] } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrgId' } } },
      },
    ]);
    // Without a CentralAuditRoleArn (its default), only the change function's role.
    expect(t.Conditions.CentralAudit).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CentralAuditRoleArn' }, ''] }] });
    const pattern = new RegExp(t.Parameters.CentralAuditRoleArn.AllowedPattern);
    expect(['', 'arn:aws:iam::111122223333:role/sgwatch-prod-AuditRole-1A2B'].every((v) => pattern.test(v))).toBe(true);
    expect(pattern.test('arn:aws:iam::*:role/x')).toBe(false);
    // A central stack per region: each region's roles, separated by commas; nothing else.
    const central = new RegExp(t.Parameters.CentralRoleArn.AllowedPattern);
    expect(central.test('arn:aws:iam::111122223333:role/sgwatch-prod-eu-west-1-lambdaRole,arn:aws:iam::111122223333:role/sgwatch-prod-us-east-1-lambdaRole')).toBe(true);
    for (const bad of ['', 'arn:aws:iam::111122223333:role/a,', 'arn:aws:iam::111122223333:role/a,*', 'arn:aws:iam::111122223333:user/a']) expect(central.test(bad), bad).toBe(false);
    const actions = statementsOf(role).flatMap((s) => s.Action);
    expect(actions.every((a: string) => /^ec2:(Describe|Get)/.test(a))).toBe(true);
    expect(actions).toEqual(expect.arrayContaining(['ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces', 'ec2:GetManagedPrefixListEntries']));
  });

  it('revokes only under enforce: this account\'s groups and rules, in the watched regions, never in a protected group', () => {
    const policy = r.MemberRemediationPolicy;
    expect(policy.Condition).toBe('EnforceRemediation');
    expect(t.Conditions.EnforceRemediation).toEqual({ 'Fn::And': [{ Condition: 'MemberRole' }, { 'Fn::Equals': [{ Ref: 'RemediationMode' }, 'enforce'] }] });
    expect(policy.Properties.Roles).toEqual([{ Ref: 'MemberRole' }]);
    const [allow, deny] = policy.Properties.PolicyDocument.Statement;
    expect(allow.Action).toEqual(['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress']);
    expect(allow.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/*' }, { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group-rule/*' }]);
    expect(allow.Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' }, 'ec2:Region': { Ref: 'WatchedRegions' } } });
    expect(deny).toMatchObject({ Effect: 'Deny', Condition: { StringEquals: { 'aws:ResourceTag/sgwatch:protect': 'true' } } });
    // No other statement anywhere in the template grants a change to a security group.
    const granted = Object.values(r).flatMap((res) => [...(res.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement), ...(res.Properties.PolicyDocument?.Statement ?? [])]);
    const changes = granted.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()).filter((a: string) => /^ec2:(Revoke|Authorize|Modify|Delete|Create)/.test(a));
    expect(changes).toEqual(['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress']);
  });

  it('the canary: an unattached group whose one rule description Scheduler rewrites, with a role for that group only', () => {
    const group = r.CanaryGroup.Properties;
    expect(group.GroupName).toBe('sgwatch-canary');
    expect(group.SecurityGroupIngress).toEqual([{ IpProtocol: 'tcp', FromPort: 9, ToPort: 9, CidrIp: '192.0.2.1/32', Description: 'sgwatch canary (created)' }]);
    const schedule = r.CanarySchedule.Properties;
    expect(schedule.ScheduleExpression).toEqual({ Ref: 'CanarySchedule' });
    expect(schedule.Target.Arn).toBe('arn:aws:scheduler:::aws-sdk:ec2:updateSecurityGroupRuleDescriptionsIngress');
    const input = JSON.parse(schedule.Target.Input['Fn::Sub']);
    expect(input).toEqual({ GroupId: '${CanaryGroup.GroupId}', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 9, ToPort: 9, IpRanges: [{ CidrIp: '192.0.2.1/32', Description: 'sgwatch canary <aws.scheduler.scheduled-time>' }] }] });
    expect(statementsOf(r.CanaryRole)).toEqual([
      { Sid: 'TheCanaryGroupOnly', Effect: 'Allow', Action: 'ec2:UpdateSecurityGroupRuleDescriptionsIngress', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/${CanaryGroup.GroupId}' } },
    ]);
  });

  it('every Ref and GetAtt names a parameter, a resource or a pseudo parameter; every Condition exists', () => {
    const names = new Set([...Object.keys(t.Parameters), ...Object.keys(r)]);
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== 'object') return;
      const o = v as Json;
      if (typeof o.Ref === 'string' && !o.Ref.startsWith('AWS::')) expect(names.has(o.Ref), o.Ref).toBe(true);
      if (Array.isArray(o['Fn::GetAtt'])) expect(r[o['Fn::GetAtt'][0]], o['Fn::GetAtt'][0]).toBeDefined();
      if (typeof o['Fn::Sub'] === 'string') for (const [, name] of o['Fn::Sub'].matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z]+)?\}/g)) expect(names.has(name), name).toBe(true);
      Object.values(o).forEach(walk);
    };
    walk(r);
    walk(t.Outputs);
    for (const res of Object.values(r)) if (res.Condition) expect(t.Conditions[res.Condition]).toBeDefined();
  });

  it('npm run package:member writes it, offline', () => {
    const root = join(__dirname, '..', '..');
    execFileSync('npm', ['run', '--silent', 'package:member'], { cwd: root, env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } });
    expect(JSON.parse(readFileSync(join(root, '.serverless', 'sgwatch-member.template.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(t)));
  });
});
