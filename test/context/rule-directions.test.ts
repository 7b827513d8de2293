/**
 * The direction of ModifySecurityGroupRules rules: the port and its
 * never-throwing wrapper (resolveDirections), the EC2 implementation over
 * DescribeSecurityGroupRules (aws-sdk-client-mock), and the whole step as
 * processRecordWithContext runs it on the shipped events.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { DescribeSecurityGroupRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { resolveDirections, type RuleDirectionResolver } from '../../lib/context/rule-directions';
import { createEc2RuleDirectionResolver, describeRuleDirections } from '../../lib/context/ec2-rule-directions';
import { processRecord, processRecordWithContext } from '../../lib/process';
import { parsePolicy } from '../../lib/policy';

/**
 * These tests are about the plan for a rule of guessed direction. The
 * shipped ModifySecurityGroupRules records come from Terraform, which the
 * default policy makes alert-only (alertOnlyVia), so they judge with a
 * policy that revokes IaC changes too.
 */
const revokingPolicy = parsePolicy('alertOnlyVia: []\n', 'revoke-iac.yml');
import { evaluate } from '../../lib/policy/evaluate';
import type { Change, Direction, RuleChange } from '../../lib/model';
import { judgedChange } from '../../lib/context/facts';

const GROUP = 'sg-0a1b2c3d4e5f60050';
const EGRESS_ID = 'sgr-0a1b2c3d4e5f60501';
const OTHER_ID = 'sgr-0a1b2c3d4e5f60502';
const events = join(__dirname, '..', '..', 'events', 'modify');
const load = (name: string): unknown => JSON.parse(readFileSync(join(events, name), 'utf8'));

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

function awsError(name: string, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, Code: name, $fault: 'client', $metadata: {} });
}

/** -1 to 0.0.0.0/0 as ModifySecurityGroupRules records it: no direction. */
function modified(ruleId: string, extra: Partial<RuleChange> = {}): RuleChange {
  return { action: 'modify', direction: 'ingress', directionUnknown: true, protocol: '-1', fromPort: null, toPort: null, source: { kind: 'cidr4', cidr: '0.0.0.0/0' }, description: 'Allow all outbound traffic', ruleId, ...extra };
}

function change(rules: RuleChange[], extra: Partial<Change> = {}): Change {
  return {
    eventId: 'evt-modify-1',
    eventName: 'ModifySecurityGroupRules',
    eventTime: '2025-03-04T10:24:12Z',
    account: '111122223333',
    region: 'us-east-1',
    eventSource: 'ec2.amazonaws.com',
    actor: { arn: 'arn:aws:sts::111122223333:assumed-role/ci-deployer/terraform', via: 'terraform' },
    kind: 'modify-rules',
    groupId: GROUP,
    rules,
    ...extra,
  };
}

const fixed = (entries: [string, Direction][]): RuleDirectionResolver & { calls: number } => {
  const r = { calls: 0, resolve: async () => (r.calls++, new Map(entries)) };
  return r;
};

