/**
 * The member template (`npm run package:member`): the CloudFormation stack an
 * AWS Organization deploys to its accounts with service-managed StackSets, so
 * that one central sgwatch watches them all (issue "organisation-wide").
 *
 * In every region of every member account:
 * - **Forwarding**: a rule on the default bus with sgwatch's own event pattern
 *   (lib/pipeline/event-names.json, the same list as the central rule), whose
 *   target is the central `sgwatch-org` bus. Its role may `events:PutEvents` on
 *   that one bus ARN and nothing else, and only EventBridge of this account may
 *   assume it.
 * - **Canary**: an unattached `sgwatch-canary` group with one harmless rule
 *   (tcp/9, discard, from a TEST-NET-1 address), whose description EventBridge
 *   Scheduler rewrites on a schedule through the SDK's own API (universal
 *   target: no code in the member account). The change travels the same path
 *   as every other one, so the central side can tell that this account and
 *   region still deliver. Its role may update that one group's descriptions.
 *
 * Once per account (`CreateMemberRole=true` in one region only: IAM is global,
 * and StackSets create every resource in every region):
 * - **The member role `sgwatch-member`**, which the central Lambda assumes for
 *   look-ups and remediation. It trusts only the central Lambda's role (and
 *   the central audit's role, `CentralAuditRoleArn`, for the Organization-wide
 *   audit), and only from inside the Organization (`aws:PrincipalOrgID`). Read-only
 *   look-ups always; the revoke permissions only when `RemediationMode` is
 *   `enforce`, scoped to this account's groups and rules in `WatchedRegions`
 *   (`ec2:Region`), with the same Deny on `sgwatch:protect=true` groups
 *   as the central stack.
 *
 * Pure: returns the template object; scripts/package-member.mts writes it.
 */
import eventNames from '../pipeline/event-names.json';
import inventoryActions from '../context/inventory-actions.json';
import { CANARY_DESCRIPTION_PREFIX, CANARY_GROUP_NAME, MEMBER_ROLE_NAME } from './names';


