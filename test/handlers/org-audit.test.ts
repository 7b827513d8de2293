/**
 * The Organization-wide audit (issue 10), through the real handlers and their
 * wiring: the scheduled audit function fans out (Organizations ListAccounts
 * and SQS mocked), the worker handler is driven with the SQS batch events a
 * queue would deliver (batch size 5, a failed record delivered again with its
 * receive count + 1, to the dead-letter queue after 3), the history table is
 * dynalite, each member account's inventory is read through its assumed
 * session (STS mocked; the fake EC2 answers by the credentials and region of
 * the client asking).
 *
 * 3 accounts × 2 regions: the home account uses its own credentials, one
 * pair fails once and recovers on redelivery, one pair fails every time and
 * is named, with its reason, in the run's one summary.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
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
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { freshTable } from './fresh-table';
import { buildAuditDeps } from '../../lib/wiring/audit';
import { buildOrgAuditFanOutDeps, buildOrgAuditWorkerDeps, type FanOutOutcome } from '../../lib/wiring/org-audit';
import { createAuditHandler } from '../../handlers/audit';
import { createOrgAuditWorkerHandler } from '../../handlers/org-audit-worker';
import { defaultPolicy } from '../../lib/policy';
import { createDynamoStore } from '../../lib/store/dynamodb';

const SNAP = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'inventory', 'context-snapshot.json'), 'utf8'));
const HOME = '111122223333';
const MEMBER = '222233334444';
const OTHER = '333344445555';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/111122223333/sgwatch-org-audit';

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const orgs = mockClient(OrganizationsClient);
const sts = mockClient(STSClient);
let embedded: EmbeddedStore;
let table = 0;
/** DescribeSecurityGroups calls per account/region, as the fake EC2 saw them. */
let describes: Map<string, number>;

beforeAll(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: 'org-audit-handler' });
});
afterAll(async () => embedded?.close());

