import { describe, expect, it } from 'vitest';
import type { RuleChange } from '../../lib/model';
import { defaultPolicy, evaluate, parsePolicy } from '../../lib/policy';
import { ACCOUNT, change, FOREIGN_ACCOUNT, rule, TRUSTED_ACCOUNT } from './builders';

const policy = parsePolicy(
  `trustedCidrs: [198.51.100.0/24]\ntrustedAccounts: ["${TRUSTED_ACCOUNT}"]\n`,
  'test-policy.yml',
);

/** The rule ids that fire for one added rule (info findings included). */
function fired(r: RuleChange, extra: Parameters<typeof change>[1] = {}): string[] {
  return evaluate(change([r], extra), policy).findings.map((f) => f.rule).sort();
}

const grp = (ownerAccount?: string) => ({ kind: 'group' as const, groupId: 'sg-0aaaabbbbccccdddd', ownerAccount });

describe('rule table (one positive, the edge negatives)', () => {
  it.each<[string, RuleChange, string[]]>([
    // public-all-ports
    ['-1 from 0.0.0.0/0', rule('0.0.0.0/0', null, null, { protocol: '-1' }), ['public-admin-port', 'public-all-ports', 'public-high-risk-port']],
    ['tcp 0-65535 from ::/0', rule('::/0', 0, 65535), ['public-admin-port', 'public-all-ports', 'public-high-risk-port']],
    ['udp null ports from world', rule('0.0.0.0/0', null, null, { protocol: 'udp' }), ['public-all-ports', 'public-high-risk-port']],
    ['tcp 1-65535 is not all ports', rule('0.0.0.0/0', 1, 65535), ['public-admin-port', 'public-high-risk-port']],
    // public-admin-port
    ['ssh from 0.0.0.0/0', rule('0.0.0.0/0', 22), ['public-admin-port']],
    ['host bits: 198.51.100.7/0 is 0.0.0.0/0', rule('198.51.100.7/0', 22), ['public-admin-port']],
    ['20-25 includes 22', rule('0.0.0.0/0', 20, 25), ['public-admin-port', 'public-high-risk-port']],
    ['0.0.0.0/1 is world', rule('0.0.0.0/1', 3389), ['public-admin-port']],
    ['128.0.0.0/1 is world', rule('128.0.0.0/1', 22), ['public-admin-port']],
    ['IPv4-mapped world', rule('::ffff:0:0/96', 22), ['public-admin-port']],
    ['udp/22 is not an admin port (tcp)', rule('0.0.0.0/0', 22, 22, { protocol: 'udp' }), ['public-unapproved-port']],
    ['icmp type 22 is not SSH', rule('0.0.0.0/0', 22, 0, { protocol: 'icmp' }), []],
    ['icmpv6 from ::/0: no port rules', rule('::/0', -1, -1, { protocol: 'icmpv6' }), []],
    ['10.0.0.0/8 is not world', rule('10.0.0.0/8', 22), []],
    ['224.0.0.0/3 is not world', rule('224.0.0.0/3', 22), []],
    // public-high-risk-port
    ['mysql from world', rule('0.0.0.0/0', 3306), ['public-high-risk-port']],
    ['redis over udp range', rule('0.0.0.0/0', 6000, 6500, { protocol: 'udp' }), ['public-high-risk-port']],
    // public-unapproved-port
    ['8443 from world', rule('0.0.0.0/0', 8443), ['public-unapproved-port']],
    ['443 from world is approved', rule('0.0.0.0/0', 443), []],
    ['80-443 is not inside approved ports', rule('0.0.0.0/0', 80, 443), ['public-high-risk-port']],
    ['81-109 from world', rule('0.0.0.0/0', 81, 109), ['public-unapproved-port']],
    ['protocol 50 from world: no port rule applies', rule('0.0.0.0/0', null, null, { protocol: '50' }), []],
    // untrusted-admin-source
    ['ssh from 203.0.113.5/32', rule('203.0.113.5/32', 22), ['untrusted-admin-source']],
    ['ssh from public /9 (not world)', rule('11.0.0.0/9', 22), ['untrusted-admin-source']],
    ['ssh from trusted 198.51.100.0/25', rule('198.51.100.0/25', 22), []],
    ['ssh from private', rule('172.16.4.0/24', 22), []],
    ['https from public', rule('203.0.113.5/32', 443), []],
    ['rdp from public IPv6', rule('2001:db8::1/128', 3389), ['untrusted-admin-source']],
    // untrusted-account-reference
    ['foreign group', rule(grp(FOREIGN_ACCOUNT), 5432), ['untrusted-account-reference']],
    ['own group (owner named)', rule(grp(ACCOUNT), 5432), []],
    ['own group (no owner)', rule(grp(), 5432), []],
    ['trusted account group', rule(grp(TRUSTED_ACCOUNT), 5432), []],
    ['foreign group on egress', rule(grp(FOREIGN_ACCOUNT), 443, 443, { direction: 'egress' }), ['untrusted-account-reference']],
    // prefix lists
    ['prefix list: no finding', rule({ kind: 'prefix-list', prefixListId: 'pl-0123' }, 22), []],
    // undocumented-rule
    ['no description', rule('10.0.0.0/8', 443, 443, { description: undefined }), ['undocumented-rule']],
    ['blank description', rule('10.0.0.0/8', 443, 443, { description: '  ' }), ['undocumented-rule']],
    ['egress without description', rule('10.0.0.0/8', 443, 443, { direction: 'egress', description: undefined }), []],
    // egress to the world is AWS's default
    ['egress all to world', rule('0.0.0.0/0', null, null, { protocol: '-1', direction: 'egress' }), []],
    // invalid CIDR text: no source finding, no crash
    ['invalid cidr: a finding of its own (was none, judged compliant)', rule('not-a-cidr', 22), ['unparseable-source']],
    // modify is judged like add
    ['modified rule to world ssh', rule('0.0.0.0/0', 22, 22, { action: 'modify', ruleId: 'sgr-0aaa1111bbbb2222c' }), ['public-admin-port']],
  ])('%s', (_name, r, expected) => {
    expect(fired(r)).toEqual(expected);
  });

  it('default-group-rule: a rule added to a group named default (either direction)', () => {
    expect(fired(rule('10.0.0.0/8', 443), { groupName: 'default' })).toEqual(['default-group-rule']);
    expect(fired(rule('10.0.0.0/8', 443, 443, { direction: 'egress' }), { groupName: 'default' })).toEqual(['default-group-rule']);
    expect(fired(rule('10.0.0.0/8', 443), { groupName: 'web' })).toEqual([]);
  });

  it('removed rules and described rules are recorded, never findings', () => {
    const removed = rule('0.0.0.0/0', 22, 22, { action: 'remove', description: undefined });
    const described = rule('0.0.0.0/0', 22, 22, { action: 'describe' });
    const v = evaluate(change([removed, described], { kind: 'revoke', eventName: 'RevokeSecurityGroupIngress' }), policy);
    expect(v).toMatchObject({ outcome: 'compliant', severity: 'none', findings: [], remediation: { action: 'none' } });
  });

  it('a deleted group is compliant', () => {
    const v = evaluate(change([], { kind: 'delete-group', eventName: 'DeleteSecurityGroup' }), policy);
    expect(v.outcome).toBe('compliant');
  });

  it('denied call: failed-call with denied-change-attempt, nothing to revoke', () => {
    const c = change([rule('0.0.0.0/0', 22)], { error: { code: 'Client.UnauthorizedOperation', denied: true } });
    const v = evaluate(c, policy);
    expect(v.outcome).toBe('failed-call');
    expect(v.severity).toBe('medium');
    expect(v.findings.map((f) => f.rule)).toEqual(['denied-change-attempt']);
    expect(v.findings[0].target).toBeUndefined();
    expect(v.findings[0].message).toMatch(/refused \(Client\.UnauthorizedOperation\)/);
    expect(v.remediation.action).toBe('none');
  });

  it('failed call not about permissions: failed-call, no findings', () => {
    const c = change([rule('0.0.0.0/0', 22)], { error: { code: 'Client.InvalidPermission.Duplicate', denied: false } });
    expect(evaluate(c, policy)).toMatchObject({ outcome: 'failed-call', severity: 'none', findings: [] });
  });

  it('info findings are kept but do not make a violation', () => {
    const v = evaluate(change([rule('10.0.0.0/8', 443, 443, { description: undefined })]), policy);
    expect(v).toMatchObject({ outcome: 'compliant', severity: 'info' });
    expect(v.findings).toHaveLength(1);
  });

  it('outcome, severity and messages for people', () => {
    const v = evaluate(change([rule('0.0.0.0/0', 22)]), defaultPolicy());
    expect(v.outcome).toBe('violation');
    expect(v.severity).toBe('critical');
    expect(v.findings[0]).toMatchObject({ rule: 'public-admin-port', severity: 'critical', remediation: 'revoke' });
    expect(v.findings[0].message).toMatch(/^SSH \(tcp\/22\) open to the whole internet \(0\.0\.0\.0\/0\)/);
    const w = evaluate(change([rule('198.51.100.7/0', 22)]), defaultPolicy());
    expect(w.findings[0].message).toContain('0.0.0.0/0, written 198.51.100.7/0');
  });

  it('disabled rules do not fire; public-unapproved-port takes over a disabled admin rule', () => {
    const p = parsePolicy('rules:\n  public-admin-port: { enabled: false }\n', 'p.yml');
    expect(evaluate(change([rule('0.0.0.0/0', 22)]), p).findings.map((f) => f.rule)).toEqual(['public-unapproved-port']);
  });

  it('severity overrides apply', () => {
    const p = parsePolicy('rules:\n  undocumented-rule: { severity: low }\n', 'p.yml');
    const v = evaluate(change([rule('10.0.0.0/8', 443, 443, { description: undefined })]), p);
    expect(v).toMatchObject({ outcome: 'violation', severity: 'low' });
  });
});