/** sgwatch's event pattern: the security-group calls CloudTrail records (failed calls included). */
export function sgwatchEventPattern() {
  return {
    source: ['aws.ec2'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { eventSource: ['ec2.amazonaws.com'], eventName: [...eventNames.eventNames] },
  };
}

const sub = (s: string) => ({ 'Fn::Sub': s });
/** An IAM role ARN (no comma in the name: the parameters list several, separated by commas). */
const ROLE_ARN = 'arn:aws[a-z-]*:iam::\\d{12}:role/[A-Za-z0-9+=.@/_-]+';
const ref = (name: string) => ({ Ref: name });

export function memberTemplate(): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'sgwatch member: forwards security-group changes to the central sgwatch bus, the sgwatch-member role, and a delivery canary',
    Parameters: {
      CentralBusArn: {
        Type: 'String',
        Description: 'ARN of the central sgwatch-org event bus (stack output OrgBusArn of the central stack)',
        AllowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[A-Za-z0-9._-]+$',
      },
      CentralRoleArn: {
        Type: 'String',
        Description:
          "ARN of the central sgwatch Lambda's role (stack output CentralRoleArn), the principal allowed to assume sgwatch-member; with a central stack per region, every region's, separated by commas",
        AllowedPattern: `^${ROLE_ARN}(,${ROLE_ARN})*$`,
      },
      CentralAuditRoleArn: {
        Type: 'String',
        Default: '',
        Description:
          "ARN of the central sgwatch audit's role (stack output CentralAuditRoleArn; several separated by commas), which may also assume sgwatch-member, always with a read-only session policy; empty: no Organization-wide audit",
        AllowedPattern: `^$|^${ROLE_ARN}(,${ROLE_ARN})*$`,
      },
      OrgId: { Type: 'String', Description: 'The AWS Organization id (o-...)', AllowedPattern: '^o-[a-z0-9]{10,32}$' },
      RemediationMode: { Type: 'String', AllowedValues: ['off', 'dry-run', 'enforce'], Default: 'off', Description: 'enforce grants sgwatch-member the revoke permissions in this account' },
      WatchedRegions: { Type: 'CommaDelimitedList', Description: 'Regions where sgwatch-member may revoke (enforce only), e.g. eu-west-1,us-east-1' },
      CreateMemberRole: { Type: 'String', AllowedValues: ['true', 'false'], Default: 'false', Description: 'true in one region per account (IAM roles are global)' },
      CanarySchedule: { Type: 'String', Default: 'rate(1 hour)', Description: 'How often the canary changes its rule description (the central side alerts after 2 periods without one)' },
      CanaryVpcId: { Type: 'String', Default: '', Description: 'VPC of the canary group (empty: the default VPC)' },
    },
    Conditions: {
      MemberRole: { 'Fn::Equals': [ref('CreateMemberRole'), 'true'] },
      EnforceRemediation: { 'Fn::And': [{ Condition: 'MemberRole' }, { 'Fn::Equals': [ref('RemediationMode'), 'enforce'] }] },
      DefaultVpc: { 'Fn::Equals': [ref('CanaryVpcId'), ''] },
      CentralAudit: { 'Fn::Not': [{ 'Fn::Equals': [ref('CentralAuditRoleArn'), ''] }] },
    },
    Resources: {
      ForwardRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'sgwatch: EventBridge puts security-group changes on the central bus, and nowhere else',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } } }],
          },
          Policies: [
            {
              PolicyName: 'sgwatch-forward',
              PolicyDocument: { Version: '2012-10-17', Statement: [{ Sid: 'PutOnTheCentralBusOnly', Effect: 'Allow', Action: 'events:PutEvents', Resource: ref('CentralBusArn') }] },
            },
          ],
        },
      },
      ForwardRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Description: 'sgwatch: security-group API calls recorded by CloudTrail, forwarded to the central sgwatch bus',
          State: 'ENABLED',
          EventPattern: sgwatchEventPattern(),
          Targets: [{ Id: 'sgwatch-central-bus', Arn: ref('CentralBusArn'), RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] } }],
        },
      },
      MemberRole: {
        Type: 'AWS::IAM::Role',
        Condition: 'MemberRole',
        Properties: {
          RoleName: MEMBER_ROLE_NAME,
          Description: 'sgwatch: look-ups (and, under enforce, revokes of offending rules) by the central sgwatch only',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'CentralSgwatchOnly',
                Effect: 'Allow',
                // The central change function; and the central audit when given (its sessions carry a read-only session policy).
                Principal: {
                  AWS: { 'Fn::Split': [',', { 'Fn::If': ['CentralAudit', { 'Fn::Join': [',', [ref('CentralRoleArn'), ref('CentralAuditRoleArn')]] }, ref('CentralRoleArn')] }] },
                },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:PrincipalOrgID': ref('OrgId') } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'sgwatch-read-inventory',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'ReadInventory',
                    Effect: 'Allow',
                    Action: [...inventoryActions.actions],
                    Resource: '*',
                  },
                ],
              },
            },
          ],
        },
      },
      MemberRemediationPolicy: {
        Type: 'AWS::IAM::Policy',
        Condition: 'EnforceRemediation',
        Properties: {
          PolicyName: 'sgwatch-member-remediation',
          Roles: [ref('MemberRole')],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'RevokeOffendingRules',
                Effect: 'Allow',
                Action: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
                Resource: [sub('arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/*'), sub('arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group-rule/*')],
                Condition: { StringEquals: { 'aws:ResourceAccount': ref('AWS::AccountId'), 'ec2:Region': ref('WatchedRegions') } },
              },
              {
                Sid: 'NeverRevokeInProtectedGroups',
                Effect: 'Deny',
                Action: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
                Resource: sub('arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/*'),
                Condition: { StringEquals: { 'aws:ResourceTag/sgwatch:protect': 'true' } },
              },
            ],
          },
        },
      },
      CanaryGroup: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupName: CANARY_GROUP_NAME,
          GroupDescription: 'sgwatch delivery canary: attached to nothing; its rule description changes on a schedule',
          VpcId: { 'Fn::If': ['DefaultVpc', ref('AWS::NoValue'), ref('CanaryVpcId')] },
          SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 9, ToPort: 9, CidrIp: '192.0.2.1/32', Description: `${CANARY_DESCRIPTION_PREFIX} (created)` }],
          Tags: [{ Key: 'sgwatch:canary', Value: 'true' }],
        },
      },
      CanaryRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: "sgwatch: EventBridge Scheduler rewrites the canary rule's description, and nothing else",
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } } }],
          },
          Policies: [
            {
              PolicyName: 'sgwatch-canary',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'TheCanaryGroupOnly',
                    Effect: 'Allow',
                    Action: 'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
                    Resource: sub('arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/${CanaryGroup.GroupId}'),
                  },
                ],
              },
            },
          ],
        },
      },
      CanarySchedule: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Description: 'sgwatch delivery canary',
          ScheduleExpression: ref('CanarySchedule'),
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            // Universal target: the SDK call itself, no function in the member account.
            Arn: 'arn:aws:scheduler:::aws-sdk:ec2:updateSecurityGroupRuleDescriptionsIngress',
            RoleArn: { 'Fn::GetAtt': ['CanaryRole', 'Arn'] },
            Input: sub(
              JSON.stringify({
                GroupId: '${CanaryGroup.GroupId}',
                IpPermissions: [{ IpProtocol: 'tcp', FromPort: 9, ToPort: 9, IpRanges: [{ CidrIp: '192.0.2.1/32', Description: `${CANARY_DESCRIPTION_PREFIX} <aws.scheduler.scheduled-time>` }] }],
              }),
            ),
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          },
        },
      },
    },
    Outputs: {
      MemberRoleArn: { Condition: 'MemberRole', Value: { 'Fn::GetAtt': ['MemberRole', 'Arn'] } },
      CanaryGroupId: { Value: { 'Fn::GetAtt': ['CanaryGroup', 'GroupId'] } },
    },
  };
}
