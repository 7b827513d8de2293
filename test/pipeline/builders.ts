/** Small builders of Results as the core produces them, for store and pipeline tests. */
import type { Change, ChangeResult, Finding, Result, RuleChange, Severity, Verdict } from '../../lib/model';
import type { HistoryRecord } from '../../lib/pipeline/ports';

export const ACCOUNT = '111122223333';
export const SELF_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/sgwatch-dev-us-east-1-lambdaRole`;

export function sshRule(ruleId = 'sgr-0aaa'): RuleChange {
  return { action: 'add', direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' }, ruleId, description: '<!channel> ssh' };
}

export function change(over: Partial<Change> = {}): Change {
  return {
    eventId: over.eventId ?? 'ev-1',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2024-05-01T10:00:00Z',
    account: ACCOUNT,
    region: 'us-east-1',
    eventSource: 'ec2.amazonaws.com',
    actor: { arn: `arn:aws:iam::${ACCOUNT}:user/alice`, type: 'IAMUser', name: 'alice', via: 'console' },
    kind: 'authorize',
    groupId: 'sg-0123',
    rules: [sshRule()],
    ...over,
  };
}

export function finding(rule: string, severity: Severity, remediation: 'revoke' | 'alert' = 'alert', target?: RuleChange): Finding {
  return { rule, severity, message: `${rule} fired`, remediation, ...(target ? { target } : {}) };
}

export function violation(over: Partial<Change> = {}, opts: { severity?: Severity; revoke?: string[]; rule?: string; mode?: Verdict['remediation']['mode'] } = {}): ChangeResult {
  const c = change(over);
  const severity = opts.severity ?? 'critical';
  const revoke = opts.revoke ?? ['sgr-0aaa'];
  return {
    source: `test#${c.eventId}`,
    change: c,
    verdict: {
      outcome: 'violation',
      severity,
      findings: [finding(opts.rule ?? 'public-admin-port', severity, revoke.length ? 'revoke' : 'alert', c.rules[0])],
      exceptions: [],
      remediation: { mode: opts.mode ?? 'enforce', action: revoke.length ? 'revoke' : 'none', ruleIds: revoke, permissions: [] },
    },
  };
}

export function compliant(over: Partial<Change> = {}): ChangeResult {
  const c = change({ rules: [{ ...sshRule(), source: { kind: 'cidr4', cidr: '10.0.0.0/8' } }], ...over });
  return {
    source: `test#${c.eventId}`,
    change: c,
    verdict: { outcome: 'compliant', severity: 'none', findings: [], exceptions: [], remediation: { mode: 'enforce', action: 'none', ruleIds: [], permissions: [] } },
  };
}

export function recordOf(result: Result, storedAt = '2024-05-01T10:00:05Z'): HistoryRecord {
  return { eventId: result.change!.eventId, result, steps: {}, storedAt };
}
