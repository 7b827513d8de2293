import 'aws-sdk-client-mock-vitest/extend';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildSnsMessage, createSnsNotifier, SNS_MAX_BYTES } from '../../lib/alerts/sns';
import { actor, alert, exception, finding, outcome, rule } from './builders';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:sgwatch-alerts';
const sns = mockClient(SNSClient);
beforeEach(() => sns.reset());

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

describe('buildSnsMessage', () => {
  it('subject, structure, attributes and bodies', () => {
    const msg = buildSnsMessage(alert({ remediation: outcome(), verdict: { findings: [finding(), finding({ rule: 'undocumented-rule', severity: 'info', remediation: 'alert' })] } }));
    expect(msg.Subject).toBe('[CRITICAL] sgwatch: public-admin-port on sg-0123456789abcdef0 (111122223333/eu-west-1)');
    expect(msg.MessageStructure).toBe('json');
    const parsed = JSON.parse(msg.Message);
    expect(Object.keys(parsed).sort()).toEqual(['default', 'email', 'email-json', 'firehose', 'http', 'https', 'lambda', 'sqs']);
    expect(parsed.email).toBe(parsed.default);
    expect(parsed.default).toContain('CRITICAL: public-admin-port on sg-0123456789abcdef0');
    expect(parsed.default).toContain('Actor:          Admin/alice via AWS CLI (MFA)');
    expect(parsed.default).toContain('Rule:        tcp/22 (SSH) from 0.0.0.0/0 (anywhere, IPv4) — ingress [sgr-0aaaaaaaaaaaaaaa1]');
    expect(parsed.default).toContain('Why:         Remote administration');
    expect(parsed.default).toContain('Revoked 1 rule (sgr-0aaaaaaaaaaaaaaa1).');
    expect(parsed.default).toContain('CloudTrail event: https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60');
    const machine = JSON.parse(parsed.sqs);
    expect(parsed.lambda).toBe(parsed.sqs);
    expect(parsed.https).toBe(parsed.sqs);
    expect(machine).toMatchObject({
      schema: 'sgwatch.alert/v1',
      reason: 'violation',
      severity: 'critical',
      outcome: 'violation',
      rules: ['public-admin-port', 'undocumented-rule'],
      remediation: { status: 'revoked', ruleIds: ['sgr-0aaaaaaaaaaaaaaa1'] },
      result: { change: { groupId: 'sg-0123456789abcdef0', rules: [{ ruleId: 'sgr-0aaaaaaaaaaaaaaa1' }] }, verdict: { outcome: 'violation' } },
    });
    expect(machine.truncated).toBeUndefined();
    expect(msg.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      outcome: { DataType: 'String', StringValue: 'violation' },
      rule: { DataType: 'String.Array', StringValue: '["public-admin-port","undocumented-rule"]' },
      account: { DataType: 'String', StringValue: '111122223333' },
      region: { DataType: 'String', StringValue: 'eu-west-1' },
      eventName: { DataType: 'String', StringValue: 'AuthorizeSecurityGroupIngress' },
      remediation: { DataType: 'String', StringValue: 'revoked' },
      alertReason: { DataType: 'String', StringValue: 'violation' },
      groupId: { DataType: 'String', StringValue: 'sg-0123456789abcdef0' },
    });
  });

  it('subject stays < 100 printable ASCII chars with a hostile group name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 50 }), (name, region) => {
        const msg = buildSnsMessage(alert({ change: { groupId: null, groupName: name, region, account: '\n\r111' } }));
        expect(msg.Subject.length).toBeLessThan(100);
        expect(msg.Subject).toMatch(/^[\x21-\x7e][\x20-\x7e]*$/);
        for (const a of Object.values(msg.MessageAttributes)) expect(a.StringValue).not.toMatch(CONTROL);
      }),
      { numRuns: 300 },
    );
    const long = buildSnsMessage(alert({ change: { groupId: null, groupName: 'x'.repeat(300) } }));
    expect(long.Subject).toMatch(/^\[CRITICAL\] sgwatch: public-admin-port on x+\.\.\. \(111122223333\/eu-west-1\)$/);
  });

  it('the e-mail body strips control characters and keeps user text on its own line', () => {
    const r = rule({ description: 'ok\n\nFINDINGS\n  - fake (info)\u001b[2J' });
    const msg = buildSnsMessage(
      alert({ change: { rules: [r], actor: actor({ userAgent: 'ua\r\nBcc: x@example.com' }) }, verdict: { findings: [finding({ target: r })], exceptions: [exception()] } }),
    );
    const body: string = JSON.parse(msg.Message).default;
    expect(body).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(body).toContain('Description: "ok  FINDINGS   - fake (info)[2J"');
    expect(body).not.toMatch(/^Bcc:/m);
    expect(body).toContain('EXCEPTIONS APPLIED');
    expect(body).toContain('bastion-ssh until 2099-01-01: public-admin-port');
  });

  it('keeps the message under 256 KB, truncating rules and saying so', () => {
    const rules = Array.from({ length: 5000 }, (_, i) => rule({ ruleId: `sgr-0${String(i).padStart(16, '0')}`, description: 'd'.repeat(200) }));
    const findings = rules.slice(0, 400).map((target) => finding({ target }));
    const msg = buildSnsMessage(alert({ change: { rules }, verdict: { findings } }));
    expect(Buffer.byteLength(msg.Message) + Buffer.byteLength(msg.Subject)).toBeLessThan(SNS_MAX_BYTES);
    const machine = JSON.parse(JSON.parse(msg.Message).sqs);
    expect(machine.truncated.rules.total).toBe(5000);
    expect(machine.truncated.rules.kept).toBe(machine.result.change.rules.length);
    expect(machine.truncated.rules.kept).toBeGreaterThan(0);
    expect(machine.truncated.rules.kept).toBeLessThan(5000);
  });

  it('a denied attempt without findings on rules still gets a rule attribute', () => {
    const msg = buildSnsMessage(
      alert({
        reason: 'denied-change-attempt',
        change: { error: { code: 'Client.UnauthorizedOperation', denied: true } },
        verdict: { outcome: 'failed-call', severity: 'medium', findings: [finding({ rule: 'denied-change-attempt', severity: 'medium', target: undefined, remediation: 'alert' })] },
      }),
    );
    expect(msg.MessageAttributes.rule.StringValue).toBe('["denied-change-attempt"]');
    expect(msg.MessageAttributes.outcome.StringValue).toBe('failed-call');
    expect(JSON.parse(msg.Message).default).toContain('The call FAILED with Client.UnauthorizedOperation');
  });
});

