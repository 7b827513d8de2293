/**
 * The direction of rule ids, from EC2: DescribeSecurityGroupRules filtered
 * by group and rule id (the filter also proves each id belongs to that
 * group). The one implementation of this look-up: the context resolver and
 * the remediator (lib/remediate/ec2.ts) both call `describeRuleDirections`.
 *
 * IAM: ec2:DescribeSecurityGroupRules (read-only; no resource-level scoping).
 */
import { DescribeSecurityGroupRulesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Change, Direction } from '../model';
import { unknownDirectionIds, type RuleDirectionResolver } from './rule-directions';
import { awsErrorCode, ec2ClientPicker, GROUP_GONE, type Ec2ContextClientOptions } from './ec2-clients';

/**
 * Direction of each id found in the group; ids not in the map do not exist
 * there (a group that is gone yields an empty map). Throws on any other
 * error (denied, throttled after the SDK's retries, network).
 */
export async function describeRuleDirections(client: EC2Client, groupId: string, ids: readonly string[]): Promise<Map<string, Direction>> {
  const found = new Map<string, Direction>();
  if (ids.length === 0) return found;
  try {
    let token: string | undefined;
    do {
      const out = await client.send(
        new DescribeSecurityGroupRulesCommand({
          Filters: [
            { Name: 'group-id', Values: [groupId] },
            { Name: 'security-group-rule-id', Values: [...ids] },
          ],
          NextToken: token,
        }),
      );
      for (const r of out?.SecurityGroupRules ?? []) {
        if (r.SecurityGroupRuleId && r.GroupId === groupId) found.set(r.SecurityGroupRuleId, r.IsEgress ? 'egress' : 'ingress');
      }
      token = out?.NextToken;
    } while (token);
  } catch (error) {
    if (GROUP_GONE.has(awsErrorCode(error))) return found;
    throw error;
  }
  return found;
}

export type Ec2RuleDirectionResolverOptions = Ec2ContextClientOptions;

/** A resolver over DescribeSecurityGroupRules in the change's region. Throws (for resolveDirections to report) when it cannot look. */
export function createEc2RuleDirectionResolver(opts: Ec2RuleDirectionResolverOptions = {}): RuleDirectionResolver {
  const clientFor = ec2ClientPicker(opts);
  return {
    async resolve(change: Change): Promise<Map<string, Direction>> {
      const ids = unknownDirectionIds(change);
      if (ids.length === 0) return new Map();
      if (!change.groupId) throw new Error('the record names no group id');
      return describeRuleDirections(await clientFor(change), change.groupId, ids);
    },
  };
}
