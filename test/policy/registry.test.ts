/**
 * The policy-rule registry (lib/policy/rules/): one module per rule id,
 * holding its check, its message and its rationale; evaluate.ts, the alerts
 * and (later) the audit read only the registry.
 */
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../lib/policy/compile';
import { judgeRule } from '../../lib/policy/evaluate';
import { defaultPolicy, evaluate } from '../../lib/policy';
import { CALL_CHECKS, POLICY_RULES, RULE_CHANGE_CHECKS, whyItMatters } from '../../lib/policy/rules';
import { RULE_IDS } from '../../lib/policy/types';
import type { Finding } from '../../lib/model';
import { change, rule } from './builders';

describe('policy-rule registry', () => {
  it('has one check per rule id, keyed by its own id, in RULE_IDS order', () => {
    expect(Object.keys(POLICY_RULES)).toEqual([...RULE_IDS]);
    for (const id of RULE_IDS) expect(POLICY_RULES[id].id).toBe(id);
    expect([...RULE_CHANGE_CHECKS, ...CALL_CHECKS].map((c) => c.id).sort()).toEqual([...RULE_IDS].sort());
    expect(CALL_CHECKS.map((c) => c.id)).toEqual(['denied-change-attempt']);
  });

  it('gives every rule a rationale of its own, and falls back to the message for an unknown id', () => {
    const whys = RULE_IDS.map((id) => whyItMatters(id, 'FALLBACK'));
    expect(whys).not.toContain('FALLBACK');
    expect(new Set(whys).size).toBe(RULE_IDS.length);
    expect(whyItMatters('custom-rule', 'custom message')).toBe('custom message');
    // An Object.prototype name is not a rule id.
    expect(whyItMatters('constructor', 'custom message')).toBe('custom message');
  });

  it('judges a standing rule (the audit path) exactly as evaluate judges the change that added it', () => {
    const cp = compilePolicy(defaultPolicy());
    for (const r of [rule('0.0.0.0/0', 22), rule('0.0.0.0/0', null, null, { protocol: '-1' }), rule('203.0.113.9/32', 3389, 3389, { description: '' }), rule('::/0', 8080)]) {
      const c = change([r]);
      const out: Finding[] = [];
      judgeRule(c, r, cp, out);
      expect(out.map((f) => [f.rule, f.message])).toEqual(evaluate(c, defaultPolicy()).findings.map((f) => [f.rule, f.message]));
      expect(out.length).toBeGreaterThan(0);
    }
  });

  it('lists findings in registry order whatever order the checks fire in', () => {
    const all = evaluate(change([rule('0.0.0.0/0', 0, 65535, { description: ' ' })], { groupName: 'default' }), defaultPolicy()).findings.map((f) => f.rule);
    expect(all).toEqual(RULE_IDS.filter((id) => all.includes(id)));
    expect(all).toEqual(['public-all-ports', 'public-admin-port', 'public-high-risk-port', 'default-group-rule', 'undocumented-rule']);
  });

  it('skips a disabled check, and a disabled public-* check does not suppress public-unapproved-port', () => {
    const d = defaultPolicy();
    const p = { ...d, rules: { ...d.rules, "public-admin-port": { ...d.rules["public-admin-port"], enabled: false } } };
    const ids = evaluate(change([rule('0.0.0.0/0', 22)]), p).findings.map((f) => f.rule);
    expect(ids).not.toContain('public-admin-port');
    expect(ids).toContain('public-unapproved-port');
  });
});
