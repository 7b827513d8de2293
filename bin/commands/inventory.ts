/**
 * `sgwatch inventory collect --region R [--profile P] > snapshot.json`: the
 * account's security groups, rules, network interfaces and prefix lists
 * (entries included), read-only with the caller's credentials, as sgwatch's
 * snapshot (lib/context/ec2-inventory.ts), for `replay --inventory` and
 * `audit --inventory` offline. Progress goes to stderr, the snapshot to
 * stdout (or --output FILE, written whole or not at all).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { UserError } from './errors';
import { applyAwsFlags, type AwsFlags } from './aws-flags';
import { errorText } from '../../lib/errors/error-text';

export interface CollectFlags extends AwsFlags {
  output?: string;
  progress?: boolean;
}

/** The region: --region, else AWS_REGION / AWS_DEFAULT_REGION, else the profile's (as the SDK resolves it). */
async function regionOf(flags: AwsFlags, command: string): Promise<string> {
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  try {
    const region = await new EC2Client({}).config.region();
    if (region) return region;
  } catch {
    // no region configured anywhere
  }
  throw new UserError(`${command}: no region: give --region (or set AWS_REGION, or a region in profile ${flags.profile ?? process.env.AWS_PROFILE ?? 'default'})`);
}

/**
 * Everything of the caller's account in one region, read-only with the
 * caller's credentials (inventory collect, audit --region). AWS failures are
 * user errors with exit 3 that say which permissions the role needs.
 */
/**
 * Every account's inventory through the role of the pattern (`audit --assume-role-arn … --account A…`):
 * your credentials are the base, the role is assumed in each account. One account that fails is an
 * error about that account, and the others are still collected.
 */
export async function collectLiveAccounts(flags: AwsFlags, command: string, pattern: string, accounts: string[]) {
  applyAwsFlags(flags);
  const region = await regionOf(flags, command);
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const { memberEc2Clients } = await import('../../lib/org/member-clients');
  const { roleArnFromPattern } = await import('../../lib/org/role-pattern');
  const { collectInventorySnapshot } = await import('../../lib/context/ec2-inventory');
  const clientFor = memberEc2Clients({ roleArnFor: roleArnFromPattern(pattern), ownClient: (r) => new EC2Client({ region: r, maxAttempts: 5 }) });
  const snapshots: Awaited<ReturnType<typeof collectInventorySnapshot>>[] = [];
  const failures: string[] = [];
  for (const account of accounts) {
    try {
      snapshots.push(await collectInventorySnapshot(clientFor({ account, region, eventId: 'audit' }), { account, region }));
    } catch (err) {
      failures.push(`${command} ${account}/${region}: ${errorText(err)}`);
    }
  }
  return { snapshots, failures };
}

export async function collectLive(flags: AwsFlags, command: string, onProgress?: (part: string, n: number) => void) {
  applyAwsFlags(flags);
  const region = await regionOf(flags, command);
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const { callerAccount } = await import('../../lib/wiring/caller-account');
  const { collectInventorySnapshot } = await import('../../lib/context/ec2-inventory');
  let account: string;
  try {
    account = await callerAccount();
  } catch (err) {
    throw new UserError(`${command}: cannot learn the account of your AWS credentials (STS GetCallerIdentity): ${errorText(err)}`, 3);
  }
  try {
    return await collectInventorySnapshot(new EC2Client({ region, maxAttempts: 5 }), { account, region }, onProgress ? { onProgress } : {});
  } catch (err) {
    throw new UserError(`${command} ${account}/${region}: ${errorText(err)} (the role needs ec2:DescribeSecurityGroups, DescribeSecurityGroupRules, DescribeNetworkInterfaces, DescribeManagedPrefixLists, GetManagedPrefixListEntries)`, 3);
  }
}

export async function inventoryCollectCommand(flags: CollectFlags): Promise<number> {
  const progress = flags.progress !== false;
  const started = Date.now();
  const snapshot = await collectLive(flags, 'inventory collect', (part, n) => progress && process.stderr.write(`sgwatch: ${part}: ${n.toLocaleString('en-US')}\n`));
  const { account, region } = snapshot;
  const text = `${JSON.stringify(snapshot, null, 1)}\n`;
  if (flags.output) {
    const tmp = `${flags.output}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, flags.output);
  } else {
    process.stdout.write(text);
  }
  if (progress) process.stderr.write(`sgwatch: collected ${account}/${region} in ${((Date.now() - started) / 1000).toFixed(1)} s${flags.output ? ` into ${flags.output}` : ''}\n`);
  return 0;
}
