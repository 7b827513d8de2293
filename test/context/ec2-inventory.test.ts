/**
 * The live Inventory over EC2 (aws-sdk-client-mock standing in for EC2,
 * answering from the recorded snapshot in pages of two, as EC2 pages):
 * - it answers exactly what the file inventory answers from the same data;
 * - pagination is followed, throttling is waited out, a denied call throws
 *   (the context step then says "unknown"), a group or list that is gone is "absent";
 * - answers are cached for the TTL and failures are not;
 * - the pipeline judges with it as with the file (exposure, prefix lists, tag exceptions);
 * - `collectInventorySnapshot` lists everything and round-trips through the file reader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeManagedPrefixListsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  GetManagedPrefixListAssociationsCommand,
  GetManagedPrefixListEntriesCommand,
} from '@aws-sdk/client-ec2';
import { collectInventorySnapshot, createEc2Inventory } from '../../lib/context/ec2-inventory';
import { withBackoff } from '../../lib/context/ec2-throttle';
import { addInventoryJson, emptyInventoryData, inventoryFromData, loadInventoryFiles } from '../../lib/context/inventory-file';
import { processRecordWithContext } from '../../lib/process';
import { defaultPolicy } from '../../lib/policy';
import { ROOT } from '../cli/run-cli';

const SNAPSHOT_FILE = join(__dirname, '..', 'fixtures', 'inventory', 'context-snapshot.json');
const SNAP = JSON.parse(readFileSync(SNAPSHOT_FILE, 'utf8'));
const SCOPE = { account: '111122223333', region: 'eu-west-1' };
const file = loadInventoryFiles([SNAPSHOT_FILE]);

const ec2 = mockClient(EC2Client);
const client = new EC2Client({ region: 'eu-west-1' });
const noWait = { sleep: async () => {}, random: () => 0 };

function awsError(name: string, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, Code: name, $fault: 'client', $metadata: {} });
}

/** Pages of `per` items, the token being the next index. */
function page<T>(items: T[], token: string | undefined, per = 2): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const next = start + per < items.length ? String(start + per) : undefined;
  return { items: items.slice(start, start + per), ...(next ? { next } : {}) };
}
const filterValues = (input: { Filters?: Array<{ Name?: string; Values?: string[] }> }, name: string) => input.Filters?.find((f) => f.Name === name)?.Values;

/** EC2 as the snapshot says it, paging by two. */
function fakeEc2(): void {
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input) => {
    if (input.GroupIds) {
      const found = SNAP.securityGroups.filter((g: any) => input.GroupIds.includes(g.GroupId));
      if (found.length === 0) throw awsError('InvalidGroup.NotFound');
      return { SecurityGroups: found };
    }
    const p = page(SNAP.securityGroups, input.NextToken);
    return { SecurityGroups: p.items, NextToken: p.next };
  });
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake((input) => {
    if (input.SecurityGroupRuleIds) {
      const found = SNAP.securityGroupRules.filter((r: any) => input.SecurityGroupRuleIds.includes(r.SecurityGroupRuleId));
      if (found.length === 0) throw awsError('InvalidSecurityGroupRuleId.NotFound');
      return { SecurityGroupRules: found };
    }
    const groups = filterValues(input, 'group-id');
    const p = page(SNAP.securityGroupRules.filter((r: any) => !groups || groups.includes(r.GroupId)), input.NextToken);
    return { SecurityGroupRules: p.items, NextToken: p.next };
  });
  ec2.on(DescribeNetworkInterfacesCommand).callsFake((input) => {
    const groups = filterValues(input, 'group-id');
    const p = page(SNAP.networkInterfaces.filter((n: any) => !groups || (n.Groups ?? []).some((g: any) => groups.includes(g.GroupId))), input.NextToken);
    return { NetworkInterfaces: p.items, NextToken: p.next };
  });
  ec2.on(DescribeManagedPrefixListsCommand).callsFake((input) => {
    const heads = SNAP.prefixLists.map(({ Entries: _e, ...h }: any) => h);
    if (input.PrefixListIds) {
      const found = heads.filter((h: any) => input.PrefixListIds.includes(h.PrefixListId));
      if (found.length === 0) throw awsError('InvalidPrefixListID.NotFound');
      return { PrefixLists: found };
    }
    const p = page(heads, input.NextToken);
    return { PrefixLists: p.items, NextToken: p.next };
  });
  ec2.on(GetManagedPrefixListEntriesCommand).callsFake((input) => {
    const list = SNAP.prefixLists.find((l: any) => l.PrefixListId === input.PrefixListId);
    const p = page(list?.Entries ?? [], input.NextToken);
    return { Entries: p.items, NextToken: p.next };
  });
  ec2.on(GetManagedPrefixListAssociationsCommand).callsFake((input) => {
    const groups = [...new Set(SNAP.securityGroupRules.filter((r: any) => r.PrefixListId === input.PrefixListId).map((r: any) => r.GroupId))];
    const p = page(groups.map((g) => ({ ResourceId: g, ResourceOwner: SCOPE.account })), input.NextToken, 1);
    return { PrefixListAssociations: p.items, NextToken: p.next };
  });
}

