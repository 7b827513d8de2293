/**
 * Small builders for alert/remediation tests: a realistic Change, Finding,
 * ChangeResult, HistoryRecord and Alert with overridable parts. Independent of the
 * CloudTrail normaliser and the policy engine on purpose.
 */
import type { Actor, AppliedException, Change, Finding, RemediationPlan, ChangeOutcome, ChangeResult, Result, RuleChange, Verdict } from '../../lib/model';
import type { Alert, HistoryRecord, RemediationOutcome } from '../../lib/pipeline/ports';

export const GROUP_ID = 'sg-0123456789abcdef0';
export const EVENT_ID = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

export function rule(over: Partial<RuleChange> = {}): RuleChange {
  return {
    action: 'add',
    direction: 'ingress',
    protocol: 'tcp',
    fromPort: 22,
    toPort: 22,
    source: { kind: 'cidr4', cidr: '0.0.0.0/0' },
    description: 'ssh for the team',
    ruleId: 'sgr-0aaaaaaaaaaaaaaa1',
    ...over,
  };
}

export function actor(over: Partial<Actor> = {}): Actor {
  return {
    arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice',
    type: 'AssumedRole',
    name: 'Admin/alice',
    roleArn: 'arn:aws:iam::111122223333:role/Admin',
    accountId: ACCOUNT,
    sourceIp: '203.0.113.9',
    userAgent: 'aws-cli/2.15.0 Python/3.11',
    via: 'cli',
    mfa: true,
    ...over,
  };
}

export function change(over: Partial<Change> = {}): Change {
  return {
    eventId: EVENT_ID,
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2024-05-01T12:00:00Z',
    account: ACCOUNT,
    region: REGION,
    eventSource: 'ec2.amazonaws.com',
    actor: actor(),
    kind: 'authorize',
    groupId: GROUP_ID,
    groupName: 'web-sg',
    vpcId: 'vpc-0123456789abcdef0',
    rules: [rule()],
    ...over,
  };
}

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    rule: 'public-admin-port',
    severity: 'critical',
    message: 'SSH (tcp/22) is open to the internet (0.0.0.0/0).',
    target: rule(),
    remediation: 'revoke',
    ...over,
  };
}

export function plan(over: Partial<RemediationPlan> = {}): RemediationPlan {
  return { mode: 'enforce', action: 'revoke', ruleIds: ['sgr-0aaaaaaaaaaaaaaa1'], permissions: [], ...over };
}

export function verdict(over: Partial<Verdict<ChangeOutcome>> = {}): Verdict<ChangeOutcome> {
  return {
    outcome: 'violation',
    severity: 'critical',
    findings: [finding()],
    exceptions: [],
    remediation: plan(),
    ...over,
  };
}

export function result(over: { change?: Partial<Change>; verdict?: Partial<Verdict<ChangeOutcome>> } = {}): ChangeResult {
  return { source: 'events/x.json#0', change: change(over.change), verdict: verdict(over.verdict) };
}

export function record(res: Result = result(), over: Partial<HistoryRecord> = {}): HistoryRecord {
  return { eventId: res.change?.eventId ?? EVENT_ID, result: res, steps: {}, storedAt: '2024-05-01T12:00:05Z', ...over };
}

export function outcome(over: Partial<RemediationOutcome> = {}): RemediationOutcome {
  return { mode: 'enforce', status: 'revoked', ruleIds: ['sgr-0aaaaaaaaaaaaaaa1'], permissionsRevoked: 0, ...over };
}

export function alert(
  over: { change?: Partial<Change>; verdict?: Partial<Verdict<ChangeOutcome>>; remediation?: RemediationOutcome; reason?: Alert['reason'] } = {},
): Alert {
  return { record: record(result(over)), remediation: over.remediation, reason: over.reason ?? 'violation' };
}

export function exception(over: Partial<AppliedException> = {}): AppliedException {
  return { id: 'bastion-ssh', reason: 'bastion host, reviewed by SecOps', until: '2099-01-01', rule: 'public-admin-port', target: rule(), ...over };
}
