/**
 * The Slack message an on-call engineer reads on a phone: each rule of the
 * change once with every finding on it, the rationale once per policy rule,
 * "what sgwatch did" once, a shortened user agent, the fix command for what
 * sgwatch does not remove, and Slack's limits kept even for 200 rules.
 * Sizes are measured over the shipped events/ (before this layout: median
 * 2,557 bytes, max 4,978).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processRecord } from '../../lib/process';
import { defaultPolicy } from '../../lib/policy';
import { buildSlackMessage, type SlackMessage } from '../../lib/alerts/slack';
import type { ChangeResult, Result } from '../../lib/model';
import type { Alert } from '../../lib/pipeline/ports';

const EVENTS = join(__dirname, '..', '..', 'events');
function* walk(d: string): Generator<string> {
  for (const f of readdirSync(d).sort()) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.json')) yield p;
  }
}
const load = (rel: string) => JSON.parse(readFileSync(join(EVENTS, rel), 'utf8'));
const alertOf = (result: Result, over: Partial<Alert> = {}): Alert => ({ reason: 'violation', record: { eventId: result.change?.eventId ?? 'x', result, steps: {} }, ...over }) as unknown as Alert;
const messageOf = (record: unknown, policy = defaultPolicy(), over: Partial<Alert> = {}) => buildSlackMessage(alertOf(processRecord('t#0', record, { policy, mode: 'dry-run' }), over));

function texts(msg: SlackMessage): string[] {
  const out = [msg.text];
  for (const b of msg.blocks) {
    if (b.type === 'header') out.push(b.text.text);
    if (b.type === 'section') {
      if (b.text) out.push(b.text.text);
      for (const f of b.fields ?? []) out.push(f.text);
    }
    if (b.type === 'context') for (const e of b.elements) out.push(e.text);
  }
  return out;
}
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

function withinLimits(msg: SlackMessage) {
  expect(msg.blocks.length).toBeLessThanOrEqual(50);
  for (const b of msg.blocks) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    if (b.type === 'context') {
      expect(b.elements.length).toBeLessThanOrEqual(10);
      for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(3000);
    }
  }
}

describe('the Slack message, shorter', () => {
  it('one all-traffic rule firing three policy rules: the rule shown once, each rationale once, what sgwatch did once', () => {
    const msg = messageOf(load('authorize/all-traffic-open-to-world.json'));
    const body = texts(msg).slice(1).join('\n'); // without the fallback text
    expect(count(body, 'all traffic from 0.0.0.0/0 (anywhere, IPv4) — ingress')).toBe(1);
    for (const rule of ['public-all-ports', 'public-admin-port', 'public-high-risk-port']) expect(count(body, `*${rule}*`)).toBe(2); // its finding line + its why line
    expect(count(body, 'brute-forced')).toBe(1);
    expect(count(body, 'What sgwatch did')).toBe(1);
    expect(count(body, 'alertOnlyVia')).toBe(1);
    // Terraform's 300-character user agent, cut; the record keeps it whole.
    expect(body).toMatch(/User agent: `APN\/1\.0 HashiCorp\/1\.0 Terraform\/1\.9\.8 [^`]* …`/);
    expect(body).not.toContain('terraform-provider-aws');
  });

  it('every shipped violation fits in 3,000 bytes of JSON (was up to 4,978), within Slack limits', () => {
    const sizes: number[] = [];
    for (const file of walk(EVENTS)) {
      const result = processRecord(file, JSON.parse(readFileSync(file, 'utf8')), { policy: defaultPolicy(), mode: 'dry-run' });
      if (result.verdict.outcome !== 'violation') continue;
      const msg = buildSlackMessage(alertOf(result));
      withinLimits(msg);
      sizes.push(JSON.stringify(msg).length);
    }
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThan(3000);
  });

  it('a record of 200 rules stays within Slack limits: 10 rules shown, the rest counted', () => {
    const record = load('authorize/ssh-open-to-world.json');
    const items = Array.from({ length: 200 }, (_, i) => ({ ipProtocol: 'tcp', fromPort: 1000 + i, toPort: 1000 + i, ipRanges: { items: [{ cidrIp: '0.0.0.0/0', description: `svc ${i} <!channel> ${'x'.repeat(200)}` }] } }));
    record.requestParameters.ipPermissions = { items };
    delete record.responseElements;
    const result = processRecord('t#0', record, { policy: defaultPolicy(), mode: 'dry-run' });
    expect(result.verdict.findings.length).toBe(200);
    const msg = buildSlackMessage(alertOf(result));
    withinLimits(msg);
    expect(texts(msg).join('\n')).toContain('…and 190 more findings');
    expect(JSON.stringify(msg).length).toBeLessThan(12000);
    expect(JSON.stringify(msg)).not.toContain('<!channel>');
  });
});

describe('alert-only findings carry the fix', () => {
  it('an alert-only finding: the exact revoke command for that one rule', () => {
    const msg = messageOf(load('authorize/mysql-open-to-world.json'));
    const all = texts(msg).join('\n');
    const m = /Fix: `(aws ec2 revoke-security-group-ingress --region [a-z0-9-]+ --group-id sg-[0-9a-f]+ --security-group-rule-ids sgr-[0-9a-f]+)`/.exec(all);
    expect(m).not.toBeNull();
    const result = processRecord('t#0', load('authorize/mysql-open-to-world.json'), { policy: defaultPolicy(), mode: 'dry-run' }) as ChangeResult;
    const target = result.verdict.findings[0].target!;
    expect(m![1]).toBe(`aws ec2 revoke-security-group-ingress --region ${result.change.region} --group-id ${result.change.groupId} --security-group-rule-ids ${target.ruleId}`);
  });

  it('a rule sgwatch revoked carries none; one it would revoke in dry-run, or that an alert-only tool made, does', () => {
    const ssh = load('authorize/ssh-open-to-world.json');
    const result = processRecord('t#0', ssh, { policy: defaultPolicy(), mode: 'enforce' }) as ChangeResult;
    const id = result.verdict.remediation.ruleIds[0];
    const revoked = buildSlackMessage(alertOf(result, { remediation: { status: 'revoked', mode: 'enforce', ruleIds: [id], permissionsRevoked: 0 } as never }));
    expect(texts(revoked).join('\n')).not.toContain('Fix:');
    expect(texts(messageOf(ssh)).join('\n')).toContain(`--security-group-rule-ids ${id}`);
    expect(texts(messageOf(load('authorize/all-traffic-open-to-world.json'))).join('\n')).toContain('Fix: `aws ec2 revoke-security-group-ingress');
    // Direction unknown (ModifySecurityGroupRules offline): no command that could name the wrong call.
    expect(texts(messageOf(load('modify/modify-default-egress-description.json'))).join('\n')).not.toContain('Fix:');
  });

  it('hostile or malformed values give no command, never a quoted or spaced one', () => {
    const ssh = load('authorize/ssh-open-to-world.json');
    for (const region of ['us-east-1; rm -rf /', 'us-east-1 --profile x', '$(id)']) {
      const msg = messageOf({ ...ssh, awsRegion: region });
      expect(texts(msg).join('\n')).not.toContain('Fix:');
    }
  });

  it('SNS e-mail carries the same command', async () => {
    const { buildSnsMessage } = await import('../../lib/alerts/sns');
    const result = processRecord('t#0', load('authorize/mysql-open-to-world.json'), { policy: defaultPolicy(), mode: 'dry-run' });
    const sns = buildSnsMessage(alertOf(result));
    expect(JSON.stringify(sns)).toMatch(/Fix: +aws ec2 revoke-security-group-ingress --region /);
  });
});
