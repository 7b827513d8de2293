/**
 * The Lambda handler end to end with its real dependencies built from the
 * environment: DynamoDB store on dynalite (127.0.0.1), Slack as a local HTTP
 * server (webhook URL read from a mocked SSM SecureString), SNS and EC2
 * through aws-sdk-client-mock.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand, RevokeSecurityGroupEgressCommand } from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { freshTable } from './fresh-table';
import { buildDeps, createHandler, type CloudTrailEvent } from '../../handlers/on-change';
import { createSsmSlackNotifier } from '../../handlers/slack-webhook';
import { ConfigError } from '../../lib/pipeline/config';
import type { Notifier } from '../../lib/pipeline/ports';
import { judgedChange } from '../../lib/context/facts';

const fixture = (name: string): CloudTrailEvent => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
const WORLD = 'authorize-world-all-ports.eventbridge.json'; // account 626708301729, eu-west-1, sgr-0c609e6f9cdaf10ea
const context = { functionName: 'sgwatch-test-onChange', awsRequestId: 'req-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:626708301729:function:sgwatch-test-onChange', memoryLimitInMB: '512' } as unknown as Context;
const SECRET_PATH = '/services/T000/B000/XSECRETTOKENX';

const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);
const ec2 = mockClient(EC2Client);

let embedded: EmbeddedStore;
let slack: Server;
let slackUrl: string;
let slackBodies: string[] = [];
let slackStatus = 200;
let logs: string[] = [];
let table = 0;

beforeAll(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: 'unused' });
  slack = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (slackStatus === 200) slackBodies.push(body);
      res.writeHead(slackStatus, { 'content-type': 'text/plain' }).end(slackStatus === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}${SECRET_PATH}`;
});
afterAll(async () => {
  await embedded?.close();
  await new Promise((r) => slack.close(r));
});

beforeEach(() => {
  sns.reset();
  ssm.reset();
  ec2.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ssm.on(GetParameterCommand, { Name: '/sgwatch/slack', WithDecryption: true }).resolves({ Parameter: { Name: '/sgwatch/slack', Type: 'SecureString', Value: slackUrl } });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
  // Every group asked about is attached to one instance with a public IP: exposure public, severities as the policy says.
  ec2.on(DescribeNetworkInterfacesCommand).callsFake((input) => ({
    NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0a1b2c3d4e5f60001', Groups: (input.Filters?.[0]?.Values ?? []).map((GroupId: string) => ({ GroupId })), Association: { PublicIp: '3.8.1.2' } }],
  }));
  slackBodies = [];
  slackStatus = 200;
  logs = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (logs.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (logs.push(String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

async function env(over: Record<string, string> = {}): Promise<Record<string, string>> {
  const tableName = `handler-${++table}`;
  await freshTable(embedded.endpoint, tableName);
  return {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: embedded.endpoint,
    ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:626708301729:sgwatch-alerts',
    SLACK_WEBHOOK_PARAMETER: '/sgwatch/slack',
    REMEDIATION_MODE: 'enforce',
    MIN_ALERT_SEVERITY: 'medium',
    SELF_ROLE_ARNS: 'arn:aws:iam::626708301729:role/sgwatch-prod-eu-west-1-lambdaRole',
    ...over,
  };
}

/** A shipped ModifySecurityGroupRules record as EventBridge delivers it, moved into the handler's account (626708301729). */
function modifyEvent(file: string, eventId: string): CloudTrailEvent {
  const record = JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'modify', file), 'utf8'));
  const detail = { ...record, eventID: eventId, recipientAccountId: '626708301729', userIdentity: { ...record.userIdentity, accountId: '626708301729', arn: record.userIdentity.arn.replace('111122223333', '626708301729') } };
  return { version: '0', id: `eb-${eventId}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: '626708301729', time: detail.eventTime, region: detail.awsRegion, resources: [], detail } as CloudTrailEvent;
}
const EGRESS_RULE = 'sgr-0a1b2c3d4e5f60501';
const EGRESS_GROUP = 'sg-0a1b2c3d4e5f60050';

/** The shipped AuthorizeSecurityGroupIngress by groupId (tcp/22 from 10.0.0.0/8, documented: compliant anywhere but in a default group), moved into the handler's account. */
function privateSshEvent(eventId: string, groupId = 'sg-0a1b2c3d4e5f60012'): CloudTrailEvent {
  const record = JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'authorize', 'ssh-from-private-network.json'), 'utf8'));
  const detail = {
    ...record,
    eventID: eventId,
    recipientAccountId: '626708301729',
    userIdentity: { ...record.userIdentity, accountId: '626708301729', arn: record.userIdentity.arn.replace('111122223333', '626708301729') },
    requestParameters: { ...record.requestParameters, groupId },
  };
  return { version: '0', id: `eb-${eventId}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: '626708301729', time: detail.eventTime, region: detail.awsRegion, resources: [], detail } as CloudTrailEvent;
}

