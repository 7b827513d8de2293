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
import { regionalEc2Clients } from '../context/ec2-clients';
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

export function wireEc2(opts: { accountId?: string; partition?: string; memberRoles?: boolean; assumeRoleArn?: string } = {}): Ec2Wiring {
  const clientForRegion = regionalEc2Clients();
  // Organisation-wide: a change of a member account is looked up and remediated there, through its sgwatch-member role
  // (the CLI: through the --assume-role-arn pattern in every account, the caller's credentials as the base).
  const account = opts.assumeRoleArn
    ? { clientForChange: memberEc2Clients({ roleArnFor: roleArnFromPattern(opts.assumeRoleArn), ownClient: clientForRegion }) }
    : opts.memberRoles && opts.accountId
      ? { clientForChange: memberEc2Clients({ homeAccount: opts.accountId, partition: opts.partition, ownClient: clientForRegion }) }
      : opts.accountId
        ? { accountId: opts.accountId }
        : {};
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
