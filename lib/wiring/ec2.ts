/**
 * Everything sgwatch asks of or does to EC2, built once over one EC2 client
 * per region: the look-ups of what CloudTrail does not record (rule
 * directions, group names, the live inventory: exposure, tags, prefix lists) and the remediator. `accountId` is the account
 * whose groups the credentials see; a change of another account is neither
 * looked up nor revoked (a revoke sent to the wrong account would come back
 * "not found" and be misreported as already gone). The Lambda and the CLI
 * both build their EC2 side here.
 */
import type { ContextResolvers } from '../process';
import type { Remediator } from '../pipeline/ports';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { regionalEc2Clients, type Ec2ContextClientOptions } from '../context/ec2-clients';
import { createEc2RuleDirectionResolver } from '../context/ec2-rule-directions';
import { createEc2GroupNameResolver } from '../context/ec2-group-names';
import { createEc2Inventory } from '../context/ec2-inventory';
import { createEc2Remediator } from '../remediate/ec2';
import { memberEc2Clients } from '../org/member-clients';
import { roleArnFromPattern } from '../org/role-pattern';

export interface Ec2Wiring {
  /** The EC2 look-ups (read-only); the group-name cache lives as long as this object. */
  context: ContextResolvers;
  remediator: Remediator;
}

export interface Ec2WiringOptions {
  /** The account the credentials see; without member roles, a change of another account is neither looked up nor revoked. */
  accountId?: string;
  partition?: string;
  /** Organisation-wide (the Lambda): a member account's change goes through its sgwatch-member role. */
  memberRoles?: boolean;
  /** The CLI's --assume-role-arn: every account's change goes through this role, `{account}` filled in. */
  assumeRoleArn?: string;
}

/** Which EC2 client answers for a change: one per account through a role, or the credentials' own account only. */
function clientScope(opts: Ec2WiringOptions, clientForRegion: (region: string) => EC2Client): Ec2ContextClientOptions {
  if (opts.assumeRoleArn) return { clientForChange: memberEc2Clients({ roleArnFor: roleArnFromPattern(opts.assumeRoleArn), ownClient: clientForRegion }) };
  if (opts.memberRoles && opts.accountId) return { clientForChange: memberEc2Clients({ homeAccount: opts.accountId, partition: opts.partition, ownClient: clientForRegion }) };
  return opts.accountId ? { accountId: opts.accountId } : {};
}

export function wireEc2(opts: Ec2WiringOptions = {}): Ec2Wiring {
  const clientForRegion = regionalEc2Clients();
  const account = clientScope(opts, clientForRegion);
  // Exposure, tag exceptions, prefix-list entries: answers reused for 60 s (about one invocation).
  const inventory = createEc2Inventory({ clientForRegion, ...account });
  return {
    context: {
      directions: createEc2RuleDirectionResolver({ clientForRegion, ...account }),
      // The name comes from the inventory's group look-up (one DescribeSecurityGroups for both), kept longer: names never change.
      groupNames: createEc2GroupNameResolver({ clientForRegion, ...account, describe: async (change, groupId) => (await inventory.group(change, groupId))?.groupName }),
      inventory,
    },
    remediator: createEc2Remediator({ clientForRegion, ...account }),
  };
}