beforeEach(() => {
  ec2.reset();
  fakeEc2();
});

describe('the live inventory answers what the file inventory answers', () => {
  it('every group, rule, interface listing and prefix list of the snapshot', async () => {
    const live = createEc2Inventory({ client, backoff: noWait });
    for (const g of SNAP.securityGroups) {
      expect(await live.group(SCOPE, g.GroupId)).toEqual(await file.group(SCOPE, g.GroupId));
      expect(await live.interfacesUsing(SCOPE, g.GroupId)).toEqual(await file.interfacesUsing(SCOPE, g.GroupId));
    }
    for (const r of SNAP.securityGroupRules) expect(await live.rule(SCOPE, r.SecurityGroupRuleId)).toEqual(await file.rule(SCOPE, r.SecurityGroupRuleId));
    for (const l of SNAP.prefixLists) {
      expect(await live.prefixList(SCOPE, l.PrefixListId)).toEqual(await file.prefixList(SCOPE, l.PrefixListId));
      expect(await live.rulesReferencing(SCOPE, l.PrefixListId)).toEqual(await file.rulesReferencing(SCOPE, l.PrefixListId));
    }
    expect(await live.knowsInterfaces(SCOPE)).toBe(true);
  });

  it('follows every page: web-prod’s two interfaces come on one page, the partner list’s 3 entries on two', async () => {
    const live = createEc2Inventory({ client, backoff: noWait });
    expect((await live.prefixList(SCOPE, 'pl-0c00000000000c001'))?.entries).toHaveLength(3);
    expect(ec2).toHaveReceivedCommandTimes(GetManagedPrefixListEntriesCommand, 2);
    expect((await live.rulesReferencing(SCOPE, 'pl-0c00000000000c001')).map((r) => r.groupId).sort()).toEqual(['sg-0c000000000000a01', 'sg-0c000000000000a03']);
    expect(ec2).toHaveReceivedCommandTimes(GetManagedPrefixListAssociationsCommand, 2);
  });

  it('what is gone is absent, not an error', async () => {
    const live = createEc2Inventory({ client, backoff: noWait });
    expect(await live.group(SCOPE, 'sg-0c0000000000dead1')).toBeUndefined();
    expect(await live.rule(SCOPE, 'sgr-0c0000000000dead1')).toBeUndefined();
    expect(await live.prefixList(SCOPE, 'pl-0c0000000000dead1')).toBeUndefined();
    expect(await live.interfacesUsing(SCOPE, 'sg-0c0000000000dead1')).toEqual([]);
  });

  it('refuses another account or region than its credentials or client', async () => {
    const live = createEc2Inventory({ client, accountId: SCOPE.account, backoff: noWait });
    await expect(live.group({ ...SCOPE, account: '444455556666' }, 'sg-0c000000000000a01')).rejects.toThrow(/account 444455556666; these credentials see account 111122223333/);
    await expect(live.group({ ...SCOPE, region: 'us-east-1' }, 'sg-0c000000000000a01')).rejects.toThrow(/client is for eu-west-1, the change is in us-east-1/);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 0);
  });
});

describe('throttling, denial and the cache', () => {
  it('a throttled call is tried again after a growing wait, and answers', async () => {
    ec2.on(DescribeNetworkInterfacesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.'))
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.'))
      .callsFake(() => ({ NetworkInterfaces: SNAP.networkInterfaces.slice(0, 2) }));
    const waits: number[] = [];
    const live = createEc2Inventory({ client, backoff: { sleep: async (ms) => void waits.push(ms), random: () => 1, baseDelayMs: 100 } });
    expect((await live.interfacesUsing(SCOPE, 'sg-0c000000000000a01')).map((n) => n.interfaceId)).toEqual(['eni-0c000000000000d01', 'eni-0c000000000000d02']);
    expect(waits).toEqual([100, 200]);
  });

  it('throttled past the attempts: the error is thrown (the context step says unknown); denied: thrown at once', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError('RequestLimitExceeded'));
    const live = createEc2Inventory({ client, backoff: { ...noWait, attempts: 3 } });
    await expect(live.interfacesUsing(SCOPE, 'sg-0c000000000000a01')).rejects.toThrow(/RequestLimitExceeded/);
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 3);
    let calls = 0;
    await expect(withBackoff(async () => (calls++, Promise.reject(awsError('UnauthorizedOperation'))), noWait)).rejects.toThrow(/UnauthorizedOperation/);
    expect(calls).toBe(1);
  });

  it('answers are reused within the TTL, asked again after it; a failure is not remembered', async () => {
    let t = 0;
    const live = createEc2Inventory({ client, backoff: noWait, cacheTtlMs: 1000, now: () => t });
    await live.group(SCOPE, 'sg-0c000000000000a01');
    await live.group(SCOPE, 'sg-0c000000000000a01');
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 1);
    t = 1500;
    await live.group(SCOPE, 'sg-0c000000000000a01');
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 2);
    ec2.reset();
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(live.group(SCOPE, 'sg-0c000000000000a02')).rejects.toThrow(/UnauthorizedOperation/);
    ec2.reset();
    fakeEc2();
    expect((await live.group(SCOPE, 'sg-0c000000000000a02'))?.groupName).toBe('alb-public');
  });
});

