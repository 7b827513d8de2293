import { describe, expect, it } from 'vitest';
import { evaluate, parsePolicy } from '../../lib/policy';
import { actor, change, rule } from './builders';

const policy = parsePolicy(
  `alertOnlyActors:
  - arn: "arn:aws:iam::*:role/cloudformation-*"
    reason: CloudFormation deploys; fix the template
`,
  'remediation.yml',
);

describe('remediation plan', () => {
  it('revokes exactly the bad rule when a call adds one bad and one good rule', () => {
    const bad = rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0bad0bad0bad0bad0' });
    const good = rule('10.0.0.0/8', 22, 22, { ruleId: 'sgr-0good0good0good0' });
    const alertOnly = rule('0.0.0.0/0', 3306, 3306, { ruleId: 'sgr-0a1e7a1e7a1e7a1e7' }); // high, alert
    const v = evaluate(change([bad, good, alertOnly]), policy);
    expect(v.remediation).toEqual({ mode: 'dry-run', action: 'revoke', ruleIds: ['sgr-0bad0bad0bad0bad0'], permissions: [] });
  });

  it('dedupes ids when several revoke findings hit one rule', () => {
    const all = rule('0.0.0.0/0', null, null, { protocol: '-1', ruleId: 'sgr-0aaaaaaaaaaaaaaaa' });
    const v = evaluate(change([all]), policy);
    expect(v.findings.filter((f) => f.remediation === 'revoke')).toHaveLength(2);
    expect(v.remediation.ruleIds).toEqual(['sgr-0aaaaaaaaaaaaaaaa']);
  });

  it('ModifySecurityGroupRules: the modified rule id', () => {
    const modified = rule('0.0.0.0/0', 3389, 3389, { action: 'modify', ruleId: 'sgr-0123456789abcdef0' });
    const v = evaluate(change([modified], { kind: 'modify-rules', eventName: 'ModifySecurityGroupRules' }), policy);
    expect(v.remediation).toMatchObject({ action: 'revoke', ruleIds: ['sgr-0123456789abcdef0'], permissions: [] });
  });

  it('permissions for offending rules without ids (old records), deduped', () => {
    const r1 = rule('0.0.0.0/0', 22);
    const r2 = rule('0.0.0.0/0', 22);
    const ok = rule('0.0.0.0/0', 443);
    const v = evaluate(change([r1, r2, ok]), policy);
    expect(v.remediation.ruleIds).toEqual([]);
    expect(v.remediation.permissions).toEqual([
      { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } },
    ]);
  });

  it('alert-only findings plan nothing', () => {
    const v = evaluate(change([rule('0.0.0.0/0', 3306, 3306, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' })]), policy);
    expect(v.outcome).toBe('violation');
    expect(v.remediation).toEqual({ mode: 'dry-run', action: 'none', ruleIds: [], permissions: [] });
  });

  it('mode off: none, "remediation is off"', () => {
    const v = evaluate(change([rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' })]), policy, { mode: 'off' });
    expect(v.outcome).toBe('violation');
    expect(v.remediation).toEqual({ mode: 'off', action: 'none', ruleIds: [], permissions: [], reason: 'remediation is off' });
  });

  it('mode enforce plans the same revoke; default mode is dry-run', () => {
    const c = change([rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' })]);
    expect(evaluate(c, policy).remediation.mode).toBe('dry-run');
    expect(evaluate(c, policy, { mode: 'enforce' }).remediation).toMatchObject({ mode: 'enforce', action: 'revoke' });
  });

  it('alert-only actor (matched on the assumed role ARN): alert, never revoke, reason names the entry', () => {
    const cfn = actor('arn:aws:sts::111122223333:assumed-role/cloudformation-deploy/session-1', {
      roleArn: 'arn:aws:iam::111122223333:role/cloudformation-deploy',
      via: 'cloudformation',
    });
    const v = evaluate(change([rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' })], { actor: cfn }), policy);
    expect(v.outcome).toBe('violation');
    expect(v.remediation.action).toBe('none');
    expect(v.remediation.ruleIds).toEqual([]);
    expect(v.remediation.reason).toContain('alertOnlyActors[0]');
    expect(v.remediation.reason).toContain('CloudFormation deploys');
  });

  it('another actor is not alert-only', () => {
    const v = evaluate(change([rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' })], { actor: actor('arn:aws:iam::111122223333:role/cloudformation') }), policy);
    expect(v.remediation.action).toBe('revoke');
  });

  it('a revoke is never a violation and plans nothing', () => {
    const removed = rule('0.0.0.0/0', 22, 22, { action: 'remove', ruleId: 'sgr-0aaaaaaaaaaaaaaaa' });
    const v = evaluate(change([removed], { kind: 'revoke', eventName: 'RevokeSecurityGroupIngress' }), policy, { mode: 'enforce' });
    expect(v).toMatchObject({ outcome: 'compliant', findings: [], remediation: { action: 'none', ruleIds: [] } });
  });

  it('no group id: cannot revoke safely', () => {
    const v = evaluate(change([rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' })], { groupId: null, groupName: 'web' }), policy);
    expect(v.remediation).toMatchObject({ action: 'none', reason: expect.stringMatching(/no group id/) });
  });

  it('per-rule remediation comes from the policy', () => {
    const p = parsePolicy('rules:\n  public-high-risk-port: { remediation: revoke }\n  public-admin-port: { remediation: alert }\n', 'p.yml');
    const v = evaluate(
      change([rule('0.0.0.0/0', 3306, 3306, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' }), rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0bbbbbbbbbbbbbbbb' })]),
      p,
    );
    expect(v.remediation.ruleIds).toEqual(['sgr-0aaaaaaaaaaaaaaaa']);
  });
});
