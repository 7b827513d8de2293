/**
 * The name of a group, from EC2: DescribeSecurityGroups by group id, with a
 * small per-container cache (a group's name never changes: it cannot be
 * renamed, and ids are never reused), so a burst of changes to one group
 * costs one call.
 *
 * IAM: ec2:DescribeSecurityGroups (read-only; no resource-level scoping).
 */
import { DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { Change } from '../model';
import type { GroupNameResolver } from './group-names';
import { awsErrorCode, ec2ClientPicker, GROUP_GONE, type Ec2ContextClientOptions } from './ec2-clients';

/** Default bound of the name cache (entries; the least recently used goes first). */
const GROUP_NAME_CACHE_SIZE = 1000;

/** The group's name; undefined when the group does not exist. Throws on any other error (denied, throttled after the SDK's retries, network). */
export async function describeGroupName(client: EC2Client, groupId: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    for (const g of out?.SecurityGroups ?? []) if (g.GroupId === groupId && typeof g.GroupName === 'string') return g.GroupName;
    return undefined;
  } catch (error) {
    if (GROUP_GONE.has(awsErrorCode(error))) return undefined;
    throw error;
  }
}

export interface Ec2GroupNameResolverOptions extends Ec2ContextClientOptions {
  /** Names kept (default 1,000); 0 disables the cache. */
  cacheSize?: number;
  /**
   * Where a name not in the cache comes from; default describeGroupName. The wiring passes the live
   * inventory's group look-up, so that the name and the group's tags cost one DescribeSecurityGroups.
   */
  describe?: (change: Change, groupId: string) => Promise<string | undefined>;
}

/** A resolver over DescribeSecurityGroups in the change's region, caching found names. Throws (for lookUpGroupName to report) when it cannot look. */
export function createEc2GroupNameResolver(opts: Ec2GroupNameResolverOptions = {}): GroupNameResolver {
  const clientFor = ec2ClientPicker(opts);
  const describe = opts.describe ?? (async (change: Change, groupId: string) => describeGroupName(await clientFor(change), groupId));
  const max = Math.max(0, opts.cacheSize ?? GROUP_NAME_CACHE_SIZE);
  const cache = new Map<string, string>();
  return {
    async name(change: Change): Promise<string | undefined> {
      const groupId = change.groupId;
      if (!groupId) throw new Error('the record names no group id');
      const key = `${change.account}/${change.region}/${groupId}`;
      const hit = cache.get(key);
      if (hit !== undefined) {
        cache.delete(key); // most recently used last
        cache.set(key, hit);
        return hit;
      }
      const name = await describe(change, groupId);
      // Only found names are kept: a group not found now may be one EC2 does not show yet (eventual consistency).
      if (name !== undefined && max > 0) {
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(key, name);
      }
      return name;
    },
  };
}