describe('createSnsNotifier', () => {
  it('publishes to the topic with the built message', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const n = createSnsNotifier({ topicArn: TOPIC, client: new SNSClient({ region: 'eu-west-1' }) });
    expect(n.name).toBe('sns');
    const a = alert();
    await n.send(a);
    const built = buildSnsMessage(a);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: built.Subject,
      Message: built.Message,
      MessageStructure: 'json',
      MessageAttributes: built.MessageAttributes,
    });
  });

  it('FIFO topics get a group and a dedup id from the event id', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const n = createSnsNotifier({ topicArn: TOPIC + '.fifo', client: new SNSClient({}) });
    await n.send(alert());
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageGroupId: 'sg-0123456789abcdef0',
      MessageDeduplicationId: '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60:violation',
    });
  });

  it('a publish error is reported with its code, no stack', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Invalid parameter: Subject'), { name: 'InvalidParameterException' }));
    const n = createSnsNotifier({ topicArn: TOPIC, client: new SNSClient({}) });
    await expect(n.send(alert())).rejects.toThrow(`SNS publish to ${TOPIC} failed: InvalidParameterException: Invalid parameter: Subject`);
  });

  it('rejects a malformed topic ARN', () => {
    expect(() => createSnsNotifier({ topicArn: 'arn:aws:sns:eu-west-1:1:x\n' })).toThrow(/SNS topic ARN is not valid/);
  });
});
