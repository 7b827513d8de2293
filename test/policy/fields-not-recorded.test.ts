/**
 * ModifySecurityGroupRules may leave fields out of the inner rule; a left-out
 * field keeps the rule's current value, which CloudTrail does not record.
 * The rule is judged on its widest case (an alert, never a silent miss), the
 * finding says so, and the plan never revokes it: a compliant tcp/443 rule
 * modified without IpProtocol is not "all traffic".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalise } from '../../lib/cloudtrail/normalise';
import { defaultPolicy } from '../../lib/policy';
import { evaluate } from '../../lib/policy/evaluate';
import type { Change } from '../../lib/model';

const base = JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'modify', 'modify-rule-to-ssh-from-world.json'), 'utf8'));

function modifyWith(inner: Record<string, unknown>): Change {
  const record = structuredClone(base);
  record.requestParameters.ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule = inner;
  const r = normalise(record);
  if (r.status !== 'change') throw new Error(`expected a change, got ${r.status}`);
  return r.change;
}

describe('ModifySecurityGroupRules with fields left out', () => {
  it('the full shipped record has no fieldsNotRecorded and is revoked as before', () => {
    const r = normalise(base);
    expect(r.status).toBe('change');
    const c = (r as { change: Change }).change;
    expect(c.rules[0].fieldsNotRecorded).toBeUndefined();
    expect(evaluate(c, defaultPolicy(), { mode: 'enforce' }).remediation).toMatchObject({ action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60211'] });
  });

  it('no IpProtocol: judged as all traffic (alert), the finding says why, and nothing is revoked', () => {
    const c = modifyWith({ FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0', Description: 'https' });
    expect(c.rules[0]).toMatchObject({ protocol: '-1', fieldsNotRecorded: ['IpProtocol'], ruleId: 'sgr-0a1b2c3d4e5f60211' });
    const v = evaluate(c, defaultPolicy(), { mode: 'enforce' });
    expect(v).toMatchObject({ outcome: 'violation', severity: 'critical' });
    expect(v.findings.map((f) => f.rule)).toContain('public-all-ports');
    for (const f of v.findings) expect(f.message).toMatch(/request left out IpProtocol, so the rule kept its current value, which CloudTrail does not record/);
    expect(v.remediation).toMatchObject({ mode: 'enforce', action: 'none', ruleIds: [], permissions: [] });
    expect(v.remediation.reason).toBe('not revoking sgr-0a1b2c3d4e5f60211 (request left out IpProtocol): the record does not say what the rule is now');
  });

  it('tcp without ports: judged on every port, not revoked', () => {
    const c = modifyWith({ IpProtocol: 'tcp', CidrIpv4: '0.0.0.0/0' });
    expect(c.rules[0].fieldsNotRecorded).toEqual(['FromPort', 'ToPort']);
    const v = evaluate(c, defaultPolicy(), { mode: 'enforce' });
    expect(v.findings.map((f) => f.rule)).toContain('public-admin-port');
    expect(v.remediation.action).toBe('none');
  });

  it('no source: listed as not recorded (nothing to judge the source on), never revoked', () => {
    const c = modifyWith({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 });
    expect(c.rules[0].fieldsNotRecorded).toEqual(['source']);
    expect(evaluate(c, defaultPolicy(), { mode: 'enforce' }).remediation.action).toBe('none');
  });

  it('a complete rule beside an incomplete one: only the complete one is planned, and the plan says which was skipped', () => {
    const record = structuredClone(base);
    const req = record.requestParameters.ModifySecurityGroupRulesRequest;
    req.SecurityGroupRule = [
      { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f60211', SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' } },
      { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f60212', SecurityGroupRule: { FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' } },
    ];
    const r = normalise(record);
    const v = evaluate((r as { change: Change }).change, defaultPolicy(), { mode: 'enforce' });
    expect(v.remediation).toMatchObject({ action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60211'], permissions: [] });
    expect(v.remediation.reason).toMatch(/not revoking sgr-0a1b2c3d4e5f60212 \(request left out IpProtocol\)/);
  });
});
