/**
 * The current state of rule ids, from EC2: DescribeSecurityGroupRules
 * filtered by group and rule id (the filter also proves each id belongs to
 * that group). The one implementation of this look-up: the context resolver
 * asks for directions (`describeRuleDirections`), the remediator
 * (lib/remediate/ec2.ts) for the whole rule before revoking it
 * (`describeRules`), so that it revokes only what was judged.
 *
 * IAM: ec2:DescribeSecurityGroupRules (read-only; no resource-level scoping).
 */
import { DescribeSecurityGroupRulesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { Change, Direction, Permission, RuleSource } from '../model';
import { normaliseProtocol } from '../net/protocol';
import { unknownDirectionIds, type RuleDirectionResolver } from './rule-directions';
import { awsErrorCode, ec2ClientPicker, GROUP_GONE, type Ec2ContextClientOptions } from './ec2-clients';

/** A rule as EC2 holds it now (CIDRs as EC2 stores them: host bits cleared). */
export type CurrentRule = Permission;

function sourceOf(r: SecurityGroupRule): RuleSource | undefined {
  if (r.CidrIpv4) return { kind: 'cidr4', cidr: r.CidrIpv4 };
  if (r.CidrIpv6) return { kind: 'cidr6', cidr: r.CidrIpv6 };
  if (r.PrefixListId) return { kind: 'prefix-list', prefixListId: r.PrefixListId };
  const g = r.ReferencedGroupInfo;
  if (g?.GroupId) return { kind: 'group', groupId: g.GroupId, ...(g.UserId ? { ownerAccount: g.UserId } : {}) };
  return undefined;
}

function currentRule(r: SecurityGroupRule): CurrentRule | undefined {
  const source = sourceOf(r);
  if (!source || r.IpProtocol === undefined) return undefined;
  return {
    direction: r.IsEgress ? 'egress' : 'ingress',
    protocol: normaliseProtocol(r.IpProtocol),
    fromPort: r.FromPort ?? null,
    toPort: r.ToPort ?? null,
    source,
  };
}

/**
 * The rules of `ids` that EC2 finds in the group (a group that is gone
 * yields none). Throws on any other error (denied, throttled after the
 * SDK's retries, network).
 */
async function describeInGroup(client: EC2Client, groupId: string, ids: readonly string[]): Promise<SecurityGroupRule[]> {
  const rules: SecurityGroupRule[] = [];
  if (ids.length === 0) return rules;
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
      for (const r of out?.SecurityGroupRules ?? []) if (r.SecurityGroupRuleId && r.GroupId === groupId) rules.push(r);
      token = out?.NextToken;
    } while (token);
  } catch (error) {
    if (GROUP_GONE.has(awsErrorCode(error))) return [];
    throw error;
  }
  return rules;
}

/**
 * Each id found in the group, as EC2 holds it now; ids not in the map do
 * not exist there. A rule EC2 describes without a protocol or a source is in
 * the map as undefined (found, state unknown). Throws as describeInGroup.
 */
export async function describeRules(client: EC2Client, groupId: string, ids: readonly string[]): Promise<Map<string, CurrentRule | undefined>> {
  return new Map((await describeInGroup(client, groupId, ids)).map((r) => [r.SecurityGroupRuleId!, currentRule(r)]));
}

/** Direction of each id found in the group; ids not in the map do not exist there. Throws as describeInGroup. */
export async function describeRuleDirections(client: EC2Client, groupId: string, ids: readonly string[]): Promise<Map<string, Direction>> {
  return new Map((await describeInGroup(client, groupId, ids)).map((r) => [r.SecurityGroupRuleId!, r.IsEgress ? 'egress' : 'ingress']));
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