describe('the pipeline with the live inventory', () => {
  const template = JSON.parse(readFileSync(join(ROOT, 'events', 'authorize', 'ssh-open-to-world.json'), 'utf8'));
  const record = (groupId: string, extra: Record<string, unknown> = { cidrIpv4: '0.0.0.0/0' }) => {
    const r = structuredClone(template);
    r.awsRegion = 'eu-west-1';
    r.requestParameters = { groupId, ipPermissions: { items: [] } };
    r.responseElements.securityGroupRuleSet.items = [{ groupOwnerId: SCOPE.account, groupId, securityGroupRuleId: 'sgr-0c0000000000f0001', isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, ...extra }];
    return r;
  };
  const judge = (r: unknown) => processRecordWithContext('t#0', r, { policy: defaultPolicy(), mode: 'dry-run', context: { inventory: createEc2Inventory({ client, backoff: noWait }) } });

  it('exposure, tag exception and prefix-list entries, as from the file', async () => {
    const idle = await judge(record('sg-0c000000000000a04'));
    expect(idle.context?.exposure).toMatchObject({ state: 'unattached', source: 'ec2:describe' });
    expect(idle.verdict.findings[0]).toMatchObject({ severity: 'high', baseSeverity: 'critical' });
    expect((await judge(record('sg-0c000000000000a07'))).verdict.outcome).toBe('compliant');
    const viaList = await judge(record('sg-0c000000000000a01', { prefixListId: 'pl-0c00000000000c001' }));
    expect(viaList.verdict.findings.find((f) => f.rule === 'public-admin-port')?.viaPrefixList).toEqual({ prefixListId: 'pl-0c00000000000c001', entry: '0.0.0.0/0' });
  });

  it('enrichment denied: the verdict from the event alone, exposure unknown naming the denied call', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform: ec2:DescribeNetworkInterfaces'));
    const r = await judge(record('sg-0c000000000000a04'));
    expect(r.context?.exposure).toMatchObject({ state: 'unknown', reason: expect.stringContaining('ec2:DescribeNetworkInterfaces') });
    expect(r.verdict.findings[0]).toMatchObject({ rule: 'public-admin-port', severity: 'critical' });
  });
});

describe('collectInventorySnapshot', () => {
  it('lists everything across pages, prefix-list entries included, and reads back as the same inventory', async () => {
    const parts: string[] = [];
    const snap = await collectInventorySnapshot(client, SCOPE, { backoff: noWait, now: () => new Date('2026-12-07T00:00:00Z'), onProgress: (p, n) => parts.push(`${p}: ${n}`) });
    expect(snap).toMatchObject({ kind: 'sgwatch-inventory', version: 1, collectedAt: '2026-12-07T00:00:00.000Z', ...SCOPE });
    expect(snap.securityGroups).toHaveLength(SNAP.securityGroups.length);
    expect(snap.securityGroupRules).toHaveLength(SNAP.securityGroupRules.length);
    expect(snap.networkInterfaces).toHaveLength(SNAP.networkInterfaces.length);
    expect(snap.prefixLists.map((l) => [l.PrefixListId, l.Entries.length])).toEqual(SNAP.prefixLists.map((l: any) => [l.PrefixListId, l.Entries.length]));
    expect(parts).toContain(`security groups: ${SNAP.securityGroups.length}`);
    const data = emptyInventoryData();
    addInventoryJson('collected.json', JSON.parse(JSON.stringify(snap)), data);
    const back = inventoryFromData(data, 'inventory:collected.json');
    for (const g of SNAP.securityGroups) expect(await back.interfacesUsing(SCOPE, g.GroupId)).toEqual(await file.interfacesUsing(SCOPE, g.GroupId));
    expect(await back.prefixList(SCOPE, 'pl-4fa04526')).toEqual(await file.prefixList(SCOPE, 'pl-4fa04526'));
  });
});
