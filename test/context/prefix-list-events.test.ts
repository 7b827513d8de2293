/**
 * Prefix-list events (issue 6): CreateManagedPrefixList, ModifyManagedPrefixList
 * and RestoreManagedPrefixListVersion are normalised, and an entry added to a
 * list is judged on every rule that uses the list, found through the
 * inventory, each with its own group's context. Alert only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalise } from '../../lib/cloudtrail/normalise';
import { addInventoryJson, emptyInventoryData, inventoryFromData, loadInventoryFiles } from '../../lib/context/inventory-file';
import { processRecord, processRecordWithContext } from '../../lib/process';
import { defaultPolicy } from '../../lib/policy';
import type { Change, ChangeResult } from '../../lib/model';
import eventNames from '../../lib/pipeline/event-names.json';
import { ROOT, jsonLines, runCli } from '../cli/run-cli';

const SNAPSHOT = join(__dirname, '..', 'fixtures', 'inventory', 'context-snapshot.json');
const SAMPLE = join(ROOT, 'events', 'prefix-list', 'world-added-to-partner-list.json');
const MODIFY = JSON.parse(readFileSync(SAMPLE, 'utf8'));
const PARTNERS = 'pl-0c00000000000c001';
const OFFICE = 'pl-0c00000000000c002';
const inventory = loadInventoryFiles([SNAPSHOT]);
const policy = defaultPolicy();

function record(eventName: string, request: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(MODIFY), eventName, requestParameters: { [`${eventName}Request`]: request }, ...extra };
}

function changeOf(rec: unknown): Change {
  const n = normalise(rec);
  if (n.status !== 'change') throw new Error(JSON.stringify(n));
  return n.change;
}

async function judge(rec: unknown, withInventory = true): Promise<ChangeResult> {
  const r = await processRecordWithContext('t.json#0', rec, { policy, mode: 'enforce', context: withInventory ? { inventory } : {} });
  if (!r.change) throw new Error(JSON.stringify(r));
  return r;
}

describe('normalising prefix-list calls', () => {
  it('ModifyManagedPrefixList as CloudTrail records it: one AddEntry object, lower-case cidr', () => {
    const c = changeOf(MODIFY);
    expect(c).toMatchObject({ kind: 'prefix-list', groupId: null, rules: [], account: '111122223333', region: 'eu-west-1' });
    expect(c.prefixList).toEqual({ prefixListId: PARTNERS, added: [{ cidr: '0.0.0.0/0', description: 'temporary: vendor test' }], removed: [] });
  });

  it('several entries are a list; RemoveEntry gives the removed CIDRs', () => {
    const c = changeOf(
      record('ModifyManagedPrefixList', {
        PrefixListId: PARTNERS,
        AddEntry: [{ Cidr: '203.0.113.0/24', tag: 1 }, { Cidr: '2001:db8::/32', Description: 'v6', tag: 2 }],
        RemoveEntry: { Cidr: '198.51.100.0/24', tag: 1 },
      }),
    );
    expect(c.prefixList).toEqual({ prefixListId: PARTNERS, added: [{ cidr: '203.0.113.0/24' }, { cidr: '2001:db8::/32', description: 'v6' }], removed: ['198.51.100.0/24'] });
  });

  it('CreateManagedPrefixList: the entries, the name, and the id from the response', () => {
    const c = changeOf(
      record(
        'CreateManagedPrefixList',
        { PrefixListName: 'vendors', AddressFamily: 'IPv4', MaxEntries: 10, Entry: { Cidr: '192.0.2.0/24', tag: 1 } },
        { responseElements: { CreateManagedPrefixListResponse: { prefixList: { prefixListId: 'pl-0c00000000000c0ff', prefixListName: 'vendors' } } } },
      ),
    );
    expect(c.prefixList).toEqual({ prefixListId: 'pl-0c00000000000c0ff', name: 'vendors', added: [{ cidr: '192.0.2.0/24' }], removed: [] });
  });

  it('RestoreManagedPrefixListVersion: the version restored', () => {
    const c = changeOf(record('RestoreManagedPrefixListVersion', { PrefixListId: PARTNERS, PreviousVersion: '2', CurrentVersion: '5' }));
    expect(c.prefixList).toEqual({ prefixListId: PARTNERS, added: [], removed: [], restoredVersion: 2 });
  });

  it('an entry without a CIDR is an invalid record that says where', () => {
    const n = normalise(record('ModifyManagedPrefixList', { PrefixListId: PARTNERS, AddEntry: { Description: 'x' } }));
    expect(n).toMatchObject({ status: 'invalid', error: 'ModifyManagedPrefixList: requestParameters.ModifyManagedPrefixListRequest.AddEntry has no Cidr' });
  });

  it('the EventBridge rule routes all three calls', () => {
    expect(eventNames.eventNames).toEqual(expect.arrayContaining(['CreateManagedPrefixList', 'ModifyManagedPrefixList', 'RestoreManagedPrefixListVersion']));
  });
});

describe('an entry added to a list, judged on every rule using it', () => {
  it('0.0.0.0/0 added to a list two groups take SSH from: public-admin-port on both, each named, by its own exposure', async () => {
    const r = await judge(MODIFY);
    expect(r.verdict.outcome).toBe('violation');
    const byGroup = Object.fromEntries(r.verdict.findings.filter((f) => f.rule === 'public-admin-port').map((f) => [f.groupId, f]));
    expect(Object.keys(byGroup).sort()).toEqual(['sg-0c000000000000a01', 'sg-0c000000000000a03']);
    // web-prod has a public interface: critical; api-private is private: lowered one step
    expect(byGroup['sg-0c000000000000a01']).toMatchObject({ severity: 'critical', viaPrefixList: { prefixListId: PARTNERS, entry: '0.0.0.0/0' } });
    expect(byGroup['sg-0c000000000000a01']!.target).toMatchObject({ ruleId: 'sgr-0c000000000000b02', protocol: 'tcp', fromPort: 22 });
    expect(byGroup['sg-0c000000000000a03']).toMatchObject({ severity: 'high', baseSeverity: 'critical' });
    // a manual fix names each finding's own group, never another one
    expect(byGroup['sg-0c000000000000a03']!.groupId).toBe('sg-0c000000000000a03');
    expect(byGroup['sg-0c000000000000a03']!.message).toMatch(/^sg-0c000000000000a03: .*through prefix list pl-0c00000000000c001 \(partners\): entry 0\.0\.0\.0\/0/);
    expect(r.verdict.notes).toContain('prefix list pl-0c00000000000c001 is used by 2 rules in 2 groups: sg-0c000000000000a01, sg-0c000000000000a03');
  });

  it('looks each thing up once: the list and its users once, each group and its interfaces once, no rule by id', async () => {
    const calls: string[] = [];
    const counted = Object.fromEntries(
      Object.entries(inventory).map(([k, v]) => [k, typeof v === 'function' ? (...a: unknown[]) => (calls.push(k), (v as (...x: unknown[]) => unknown).apply(inventory, a)) : v]),
    ) as typeof inventory;
    await processRecordWithContext('t.json#0', MODIFY, { policy, mode: 'dry-run', context: { inventory: counted } });
    const count = (k: string) => calls.filter((c) => c === k).length;
    expect(count('prefixList')).toBe(1);
    expect(count('rulesReferencing')).toBe(1);
    expect(count('group')).toBe(2);
    expect(count('interfacesUsing')).toBe(2);
    expect(count('rule')).toBe(0);
  });

  it('an exception tag on a rule using the list silences that rule only', async () => {
    const snap = JSON.parse(readFileSync(SNAPSHOT, 'utf8'));
    snap.securityGroupRules.find((r: any) => r.SecurityGroupRuleId === 'sgr-0c000000000000b03').Tags = [{ Key: 'sgwatch:exception', Value: 'public-admin-port;2099-12-31;partner VPN only, SEC-9' }];
    const data = emptyInventoryData();
    addInventoryJson('tagged.json', snap, data);
    const r = await processRecordWithContext('t.json#0', MODIFY, { policy, mode: 'dry-run', context: { inventory: inventoryFromData(data, 'inventory:tagged.json') } });
    const admin = r.verdict.findings.filter((f) => f.rule === 'public-admin-port').map((f) => f.groupId);
    expect(admin).toEqual(['sg-0c000000000000a01']);
    expect(r.verdict.exceptions).toEqual([expect.objectContaining({ id: 'tag:sgr-0c000000000000b03', rule: 'public-admin-port', reason: 'partner VPN only, SEC-9' })]);
  });

  it('alert only, even in enforce: nothing is revoked and nothing is removed from the list', async () => {
    const r = await judge(MODIFY);
    expect(r.verdict.remediation).toMatchObject({ mode: 'enforce', action: 'none', ruleIds: [], permissions: [], reason: 'sgwatch never edits a prefix list or revokes the rules using it' });
  });

  it('a private range added: no public finding', async () => {
    const r = await judge(record('ModifyManagedPrefixList', { PrefixListId: PARTNERS, AddEntry: { Cidr: '10.20.0.0/16', Description: 'vpn', tag: 1 } }));
    expect(r.verdict.findings.filter((f) => f.rule.startsWith('public-'))).toEqual([]);
  });

  it('a list no rule uses: compliant, and the verdict says why', async () => {
    const r = await judge(record('ModifyManagedPrefixList', { PrefixListId: OFFICE, AddEntry: { Cidr: '0.0.0.0/0', tag: 1 } }));
    expect(r.verdict).toMatchObject({ outcome: 'compliant', findings: [] });
    expect(r.verdict.notes).toContain(`no rule uses prefix list ${OFFICE} (${inventory.source}): nothing it holds is exposed`);
  });

  it('a restore is judged on the entries the inventory holds (the partner list holds the world)', async () => {
    const r = await judge(record('RestoreManagedPrefixListVersion', { PrefixListId: PARTNERS, PreviousVersion: 2, CurrentVersion: 5 }));
    expect(r.verdict.outcome).toBe('violation');
    expect(new Set(r.verdict.findings.map((f) => f.groupId))).toEqual(new Set(['sg-0c000000000000a01', 'sg-0c000000000000a03']));
    expect(r.verdict.notes?.[0]).toBe(`restored entries judged as ${inventory.source} holds the list now (3)`);
  });

  it('without an inventory: compliant, saying the list’s users are not known', async () => {
    const r = processRecord('t.json#0', MODIFY, { policy, mode: 'dry-run' });
    expect(r.verdict).toMatchObject({ outcome: 'compliant', findings: [] });
    expect(r.verdict.notes).toEqual([expect.stringContaining('prefix list pl-0c00000000000c001 changed (1 entry added, 0 removed): the rules using it are known only from an inventory')]);
  });

  it('the inventory look-up failing: the change is still recorded, with the reason', async () => {
    const fail = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
    };
    const r = await processRecordWithContext('t.json#0', MODIFY, {
      policy,
      mode: 'dry-run',
      context: { inventory: { source: 'ec2:live', group: fail, rule: fail, interfacesUsing: fail, knowsInterfaces: async () => true, prefixList: fail, rulesReferencing: fail } },
    });
    expect(r.verdict.outcome).toBe('compliant');
    expect(r.verdict.notes?.[0]).toMatch(/could not look up prefix list pl-0c00000000000c001 and the rules using it: .*Rate exceeded/);
  });

  it('a denied ModifyManagedPrefixList is a failed call, judged as today', async () => {
    const r = await judge({ ...MODIFY, errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized to perform this operation.' });
    expect(r.verdict.outcome).toBe('failed-call');
    expect(r.verdict.findings.map((f) => f.rule)).toContain('denied-change-attempt');
  });
});

describe('sgwatch replay of the sample (end to end)', () => {
  it('with --inventory: both groups named in the JSON findings; the record is in both groups’ history', async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'sgwatch-pl-'));
    const run = await runCli(['replay', SAMPLE, '--format', 'json', '--inventory', SNAPSHOT], { cwd: dir });
    expect(run.stderr).toBe('');
    const [line] = jsonLines(run.stdout).filter((l) => l.kind !== 'summary') as Array<Record<string, any>>;
    expect(line!.prefixList).toMatchObject({ prefixListId: PARTNERS });
    expect(line!.findings.filter((f: any) => f.rule === 'public-admin-port').map((f: any) => f.groupId).sort()).toEqual(['sg-0c000000000000a01', 'sg-0c000000000000a03']);
    for (const g of ['sg-0c000000000000a01', 'sg-0c000000000000a03']) {
      const h = await runCli(['history', g, '--format', 'json'], { cwd: dir });
      expect(h.stdout).toContain('ModifyManagedPrefixList');
    }
  });
});