const handlerFor = (e: Record<string, string>) => {
  const logger = new Logger({ serviceName: 'sgwatch' });
  return createHandler(() => buildDeps(e, logger), logger);
};

describe('onChange handler, organisation-wide allow-list (ORG_ACCOUNTS)', () => {
  it('a change of an account outside the list: no EC2 call there, no revoke, one alert about the account, the record kept', async () => {
    const e = await env({ ORG_ID: 'o-abcdefghij', ORG_ACCOUNTS: '444455556666' });
    const handler = handlerFor(e);
    const event = privateSshEvent('outside-1');
    const outside = { ...event, account: '999988887777', detail: { ...(event.detail as Record<string, unknown>), recipientAccountId: '999988887777' } } as CloudTrailEvent;
    const before = ec2.calls().length;
    const out = await handler(outside, context);
    expect(out).toMatchObject({ eventId: 'outside-1', status: 'stored', alert: 'unknown-account' });
    expect(ec2.calls().length).toBe(before); // judged from the event alone: no look-up, no role assumed
    expect(sns.commandCalls(PublishCommand).length).toBeGreaterThan(0);
    const again = await handler({ ...outside, id: 'eb-outside-2', detail: { ...(outside.detail as Record<string, unknown>), eventID: 'outside-2' } } as CloudTrailEvent, context);
    expect(again).toMatchObject({ eventId: 'outside-2', status: 'stored', alert: 'none' });
  });
});

