/**
 * A rule whose direction the record does not state (`directionUnknown`,
 * ModifySecurityGroupRules) is judged as ingress (an alert, not silence),
 * its findings say so, and the plan names it by id (the modified rule):
 * the remediator revokes an id only in the direction it was judged in.
 */
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../lib/policy';
import { evaluate } from '../../lib/policy/evaluate';
import type { Policy } from '../../lib/policy/types';
import type { RuleChange } from '../../lib/model';
import { actor, change, rule } from './builders';

const NOTE = 'CloudTrail does not record the direction of a ModifySecurityGroupRules rule; judged as ingress';
const modified = (r: RuleChange, id: string): RuleChange => ({ ...r, action: 'modify', ruleId: id, directionUnknown: true });
const modifyChange = (rules: RuleChange[], extra = {}) => change(rules, { eventName: 'ModifySecurityGroupRules', kind: 'modify-rules', ...extra });

const ALL = modified(rule('0.0.0.0/0', null, null, { protocol: '-1', description: 'Allow all outbound traffic' }), 'sgr-0a1b2c3d4e5f60501');
const SSH = modified(rule('0.0.0.0/0', 22), 'sgr-0a1b2c3d4e5f60211');

describe('rules of unknown direction', () => {
  it('are judged as ingress: the same findings as a known ingress rule, each message saying it is a guess', () => {
    const guessed = evaluate(modifyChange([ALL]), defaultPolicy());
    const { directionUnknown: _f, ...knownAll } = ALL;
    const known = evaluate(modifyChange([knownAll]), defaultPolicy());
    expect(guessed.findings.map((f) => f.rule)).toEqual(known.findings.map((f) => f.rule));
    expect(guessed.findings.map((f) => f.rule)).toEqual(['public-all-ports', 'public-admin-port', 'public-high-risk-port']);
    expect(guessed).toMatchObject({ outcome: 'violation', severity: 'critical' });
    for (const f of guessed.findings) expect(f.message).toContain(NOTE);
    for (const f of known.findings) expect(f.message).not.toContain('does not record the direction');
    // Revoking findings also say how the revoke is kept safe; alert-only ones do not claim it.
    const byRule = Object.fromEntries(guessed.findings.map((f) => [f.rule, f.message]));
    expect(byRule['public-all-ports']).toMatch(/asks EC2 for its direction before revoking and never revokes it as anything else\.$/);
    expect(byRule['public-high-risk-port']).not.toMatch(/before revoking/);
  });

  it('are judged as ingress even if a caller left direction egress beside the flag', () => {
    const v = evaluate(modifyChange([{ ...ALL, direction: 'egress' }]), defaultPolicy());
    expect(v.findings.map((f) => f.rule)).toContain('public-all-ports');
  });

  it('are planned by their id, the modified rule, exactly as issue 2 asks; never as a permission built on a guess', () => {
    const v = evaluate(modifyChange([SSH]), defaultPolicy(), { mode: 'enforce' });
    expect(v.remediation).toMatchObject({ mode: 'enforce', action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60211'], permissions: [] });
    // Without an id: no permission is built from a guessed direction.
    const { ruleId: _id, ...noId } = SSH;
    const v2 = evaluate(modifyChange([noId]), defaultPolicy());
    expect(v2.remediation).toMatchObject({ action: 'none', ruleIds: [], permissions: [] });
  });

  it('a known offending rule beside a guessed one: both ids are planned', () => {
    const known = { ...rule('0.0.0.0/0', 3389), action: 'modify' as const, ruleId: 'sgr-0a1b2c3d4e5f60212' };
    const v = evaluate(modifyChange([SSH, known]), defaultPolicy());
    expect(v.remediation).toMatchObject({ action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60211', 'sgr-0a1b2c3d4e5f60212'], permissions: [] });
  });

  it('other reasons for not revoking keep precedence (mode off, alert-only actor)', () => {
    expect(evaluate(modifyChange([SSH]), defaultPolicy(), { mode: 'off' }).remediation.reason).toBe('remediation is off');
    const policy = { ...defaultPolicy(), alertOnlyActors: [{ arn: 'arn:aws:iam::111122223333:user/alice', reason: 'break-glass' }] } as unknown as Policy;
    const v = evaluate(modifyChange([SSH], { actor: actor() }), policy);
    expect(v.remediation.reason).toMatch(/is alert-only/);
  });

  it('an exception still silences a guessed rule like any other', () => {
    const policy = { ...defaultPolicy(), exceptions: [{ id: 'egress-desc', ruleId: 'sgr-0a1b2c3d4e5f60501', reason: 'default egress rule' }] } as unknown as Policy;
    const v = evaluate(modifyChange([ALL]), policy);
    expect(v).toMatchObject({ outcome: 'compliant', findings: [] });
    expect(v.exceptions.map((e) => e.id)).toEqual(['egress-desc', 'egress-desc', 'egress-desc']);
  });
});
