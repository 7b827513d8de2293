/**
 * The scheduled audit Lambda (issue 6, section 3), through its real wiring
 * (buildAuditDeps): the live inventory over a fake EC2 (aws-sdk-client-mock),
 * the history table on dynalite, SNS mocked. It alerts the new findings and
 * the summary once, a second audit alerts nothing, a rule added behind the
 * monitor's back is alerted as new, its removal is reported resolved, and an
 * alert that fails keeps the findings new for the next run. Never revokes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DescribeManagedPrefixListsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { Logger } from '@aws-lambda-powertools/logger';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { freshTable } from './fresh-table';
import { buildAuditDeps, createScheduledAudit } from '../../lib/wiring/audit';
import { defaultPolicy } from '../../lib/policy';
import { createDynamoStore } from '../../lib/store/dynamodb';

const SNAP = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'inventory', 'context-snapshot.json'), 'utf8'));
const RDP = { SecurityGroupRuleId: 'sgr-0c000000000000bff', GroupId: 'sg-0c000000000000a01', GroupOwnerId: '111122223333', IsEgress: false, IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, CidrIpv4: '0.0.0.0/0', Tags: [] };

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
let rules: unknown[] = SNAP.securityGroupRules;
let embedded: EmbeddedStore;
let table = 0;

beforeAll(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: 'audit-handler' });
});
afterAll(async () => embedded?.close());
beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  ec2.reset();
  sns.reset();
  rules = SNAP.securityGroupRules;
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: SNAP.securityGroups });
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(async () => ({ SecurityGroupRules: rules }));
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: SNAP.networkInterfaces });
  ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: SNAP.prefixLists.map(({ Entries: _e, ...h }: any) => h) });
  ec2.on(GetManagedPrefixListEntriesCommand).callsFake(async (input) => ({ Entries: SNAP.prefixLists.find((l: any) => l.PrefixListId === input.PrefixListId)?.Entries ?? [] }));
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

async function audit() {
  const tableName = `audit-${++table}`;
  await freshTable(embedded.endpoint, tableName);
  const env = {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: embedded.endpoint,
    ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:sgwatch-alerts',
    REMEDIATION_MODE: 'enforce',
    MIN_ALERT_SEVERITY: 'medium',
    SELF_ROLE_ARNS: 'arn:aws:iam::111122223333:role/sgwatch-prod-eu-west-1-lambdaRole',
  };
  const logger = new Logger({ serviceName: 'sgwatch-test', logLevel: 'SILENT' });
  const deps = buildAuditDeps(env, logger, { policy: () => defaultPolicy(), slack: () => ({ name: 'slack', send: async () => undefined }) });
  return { run: createScheduledAudit(deps), store: createDynamoStore({ tableName, endpoint: embedded.endpoint }) };
}

const published = () => sns.commandCalls(PublishCommand).map((c) => String(c.args[0].input.Message));

describe('the scheduled audit', () => {
  it('alerts the new findings and the summary once; the next audit alerts nothing; never revokes', async () => {
    const { run, store } = await audit();
    const first = await run();
    expect(first).toMatchObject({ account: '111122223333', region: 'eu-west-1', groups: 10, rules: 4, new: 4, standing: 0, resolved: 0, alert: 'sent' });
    expect(published()).toHaveLength(1);
    expect(published()[0]).toContain('scheduled audit of 111122223333/eu-west-1: 10 groups, 4 rules; 1 critical, 1 high, 1 medium, 1 low; 4 new, 0 standing, 0 resolved (first audit)');
    expect(published()[0]).toContain('sg-0c000000000000a03 (api-private): SSH (tcp/22) open to the whole internet');
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    // the report is a stored record in the history of the groups it names
    const history = await store.history('sg-0c000000000000a03');
    expect(history[0]?.result.change?.eventName).toBe('ScheduledAudit');

    const second = await run();
    expect(second).toMatchObject({ new: 0, standing: 4, resolved: 0, alert: 'none' });
    expect(published()).toHaveLength(1);
  });

  it('a rule added behind the monitor’s back is alerted as new; once removed it is reported resolved', async () => {
    const { run } = await audit();
    await run();
    rules = [...SNAP.securityGroupRules, RDP];
    const added = await run();
    expect(added).toMatchObject({ new: 1, standing: 4 });
    expect(published()).toHaveLength(2);
    expect(published()[1]).toContain('sgr-0c000000000000bff');
    expect(published()[1]).toContain('1 new, 4 standing, 0 resolved since');
    rules = SNAP.securityGroupRules;
    const removed = await run();
    expect(removed).toMatchObject({ new: 0, resolved: 1, alert: 'none' });
    expect(published()).toHaveLength(2);
  });

  it('an alert that fails fails the run and keeps the last snapshot: the findings are new again next time', async () => {
    const { run } = await audit();
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(run()).rejects.toThrow(/Rate exceeded/);
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const retried = await run();
    expect(retried).toMatchObject({ new: 4, alert: 'sent' });
  });
});

describe('the delivery check (the same function, input {"check": "canaries"})', () => {
  it('a missing canary raises exactly one "no events" alert; its return clears it; a new silence alerts again', async () => {
    const { createAuditHandler } = await import('../../handlers/audit');
    const { store } = await audit();
    // The deps of audit() with a clock we move: rebuilt here over the same table.
    let now = new Date('2026-12-07T12:00:00Z');
    const env = {
      TABLE_NAME: `audit-${table}`,
      DYNAMODB_ENDPOINT: embedded.endpoint,
      ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:sgwatch-alerts',
      REMEDIATION_MODE: 'enforce',
      MIN_ALERT_SEVERITY: 'critical',
      SELF_ROLE_ARNS: 'arn:aws:iam::111122223333:role/sgwatch-prod-eu-west-1-lambdaRole',
      CANARY_PERIOD_MINUTES: '60',
    };
    const logger = new Logger({ serviceName: 'sgwatch-test', logLevel: 'SILENT' });
    const deps = { ...buildAuditDeps(env, logger, { policy: () => defaultPolicy(), slack: () => ({ name: 'slack', send: async () => undefined }) }), now: () => now };
    const handler = createAuditHandler(() => deps, logger);
    const check = async () => (await handler({ check: 'canaries' }, {} as never)) as { pairs: number; silent: { account: string; region: string; alert: string }[] };

    await store.putCanary({ account: '444455556666', region: 'eu-west-1', at: '2026-12-07T11:30:00Z', eventId: 'beat-1' });
    await store.putCanary({ account: '777788889999', region: 'eu-west-1', at: '2026-12-07T09:40:00Z', eventId: 'beat-2' });

    const first = await check();
    expect(first.pairs).toBe(2);
    expect(first.silent).toEqual([{ account: '777788889999', region: 'eu-west-1', since: '2026-12-07T09:40:00Z', alert: 'sent' }]);
    expect(published()).toHaveLength(1);
    expect(published()[0]).toContain('account 777788889999, region eu-west-1: no events since 2026-12-07T09:40:00Z');

    // Still silent half an hour later: nothing more is sent (even at minAlertSeverity critical, it was sent once).
    now = new Date('2026-12-07T12:30:00Z');
    expect((await check()).silent.map((s) => s.alert)).toEqual(['already-sent']);
    expect(published()).toHaveLength(1);

    // The canary returns: the pair is no longer silent, and nothing is sent.
    await store.putCanary({ account: '777788889999', region: 'eu-west-1', at: '2026-12-07T12:35:00Z', eventId: 'beat-3' });
    now = new Date('2026-12-07T13:00:00Z');
    expect((await check()).silent).toEqual([]);
    expect(published()).toHaveLength(1);

    // Silent again later: a new silence, one new alert.
    now = new Date('2026-12-07T15:00:00Z');
    const again = await check();
    expect(again.silent.map((s) => `${s.account} ${s.alert}`)).toEqual(['444455556666 sent', '777788889999 sent']);
    expect(published()).toHaveLength(3);
    // The audit itself never ran: no inventory was read.
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(0);
  });

  it('a bad CANARY_PERIOD_MINUTES is a configuration error naming the variable', () => {
    const logger = new Logger({ serviceName: 'sgwatch-test', logLevel: 'SILENT' });
    expect(() =>
      buildAuditDeps({ TABLE_NAME: 't', ALERT_TOPIC_ARN: '', SELF_ROLE_ARNS: '', CANARY_PERIOD_MINUTES: '1h' }, logger, { policy: () => defaultPolicy(), slack: () => ({ name: 'slack', send: async () => undefined }) }),
    ).toThrow('CANARY_PERIOD_MINUTES is "1h"; expected whole minutes');
  });
});
