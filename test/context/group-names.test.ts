/**
 * The name of a group named by id only (for default-group-rule, Security
 * Hub EC2.2): the port and its never-throwing wrapper, the EC2
 * implementation over DescribeSecurityGroups with its cache
 * (aws-sdk-client-mock), and the whole step as processRecordWithContext runs
 * it on the shipped events, beside the rule-direction look-up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { lookUpGroupName, needsGroupName, resolveGroupName, type GroupNameResolver } from '../../lib/context/group-names';
import { createEc2GroupNameResolver, describeGroupName } from '../../lib/context/ec2-group-names';
import { createEc2RuleDirectionResolver } from '../../lib/context/ec2-rule-directions';
import { processRecord, processRecordWithContext, type ContextTopic } from '../../lib/process';
import { defaultPolicy, policyFromObject } from '../../lib/policy';
import type { Change, RuleChange } from '../../lib/model';
import { judgedChange } from '../../lib/context/facts';

const events = join(__dirname, '..', '..', 'events');
const load = (name: string): unknown => JSON.parse(readFileSync(join(events, name), 'utf8'));
/** AuthorizeSecurityGroupIngress by groupId: tcp/22 from 10.0.0.0/8, documented — compliant wherever it lands, except in a default group. */
const BY_ID = load('authorize/ssh-from-private-network.json');
const BY_ID_GROUP = 'sg-0a1b2c3d4e5f60012';
const policy = defaultPolicy();

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

function awsError(name: string, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, Code: name, $fault: 'client', $metadata: {} });
}

const added: RuleChange = { action: 'add', direction: 'ingress', protocol: 'tcp', fromPort: 8080, toPort: 8080, source: { kind: 'cidr4', cidr: '10.0.0.0/16' }, description: 'app' };

function change(extra: Partial<Change> = {}): Change {
  return {
    eventId: 'evt-authorize-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2025-03-04T10:24:12Z',
    account: '111122223333',
    region: 'us-east-1',
    eventSource: 'ec2.amazonaws.com',
    actor: { arn: 'arn:aws:iam::111122223333:user/alice', via: 'console' },
    kind: 'authorize',
    groupId: 'sg-0a1b2c3d4e5f60099',
    rules: [added],
    ...extra,
  };
}

const groups = (...gs: [string, string][]) => ({ SecurityGroups: gs.map(([GroupId, GroupName]) => ({ GroupId, GroupName, VpcId: 'vpc-0a1b2c3d' })) });

/** A resolver answering from a fixed table, counting calls. */
const fixed = (name: string | undefined): GroupNameResolver & { calls: number } => {
  const r = { calls: 0, name: async () => (r.calls++, name) };
  return r;
};

describe('needsGroupName', () => {
  it('only for a successful change that adds or modifies rules of a group named by id only', () => {
    expect(needsGroupName(change())).toBe(true);
    expect(needsGroupName(change({ kind: 'modify-rules', eventName: 'ModifySecurityGroupRules', rules: [{ ...added, action: 'modify', ruleId: 'sgr-01' }] }))).toBe(true);
    expect(needsGroupName(change({ groupName: 'web' }))).toBe(false);
    expect(needsGroupName(change({ groupName: 'default' }))).toBe(false);
    expect(needsGroupName(change({ groupId: null }))).toBe(false);
    expect(needsGroupName(change({ error: { code: 'Client.UnauthorizedOperation', denied: true } }))).toBe(false);
    expect(needsGroupName(change({ kind: 'revoke', eventName: 'RevokeSecurityGroupIngress', rules: [{ ...added, action: 'remove' }] }))).toBe(false);
    expect(needsGroupName(change({ kind: 'update-descriptions', rules: [{ ...added, action: 'describe' }] }))).toBe(false);
    expect(needsGroupName(change({ kind: 'delete-group', rules: [] }))).toBe(false);
    expect(needsGroupName(change({ kind: 'set-groups', groupId: 'sg-0a1b2c3d4e5f60099', rules: [] }))).toBe(false);
    expect(needsGroupName(change({ rules: [] }))).toBe(false);
  });
});

