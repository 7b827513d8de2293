/**
 * The file Inventory (`replay --inventory FILE...`): the raw JSON of
 * `aws ec2 describe-*` and sgwatch's snapshot, told apart by content; what
 * it answers per (account, region); the errors for bad files; and the
 * direction and group-name look-ups answered from it, facts naming the file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGlobalIpv6, loadInventoryFiles, regionOfZone } from '../../lib/context/inventory-file';
import { inventoryGroupNames, inventoryRuleDirections } from '../../lib/context/inventory-resolvers';
import { processRecordWithContext } from '../../lib/process';
import { defaultPolicy } from '../../lib/policy';
import { ROOT, jsonLines, runCli } from '../cli/run-cli';

const FIX = join(__dirname, '..', 'fixtures', 'inventory');
const f = (name: string) => join(FIX, name);
const ALL = ['describe-security-groups.json', 'describe-security-group-rules.json', 'describe-network-interfaces.json', 'snapshot.json'].map(f);
const US = { account: '111122223333', region: 'us-east-1' };
const events = join(ROOT, 'events');
const load = (name: string): unknown => JSON.parse(readFileSync(join(events, name), 'utf8'));
const EGRESS = 'modify/modify-default-egress-description.json';
const BY_ID = 'authorize/ssh-from-private-network.json'; // tcp/22 from 10.0.0.0/8 on sg-0a1b2c3d4e5f60012, named by id only

function tmpFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sgwatch-inv-')), 'inv.json');
  writeFileSync(file, text);
  return file;
}

describe('file inventory: what it answers', () => {
  const inv = loadInventoryFiles(ALL);

  it('names its files as its source', () => {
    expect(inv.source).toBe(`inventory:${ALL.join(',')}`);
  });

  it('group facts from describe-security-groups and the snapshot: name, VPC, tags, is-default', async () => {
    expect(await inv.group(US, 'sg-0a1b2c3d4e5f60050')).toEqual({
      groupId: 'sg-0a1b2c3d4e5f60050',
      groupName: 'web',
      vpcId: 'vpc-0a1b2c3d4e5f60001',
      ownerId: '111122223333',
      tags: { Name: 'web', team: 'storefront' },
      isDefault: false,
    });
    expect((await inv.group(US, 'sg-0a1b2c3d4e5f60001'))?.isDefault).toBe(true);
    expect((await inv.group(US, 'sg-0a1b2c3d4e5f60012'))?.isDefault).toBe(true);
    expect(await inv.group(US, 'sg-0000000000000dead')).toBeUndefined();
  });

  it('keeps accounts and regions apart: the OwnerId of a raw file, the account and region of a snapshot', async () => {
    expect(await inv.group({ account: '444455556666', region: 'us-east-1' }, 'sg-0a1b2c3d4e5f60050')).toBeUndefined();
    // raw describe output carries no region: it answers in any region of its account
    expect(await inv.group({ ...US, region: 'eu-west-1' }, 'sg-0a1b2c3d4e5f60050')).toBeDefined();
    // a snapshot says its region
    expect(await inv.group({ ...US, region: 'eu-west-1' }, 'sg-0a1b2c3d4e5f60012')).toBeUndefined();
  });

  it('rules by sgr- id: direction, protocol, ports, source of each kind, tags', async () => {
    expect(await inv.rule(US, 'sgr-0a1b2c3d4e5f60501')).toMatchObject({ groupId: 'sg-0a1b2c3d4e5f60050', direction: 'egress', protocol: '-1', source: { kind: 'cidr4', value: '0.0.0.0/0' } });
    expect(await inv.rule(US, 'sgr-0a1b2c3d4e5f60502')).toMatchObject({
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      source: { kind: 'prefix-list', value: 'pl-0a1b2c3d4e5f60901' },
      tags: { 'sgwatch:exception': '*;2027-01-31;office' },
    });
    expect((await inv.rule(US, 'sgr-0a1b2c3d4e5f60503'))?.source).toEqual({ kind: 'group', value: 'sg-0a1b2c3d4e5f60060' });
  });

  it('interfaces using a group: the ALB public IP, a public IP on a secondary private address only, no ULA', async () => {
    const web = await inv.interfacesUsing(US, 'sg-0a1b2c3d4e5f60050');
    expect(web.map((n) => n.interfaceId)).toEqual(['eni-0a1b2c3d4e5f60a01', 'eni-0a1b2c3d4e5f60a04']);
    expect(web[0]).toMatchObject({ publicIpv4: ['3.8.1.2'], description: 'ELB app/storefront-alb/50dc6c495c0c9188' });
    expect(web[1]).toMatchObject({ publicIpv4: ['18.232.4.77'], ipv6Global: [] }); // fd00::/8 is unique-local
    expect(await inv.interfacesUsing(US, 'sg-0a1b2c3d4e5f60070')).toMatchObject([{ publicIpv4: [], ipv6Global: ['2600:1f18:4a3:6e01:8f2e:11c4:a7b2:91d3'] }]);
    expect(await inv.interfacesUsing(US, 'sg-0a1b2c3d4e5f60080')).toMatchObject([{ publicIpv4: [], ipv6Global: [] }]); // link-local only
    expect(await inv.interfacesUsing(US, 'sg-0a1b2c3d4e5f60012')).toEqual([]);
    expect(await inv.knowsInterfaces(US)).toBe(true);
    expect(await loadInventoryFiles([f('describe-security-groups.json')]).knowsInterfaces(US)).toBe(false);
  });

  it('prefix lists with entries from the snapshot; AWS-managed lists answer in every account', async () => {
    expect(await inv.prefixList(US, 'pl-0a1b2c3d4e5f60901')).toEqual({ prefixListId: 'pl-0a1b2c3d4e5f60901', name: 'office', ownerId: '111122223333', entries: [{ cidr: '203.0.113.0/24', description: 'HQ' }] });
    expect((await inv.prefixList({ ...US, account: '444455556666' }, 'pl-3b927c52'))?.ownerId).toBe('AWS');
    const raw = loadInventoryFiles([tmpFile(JSON.stringify({ PrefixLists: [{ PrefixListId: 'pl-1', PrefixListName: 'x', OwnerId: '111122223333', State: 'create-complete' }] }))]);
    expect(await raw.prefixList(US, 'pl-1')).toEqual({ prefixListId: 'pl-1', name: 'x', ownerId: '111122223333' }); // no entries: not resolved
  });

  it('helpers: region of a zone, global IPv6', () => {
    expect(regionOfZone('us-east-1a')).toBe('us-east-1');
    expect(regionOfZone('us-gov-west-1b')).toBe('us-gov-west-1');
    expect(regionOfZone('us-west-2-lax-1a')).toBeUndefined();
    expect(isGlobalIpv6('2600:1f18::1')).toBe(true);
    expect(isGlobalIpv6('fe80::1')).toBe(false);
    expect(isGlobalIpv6('fd12::1')).toBe(false);
    expect(isGlobalIpv6('::1')).toBe(false);
  });
});

describe('file inventory: bad files are refused with the file and what is wrong', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"SecurityGroups": [', /: not valid JSON: /],
    ['an array', '[]', /: not a JSON object/],
    ['unknown object', '{"Foo": 1}', /none of SecurityGroups, SecurityGroupRules, NetworkInterfaces, PrefixLists/],
    ['CloudTrail', '{"Records": []}', /this is CloudTrail, not an inventory/],
    ['other kind', '{"kind": "x"}', /unknown kind "x"/],
    ['future version', '{"kind": "sgwatch-inventory", "version": 2}', /version 2 is not supported/],
    ['snapshot without account', '{"kind": "sgwatch-inventory", "version": 1, "region": "us-east-1"}', /"account" is not a 12-digit account id/],
    ['rules not an array', '{"SecurityGroupRules": {}}', /"SecurityGroupRules" is not an array/],
    ['rule without IsEgress', '{"SecurityGroupRules": [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1"}]}', /SecurityGroupRules\[0\] \(sgr-1\): IsEgress is not true or false/],
    ['group without id', '{"SecurityGroups": [{"GroupName": "x"}]}', /SecurityGroups\[0\]: no GroupId/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => {
      const file = tmpFile(text);
      expect(() => loadInventoryFiles([file])).toThrow(message);
      expect(() => loadInventoryFiles([file])).toThrow(file + ': ');
    });
  }
  it('a missing file and a folder', () => {
    expect(() => loadInventoryFiles(['/nonexistent/inv.json'])).toThrow('/nonexistent/inv.json: no such file');
    expect(() => loadInventoryFiles([FIX])).toThrow(/is a folder, not an inventory file/);
  });
});

describe('the context look-ups answered from the inventory', () => {
  const inv = loadInventoryFiles(ALL);
  const context = { directions: inventoryRuleDirections(inv), groupNames: inventoryGroupNames(inv) };
  const policy = defaultPolicy();

  it('the Terraform default-egress ModifySecurityGroupRules is egress, so compliant; the facts name the file', async () => {
    const r = await processRecordWithContext('x', load(EGRESS), { policy, mode: 'dry-run', context });
    expect(r.verdict).toMatchObject({ outcome: 'compliant', findings: [] });
    expect(r.context).toEqual({
      groupName: { value: 'web', source: inv.source },
      directions: { 'sgr-0a1b2c3d4e5f60501': { value: 'egress', source: inv.source } },
    });
  });

  it('default-group-rule fires on a record naming the default group by id only', async () => {
    const without = await processRecordWithContext('x', load(BY_ID), { policy, mode: 'dry-run' });
    expect(without.verdict.findings.map((x) => x.rule)).not.toContain('default-group-rule');
    const r = await processRecordWithContext('x', load(BY_ID), { policy, mode: 'dry-run', context });
    expect(r.verdict.findings.map((x) => x.rule)).toContain('default-group-rule');
    expect(r.context?.groupName).toEqual({ value: 'default', source: inv.source });
  });

  it('a rule of another group in the file is not taken for the record’s rule', async () => {
    const record = JSON.parse(JSON.stringify(load(EGRESS)).replaceAll('sg-0a1b2c3d4e5f60050', 'sg-0a1b2c3d4e5f69999'));
    const notes: string[] = [];
    const r = await processRecordWithContext('x', record, { policy, mode: 'dry-run', context, onNote: (n) => notes.push(n) });
    expect(r.context?.directions).toBeUndefined();
    expect(notes.join('\n')).toMatch(/sgr-0a1b2c3d4e5f60501 not found in sg-0a1b2c3d4e5f69999/);
  });
});

describe('sgwatch replay --inventory (end to end)', () => {
  it('judges the default-egress sample egress, offline, naming the file', async () => {
    const inventory = f('describe-security-group-rules.json');
    const run = await runCli(['replay', join(events, EGRESS), '--store', 'memory', '--format', 'json', '--inventory', inventory, f('describe-security-groups.json')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [r] = jsonLines(run.stdout);
    expect(r).toMatchObject({ outcome: 'compliant', severity: 'none', findings: [], groupName: 'web' });
  });

  it('a bad inventory file: a clear error, exit 2, no stack trace', async () => {
    const bad = tmpFile('{"Records": []}');
    const run = await runCli(['replay', join(events, EGRESS), '--store', 'memory', '--inventory', bad]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`--inventory ${bad}: this is CloudTrail, not an inventory`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('refuses --inventory with --describe', async () => {
    const run = await runCli(['replay', join(events, EGRESS), '--store', 'memory', '--describe', '--inventory', f('snapshot.json')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--inventory and --describe/);
  });
});
