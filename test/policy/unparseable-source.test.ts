/** Unparseable CIDRs (issue 11): judged compliant with no note before; now a finding of their own. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, evaluate } from '../../lib/policy';
import { processRecord } from '../../lib/process';
import { change, rule } from './builders';

describe('unparseable-source', () => {
  it.each(['999.1.1.1/33', '10.0.0.0/abc', '2001:db8::zz/64', 'not a cidr'])('%s: one medium alert-only finding, never compliant, never revoked', (cidr) => {
    const v = evaluate(change([rule(cidr, 22)]), defaultPolicy(), { mode: 'enforce' });
    expect(v.outcome).toBe('violation');
    expect(v.findings.map((f) => [f.rule, f.severity, f.remediation])).toEqual([['unparseable-source', 'medium', 'alert']]);
    expect(v.findings[0].message).toContain(`source ${JSON.stringify(cidr)} is not a valid CIDR`);
    expect(v.remediation.action).not.toBe('revoke');
  });

  it('applies to egress rules too, and a valid CIDR never fires it', () => {
    expect(evaluate(change([rule('999.1.1.1/33', 443, 443, { direction: 'egress' })]), defaultPolicy()).findings.map((f) => f.rule)).toEqual(['unparseable-source']);
    expect(evaluate(change([rule('203.0.113.0/24', 443)]), defaultPolicy()).findings.map((f) => f.rule)).not.toContain('unparseable-source');
  });

  it('from a real CloudTrail record shape', () => {
    const record = JSON.parse(readFileSync('events/authorize/ssh-open-to-world.json', 'utf8'));
    const text = JSON.stringify(record).replaceAll('"0.0.0.0/0"', '"999.1.1.1/33"');
    expect(text).toContain('999.1.1.1/33');
    const r = processRecord('x.json#0', JSON.parse(text), { policy: defaultPolicy(), mode: 'dry-run' });
    expect(r.verdict.findings.map((f) => f.rule)).toContain('unparseable-source');
  });
});
