/**
 * Real CloudTrail records gathered from public projects (copied from
 * ../shared/cloudtrail-samples into test/fixtures), judged under the default
 * policy: outcome, severity, the policy rules that fire, the sgr- ids to
 * revoke and how many id-less permissions would be revoked instead.
 *
 * Why some read as they do:
 * - panopticon-slack-1: 0.0.0.0/16 and 0.0.0.0/32 mask into 0.0.0.0/8 ("this network"): private, not world.
 * - panther-1: SSH from 127.0.0.1/32 (loopback): private.
 * - elastic-integrations-1: SSH from 203.0.113.0/24, a public (documentation) range, not trusted.
 * - reflex-1: tcp/55 from 0.0.0.0/0 and ::/0: neither high-risk nor approved.
 * - panther-4, ssh-revoke-lambda-1, streamalert-1: pre-2021 records without sgr- ids: the plan revokes the permissions.
 * - panther-2: RequestExpired is a failed call but not a denial; panther-5 is UnauthorizedOperation without the Client. prefix.
 * - stratus-1: 208.236.235.254/0 has host bits set: it is 0.0.0.0/0.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../lib/policy';
import { replayResults } from '../../lib/replay';
import type { Result } from '../../lib/model';

const root = path.join(__dirname, '..', 'fixtures', 'cloudtrail-samples');

// [source, outcome, severity, rules that fire, sgr- ids to revoke, permissions to revoke]
const EXPECTED: Array<[string, string, string, string[], string[], number]> = [
  ["AuthorizeSecurityGroupEgress/aws-spotlight-1.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupEgress/elastic-integrations-1.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupEgress/panther-1.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/aws-spotlight-1.json#0", "violation", "high", ["public-high-risk-port","undocumented-rule"], [], 0],
  ["AuthorizeSecurityGroupIngress/bu-cfn-1.eventbridge.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/bu-cfn-1.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/bu-cfn-2.eventbridge.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/bu-cfn-2.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/elastic-integrations-1.json#0", "violation", "medium", ["untrusted-admin-source","undocumented-rule"], [], 0],
  ["AuthorizeSecurityGroupIngress/netflix-historical-1.eventbridge.json#0", "compliant", "info", ["undocumented-rule"], [], 0],
  ["AuthorizeSecurityGroupIngress/netflix-historical-1.json#0", "compliant", "info", ["undocumented-rule"], [], 0],
  ["AuthorizeSecurityGroupIngress/nuvibit-blog-1.eventbridge.json#0", "violation", "critical", ["public-all-ports","public-admin-port","public-high-risk-port","undocumented-rule"], ["sgr-0c609e6f9cdaf10ea"], 0],
  ["AuthorizeSecurityGroupIngress/nuvibit-blog-1.json#0", "violation", "critical", ["public-all-ports","public-admin-port","public-high-risk-port","undocumented-rule"], ["sgr-0c609e6f9cdaf10ea"], 0],
  ["AuthorizeSecurityGroupIngress/panopticon-slack-1.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/panther-1.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/panther-2.json#0", "failed-call", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/panther-3.json#0", "compliant", "info", ["undocumented-rule"], [], 0],
  ["AuthorizeSecurityGroupIngress/panther-4.json#0", "violation", "critical", ["public-admin-port","undocumented-rule"], [], 1],
  ["AuthorizeSecurityGroupIngress/panther-5.json#0", "failed-call", "medium", ["denied-change-attempt"], [], 0],
  ["AuthorizeSecurityGroupIngress/reflex-1.eventbridge.json#0", "violation", "medium", ["public-unapproved-port","undocumented-rule"], [], 0],
  ["AuthorizeSecurityGroupIngress/reflex-1.json#0", "violation", "medium", ["public-unapproved-port","undocumented-rule"], [], 0],
  ["AuthorizeSecurityGroupIngress/ssh-revoke-lambda-1.eventbridge.json#0", "violation", "critical", ["public-admin-port","undocumented-rule"], [], 2],
  ["AuthorizeSecurityGroupIngress/ssh-revoke-lambda-1.json#0", "violation", "critical", ["public-admin-port","undocumented-rule"], [], 2],
  ["AuthorizeSecurityGroupIngress/stratus-1.json#0", "violation", "critical", ["public-admin-port","undocumented-rule"], ["sgr-09b3e3d2ca1edf2a2"], 0],
  ["AuthorizeSecurityGroupIngress/streamalert-1.eventbridge.json#0", "violation", "critical", ["public-all-ports","public-admin-port","public-high-risk-port"], [], 2],
  ["AuthorizeSecurityGroupIngress/streamalert-1.json#0", "violation", "critical", ["public-all-ports","public-admin-port","public-high-risk-port"], [], 2],
  ["AuthorizeSecurityGroupIngress/streamalert-2.eventbridge.json#0", "compliant", "none", [], [], 0],
  ["AuthorizeSecurityGroupIngress/streamalert-2.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/arebot-1.eventbridge.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/arebot-1.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/aws-spotlight-1.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/aws-spotlight-2.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/panther-1.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/reflex-1.eventbridge.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/reflex-1.json#0", "compliant", "none", [], [], 0],
  ["CreateSecurityGroup/ses-report-lambda-1.json#0", "compliant", "none", [], [], 0],
  ["DeleteSecurityGroup/aws-spotlight-1.json#0", "compliant", "none", [], [], 0],
  ["DeleteSecurityGroup/aws-spotlight-2.json#0", "compliant", "none", [], [], 0],
  ["DeleteSecurityGroup/wazuh-docs-1.json#0", "compliant", "none", [], [], 0],
  ["ModifyInstanceAttribute/aws-spotlight-1.json#0", "ignored", "none", [], [], 0],
  ["ModifyInstanceAttribute/sekoia-1.json#0", "ignored", "none", [], [], 0],
  ["ModifyInstanceAttribute/sekoia-2.json#0", "ignored", "none", [], [], 0],
  ["ModifyInstanceAttribute/stratus-1.json#0", "ignored", "none", [], [], 0],
  ["ModifyNetworkInterfaceAttribute/aws-spotlight-1.json#0", "compliant", "none", [], [], 0],
  ["RevokeSecurityGroupEgress/aws-spotlight-1.json#0", "compliant", "none", [], [], 0],
  ["RevokeSecurityGroupIngress/aws-spotlight-1.json#0", "compliant", "none", [], [], 0],
  ["RevokeSecurityGroupIngress/fogops-sns-1.eventbridge.json#0", "compliant", "none", [], [], 0],
  ["RevokeSecurityGroupIngress/fogops-sns-1.json#0", "compliant", "none", [], [], 0],
];

describe('real CloudTrail samples under the default policy', async () => {
  const results = new Map<string, Result>();
  for await (const r of replayResults([root], { policy: defaultPolicy(), mode: 'dry-run' })) results.set(path.relative(root, r.source), r);

  it('covers every sample file', () => {
    expect(new Set(EXPECTED.map((e) => e[0]))).toEqual(new Set(results.keys()));
  });

  it.each(EXPECTED)('%s → %s %s', (source, outcome, severity, rules, ruleIds, permissions) => {
    const v = results.get(source)!.verdict;
    expect(v.outcome).toBe(outcome);
    expect(v.severity).toBe(severity);
    expect([...new Set(v.findings.map((f) => f.rule))].sort()).toEqual([...rules].sort());
    expect(v.remediation.ruleIds).toEqual(ruleIds);
    expect(v.remediation.permissions).toHaveLength(permissions);
    expect(v.remediation.action).toBe(ruleIds.length + permissions > 0 ? 'revoke' : 'none');
  });

  it('a revoke by permissions names exactly the offending world rules', () => {
    const v = results.get('AuthorizeSecurityGroupIngress/ssh-revoke-lambda-1.json#0')!.verdict;
    expect(v.remediation.permissions).toEqual([
      { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr4', cidr: '0.0.0.0/0' } },
      { direction: 'ingress', protocol: 'tcp', fromPort: 22, toPort: 22, source: { kind: 'cidr6', cidr: '::/0' } },
    ]);
  });
});
