/**
 * The direction of rule ids, from EC2: DescribeSecurityGroupRules filtered
 * by group and rule id (the filter also proves each id belongs to that
 * group). The one implementation of this look-up: the context resolver and
 * the remediator (lib/remediate/ec2.ts) both call `describeRuleDirections`.
 *
 * IAM: ec2:DescribeSecurityGroupRules (read-only; no resource-level scoping).
 */
import { DescribeSecurityGroupRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Change, Direction } from '../model';
import { unknownDirectionIds, type RuleDirectionResolver } from './rule-directions';

const GROUP_GONE = new Set(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound']);
/** A region name (us-east-1, us-gov-west-1, cn-north-1, eu-isoe-west-1): anything else never reaches an endpoint. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

function code(error: unknown): string {
  const e = (error ?? {}) as { Code?: string; code?: string; name?: string };
  return String(e.Code ?? e.code ?? e.name ?? '').replace(/^(?:Client|Server)\./, '');
}

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
    if (GROUP_GONE.has(code(error))) return found;
    throw error;
  }
  return found;
}

export interface Ec2RuleDirectionResolverOptions {
  /** One client for every change (tests, or a single region). A change in another region is not looked up. */
  client?: EC2Client;
  /** A client per region; default: a cached `new EC2Client({ region, maxAttempts: 5 })`. */
  clientForRegion?: (region: string) => EC2Client;
  /** The account whose rules the credentials can see; a change in another account is not looked up. */
  accountId?: string;
}

/** A resolver over DescribeSecurityGroupRules in the change's region. Throws (for resolveDirections to report) when it cannot look. */
export function createEc2RuleDirectionResolver(opts: Ec2RuleDirectionResolverOptions = {}): RuleDirectionResolver {
  const cache = new Map<string, EC2Client>();
  const clientFor =
    opts.clientForRegion ??
    ((region: string) => {
      let c = cache.get(region);
      if (!c) cache.set(region, (c = new EC2Client({ region, maxAttempts: 5 })));
      return c;
    });
  return {
    async resolve(change: Change): Promise<Map<string, Direction>> {
      const ids = unknownDirectionIds(change);
      if (ids.length === 0) return new Map();
      if (!change.groupId) throw new Error('the record names no group id');
      if (opts.accountId && change.account !== opts.accountId) {
        throw new Error(`the change is in account ${change.account}; these credentials see account ${opts.accountId}`);
      }
      if (!REGION.test(change.region)) throw new Error(`the change's region ${JSON.stringify(change.region)} is not an AWS region name`);
      let client: EC2Client;
      if (opts.client) {
        const configured = await opts.client.config.region();
        if (configured !== change.region) throw new Error(`the EC2 client is for ${configured}, the change is in ${change.region}`);
        client = opts.client;
      } else {
        client = clientFor(change.region);
      }
      return describeRuleDirections(client, change.groupId, ids);
    },
  };
}