describe('lookUpGroupName / resolveGroupName', () => {
  it('a copy of the change with the name; the original untouched', async () => {
    const c = change();
    const out = await resolveGroupName(c, fixed('default'));
    expect(out).not.toBe(c);
    expect(out).toEqual({ ...c, groupName: 'default' });
    expect(c.groupName).toBeUndefined();
  });

  it('a failing resolver never throws out: undefined, the reason noted; a missing group is noted too', async () => {
    const notes: string[] = [];
    const failing: GroupNameResolver = { name: () => Promise.reject(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.')) };
    expect(await lookUpGroupName(change(), failing, { onNote: (n) => notes.push(n) })).toBeUndefined();
    expect(await lookUpGroupName(change(), fixed(undefined), { onNote: (n) => notes.push(n) })).toBeUndefined();
    expect(notes).toEqual([
      'AuthorizeSecurityGroupIngress evt-authorize-1: could not look up the name of sg-0a1b2c3d4e5f60099: UnauthorizedOperation: You are not authorized to perform this operation.; default-group-rule not checked',
      'AuthorizeSecurityGroupIngress evt-authorize-1: sg-0a1b2c3d4e5f60099 not found (deleted since?); its name is unknown, default-group-rule not checked',
    ]);
    const c = change();
    await expect(resolveGroupName(c, { name: () => { throw new Error('sync boom'); } })).resolves.toBe(c);
  });

  it('does not call the resolver when the change needs no name', async () => {
    const r = fixed('default');
    const named = change({ groupName: 'web' });
    expect(await lookUpGroupName(named, r)).toBe('web');
    expect(await resolveGroupName(named, r)).toBe(named);
    const failed = change({ error: { code: 'Client.InvalidPermission.Duplicate', denied: false } });
    expect(await resolveGroupName(failed, r)).toBe(failed);
    expect(r.calls).toBe(0);
  });
});

describe('EC2 resolver (DescribeSecurityGroups)', () => {
  it('asks for exactly the change’s group id and returns its name', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups(['sg-0a1b2c3d4e5f60099', 'default']));
    expect(await createEc2GroupNameResolver().name(change())).toBe('default');
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input)).toEqual([{ GroupIds: ['sg-0a1b2c3d4e5f60099'] }]);
  });

  it('ignores an answer about another group', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups(['sg-0ffffffffffffffff', 'default']));
    expect(await createEc2GroupNameResolver().name(change())).toBeUndefined();
  });

  it('caches found names per account, region and group: two events on one group cost one call', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups([BY_ID_GROUP, 'default']));
    const groupNames = createEc2GroupNameResolver();
    const first = await processRecordWithContext('a#0', BY_ID, { policy, mode: 'dry-run', context: { groupNames } });
    const second = await processRecordWithContext('a#1', { ...(BY_ID as object), eventID: 'second' }, { policy, mode: 'dry-run', context: { groupNames } });
    expect(first.verdict.findings.map((f) => f.rule)).toEqual(['default-group-rule']);
    expect(second.verdict.findings.map((f) => f.rule)).toEqual(['default-group-rule']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 1);
    // Same id in another region is another group: asked again.
    await groupNames.name(change({ groupId: BY_ID_GROUP, region: 'eu-west-1' }));
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 2);
  });

  it('the cache is bounded: the least recently used name goes first', async () => {
    ec2.on(DescribeSecurityGroupsCommand).callsFake((input: { GroupIds: string[] }) => groups([input.GroupIds[0], `name-of-${input.GroupIds[0]}`]));
    const r = createEc2GroupNameResolver({ cacheSize: 2 });
    const of = (id: string) => r.name(change({ groupId: id }));
    expect(await of('sg-a')).toBe('name-of-sg-a');
    await of('sg-b');
    await of('sg-a'); // hit: sg-a becomes the most recent
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 2);
    await of('sg-c'); // evicts sg-b
    await of('sg-a'); // still cached
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 3);
    await of('sg-b'); // asked again
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input.GroupIds)).toEqual([['sg-a'], ['sg-b'], ['sg-c'], ['sg-b']]);
  });

  it('a group not found (InvalidGroup.NotFound, or an empty answer) → undefined, not cached', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejectsOnce(awsError('InvalidGroup.NotFound', "The security group 'sg-0a1b2c3d4e5f60099' does not exist")).resolves(groups());
    const r = createEc2GroupNameResolver();
    expect(await r.name(change())).toBeUndefined();
    expect(await r.name(change())).toBeUndefined();
    expect(await describeGroupName(new EC2Client({ region: 'us-east-1' }), 'sg-0a1b2c3d4e5f60099')).toBeUndefined();
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 3);
  });

  it.each(['AccessDenied', 'UnauthorizedOperation', 'RequestLimitExceeded'])('%s: the resolver throws; the context step notes it and never throws', async (code) => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError(code));
    const r = createEc2GroupNameResolver({ client: new EC2Client({ region: 'us-east-1', maxAttempts: 1 }) });
    await expect(r.name(change())).rejects.toThrow(code);
    const notes: string[] = [];
    expect(await lookUpGroupName(change(), r, { onNote: (n) => notes.push(n) })).toBeUndefined();
    expect(notes).toEqual([expect.stringMatching(new RegExp(`could not look up the name of sg-0a1b2c3d4e5f60099: ${code}`))]);
    // A failure is not cached: the next event asks again.
    ec2.reset();
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups(['sg-0a1b2c3d4e5f60099', 'default']));
    expect(await r.name(change())).toBe('default');
  });

  it('a network failure is noted like any other', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));
    const notes: string[] = [];
    expect(await lookUpGroupName(change(), createEc2GroupNameResolver(), { onNote: (n) => notes.push(n) })).toBeUndefined();
    expect(notes).toEqual([expect.stringMatching(/ECONNREFUSED/)]);
  });

  it('does not look where it cannot see: another account, another region than its client, a bad region name', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups(['sg-0a1b2c3d4e5f60099', 'default']));
    const notes: string[] = [];
    const onNote = (n: string) => notes.push(n);
    await lookUpGroupName(change({ account: '444455556666' }), createEc2GroupNameResolver({ accountId: '111122223333' }), { onNote });
    await lookUpGroupName(change({ region: 'eu-west-1' }), createEc2GroupNameResolver({ client: new EC2Client({ region: 'us-east-1' }) }), { onNote });
    await lookUpGroupName(change({ region: 'evil.example.com/x' }), createEc2GroupNameResolver(), { onNote });
    expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupsCommand);
    expect(notes).toEqual([
      expect.stringMatching(/the change is in account 444455556666; these credentials see account 111122223333/),
      expect.stringMatching(/the EC2 client is for us-east-1, the change is in eu-west-1/),
      expect.stringMatching(/is not an AWS region name/),
    ]);
  });

  it('uses a client in the change’s region', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups());
    const regions: string[] = [];
    await createEc2GroupNameResolver({ clientForRegion: (region) => (regions.push(region), new EC2Client({ region })) }).name(change({ region: 'ap-southeast-2' }));
    expect(regions).toEqual(['ap-southeast-2']);
  });
});