describe('onChange handler', () => {
  it('stores, revokes exactly the offending rule, alerts SNS and Slack once; a redelivery changes nothing', async () => {
    // EC2 still holds the rule as the event recorded it (re-read before the revoke).
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0c609e6f9cdaf10ea', GroupId: 'sg-b0673be3', IsEgress: false, IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, CidrIpv4: '0.0.0.0/0' }] });
    const e = await env();
    const handler = handlerFor(e);
    const first = await handler(fixture(WORLD), context);
    expect(first).toMatchObject({ eventId: 'ed2b58c7-5b71-49d8-9f26-66b695f0e2a7', status: 'stored', outcome: 'violation', severity: 'critical', alert: 'violation', remediation: 'revoked' });
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ GroupId: 'sg-b0673be3', SecurityGroupRuleIds: ['sgr-0c609e6f9cdaf10ea'] }),
    ]);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe(e.ALERT_TOPIC_ARN);
    expect(slackBodies).toHaveLength(1);
    expect(slackBodies[0]).toMatch(/sg-b0673be3/);

    const again = await handler(fixture(WORLD), context);
    expect(again.status).toBe('duplicate');
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(slackBodies).toHaveLength(1);
    // The webhook is read from SSM once per container, decrypted, and never appears in a log line.
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    const text = logs.join('');
    expect(text).toMatch(/"eventId":"ed2b58c7-5b71-49d8-9f26-66b695f0e2a7"/);
    expect(text).not.toContain('XSECRETTOKENX');
  });

  it('a Slack outage makes the invocation fail (so it is retried) after SNS went out; the retry sends only Slack', async () => {
    const e = await env({ REMEDIATION_MODE: 'dry-run' });
    const handler = handlerFor(e);
    slackStatus = 500;
    await expect(handler(fixture(WORLD), context)).rejects.toThrow(/notifySlack/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(logs.join('')).not.toContain('XSECRETTOKENX');
    slackStatus = 200;
    const retry = await handler(fixture(WORLD), context);
    expect(retry).toMatchObject({ status: 'duplicate', remediation: 'would-revoke' });
    expect(slackBodies).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const store = buildDeps(e).pipeline.store;
    expect((await store.get('ed2b58c7-5b71-49d8-9f26-66b695f0e2a7'))?.steps.notifySlack).toMatchObject({ state: 'done', attempts: 2 });
  }, 30_000);

  it('a compliant change is stored and not alerted; a non-security-group event is ignored', async () => {
    const e = await env();
    const handler = handlerFor(e);
    const ok = await handler(fixture('authorize-compliant.eventbridge.json'), context);
    expect(ok).toMatchObject({ status: 'stored', outcome: 'compliant', alert: 'none' });
    const run = fixture(WORLD);
    const other = { ...run, detail: { ...(run.detail as object), eventName: 'RunInstances', eventID: 'run-1' } } as CloudTrailEvent;
    expect((await handler(other, context)).status).toBe('ignored');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0); // the webhook is fetched only when an alert needs it
  });

  it('ModifySecurityGroupRules on the default egress rule: Describe says egress → compliant, no alert, nothing revoked', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: EGRESS_RULE, GroupId: EGRESS_GROUP, IsEgress: true }] });
    const e = await env();
    const out = await handlerFor(e)(modifyEvent('modify-default-egress-description.json', 'c0ffee00-0000-4000-8000-000000000001'), context);
    expect(out).toMatchObject({ status: 'stored', outcome: 'compliant', severity: 'none', alert: 'none', remediation: 'none' });
    // The direction look-up (filtered by group and rule id); the inventory's look-up of the rule's tags asks by id.
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand).flatMap((c) => (c.args[0].input.Filters ? [c.args[0].input.Filters] : []))).toEqual([
      [
        { Name: 'group-id', Values: [EGRESS_GROUP] },
        { Name: 'security-group-rule-id', Values: [EGRESS_RULE] },
      ],
    ]);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(slackBodies).toHaveLength(0);
    // The stored record keeps the recorded change and, apart, the looked-up direction naming its source.
    const stored = await buildDeps(e).pipeline.store.get('c0ffee00-0000-4000-8000-000000000001');
    expect(stored?.result.context?.directions).toEqual({ [EGRESS_RULE]: { value: 'egress', source: 'ec2:DescribeSecurityGroupRules' } });
    const judged = stored && judgedChange(stored.result);
    expect(judged?.rules[0]).toMatchObject({ direction: 'egress', ruleId: EGRESS_RULE });
    expect(judged?.rules[0].directionUnknown).toBeUndefined();
  });

  it('ModifySecurityGroupRules when Describe is denied: alerted as ingress (saying so), the egress rule never revoked, the failure logged', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $fault: 'client', $metadata: {} }));
    // EC2 answers an egress rule id sent to the ingress call with "not found".
    ec2
      .on(RevokeSecurityGroupIngressCommand)
      .rejects(Object.assign(new Error("The security group rule ID 'sgr-0a1b2c3d4e5f60501' does not exist"), { name: 'InvalidSecurityGroupRuleId.NotFound', $fault: 'client', $metadata: {} }));
    const e = await env(); // enforce
    const event = modifyEvent('modify-default-egress-description.json', 'c0ffee00-0000-4000-8000-000000000002');
    // Made with the CLI here: the shipped record's Terraform is alert-only by default (alertOnlyVia), and this test is about the revoke path.
    (event.detail as { userAgent: string }).userAgent = 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64 command/ec2.modify-security-group-rules';
    const out = await handlerFor(e)(event, context);
    expect(out).toMatchObject({ status: 'stored', outcome: 'violation', severity: 'critical', alert: 'violation', remediation: 'alert-only' });
    // Only the judged direction was tried, by id; the egress rule was never touched.
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input.SecurityGroupRuleIds)).toEqual([['sgr-0a1b2c3d4e5f60501']]);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(String(sns.commandCalls(PublishCommand)[0].args[0].input.Message)).toMatch(/does not record the direction/);
    expect(logs.join('')).toMatch(/rule direction unknown.*could not look up the direction of sgr-0a1b2c3d4e5f60501.*UnauthorizedOperation/);
  });

  it('ModifySecurityGroupRules to SSH from the world: Describe says ingress → revoked in enforce mode', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f60211', GroupId: 'sg-0a1b2c3d4e5f60021', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }] });
    const e = await env();
    const out = await handlerFor(e)(modifyEvent('modify-rule-to-ssh-from-world.json', 'c0ffee00-0000-4000-8000-000000000003'), context);
    expect(out).toMatchObject({ outcome: 'violation', severity: 'critical', remediation: 'revoked' });
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ GroupId: 'sg-0a1b2c3d4e5f60021', SecurityGroupRuleIds: ['sgr-0a1b2c3d4e5f60211'] }),
    ]);
  });

  it('a late redelivery after the rule was fixed (same sgr- id, now 10.0.0.0/8): stored and alerted, not revoked, and the alert says why', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f60211', GroupId: 'sg-0a1b2c3d4e5f60021', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '10.0.0.0/8' }] });
    const e = await env(); // enforce
    const out = await handlerFor(e)(modifyEvent('modify-rule-to-ssh-from-world.json', 'c0ffee00-0000-4000-8000-000000000005'), context);
    expect(out).toMatchObject({ status: 'stored', outcome: 'violation', alert: 'violation' });
    expect(out.remediation).not.toBe('revoked');
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(0);
    expect(String(sns.commandCalls(PublishCommand)[0].args[0].input.Message)).toMatch(/changed since the event \(now tcp\/22 from 10\.0\.0\.0\/8\): not revoked/);
  });

  it('ModifySecurityGroupRules without IpProtocol (a compliant tcp/443 rule re-described): alerted on its widest case, saying so, never revoked in enforce mode', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f60211', GroupId: 'sg-0a1b2c3d4e5f60021', IsEgress: false }] });
    const e = await env(); // enforce
    const event = modifyEvent('modify-rule-to-ssh-from-world.json', 'c0ffee00-0000-4000-8000-000000000004');
    const detail = event.detail as { requestParameters: { ModifySecurityGroupRulesRequest: { SecurityGroupRule: { SecurityGroupRule: unknown } } } };
    detail.requestParameters.ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule = { FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0', Description: 'public https' };
    const out = await handlerFor(e)(event, context);
    expect(out).toMatchObject({ status: 'stored', outcome: 'violation', alert: 'violation' });
    expect(out.remediation).not.toBe('revoked');
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(0);
    expect(String(sns.commandCalls(PublishCommand)[0].args[0].input.Message)).toMatch(/left out IpProtocol/);
  });

  it('AuthorizeSecurityGroupIngress by id to a group Describe names `default`: a medium default-group-rule alert, nothing revoked (alert-only rule); one look-up per group per container', async () => {
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-b0673be3'] }).resolves({ SecurityGroups: [{ GroupId: 'sg-b0673be3', GroupName: 'default', VpcId: 'vpc-0a1b2c3d' }] });
    const e = await env(); // enforce
    const handler = handlerFor(e);
    // A documented private SSH rule, added by groupId (the record carries no name).
    const toDefault = (id: string) => privateSshEvent(id, 'sg-b0673be3');
    expect((toDefault('x').detail as { requestParameters: { groupName?: string } }).requestParameters.groupName).toBeUndefined();
    const out = await handler(toDefault('c0ffee00-0000-4000-8000-0000000000d1'), context);
    expect(out).toMatchObject({ status: 'stored', outcome: 'violation', severity: 'medium', alert: 'violation', remediation: 'none' });
    // One call for the name and the inventory's group facts (tags).
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input)).toEqual([{ GroupIds: ['sg-b0673be3'] }]);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const message = String(sns.commandCalls(PublishCommand)[0].args[0].input.Message);
    expect(message).toMatch(/default-group-rule/);
    expect(message).toMatch(/sg-b0673be3 \(default\)/);
    expect(slackBodies).toHaveLength(1);
    const stored = await buildDeps(e).pipeline.store.get('c0ffee00-0000-4000-8000-0000000000d1');
    expect(stored?.result.context?.groupName).toEqual({ value: 'default', source: 'ec2:DescribeSecurityGroups' });
    expect(stored && judgedChange(stored.result)).toMatchObject({ groupId: 'sg-b0673be3', groupName: 'default' });
    expect(stored?.result.verdict.findings.map((f) => f.rule)).toEqual(['default-group-rule']);
    // A second change to the same group in the same container: the name comes from the cache.
    await handler(toDefault('c0ffee00-0000-4000-8000-0000000000d2'), context);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(1);
  });

  it('a denied DescribeSecurityGroups is logged, never fails the invocation: judged as the record says', async () => {
    ec2.on(DescribeSecurityGroupsCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $fault: 'client', $metadata: {} }));
    const e = await env();
    const out = await handlerFor(e)(privateSshEvent('c0ffee00-0000-4000-8000-0000000000d3'), context);
    expect(out).toMatchObject({ status: 'stored', outcome: 'compliant', alert: 'none' });
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(1); // the name and the inventory's group facts share the one (denied) call
    expect(logs.join('')).toMatch(/group name unknown.*could not look up the name of sg-[0-9a-f]+: UnauthorizedOperation/);
  });

  it('only enforce mode builds a remediator', async () => {
    const e = await env({ REMEDIATION_MODE: 'off' });
    expect(buildDeps(e).pipeline.remediator).toBeUndefined();
    expect(buildDeps({ ...e, REMEDIATION_MODE: 'enforce' }).pipeline.remediator).toBeDefined();
  });

  it('ALERT_TOPIC_ARN accepts the topics the SNS notifier publishes to (FIFO included) and nothing else', async () => {
    const e = await env({ REMEDIATION_MODE: 'off' });
    expect(buildDeps({ ...e, ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:626708301729:sgwatch-alerts.fifo' }).pipeline.notifiers.sns?.name).toBe('sns');
    expect(buildDeps({ ...e, ALERT_TOPIC_ARN: 'arn:aws-us-gov:sns:us-gov-west-1:626708301729:alerts' }).pipeline.notifiers.sns?.name).toBe('sns');
    expect(() => buildDeps({ ...e, ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:626708301729:alerts.fifo.x' })).toThrow(/ALERT_TOPIC_ARN is "arn:aws:sns:eu-west-1:626708301729:alerts.fifo.x"; expected an SNS topic ARN/);
    expect(() => buildDeps({ ...e, ALERT_TOPIC_ARN: 'arn:aws:sqs:eu-west-1:626708301729:alerts' })).toThrow(ConfigError);
  });

  it('a bad configuration fails every invocation with a clear message naming the variable', async () => {
    const e = await env({ REMEDIATION_MODE: 'enforced', MIN_ALERT_SEVERITY: 'urgent' });
    const handler = handlerFor(e);
    const err = await handler(fixture(WORLD), context).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/REMEDIATION_MODE is "enforced"; expected one of off, dry-run, enforce/);
    expect((err as Error).message).toMatch(/MIN_ALERT_SEVERITY is "urgent"/);
    expect(() => buildDeps({ ...e, REMEDIATION_MODE: 'off', MIN_ALERT_SEVERITY: 'high', SLACK_WEBHOOK_PARAMETER: `https://hooks.slack.com${SECRET_PATH}` })).toThrow(
      /SLACK_WEBHOOK_PARAMETER looks like a URL/,
    );
    const thrown = captureThrow(() =>
      buildDeps({ ...e, REMEDIATION_MODE: 'off', MIN_ALERT_SEVERITY: 'high', SLACK_WEBHOOK_PARAMETER: `https://hooks.slack.com${SECRET_PATH}` }),
    );
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).not.toContain('XSECRETTOKENX');
    expect(() => buildDeps({ ...e, REMEDIATION_MODE: 'enforce', MIN_ALERT_SEVERITY: 'high', SELF_ROLE_ARNS: '' })).toThrow(/loop guard/);
  });
});

describe('Slack webhook from SSM', () => {
  const alert = { record: { eventId: 'x', result: {} as never, steps: {}, storedAt: '' }, reason: 'violation' as const };

  it('reads the SecureString with decryption once, caches it, refreshes after 15 minutes', async () => {
    // Powertools Parameters keeps the value by Date.now(): the clock is faked (only Date).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    onTestFinished(() => void vi.useRealTimers());
    const made: string[] = [];
    const sent: string[] = [];
    const n = createSsmSlackNotifier({
      ssm: new SSMClient({}),
      parameterName: '/sgwatch/slack',
      make: (url): Notifier => (made.push(url), { name: 'slack', send: async () => void sent.push(url) }),
    });
    await n.send(alert);
    await n.send(alert);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(made).toEqual([slackUrl]);
    vi.setSystemTime(15 * 60_000 - 1);
    await n.send(alert);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    vi.setSystemTime(15 * 60_000 + 1);
    await n.send(alert);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: '/sgwatch/slack', WithDecryption: true });
    expect(made).toEqual([slackUrl]);
    expect(sent).toHaveLength(4);
  });

  it('an SSM failure fails the send (a recorded, retried step) without revealing anything', async () => {
    ssm.reset();
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const n = createSsmSlackNotifier({ ssm: new SSMClient({}), parameterName: '/sgwatch/slack' });
    await expect(n.send(alert)).rejects.toThrow('cannot read the Slack webhook from SSM parameter /sgwatch/slack: AccessDeniedException');
  });
});