describe('resolveDirections', () => {
  it('sets the looked-up direction and drops the flag, on a copy; the original change is untouched', async () => {
    const c = change([modified(EGRESS_ID)]);
    const out = await resolveDirections(c, fixed([[EGRESS_ID, 'egress']]));
    expect(out).not.toBe(c);
    const { directionUnknown: _flag, ...rest } = modified(EGRESS_ID);
    expect(out.rules).toEqual([{ ...rest, direction: 'egress' }]);
    expect('directionUnknown' in out.rules[0]).toBe(false);
    expect(c.rules[0]).toMatchObject({ direction: 'ingress', directionUnknown: true });
    // The egress allow-all rule is not a violation once its direction is known.
    expect(evaluate(out, revokingPolicy)).toMatchObject({ outcome: 'compliant', severity: 'none', findings: [] });
  });

  it('a rule the look-up did not find keeps its flag (and the note says so); found ones are resolved', async () => {
    const notes: string[] = [];
    const c = change([modified(EGRESS_ID), modified(OTHER_ID, { protocol: 'tcp', fromPort: 22, toPort: 22 })]);
    const out = await resolveDirections(c, fixed([[EGRESS_ID, 'egress']]), { onNote: (n) => notes.push(n) });
    expect(out.rules[0]).toMatchObject({ direction: 'egress' });
    expect(out.rules[0].directionUnknown).toBeUndefined();
    expect(out.rules[1]).toMatchObject({ direction: 'ingress', directionUnknown: true });
    expect(notes).toEqual([`ModifySecurityGroupRules evt-modify-1: ${OTHER_ID} not found in ${GROUP} (removed since?); direction unknown, judged as ingress, not revoked`]);
  });

  it('a failing resolver never throws out: the change comes back as it was, the error goes to onNote', async () => {
    const notes: string[] = [];
    const c = change([modified(EGRESS_ID)]);
    const failing: RuleDirectionResolver = { resolve: () => Promise.reject(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.')) };
    const out = await resolveDirections(c, failing, { onNote: (n) => notes.push(n) });
    expect(out).toBe(c);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/could not look up the direction of sgr-0a1b2c3d4e5f60501 in sg-0a1b2c3d4e5f60050: UnauthorizedOperation: You are not authorized/);
    expect(notes[0]).toMatch(/; judged as ingress, revoked only if EC2 confirms it is ingress$/);
    // Without onNote it is still silent-safe.
    await expect(resolveDirections(c, { resolve: () => { throw new Error('sync boom'); } })).resolves.toBe(c);
  });

  it('does not call the resolver when no rule lacks its direction, or when the call failed', async () => {
    const r = fixed([]);
    const known = change([{ ...modified(EGRESS_ID), directionUnknown: undefined }]);
    expect(await resolveDirections(known, r)).toBe(known);
    const failed = change([modified(EGRESS_ID)], { error: { code: 'Client.UnauthorizedOperation', denied: true } });
    expect(await resolveDirections(failed, r)).toBe(failed);
    expect(r.calls).toBe(0);
  });
});

describe('EC2 resolver (DescribeSecurityGroupRules)', () => {
  it('asks for exactly the unknown ids of the group, follows NextToken, ignores rules of other groups', async () => {
    ec2
      .on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({ SecurityGroupRules: [{ SecurityGroupRuleId: EGRESS_ID, GroupId: GROUP, IsEgress: true }], NextToken: 't2' })
      .resolvesOnce({ SecurityGroupRules: [{ SecurityGroupRuleId: OTHER_ID, GroupId: 'sg-0ffffffffffffffff', IsEgress: false }] });
    const known: RuleChange = { ...modified('sgr-0a1b2c3d4e5f60599'), directionUnknown: undefined, direction: 'egress' };
    const found = await createEc2RuleDirectionResolver().resolve(change([modified(EGRESS_ID), modified(OTHER_ID), known]));
    expect(found).toEqual(new Map([[EGRESS_ID, 'egress']]));
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 2);
    const inputs = ec2.commandCalls(DescribeSecurityGroupRulesCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({
      Filters: [
        { Name: 'group-id', Values: [GROUP] },
        { Name: 'security-group-rule-id', Values: [EGRESS_ID, OTHER_ID] },
      ],
    });
    expect(inputs[1]).toMatchObject({ NextToken: 't2' });
  });

  it('egress found → the default egress rule given a description is compliant', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: EGRESS_ID, GroupId: GROUP, IsEgress: true }] });
    const out = await resolveDirections(change([modified(EGRESS_ID)]), createEc2RuleDirectionResolver());
    expect(out.rules[0]).toMatchObject({ direction: 'egress' });
    expect(out.rules[0].directionUnknown).toBeUndefined();
    expect(evaluate(out, revokingPolicy).outcome).toBe('compliant');
  });

  it('not found (rule or group gone) → flag kept', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
    const c = change([modified(EGRESS_ID)]);
    expect((await resolveDirections(c, createEc2RuleDirectionResolver())).rules[0].directionUnknown).toBe(true);
    ec2.reset();
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('InvalidGroup.NotFound'));
    expect(await describeRuleDirections(new EC2Client({ region: 'us-east-1' }), GROUP, [EGRESS_ID])).toEqual(new Map());
    const notes: string[] = [];
    const out = await resolveDirections(c, createEc2RuleDirectionResolver(), { onNote: (n) => notes.push(n) });
    expect(out.rules[0].directionUnknown).toBe(true);
    expect(notes[0]).toMatch(/not found/);
  });

  it.each([
    ['AccessDenied', /AccessDenied/],
    ['UnauthorizedOperation', /UnauthorizedOperation/],
    ['RequestLimitExceeded', /RequestLimitExceeded/],
  ])('%s → flag kept, change returned as is, the error reported, nothing thrown', async (code, pattern) => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError(code));
    const notes: string[] = [];
    const c = change([modified(EGRESS_ID)]);
    const out = await resolveDirections(c, createEc2RuleDirectionResolver({ client: new EC2Client({ region: 'us-east-1', maxAttempts: 1 }) }), { onNote: (n) => notes.push(n) });
    expect(out).toBe(c);
    expect(out.rules[0]).toMatchObject({ direction: 'ingress', directionUnknown: true });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(pattern);
    // Still alerted as ingress; the plan names the modified rule by id (the remediator checks its direction before revoking).
    const v = evaluate(out, revokingPolicy);
    expect(v).toMatchObject({ outcome: 'violation', severity: 'critical', remediation: { action: 'revoke', ruleIds: [EGRESS_ID], permissions: [] } });
  });

  it('a network failure is reported like any other look-up error', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));
    const onNote = vi.fn();
    const c = change([modified(EGRESS_ID)]);
    expect(await resolveDirections(c, createEc2RuleDirectionResolver(), { onNote })).toBe(c);
    expect(onNote).toHaveBeenCalledWith(expect.stringMatching(/ECONNREFUSED/));
  });

  it('does not look where it cannot see: another account, another region than its client, a bad region name, no group id', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: EGRESS_ID, GroupId: GROUP, IsEgress: true }] });
    const notes: string[] = [];
    const onNote = (n: string) => notes.push(n);
    await resolveDirections(change([modified(EGRESS_ID)], { account: '444455556666' }), createEc2RuleDirectionResolver({ accountId: '111122223333' }), { onNote });
    await resolveDirections(change([modified(EGRESS_ID)], { region: 'eu-west-1' }), createEc2RuleDirectionResolver({ client: new EC2Client({ region: 'us-east-1' }) }), { onNote });
    await resolveDirections(change([modified(EGRESS_ID)], { region: 'evil.example.com/x' }), createEc2RuleDirectionResolver(), { onNote });
    await resolveDirections(change([modified(EGRESS_ID)], { groupId: null }), createEc2RuleDirectionResolver(), { onNote });
    expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupRulesCommand);
    expect(notes).toEqual([
      expect.stringMatching(/the change is in account 444455556666; these credentials see account 111122223333/),
      expect.stringMatching(/the EC2 client is for us-east-1, the change is in eu-west-1/),
      expect.stringMatching(/is not an AWS region name/),
      expect.stringMatching(/the record names no group id/),
    ]);
  });

  it('uses a client in the change’s region', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
    const regions: string[] = [];
    const resolver = createEc2RuleDirectionResolver({ clientForRegion: (region) => (regions.push(region), new EC2Client({ region })) });
    await resolver.resolve(change([modified(EGRESS_ID)], { region: 'ap-southeast-2' }));
    expect(regions).toEqual(['ap-southeast-2']);
  });
});