/** The account of the credentials the asking client resolved (home: the function's own keys). */
async function asking(getClient: () => EC2Client): Promise<{ account: string; region: string }> {
  const client = getClient();
  const { accessKeyId } = await (client.config.credentials as () => Promise<{ accessKeyId: string }>)();
  const region = await client.config.region();
  return { account: accessKeyId === 'AKIAHOMEFUNCTION' ? HOME : accessKeyId.replace('ASIA', ''), region };
}

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAHOMEFUNCTION');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'home-secret');
  for (const m of [ec2, sns, sqs, orgs, sts]) m.reset();
  describes = new Map();
  ec2.on(DescribeSecurityGroupsCommand).callsFake(async (_input, getClient) => {
    const { account, region } = await asking(getClient);
    const key = `${account}/${region}`;
    describes.set(key, (describes.get(key) ?? 0) + 1);
    // An SCP denies this region in this account: every try fails.
    if (key === `${OTHER}/us-east-1`) throw Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' });
    // A transient failure on the first delivery only: SQS redelivers it and it recovers.
    if (key === `${MEMBER}/us-east-1` && describes.get(key) === 1) throw Object.assign(new Error('Service is unavailable'), { name: 'ServiceUnavailable' });
    return { SecurityGroups: SNAP.securityGroups.map((g: any) => ({ ...g, OwnerId: account })) };
  });
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(async (_input, getClient) => {
    const { account } = await asking(getClient);
    return { SecurityGroupRules: SNAP.securityGroupRules.map((r: any) => ({ ...r, GroupOwnerId: account })) };
  });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: SNAP.networkInterfaces });
  ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: SNAP.prefixLists.map(({ Entries: _e, ...h }: any) => h) });
  ec2.on(GetManagedPrefixListEntriesCommand).callsFake(async (input) => ({ Entries: SNAP.prefixLists.find((l: any) => l.PrefixListId === input.PrefixListId)?.Entries ?? [] }));
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sqs.on(SendMessageBatchCommand).callsFake(async (input) => ({ Successful: input.Entries.map((e: any) => ({ Id: e.Id, MessageId: `q-${e.Id}`, MD5OfMessageBody: 'x' })), Failed: [] }));
  // Two pages, and a suspended account that is not audited.
  orgs
    .on(ListAccountsCommand)
    .callsFake(async (input) =>
      input.NextToken
        ? { Accounts: [{ Id: OTHER, State: 'ACTIVE' }, { Id: '444455556666', State: 'SUSPENDED' }] }
        : { Accounts: [{ Id: HOME, State: 'ACTIVE' }, { Id: MEMBER, Status: 'ACTIVE' }], NextToken: 'page-2' },
    );
  sts.on(AssumeRoleCommand).callsFake(async (input) => {
    const account = String(input.RoleArn).split(':')[4];
    return { Credentials: { AccessKeyId: `ASIA${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } };
  });
});

const published = () => sns.commandCalls(PublishCommand).map((c) => String(c.args[0].input.Message));
const logger = new Logger({ serviceName: 'sgwatch-test', logLevel: 'SILENT' });
const adapters = { policy: () => defaultPolicy(), slack: () => ({ name: 'slack' as const, send: async () => undefined }) };

async function stack() {
  const tableName = `org-audit-${++table}`;
  await freshTable(embedded.endpoint, tableName);
  const env = {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: embedded.endpoint,
    ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:sgwatch-alerts',
    REMEDIATION_MODE: 'enforce',
    MIN_ALERT_SEVERITY: 'medium',
    SELF_ROLE_ARNS: `arn:aws:iam::${HOME}:role/sgwatch-prod-eu-west-1-lambdaRole`,
    ORG_ID: 'o-abcdefghij',
    ORG_AUDIT_QUEUE_URL: QUEUE,
    AUDIT_REGIONS: 'eu-west-1,us-east-1',
    ORG_AUDIT_MAX_TRIES: '3',
  };
  const scheduled = createAuditHandler(() => {
    const deps = buildAuditDeps(env, logger, adapters);
    return { ...deps, organization: buildOrgAuditFanOutDeps(env, deps)! };
  }, logger);
  const worker = createOrgAuditWorkerHandler(() => buildOrgAuditWorkerDeps(env, logger, adapters), logger);
  return {
    fanOut: async (time: string) => (await scheduled({ time, 'detail-type': 'Scheduled Event' } as never, {} as never)) as FanOutOutcome,
    worker: (event: SQSEvent) => worker(event, {} as never) as Promise<SQSBatchResponse>,
    store: createDynamoStore({ tableName, endpoint: embedded.endpoint }),
  };
}

interface Queued {
  messageId: string;
  body: string;
  receiveCount: number;
}

/** The messages the fan-out put on the queue since `from` calls. */
function enqueued(from = 0): Queued[] {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .slice(from)
    .flatMap((c) => {
      expect(c.args[0].input.QueueUrl).toBe(QUEUE);
      return c.args[0].input.Entries!.map((e) => ({ messageId: `msg-${e.MessageBody}`, body: String(e.MessageBody), receiveCount: 1 }));
    });
}

/** A queue with maxReceiveCount 3 and batch size 5: delivers until every message is deleted or dead-lettered. */
async function drain(worker: (e: SQSEvent) => Promise<SQSBatchResponse>, queue: Queued[]): Promise<{ deadLetters: Queued[]; invocations: number }> {
  const deadLetters: Queued[] = [];
  let invocations = 0;
  while (queue.length) {
    const batch = queue.splice(0, 5);
    invocations++;
    const out = await worker({
      Records: batch.map((m) => ({
        messageId: m.messageId,
        receiptHandle: `rh-${m.messageId}-${m.receiveCount}`,
        body: m.body,
        attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: 'x',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:sgwatch-org-audit',
        awsRegion: 'eu-west-1',
      })),
    });
    for (const f of out.batchItemFailures) {
      const m = batch.find((b) => b.messageId === f.itemIdentifier)!;
      if (m.receiveCount >= 3) deadLetters.push(m);
      else queue.push({ ...m, receiveCount: m.receiveCount + 1 });
    }
  }
  return { deadLetters, invocations };
}

describe('the Organization-wide audit over SQS', () => {
  it('3 accounts × 2 regions: one message per pair, each audited in its own account, one pair failing named in the one summary', async () => {
    const { fanOut, worker, store } = await stack();
    const started = await fanOut('2026-12-07T06:00:00Z');
    expect(started).toMatchObject({ runId: '2026-12-07T06:00:00.000Z', accounts: 3, regions: 2, pairs: 6, enqueued: 6, swept: [], newRun: true });
    const queue = enqueued();
    expect(queue.map((m) => JSON.parse(m.body))).toEqual(
      [HOME, MEMBER, OTHER].flatMap((account) => ['eu-west-1', 'us-east-1'].map((region) => ({ runId: '2026-12-07T06:00:00.000Z', account, region }))),
    );

    const { deadLetters } = await drain(worker, queue);
    // Only the pair that failed every time went to the dead-letter queue, after 3 deliveries.
    expect(deadLetters.map((m) => [JSON.parse(m.body).account, JSON.parse(m.body).region, m.receiveCount])).toEqual([[OTHER, 'us-east-1', 3]]);
    expect(describes.get(`${OTHER}/us-east-1`)).toBe(3);
    expect(describes.get(`${MEMBER}/us-east-1`)).toBe(2); // failed once, recovered on redelivery

    // Member accounts through their role, with the read-only session policy; the home account with its own credentials.
    const assumed = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(new Set(assumed.map((i) => i.RoleArn))).toEqual(new Set([`arn:aws:iam::${MEMBER}:role/sgwatch-member`, `arn:aws:iam::${OTHER}:role/sgwatch-member`]));
    for (const i of assumed) {
      expect(i.RoleSessionName).toBe('sgwatch-audit-2026-12-07T06-00-00.000Z');
      const policy = JSON.parse(String(i.Policy));
      expect(policy.Statement[0].Action).toContain('ec2:DescribeSecurityGroupRules');
      expect(JSON.stringify(policy)).not.toContain('Revoke');
    }
    expect(describes.get(`${HOME}/eu-west-1`)).toBe(1);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);

    // Five pairs audited, each alerted its own new findings; then exactly one summary.
    const messages = published();
    const pairAlerts = messages.filter((m) => m.includes('scheduled audit of '));
    expect(pairAlerts).toHaveLength(5);
    for (const [a, r] of [[HOME, 'eu-west-1'], [HOME, 'us-east-1'], [MEMBER, 'eu-west-1'], [MEMBER, 'us-east-1'], [OTHER, 'eu-west-1']]) {
      expect(pairAlerts.some((m) => m.includes(`scheduled audit of ${a}/${r}: 10 groups, 4 rules`))).toBe(true);
    }
    const summaries = messages.filter((m) => m.includes('organization audit 2026-12-07T06:00:00.000Z'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain('6 account/region pairs (3 accounts × 2 regions): 5 audited, 1 failed; 20 findings, 20 new since the last audit');
    expect(summaries[0]).toContain(`account ${OTHER}, region us-east-1: not audited after 3 tries: UnauthorizedOperation: You are not authorized to perform this operation.`);
    expect(summaries[0]).toContain(`${MEMBER}/us-east-1: 10 groups, 4 rules, 4 findings (4 new, 0 resolved)`);

    // Two histories for the same group id in two accounts: each pair's audit record names its own account.
    const history = await store.history('sg-0c000000000000a03');
    expect(new Set(history.map((h) => h.result.change?.account))).toEqual(new Set([HOME, MEMBER, OTHER]));
    const run = await store.readRun('2026-12-07T06:00:00.000Z');
    expect(run?.run.summarizedAt).toBeDefined();
    expect(run?.results.map((r) => `${r.account}/${r.region} ${r.status} ${r.attempts}`)).toEqual([
      `${HOME}/eu-west-1 audited 1`,
      `${HOME}/us-east-1 audited 1`,
      `${MEMBER}/eu-west-1 audited 1`,
      `${MEMBER}/us-east-1 audited 2`,
      `${OTHER}/eu-west-1 audited 1`,
      `${OTHER}/us-east-1 failed 3`,
    ]);

    // A redelivery of a pair already reported (SQS is at-least-once): no second audit, no second summary.
    const before = describes.get(`${HOME}/eu-west-1`);
    const again = await drain(worker, enqueued().slice(0, 1));
    expect(again.deadLetters).toEqual([]);
    expect(describes.get(`${HOME}/eu-west-1`)).toBe(before);
    expect(published()).toHaveLength(messages.length);

    // The schedule's retry of the same run puts the messages again; the results count once.
    const retried = await fanOut('2026-12-07T06:00:00Z');
    expect(retried).toMatchObject({ newRun: false, pairs: 6 });
    await drain(worker, enqueued(1));
    expect(published().filter((m) => m.includes('organization audit 2026-12-07T06:00:00.000Z'))).toHaveLength(1);
  });

  it('a run some pair never reported is summarised by the next run, naming the pair without a result', async () => {
    const { fanOut, worker, store } = await stack();
    await fanOut('2026-12-08T06:00:00Z');
    // Every message but the home account's eu-west-1 is delivered (that worker timed out on its last try).
    const lost = enqueued().filter((m) => !(JSON.parse(m.body).account === HOME && JSON.parse(m.body).region === 'eu-west-1'));
    await drain(worker, lost);
    const first = published().filter((m) => m.includes('organization audit 2026-12-08'));
    expect(first).toHaveLength(0); // incomplete: not summarised yet

    const next = await fanOut('2026-12-09T06:00:00Z');
    expect(next.swept).toEqual(['2026-12-08T06:00:00.000Z']);
    const swept = published().filter((m) => m.includes('organization audit 2026-12-08T06:00:00.000Z'));
    expect(swept).toHaveLength(1);
    expect(swept[0]).toContain('4 audited, 1 failed, 1 without a result');
    expect(swept[0]).toContain(`account ${HOME}, region eu-west-1: no result (its audit never finished`);
    expect((await store.readRun('2026-12-08T06:00:00.000Z'))?.run.summarizedAt).toBeDefined();
    // Swept once: the run after that does not summarise it again.
    expect((await fanOut('2026-12-10T06:00:00Z')).swept).toEqual(['2026-12-09T06:00:00.000Z']);
    expect(published().filter((m) => m.includes('organization audit 2026-12-08T06:00:00.000Z'))).toHaveLength(1);
  });

  it('Organizations denying ListAccounts fails the run with what to fix; a message that is no pair is dropped, not retried', async () => {
    const { fanOut, worker } = await stack();
    orgs.on(ListAccountsCommand).rejects(Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException' }));
    await expect(fanOut('2026-12-11T06:00:00Z')).rejects.toThrow(/cannot list the Organization's accounts \(AccessDeniedException: .*\): the central stack must run in the management account or a delegated administrator/);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    const out = await drain(worker, [{ messageId: 'junk', body: '{"runId":"x"}', receiveCount: 1 }]);
    expect(out.deadLetters).toEqual([]);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(0);
  });
});
