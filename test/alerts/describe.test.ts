import { describe, expect, it } from 'vitest';
import {
  cloudTrailEventUrl,
  describeAction,
  describeAlert,
  describePorts,
  describeRule,
  describeVia,
  groupConsoleUrl,
} from '../../lib/alerts/describe';
import { alert, exception, finding, outcome, plan, rule } from './builders';

describe('describeRule', () => {
  it.each([
    [rule(), 'tcp/22 (SSH) from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
    [rule({ protocol: '-1', fromPort: null, toPort: null }), 'all traffic from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
    [rule({ fromPort: 0, toPort: 65535 }), 'tcp/0-65535 (all ports) from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
    [rule({ fromPort: 20, toPort: 25 }), 'tcp/20-25 (includes FTP data, FTP, SSH…) from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
    [rule({ source: { kind: 'cidr4', cidr: '198.51.100.7/0' } }), 'tcp/22 (SSH) from 198.51.100.7/0 (anywhere, IPv4) — ingress'],
    [rule({ source: { kind: 'cidr4', cidr: '10.1.2.3/8' } }), 'tcp/22 (SSH) from 10.1.2.3/8 (= 10.0.0.0/8) — ingress'],
    [rule({ source: { kind: 'cidr6', cidr: '::/0' }, fromPort: 3389, toPort: 3389 }), 'tcp/3389 (RDP) from ::/0 (anywhere, IPv6) — ingress'],
    [
      rule({ source: { kind: 'group', groupId: 'sg-0fedcba9876543210', ownerAccount: '444455556666' } }),
      'tcp/22 (SSH) from sg-0fedcba9876543210 (account 444455556666) — ingress',
    ],
    [rule({ source: { kind: 'prefix-list', prefixListId: 'pl-0123abcd' }, direction: 'egress', fromPort: 443, toPort: 443 }), 'tcp/443 (HTTPS) to prefix list pl-0123abcd — egress'],
    [rule({ protocol: 'icmp', fromPort: 8, toPort: -1 }), 'icmp type 8 (echo request) from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
    [rule({ protocol: 'icmp', fromPort: -1, toPort: -1 }), 'icmp (all types) from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
    [rule({ protocol: 'udp', fromPort: 53, toPort: 53 }), 'udp/53 (DNS) from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
    [rule({ protocol: '50', fromPort: null, toPort: null }), 'protocol 50 (ESP) from 0.0.0.0/0 (anywhere, IPv4) — ingress'],
  ])('%#: %j', (r, text) => {
    expect(describeRule(r)).toBe(text);
  });

  it('ICMP type 22 is not SSH', () => {
    expect(describePorts('icmp', 22, 0)).toBe('icmp type 22 code 0');
  });
});

describe('describeVia', () => {
  it.each([
    ['console', undefined, 'AWS console'],
    ['cli', undefined, 'AWS CLI'],
    ['sdk', undefined, 'an AWS SDK'],
    ['cloudformation', undefined, 'CloudFormation'],
    ['terraform', undefined, 'Terraform'],
    ['aws-service', 'elasticmapreduce.amazonaws.com', 'AWS service (elasticmapreduce.amazonaws.com)'],
    ['unknown', undefined, 'unknown client'],
  ] as const)('%s', (via, invokedBy, text) => {
    expect(describeVia({ via, invokedBy })).toBe(text);
  });
});

describe('describeAction', () => {
  it('says what was done, from the outcome first', () => {
    expect(describeAction(outcome(), plan()).text).toBe('Revoked 1 rule (sgr-0aaaaaaaaaaaaaaa1).');
    expect(describeAction(outcome({ status: 'already-gone' }), plan()).kind).toBe('already-gone');
    const failed = describeAction(outcome({ status: 'failed', ruleIds: [], detail: 'UnauthorizedOperation: no' }), plan());
    expect(failed.text).toMatch(/FAILED/);
    expect(failed.detail).toBe('UnauthorizedOperation: no');
    expect(describeAction(outcome({ status: 'alert-only', detail: 'actor is a Terraform deploy role' }), plan()).text).toBe(
      'Alert only: actor is a Terraform deploy role.',
    );
  });

  it('falls back to the plan before remediation ran', () => {
    expect(describeAction(undefined, plan({ mode: 'dry-run' })).text).toMatch(/^Would revoke 1 rule \(sgr-0aaaaaaaaaaaaaaa1\) — dry-run/);
    expect(describeAction(undefined, plan()).kind).toBe('will-revoke');
    expect(describeAction(undefined, plan({ action: 'none', ruleIds: [], reason: 'exception bastion-ssh' })).text).toBe('Alert only: exception bastion-ssh.');
    expect(describeAction(undefined, plan({ action: 'none', ruleIds: [] })).kind).toBe('none');
  });
});

describe('links', () => {
  it('builds console links for well-formed ids only', () => {
    expect(groupConsoleUrl('eu-west-1', 'sg-0123456789abcdef0')).toBe(
      'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#SecurityGroup:groupId=sg-0123456789abcdef0',
    );
    expect(cloudTrailEventUrl('eu-west-1', '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60',
    );
    expect(groupConsoleUrl('us-gov-west-1', 'sg-12345678')).toBe('https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1#SecurityGroup:groupId=sg-12345678');
    for (const [region, id] of [
      ['eu-west-1|x', 'sg-0123456789abcdef0'],
      ['evil.com/', 'sg-0123456789abcdef0'],
      ['eu-west-1', 'sg-0123456789abcdef0>'],
      ['eu-west-1', 'sg-0123|<!channel>'],
      ['', 'sg-12345678'],
      ['eu-west-1', null],
    ] as const) {
      expect(groupConsoleUrl(region, id)).toBeUndefined();
    }
    expect(cloudTrailEventUrl('eu-west-1', 'not-a-uuid')).toBeUndefined();
  });
});

describe('describeAlert', () => {
  it('orders findings worst first and lists rule ids once', () => {
    const view = describeAlert(
      alert({
        verdict: {
          findings: [
            finding({ rule: 'undocumented-rule', severity: 'info', remediation: 'alert' }),
            finding(),
            finding({ rule: 'undocumented-rule', severity: 'info', remediation: 'alert' }),
          ],
          exceptions: [exception()],
        },
      }),
    );
    expect(view.ruleIds).toEqual(['public-admin-port', 'undocumented-rule']);
    expect(view.headline).toBe('public-admin-port');
    expect(view.exceptions[0]).toMatchObject({ id: 'bastion-ssh', ruleText: expect.stringContaining('tcp/22') });
    expect(view.actor).toMatchObject({ name: 'Admin/alice', via: 'AWS CLI', sourceIp: '203.0.113.9' });
    expect(view.links.group).toContain('sg-0123456789abcdef0');
  });

  it('headlines a remediation failure', () => {
    const view = describeAlert(alert({ reason: 'remediation-failed', remediation: outcome({ status: 'failed', detail: 'boom' }) }));
    expect(view.headline).toBe('revoke FAILED');
    expect(view.action.kind).toBe('failed');
  });
});