describe('processRecordWithContext on the shipped events', () => {
  const policy = revokingPolicy;
  const egressEvent = load('modify-default-egress-description.json');
  const sshEvent = load('modify-rule-to-ssh-from-world.json');

  it('offline (no resolver) the default egress rule is a critical alert whose findings say the direction is a guess', async () => {
    const r = await processRecordWithContext('e#0', egressEvent, { policy, mode: 'dry-run' });
    expect(r).toEqual(processRecord('e#0', egressEvent, { policy, mode: 'dry-run' }));
    expect(r.change?.rules[0]).toMatchObject({ direction: 'ingress', directionUnknown: true, ruleId: EGRESS_ID });
    expect(r.verdict.outcome).toBe('violation');
    expect(r.verdict.remediation).toMatchObject({ action: 'revoke', ruleIds: [EGRESS_ID] });
    expect(r.verdict.findings.every((f) => f.message.includes('does not record the direction'))).toBe(true);
  });

  it('with the EC2 resolver: Describe says egress → compliant, no finding', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: EGRESS_ID, GroupId: GROUP, IsEgress: true }] });
    const r = await processRecordWithContext('e#0', egressEvent, { policy, mode: 'dry-run', context: { directions: createEc2RuleDirectionResolver() } });
    expect(r.verdict).toMatchObject({ outcome: 'compliant', severity: 'none', findings: [] });
    expect(r.change?.rules[0]).toMatchObject({ direction: 'ingress', directionUnknown: true });
    expect(r.context).toEqual({ directions: { [EGRESS_ID]: { value: 'egress', source: 'ec2:DescribeSecurityGroupRules' } } });
    expect(judgedChange(r)?.rules[0]).toMatchObject({ direction: 'egress' });
  });

  it('with the EC2 resolver: Describe says ingress → the SSH rule is planned for revoke, by its id only', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f60211', GroupId: 'sg-0a1b2c3d4e5f60021', IsEgress: false }] });
    const r = await processRecordWithContext('s#0', sshEvent, { policy, mode: 'dry-run', context: { directions: createEc2RuleDirectionResolver() } });
    expect(r.verdict).toMatchObject({ outcome: 'violation', severity: 'critical', remediation: { action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60211'], permissions: [] } });
    expect(r.verdict.findings.every((f) => !f.message.includes('does not record the direction'))).toBe(true);
  });

  it('a look-up error reaches onNote prefixed with the source; the result is the offline one', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('AccessDenied'));
    const notes: string[] = [];
    const r = await processRecordWithContext('e#0', egressEvent, { policy, mode: 'dry-run', context: { directions: createEc2RuleDirectionResolver() }, onNote: (n) => notes.push(n) });
    expect(r).toEqual(processRecord('e#0', egressEvent, { policy, mode: 'dry-run' }));
    expect(notes).toEqual([expect.stringMatching(/^e#0: ModifySecurityGroupRules 00000030-5e1f-4c2a-9b7d-00000005cad0: could not look up .*AccessDenied/)]);
  });

  it('records without unknown directions never reach the resolver', async () => {
    const resolver = fixed([]);
    const authorize = JSON.parse(readFileSync(join(events, '..', 'authorize', 'ssh-open-to-world.json'), 'utf8'));
    await processRecordWithContext('a#0', authorize, { policy, mode: 'dry-run', context: { directions: resolver } });
    await processRecordWithContext('x#0', { eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' }, { policy, mode: 'dry-run', context: { directions: resolver } });
    expect(resolver.calls).toBe(0);
    // The control: a ModifySecurityGroupRules record (no direction recorded) does reach it, once.
    const modifyResolver = fixed([]);
    await processRecordWithContext('t#0', load('modify-two-rules-in-one-call.json'), { policy, mode: 'dry-run', context: { directions: modifyResolver } });
    expect(modifyResolver.calls).toBe(1);
  });
});
