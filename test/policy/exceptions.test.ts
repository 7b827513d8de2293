import { describe, expect, it } from 'vitest';
import { evaluate, parsePolicy } from '../../lib/policy';
import { actor, change, rule } from './builders';

const GROUP = 'sg-0123456789abcdef0';

function policyWith(exceptions: string) {
  return parsePolicy(`exceptions:\n${exceptions}`, 'exceptions.yml');
}

const bastion = policyWith(`  - id: bastion-ssh
    groupId: ${GROUP}
    protocol: tcp
    port: 22
    cidr: 0.0.0.0/0
    rules: [public-admin-port]
    reason: public bastion, key-only SSH (SEC-123)
    until: "2024-06-30"
`);

const sshFromWorld = (extra = {}) => rule('0.0.0.0/0', 22, 22, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa', ...extra });

describe('exceptions', () => {
  it('an active exception silences the finding, is reported, and nothing is revoked', () => {
    const v = evaluate(change([sshFromWorld()], { eventTime: '2024-06-30T23:59:59Z' }), bastion);
    expect(v.outcome).toBe('compliant');
    expect(v.findings).toEqual([]);
    expect(v.exceptions).toEqual([
      { id: 'bastion-ssh', reason: 'public bastion, key-only SSH (SEC-123)', until: '2024-06-30', rule: 'public-admin-port', target: expect.objectContaining({ ruleId: 'sgr-0aaaaaaaaaaaaaaaa' }) },
    ]);
    expect(v.remediation).toMatchObject({ action: 'none', ruleIds: [] });
  });

  it('an expired exception no longer applies (judged at the event time)', () => {
    const v = evaluate(change([sshFromWorld()], { eventTime: '2024-07-01T00:00:00Z' }), bastion);
    expect(v.outcome).toBe('violation');
    expect(v.exceptions).toEqual([]);
    expect(v.remediation.ruleIds).toEqual(['sgr-0aaaaaaaaaaaaaaaa']);
  });

  it('opts.now overrides the event time', () => {
    const c = change([sshFromWorld()], { eventTime: '2024-06-01T00:00:00Z' });
    expect(evaluate(c, bastion).outcome).toBe('compliant');
    expect(evaluate(c, bastion, { now: new Date('2025-01-01T00:00:00Z') }).outcome).toBe('violation');
  });

  it('date-time until is exact', () => {
    const p = policyWith(`  - groupId: ${GROUP}\n    reason: window\n    until: "2024-06-01T12:00:00Z"\n`);
    expect(evaluate(change([sshFromWorld()], { eventTime: '2024-06-01T12:00:00Z' }), p).outcome).toBe('compliant');
    expect(evaluate(change([sshFromWorld()], { eventTime: '2024-06-01T12:00:01Z' }), p).outcome).toBe('violation');
  });

  it.each([
    ['another group', { groupId: 'sg-0fffffffffffffff0' }, sshFromWorld()],
    ['a wider port range', {}, rule('0.0.0.0/0', 20, 25, { ruleId: 'sgr-0aaaaaaaaaaaaaaaa' })],
    ['udp', {}, sshFromWorld({ protocol: 'udp' })],
  ])('does not apply to %s', (_name, extra, r) => {
    const v = evaluate(change([r], { eventTime: '2024-06-01T00:00:00Z', ...extra }), bastion);
    expect(v.findings.length).toBeGreaterThan(0);
    expect(v.exceptions).toEqual([]);
  });

  it('only silences the listed rules', () => {
    // -1 from the world: public-admin-port silenced, public-all-ports still fires and is revoked
    const all = rule('0.0.0.0/0', null, null, { protocol: '-1', ruleId: 'sgr-0aaaaaaaaaaaaaaaa' });
    const p = policyWith(`  - groupId: ${GROUP}\n    rules: [public-admin-port]\n    reason: r\n`);
    const v = evaluate(change([all]), p);
    expect(v.exceptions.map((e) => e.rule)).toEqual(['public-admin-port']);
    expect(v.findings.map((f) => f.rule)).toEqual(['public-all-ports', 'public-high-risk-port']);
    expect(v.remediation.ruleIds).toEqual(['sgr-0aaaaaaaaaaaaaaaa']);
  });

  it('cidr matcher uses CIDR math: the source must lie wholly inside', () => {
    const p = policyWith(`  - cidr: [203.0.113.0/25, 203.0.113.128/25]\n    reason: partner\n`);
    expect(evaluate(change([rule('203.0.113.0/24', 22)]), p).exceptions).toHaveLength(1); // inside the union
    expect(evaluate(change([rule('203.0.113.77/24', 22)]), p).exceptions).toHaveLength(1); // host bits masked
    expect(evaluate(change([rule('203.0.112.0/23', 22)]), p).exceptions).toHaveLength(0);
    expect(evaluate(change([rule({ kind: 'group', groupId: 'sg-1', ownerAccount: '999988887777' }, 22)]), p).exceptions).toHaveLength(0);
  });

  it('ports list: the whole range must lie inside', () => {
    const p = policyWith(`  - ports: ["8000-8100", 8443]\n    reason: app\n`);
    expect(evaluate(change([rule('0.0.0.0/0', 8050, 8100)]), p).outcome).toBe('compliant');
    expect(evaluate(change([rule('0.0.0.0/0', 8443)]), p).outcome).toBe('compliant');
    expect(evaluate(change([rule('0.0.0.0/0', 8050, 8101)]), p).outcome).toBe('violation');
  });

  it('ruleId matcher', () => {
    const p = policyWith(`  - ruleId: sgr-0aaaaaaaaaaaaaaaa\n    reason: known\n`);
    expect(evaluate(change([sshFromWorld()]), p).outcome).toBe('compliant');
    expect(evaluate(change([sshFromWorld({ ruleId: 'sgr-0bbbbbbbbbbbbbbbb' })]), p).outcome).toBe('violation');
  });

  it('actor matcher (glob on ARN or role ARN), also for call-level findings', () => {
    const p = policyWith(`  - actor: "arn:aws:iam::*:role/scanner-*"\n    rules: [denied-change-attempt]\n    reason: our scanner probes permissions\n`);
    const scanner = actor('arn:aws:sts::111122223333:assumed-role/scanner-x/s', { roleArn: 'arn:aws:iam::111122223333:role/scanner-x' });
    const denied = { error: { code: 'Client.UnauthorizedOperation', denied: true } };
    const v = evaluate(change([sshFromWorld()], { actor: scanner, ...denied }), p);
    expect(v).toMatchObject({ outcome: 'failed-call', severity: 'none', findings: [] });
    expect(v.exceptions).toEqual([{ id: 'exceptions[0]', reason: 'our scanner probes permissions', rule: 'denied-change-attempt' }]);
    expect(evaluate(change([sshFromWorld()], { actor: actor(), ...denied }), p).findings).toHaveLength(1);
  });

  it('rule matchers never match call-level findings', () => {
    const p = policyWith(`  - port: 22\n    reason: r\n`);
    const v = evaluate(change([sshFromWorld()], { error: { code: 'Client.UnauthorizedOperation', denied: true } }), p);
    expect(v.findings.map((f) => f.rule)).toEqual(['denied-change-attempt']);
  });

  it('the first matching exception is reported', () => {
    const p = policyWith(`  - id: first\n    port: 22\n    reason: a\n  - id: second\n    port: 22\n    reason: b\n`);
    expect(evaluate(change([sshFromWorld()]), p).exceptions.map((e) => e.id)).toEqual(['first']);
  });
});
