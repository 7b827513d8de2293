/**
 * Changes made by CloudFormation or Terraform are recognised whoever's
 * credentials ran them, and are alert-only by default (alertOnlyVia), so a
 * revoke never fights the next deploy. Alert-only actors match a role with a
 * path whichever form (with or without the path) the policy or record uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalise } from '../../lib/cloudtrail/normalise';
import { defaultPolicy, evaluate, parsePolicy } from '../../lib/policy';
import type { Change } from '../../lib/model';

const ROOT = join(__dirname, '..', '..');
/** The shipped SSH-to-the-world record (console user alice): revoked by the default policy. */
const ssh = JSON.parse(readFileSync(join(ROOT, 'events', 'authorize', 'ssh-open-to-world.json'), 'utf8'));

function changeOf(record: unknown): Change {
  const r = normalise(record);
  if (r.status !== 'change') throw new Error(`expected a change, got ${r.status}`);
  return r.change;
}
const plan = (record: unknown, policy = defaultPolicy()) => evaluate(changeOf(record), policy, { mode: 'enforce' }).remediation;
const withActor = (over: Record<string, unknown>) => ({ ...structuredClone(ssh), ...over });

describe('IaC changes are alert-only by default (alertOnlyVia)', () => {
  it('the control: the same record from a console user is revoked', () => {
    expect(plan(ssh)).toMatchObject({ action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60011'] });
  });

  it('CloudFormation running with a console user’s own credentials (invokedBy, sourceIPAddress, user agent): alert, not revoke', () => {
    const cfnAsAlice = withActor({
      userIdentity: { ...ssh.userIdentity, invokedBy: 'cloudformation.amazonaws.com' },
      sourceIPAddress: 'cloudformation.amazonaws.com',
      userAgent: 'cloudformation.amazonaws.com',
      sessionCredentialFromConsole: 'true',
    });
    expect(changeOf(cfnAsAlice).actor.via).toBe('cloudformation');
    const p = plan(cfnAsAlice);
    expect(p).toMatchObject({ mode: 'enforce', action: 'none', ruleIds: [], permissions: [] });
    expect(p.reason).toMatch(/^made through cloudformation \(policy alertOnlyVia\): alerting, not revoking/);
    // Each signal alone is enough.
    expect(plan(withActor({ sourceIPAddress: 'cloudformation.amazonaws.com' })).action).toBe('none');
    expect(plan(withActor({ userIdentity: { ...ssh.userIdentity, invokedBy: 'cloudformation.amazonaws.com' } })).action).toBe('none');
  });

  it('the real CloudFormation sample (bu-cfn-2) is read as cloudformation', () => {
    const sample = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'cloudtrail-samples', 'AuthorizeSecurityGroupIngress', 'bu-cfn-2.json'), 'utf8'));
    expect(changeOf(sample).actor.via).toBe('cloudformation');
  });

  it('Terraform in CI: alert, not revoke; the finding is still a violation', () => {
    const tf = withActor({ userAgent: 'APN/1.0 HashiCorp/1.0 Terraform/1.9.8 terraform-provider-aws/5.80.0 aws-sdk-go-v2/1.32.6' });
    const v = evaluate(changeOf(tf), defaultPolicy(), { mode: 'enforce' });
    expect(v).toMatchObject({ outcome: 'violation', severity: 'critical' });
    expect(v.remediation.action).toBe('none');
    expect(v.remediation.reason).toMatch(/made through terraform/);
  });

  it('the switch: alertOnlyVia: [] revokes IaC changes too; a list can add other tools', () => {
    const tf = withActor({ userAgent: 'Terraform/1.9.8 terraform-provider-aws/5.80.0' });
    expect(plan(tf, parsePolicy('alertOnlyVia: []\n', 'p.yml')).action).toBe('revoke');
    const cli = withActor({ userAgent: 'aws-cli/2.15.0 Python/3.11.6', sessionCredentialFromConsole: undefined });
    expect(changeOf(cli).actor.via).toBe('cli');
    expect(plan(cli).action).toBe('revoke');
    expect(plan(cli, parsePolicy('alertOnlyVia: [cli]\n', 'p.yml')).reason).toMatch(/made through cli/);
  });

  it('an unknown tool name is a validation error naming the choices', () => {
    expect(() => parsePolicy('alertOnlyVia: [pulumi]\n', 'p.yml')).toThrow(/p\.yml.*alertOnlyVia\[0\]/s);
  });
});

describe('alert-only actors and role paths', () => {
  const session = (issuerArn: string | undefined) =>
    withActor({
      userAgent: 'aws-cli/2.15.0 Python/3.11.6',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:ci',
        arn: 'arn:aws:sts::111122223333:assumed-role/deploy/ci',
        accountId: '111122223333',
        sessionContext: issuerArn ? { sessionIssuer: { type: 'Role', arn: issuerArn, accountId: '111122223333', userName: 'deploy' } } : {},
      },
    });
  const entry = (arn: string) => parsePolicy(`alertOnlyActors:\n  - arn: "${arn}"\n    reason: pipeline\n`, 'p.yml');

  it('policy names the role with its path, the record has it too: alert-only (the control)', () => {
    expect(plan(session('arn:aws:iam::111122223333:role/team/ci/deploy'), entry('arn:aws:iam::111122223333:role/team/ci/deploy')).action).toBe('none');
  });

  it('policy names the role without its path, the record’s issuer has the path: alert-only', () => {
    const p = plan(session('arn:aws:iam::111122223333:role/team/ci/deploy'), entry('arn:aws:iam::111122223333:role/deploy'));
    expect(p.action).toBe('none');
    expect(p.reason).toMatch(/actor arn:aws:iam::111122223333:role\/team\/ci\/deploy is alert-only \(alertOnlyActors\[0\]/);
  });

  it('policy names the role with its path, the record has only the session ARN (no path): alert-only', () => {
    expect(plan(session(undefined), entry('arn:aws:iam::111122223333:role/team/ci/deploy')).action).toBe('none');
  });

  it('another role name is still revoked; a wildcard role name is not widened by dropping its path', () => {
    expect(plan(session('arn:aws:iam::111122223333:role/team/ci/deploy'), entry('arn:aws:iam::111122223333:role/other')).action).toBe('revoke');
    expect(plan(session('arn:aws:iam::111122223333:role/prod/deploy'), entry('arn:aws:iam::111122223333:role/ci/*')).action).toBe('revoke');
  });
});