/** What `fn` throws, or undefined: so that an assertion on the error runs whether or not it throws. */
function captureThrow(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('onChange handler, a member role that cannot be assumed', () => {
  it('keeps each record, marks its exposure unknown with the reason, and alerts the misconfigured account once a day', async () => {
    const e = await env({ ORG_ID: 'o-abcdefghij', REMEDIATION_MODE: 'dry-run' });
    const handler = handlerFor(e);
    // What the member clients throw when STS refuses (lib/org/member-clients.ts; its own test checks the AssumeRole call).
    const denied = new Error(
      'account 444455556666 is misconfigured for sgwatch: cannot assume arn:aws:iam::444455556666:role/sgwatch-member (AccessDenied: not authorized to perform sts:AssumeRole); deploy the member template there, or check its CentralRoleArn and OrgId',
    );
    ec2.on(DescribeNetworkInterfacesCommand).rejects(denied);
    ec2.on(DescribeSecurityGroupsCommand).rejects(denied);
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(denied);
    const member = (id: string) => {
      const event = privateSshEvent(id);
      return { ...event, account: '444455556666', detail: { ...(event.detail as Record<string, unknown>), recipientAccountId: '444455556666' } } as CloudTrailEvent;
    };
    const roleAlerts = () => slackBodies.filter((b) => b.includes('sgwatch-member role cannot be assumed'));
    const first = await handler(member('role-1'), context);
    expect(first).toMatchObject({ eventId: 'role-1', status: 'stored' });
    expect(roleAlerts()).toHaveLength(1);
    expect(roleAlerts()[0]).toContain('444455556666');
    const second = await handler(member('role-2'), context);
    expect(second).toMatchObject({ eventId: 'role-2', status: 'stored' });
    expect(roleAlerts()).toHaveLength(1);
    // Both records are kept, with the reason their exposure is unknown.
    const { createDynamoStore } = await import('../../lib/store/dynamodb');
    const store = createDynamoStore({ tableName: e.TABLE_NAME, endpoint: embedded.endpoint });
    for (const id of ['role-1', 'role-2']) {
      const stored = await store.get(id);
      expect(stored?.result.change?.account).toBe('444455556666');
      expect(JSON.stringify(stored?.result)).toContain('is misconfigured for sgwatch');
    }
  });
});
