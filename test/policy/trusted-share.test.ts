/**
 * trustedCidrs that add up to the world (issue 11): 221 trusted /8s were
 * accepted, and then 0.0.0.0/0 SSH was judged compliant.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, parsePolicy, PolicyError } from '../../lib/policy';
import { validatePolicyText } from '../../lib/policy/schema';
import { publicShare, CidrSet } from '../../lib/net/cidr';
import { change, rule } from './builders';

const slash8s = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}.0.0.0/8`);
const yaml = (cidrs: string[], extra = '') => `trustedCidrs:\n${cidrs.map((c) => `  - ${c}`).join('\n')}\n${extra}`;

describe('validation: trusted ranges covering more than trustedCidrsMaxShare of the public space', () => {
  it('refuses 221 /8s, naming the key and the share', () => {
    const r = validatePolicyText(yaml(slash8s(221)), 'p.yml');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([expect.stringMatching(/^p\.yml: trustedCidrs: together these ranges cover 99\.\d+% of the public IPv4 space, more than trustedCidrsMaxShare \(1%\)/)]);
    expect(() => parsePolicy(yaml(slash8s(221)), 'p.yml')).toThrow(PolicyError);
  });

  it('accepts one public /8 and a few office ranges, and a higher share when the policy says so', () => {
    expect(validatePolicyText(yaml(['17.0.0.0/8', '203.0.113.0/24', '2001:db8:1234::/48']), 'p.yml').ok).toBe(true);
    expect(validatePolicyText(yaml(slash8s(4)), 'p.yml').ok).toBe(false);
    expect(validatePolicyText(yaml(slash8s(4), 'trustedCidrsMaxShare: 5\n'), 'p.yml').ok).toBe(true);
    expect(validatePolicyText(yaml(['17.0.0.0/8'], 'trustedCidrsMaxShare: 0\n'), 'p.yml').ok).toBe(false);
  });

  it('counts only public space, and IPv6 apart', () => {
    expect(publicShare(CidrSet.parse(['10.0.0.0/8', '192.168.0.0/16'])).v4).toBe(0);
    expect(publicShare(CidrSet.parse(['2000::/4'])).v6).toBeGreaterThan(1);
    // 700 IPv6 /16s: 700/65536 of the space, about 1.07% (sgwatch counts all but the non-public blocks as public, unallocated space included).
    const v6 = Array.from({ length: 700 }, (_, i) => `${(0x2000 + i).toString(16)}::/16`);
    expect(validatePolicyText(yaml(v6), 'p.yml')).toMatchObject({ ok: false, problems: [expect.stringMatching(/of the public IPv6 space/)] });
    expect(validatePolicyText(yaml(v6.slice(0, 600)), 'p.yml').ok).toBe(true);
  });
});

describe('evaluation: a world-sized source is trusted only inside one listed range, never piecewise', () => {
  // Validation switched off by the share, to show evaluation holds on its own.
  const p = parsePolicy(yaml(slash8s(221), 'trustedCidrsMaxShare: 100\n'), 'p.yml');
  const ids = (cidr: string) => evaluate(change([rule(cidr, 22)]), p).findings.map((f) => f.rule);

  it.each(['0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '16.0.0.0/4'])('SSH from %s is still public-admin-port', (cidr) => {
    expect(ids(cidr)).toContain('public-admin-port');
  });

  it('a listed /8 as the source, and anything inside one listed range, stays trusted', () => {
    expect(ids('17.0.0.0/8')).toEqual([]);
    expect(ids('17.1.2.0/24')).toEqual([]);
  });
});