describe('processRecordWithContext: default-group-rule on records that name the group by id', () => {
  it('offline the rule cannot fire; with the name looked up (default) it is a medium finding, alert only', async () => {
    const offline = processRecord('a#0', BY_ID, { policy, mode: 'dry-run' });
    expect(offline.change).toMatchObject({ groupId: BY_ID_GROUP });
    expect(offline.change?.groupName).toBeUndefined();
    expect(offline.verdict).toMatchObject({ outcome: 'compliant', findings: [] });

    ec2.on(DescribeSecurityGroupsCommand).resolves(groups([BY_ID_GROUP, 'default']));
    const r = await processRecordWithContext('a#0', BY_ID, { policy, mode: 'enforce', context: { groupNames: createEc2GroupNameResolver() } });
    // The recorded change stays as CloudTrail wrote it; the looked-up name sits beside it, naming its source.
    expect(r.change?.groupName).toBeUndefined();
    expect(r.context).toEqual({ groupName: { value: 'default', source: 'ec2:DescribeSecurityGroups' } });
    expect(judgedChange(r)).toMatchObject({ groupId: BY_ID_GROUP, groupName: 'default' });
    expect(r.verdict).toMatchObject({ outcome: 'violation', severity: 'medium', remediation: { action: 'none' } });
    expect(r.verdict.findings).toEqual([expect.objectContaining({ rule: 'default-group-rule', severity: 'medium', remediation: 'alert' })]);
    expect(r.verdict.findings[0].message).toMatch(/added on the default security group sg-0a1b2c3d4e5f60012/);
  });

  it('another name: compliant, the name kept on the change (alerts and history show it)', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups([BY_ID_GROUP, 'bastion']));
    const r = await processRecordWithContext('a#0', BY_ID, { policy, mode: 'dry-run', context: { groupNames: createEc2GroupNameResolver() } });
    expect(r.context?.groupName).toEqual({ value: 'bastion', source: 'ec2:DescribeSecurityGroups' });
    expect(judgedChange(r)?.groupName).toBe('bastion');
    expect(r.verdict).toMatchObject({ outcome: 'compliant', findings: [] });
  });

  it('NotFound / AccessDenied: the offline result, and a note prefixed with the source, topic group-name', async () => {
    for (const error of [awsError('InvalidGroup.NotFound'), awsError('AccessDenied')]) {
      ec2.reset();
      ec2.on(DescribeSecurityGroupsCommand).rejects(error);
      const notes: [string, ContextTopic][] = [];
      const r = await processRecordWithContext('a#0', BY_ID, { policy, mode: 'dry-run', context: { groupNames: createEc2GroupNameResolver() }, onNote: (n, t) => notes.push([n, t]) });
      expect(r).toEqual(processRecord('a#0', BY_ID, { policy, mode: 'dry-run' }));
      expect(notes).toEqual([[expect.stringMatching(/^a#0: AuthorizeSecurityGroupIngress 0000000c-5e1f-4c2a-9b7d-000000017334: .*sg-0a1b2c3d4e5f60012.*default-group-rule not checked/), 'group-name']]);
    }
  });

  it('never asked for revokes, failed calls, deletes, records that carry the name, other calls, or when the policy turns the rule off', async () => {
    const r = fixed('default');
    const context = { groupNames: r };
    for (const file of ['revoke/revoke-ssh-from-world.json', 'revoke/revoke-by-rule-ids.json', 'failed/denied-ssh-open-to-world.json', 'failed/duplicate-https-rule.json', 'groups/delete-security-group-by-name.json', 'groups/create-security-group.json']) {
      const out = await processRecordWithContext(file, load(file), { policy, mode: 'dry-run', context });
      expect(out, file).toEqual(processRecord(file, load(file), { policy, mode: 'dry-run' }));
    }
    await processRecordWithContext('x#0', { eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' }, { policy, mode: 'dry-run', context });
    // By name: the record already says `default`, fired without a look-up.
    const byName = await processRecordWithContext('n#0', load('authorize/rule-added-to-default-group-by-name.json'), { policy, mode: 'dry-run', context });
    expect(byName.verdict.findings.map((f) => f.rule)).toContain('default-group-rule');
    const off = policyFromObject({ version: 1, rules: { 'default-group-rule': { enabled: false } } });
    const judged = await processRecordWithContext('a#0', BY_ID, { policy: off, mode: 'dry-run', context });
    expect(judged.change?.groupName).toBeUndefined();
    expect(r.calls).toBe(0);
    // The same resolver is asked for a record that needs it (the counter can move).
    await processRecordWithContext('a#0', BY_ID, { policy, mode: 'dry-run', context });
    expect(r.calls).toBe(1);
  });

  it('ModifySecurityGroupRules by id: direction and name looked up side by side, both applied', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f60211', GroupId: 'sg-0a1b2c3d4e5f60021', IsEgress: false }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves(groups(['sg-0a1b2c3d4e5f60021', 'default']));
    const ssh = load('modify/modify-rule-to-ssh-from-world.json');
    const r = await processRecordWithContext('s#0', ssh, {
      policy,
      mode: 'dry-run',
      context: { directions: createEc2RuleDirectionResolver(), groupNames: createEc2GroupNameResolver() },
    });
    expect(r.change?.groupName).toBeUndefined();
    expect(r.change?.rules[0].directionUnknown).toBe(true);
    expect(r.context).toEqual({
      groupName: { value: 'default', source: 'ec2:DescribeSecurityGroups' },
      directions: { 'sgr-0a1b2c3d4e5f60211': { value: 'ingress', source: 'ec2:DescribeSecurityGroupRules' } },
    });
    const judged = judgedChange(r);
    expect(judged).toMatchObject({ groupId: 'sg-0a1b2c3d4e5f60021', groupName: 'default' });
    expect(judged?.rules[0]).toMatchObject({ direction: 'ingress' });
    expect(judged?.rules[0].directionUnknown).toBeUndefined();
    expect(r.verdict.findings.map((f) => f.rule)).toContain('default-group-rule');
    expect(r.verdict).toMatchObject({ severity: 'critical', remediation: { action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60211'] } });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 1);
  });

  it('notes say what they are about: direction and group-name', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('UnauthorizedOperation'));
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('UnauthorizedOperation'));
    const topics: ContextTopic[] = [];
    await processRecordWithContext('e#0', load('modify/modify-default-egress-description.json'), {
      policy,
      mode: 'dry-run',
      context: { directions: createEc2RuleDirectionResolver(), groupNames: createEc2GroupNameResolver() },
      onNote: (_n, t) => topics.push(t),
    });
    expect(topics.sort()).toEqual(['direction', 'group-name']);
  });
});
