/**
 * Context at evaluation time (issue 6, section 2), from a realistic snapshot
 * (test/fixtures/inventory/context-snapshot.json: ALB and NAT interfaces, an
 * IPv6-only interface, a public IP on a secondary private address only, an
 * unattached group, tag exceptions on groups and rules, a partner prefix
 * list holding the world, AWS's CloudFront list):
 * - exposure of each state, and the severity steps the policy gives them;
 * - tag exceptions valid, expired and malformed, on the group and on the rule;
 * - a rule whose source is a prefix list judged on the list's entries;
 * - enrichment that fails leaves the verdict from the event alone, exposure unknown with the reason;
 * - the words in text, Slack and SNS; and the CLI end to end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventoryFiles } from '../../lib/context/inventory-file';
import type { Inventory } from '../../lib/context/inventory';
import { describeExposure } from '../../lib/context/exposure';
import { processRecordWithContext } from '../../lib/process';
import { defaultPolicy, policyFromObject, validatePolicyObject } from '../../lib/policy';
import { buildSlackMessage } from '../../lib/alerts/slack';
import { buildSnsMessage } from '../../lib/alerts/sns';
import type { Alert } from '../../lib/pipeline/ports';
import type { ChangeResult, Result } from '../../lib/model';
import { ROOT, jsonLines, runCli } from '../cli/run-cli';

const SNAPSHOT = join(__dirname, '..', 'fixtures', 'inventory', 'context-snapshot.json');
const TEMPLATE = JSON.parse(readFileSync(join(ROOT, 'events', 'authorize', 'ssh-open-to-world.json'), 'utf8'));
const ACCOUNT = '111122223333';
const sg = (n: string) => `sg-0c000000000000a${n}`;
const sgr = (n: string) => `sgr-0c000000000000b${n}`;
const PARTNERS = 'pl-0c00000000000c001';
const CLOUDFRONT = 'pl-4fa04526';

interface Item {
  ruleId?: string;
  port?: number;
  cidr?: string;
  cidr6?: string;
  prefixListId?: string;
}

let seq = 0;
/** AuthorizeSecurityGroupIngress on `groupId` (by id only), in eu-west-1, with the rules given. */
function authorize(groupId: string, items: Item[] = [{}]): Record<string, unknown> {
  const r = structuredClone(TEMPLATE);
  r.awsRegion = 'eu-west-1';
  r.eventTime = '2026-12-01T10:00:00Z';
  r.eventID = `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
  r.requestParameters = { groupId, ipPermissions: { items: [] } };
  r.responseElements.securityGroupRuleSet.items = items.map((it, i) => ({
    groupOwnerId: ACCOUNT,
    groupId,
    securityGroupRuleId: it.ruleId ?? `sgr-0c0000000000ff${String(seq).padStart(2, '0')}${i}`,
    isEgress: false,
    ipProtocol: 'tcp',
    fromPort: it.port ?? 22,
    toPort: it.port ?? 22,
    ...(it.prefixListId ? { prefixListId: it.prefixListId } : it.cidr6 ? { cidrIpv6: it.cidr6 } : { cidrIpv4: it.cidr ?? '0.0.0.0/0' }),
  }));
  return r;
}

const inventory = loadInventoryFiles([SNAPSHOT]);
const policy = defaultPolicy();

async function judge(record: unknown, opts: { inv?: Inventory; pol?: typeof policy; mode?: 'off' | 'dry-run' | 'enforce'; notes?: string[] } = {}): Promise<ChangeResult> {
  const r: Result = await processRecordWithContext('t.json#0', record, {
    policy: opts.pol ?? policy,
    mode: opts.mode ?? 'dry-run',
    context: { inventory: opts.inv ?? inventory },
    ...(opts.notes ? { onNote: (n: string) => opts.notes!.push(n) } : {}),
  });
  if (!r.change) throw new Error(`not a change: ${JSON.stringify(r)}`);
  return r;
}

describe('exposure of the group, from the interfaces using it', () => {
  it('public: a public IP on a secondary private address; one of two interfaces; SSH stays critical', async () => {
    const r = await judge(authorize(sg('01')));
    expect(r.context?.exposure).toMatchObject({ state: 'public', interfaces: 2, publicInterfaces: 1, publicAddresses: ['3.8.1.2'], source: inventory.source });
    expect(r.verdict.findings[0]).toMatchObject({ rule: 'public-admin-port', severity: 'critical' });
    expect(r.verdict.findings[0]!.baseSeverity).toBeUndefined();
    expect(describeExposure(r.context!.exposure!)).toBe('attached to 2 interfaces, 1 with public IP 3.8.1.2');
  });

  it('public: an internet-facing load balancer’s interfaces', async () => {
    const r = await judge(authorize(sg('02')));
    expect(r.context?.exposure).toMatchObject({ state: 'public', interfaces: 2, publicInterfaces: 2, publicAddresses: ['54.170.10.20', '34.250.9.8'] });
  });

  it('public: an IPv6-only interface with a global address (the link-local one does not count)', async () => {
    const r = await judge(authorize(sg('05')));
    expect(r.context?.exposure).toMatchObject({ state: 'public', interfaces: 1, publicAddresses: ['2a05:d018:1234:5601::77'] });
  });

  it('private: attached, no public address (a unique-local IPv6 is not public): critical becomes high, baseSeverity kept', async () => {
    const r = await judge(authorize(sg('03')), { mode: 'enforce' });
    expect(r.context?.exposure).toMatchObject({ state: 'private', interfaces: 1, publicInterfaces: 0, publicAddresses: [] });
    expect(r.verdict.findings[0]).toMatchObject({ rule: 'public-admin-port', severity: 'high', baseSeverity: 'critical', remediation: 'revoke' });
    expect(r.verdict.severity).toBe('high');
    // remediation follows the policy rule, not the adjusted severity
    expect(r.verdict.remediation).toMatchObject({ action: 'revoke', ruleIds: [r.change.rules[0]!.ruleId] });
  });

  it('unattached: no interface uses it (the NAT gateway’s group-less interface is not counted for anyone)', async () => {
    const r = await judge(authorize(sg('04')));
    expect(r.context?.exposure).toMatchObject({ state: 'unattached', interfaces: 0, publicAddresses: [] });
    expect(r.verdict.findings[0]).toMatchObject({ severity: 'high', baseSeverity: 'critical' });
    expect(describeExposure(r.context!.exposure!)).toBe('attached to nothing');
  });

  it('unknown: an inventory without interfaces keeps the policy severity and says why', async () => {
    const groupsOnly = loadInventoryFiles([join(__dirname, '..', 'fixtures', 'inventory', 'describe-security-groups.json')]);
    const r = await judge(authorize(sg('04')), { inv: groupsOnly });
    expect(r.context?.exposure).toMatchObject({ state: 'unknown', reason: expect.stringMatching(/holds no network interfaces of 111122223333\/eu-west-1/) });
    expect(r.verdict.findings[0]).toMatchObject({ severity: 'critical' });
  });

  it('unknown: no inventory at all (the verdict has no exposure, severity as the policy says)', async () => {
    const r = await processRecordWithContext('t#0', authorize(sg('04')), { policy, mode: 'dry-run' });
    expect(r.context?.exposure).toBeUndefined();
    expect(r.verdict.findings[0]).toMatchObject({ severity: 'critical' });
  });
});

describe('severity steps by exposure, from the policy', () => {
  it('exposure.unattached: 0 keeps the policy severity', async () => {
    const pol = policyFromObject({ exposure: { unattached: 0 } });
    const r = await judge(authorize(sg('04')), { pol });
    expect(r.verdict.findings[0]).toMatchObject({ severity: 'critical' });
    expect(r.verdict.findings[0]!.baseSeverity).toBeUndefined();
  });

  it('exposure.private: -4 takes critical to info: compliant, and nothing is revoked', async () => {
    const pol = policyFromObject({ exposure: { private: -4 } });
    const r = await judge(authorize(sg('03')), { pol, mode: 'enforce' });
    expect(r.verdict.findings[0]).toMatchObject({ severity: 'info', baseSeverity: 'critical' });
    expect(r.verdict.outcome).toBe('compliant');
  });

  it('a step upwards or out of range is refused, naming the key', () => {
    const bad = validatePolicyObject({ exposure: { private: 1 } }, 'p.yml');
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).toMatch(/exposure\.private|exposure\/private/);
    expect(validatePolicyObject({ exposure: { public: -1 } }, 'p.yml').ok).toBe(false);
  });
});

describe('tag exceptions, on the group and on the rule', () => {
  it('valid group tag: the finding is silenced, the exception names the group and the reason', async () => {
    const r = await judge(authorize(sg('07')), { mode: 'enforce' });
    expect(r.verdict.outcome).toBe('compliant');
    expect(r.verdict.exceptions).toEqual([
      expect.objectContaining({ id: `tag:${sg('07')}`, rule: 'public-admin-port', until: '2027-06-30', reason: 'bastion behind the vendor VPN, SEC-412' }),
    ]);
    expect(r.verdict.remediation.action).toBe('none');
  });

  it('expired group tag: ignored and named in skippedExceptions', async () => {
    const r = await judge(authorize(sg('08')), { mode: 'enforce' });
    expect(r.verdict.outcome).toBe('violation');
    expect(r.verdict.findings[0]).toMatchObject({ rule: 'public-admin-port', severity: 'critical' });
    expect(r.verdict.skippedExceptions).toEqual([{ id: `tag:${sg('08')}`, problem: expect.stringMatching(/expired 2025-01-31/) }]);
    expect(r.verdict.remediation.action).toBe('revoke');
  });

  it('malformed group tag: ignored and named with the key, the holder and the value', async () => {
    const r = await judge(authorize(sg('09')));
    expect(r.verdict.outcome).toBe('violation');
    const [skipped] = r.verdict.skippedExceptions ?? [];
    expect(skipped?.id).toBe(`tag:${sg('09')}`);
    expect(skipped?.problem).toContain('sgwatch:exception');
    expect(skipped?.problem).toContain('public-admin-port until March');
  });

  it('valid rule tag (*): silences the findings of that rule only', async () => {
    const r = await judge(authorize(sg('10'), [{ ruleId: sgr('01') }, { ruleId: 'sgr-0c0000000000fe001', port: 3389 }]), { mode: 'enforce' });
    expect(new Set(r.verdict.exceptions.map((e) => `${e.id} ${e.target?.ruleId}`))).toEqual(new Set([`tag:${sgr('01')} ${sgr('01')}`]));
    expect(r.verdict.exceptions.map((e) => e.rule)).toContain('public-admin-port');
    expect(r.verdict.exceptions[0]!.reason).toBe('load test window, CHG-77');
    expect(new Set(r.verdict.findings.map((f) => f.target?.ruleId))).toEqual(new Set(['sgr-0c0000000000fe001']));
    expect(r.verdict.remediation.ruleIds).toEqual(['sgr-0c0000000000fe001']);
  });

  it('a tagged rule of another group lends nothing: the record’s group differs', async () => {
    const r = await judge(authorize(sg('04'), [{ ruleId: sgr('01') }]));
    expect(r.verdict.exceptions).toEqual([]);
    expect(r.verdict.outcome).toBe('violation');
  });

  it('another tag key in the policy: the default key is then ignored', async () => {
    const pol = policyFromObject({ exceptionTagKey: 'acme:sg-waiver' });
    const r = await judge(authorize(sg('07')), { pol });
    expect(r.verdict.outcome).toBe('violation');
  });
});

describe('prefix lists judged on their entries', () => {
  it('a partner list holding 0.0.0.0/0 on tcp/22 is the world: public-admin-port, naming the list and the entry', async () => {
    const r = await judge(authorize(sg('01'), [{ ruleId: sgr('02'), prefixListId: PARTNERS }]), { mode: 'enforce' });
    const f = r.verdict.findings.find((x) => x.rule === 'public-admin-port');
    expect(f).toMatchObject({ severity: 'critical', viaPrefixList: { prefixListId: PARTNERS, entry: '0.0.0.0/0' } });
    expect(f!.message).toContain(`through prefix list ${PARTNERS} (partners)`);
    expect(r.verdict.findings.filter((x) => x.rule === 'public-admin-port')).toHaveLength(1); // one finding per policy rule, not per entry
    expect(r.context?.prefixLists?.[PARTNERS]).toEqual({ value: { name: 'partners', ownerId: ACCOUNT, entries: 3 }, source: inventory.source });
    expect(r.verdict.remediation).toMatchObject({ action: 'revoke', ruleIds: [sgr('02')] });
  });

  it('the same list on a private group: the entry finding is lowered like any other', async () => {
    const r = await judge(authorize(sg('03'), [{ ruleId: sgr('03'), prefixListId: PARTNERS }]));
    expect(r.verdict.findings.find((x) => x.rule === 'public-admin-port')).toMatchObject({ severity: 'high', baseSeverity: 'critical' });
  });

  it('an AWS-managed CloudFront list on tcp/443 is compliant, with a note saying why', async () => {
    const r = await judge(authorize(sg('02'), [{ ruleId: sgr('04'), port: 443, prefixListId: CLOUDFRONT }]));
    expect(r.verdict.outcome).toBe('compliant');
    expect(r.verdict.notes).toEqual([expect.stringMatching(new RegExp(`${CLOUDFRONT}.*AWS-managed: trusted \\(trustAwsManagedPrefixLists\\)`))]);
  });

  it('trustAwsManagedPrefixLists: false judges the AWS list on its entries', async () => {
    const pol = policyFromObject({ trustAwsManagedPrefixLists: false });
    const r = await judge(authorize(sg('02'), [{ ruleId: sgr('04'), port: 22, prefixListId: CLOUDFRONT }]), { pol });
    expect(r.verdict.notes ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/AWS-managed/)]));
    expect(r.verdict.findings.map((x) => x.viaPrefixList?.prefixListId)).toContain(CLOUDFRONT);
  });

  it('a list the inventory does not hold: today’s behaviour, and "not resolved" said', async () => {
    const notes: string[] = [];
    const r = await judge(authorize(sg('01'), [{ prefixListId: 'pl-0c00000000000c999' }]), { notes });
    expect(r.verdict.notes).toEqual([expect.stringContaining('prefix list pl-0c00000000000c999 not resolved')]);
    expect(r.verdict.findings.some((x) => x.viaPrefixList)).toBe(false);
    expect(notes.join('\n')).toContain('pl-0c00000000000c999 not in');
  });

  it('a list of private ranges only: no public finding', async () => {
    const r = await judge(authorize(sg('01'), [{ prefixListId: 'pl-0c00000000000c002' }]));
    expect(r.verdict.findings.filter((x) => x.rule.startsWith('public-'))).toEqual([]);
  });
});

describe('enrichment that fails', () => {
  const denied = (what: string): Inventory => {
    const fail = async () => {
      const e = new Error(`User: arn:aws:sts::${ACCOUNT}:assumed-role/sgwatch/x is not authorized to perform: ec2:${what}`);
      e.name = 'UnauthorizedOperation';
      throw e;
    };
    return { source: 'ec2:live', group: fail, rule: fail, interfacesUsing: fail, knowsInterfaces: async () => true, prefixList: fail, rulesReferencing: fail };
  };

  it('access denied: the verdict from the event alone, exposure unknown with the reason, nothing thrown', async () => {
    const notes: string[] = [];
    const r = await judge(authorize(sg('03'), [{ ruleId: sgr('03') }, { prefixListId: PARTNERS }]), { inv: denied('DescribeNetworkInterfaces'), mode: 'enforce', notes });
    expect(r.context?.exposure).toMatchObject({ state: 'unknown', reason: expect.stringContaining('not authorized to perform: ec2:DescribeNetworkInterfaces') });
    expect(r.verdict.findings[0]).toMatchObject({ rule: 'public-admin-port', severity: 'critical' });
    expect(r.verdict.findings[0]!.baseSeverity).toBeUndefined();
    expect(r.verdict.remediation.action).toBe('revoke');
    expect(r.verdict.notes).toEqual([expect.stringContaining(`prefix list ${PARTNERS} not resolved`)]);
    expect(notes.length).toBeGreaterThan(0);
  });
});

describe('the exposure in words, in Slack and SNS', () => {
  const alertOf = (r: ChangeResult): Alert => ({ record: { eventId: r.change.eventId, result: r, steps: {}, storedAt: '2026-12-01T10:00:05Z' }, reason: 'violation' });

  it('unattached: "attached to nothing: lowered from critical"', async () => {
    const r = await judge(authorize(sg('04')));
    const slack = JSON.stringify(buildSlackMessage(alertOf(r)));
    expect(slack).toContain('attached to nothing: lowered from critical');
    const sns = buildSnsMessage(alertOf(r));
    expect(sns.Message).toContain('attached to nothing: lowered from critical');
  });

  it('public: the interface count and the public IP', async () => {
    const r = await judge(authorize(sg('01')));
    expect(JSON.stringify(buildSlackMessage(alertOf(r)))).toContain('attached to 2 interfaces, 1 with public IP 3.8.1.2');
    expect(buildSnsMessage(alertOf(r)).Message).toContain('attached to 2 interfaces, 1 with public IP 3.8.1.2');
  });

  it('a skipped tag exception is said in the alert', async () => {
    const r = await judge(authorize(sg('08')));
    expect(JSON.stringify(buildSlackMessage(alertOf(r)))).toContain('expired 2025-01-31');
    expect(buildSnsMessage(alertOf(r)).Message).toContain('expired 2025-01-31');
  });
});

describe('sgwatch replay --inventory context-snapshot.json (end to end)', () => {
  it('JSON: exposure, baseSeverity, the exception from a tag, the prefix-list entry', async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'sgwatch-ctx-'));
    const files = [
      authorize(sg('01')),
      authorize(sg('04')),
      authorize(sg('07')),
      authorize(sg('01'), [{ ruleId: sgr('02'), prefixListId: PARTNERS }]),
    ];
    const file = join(dir, 'trail.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify({ Records: files }));
    const run = await runCli(['replay', file, '--store', 'memory', '--format', 'json', '--inventory', SNAPSHOT]);
    expect(run.stderr).toBe('');
    const lines = jsonLines(run.stdout).filter((l) => l.kind !== 'summary');
    expect(lines).toHaveLength(4);
    const [pub, idle, bastion, viaList] = lines as Array<Record<string, any>>;
    expect(pub!.exposure).toMatchObject({ state: 'public', interfaces: 2, publicAddresses: ['3.8.1.2'] });
    expect(idle!.exposure).toMatchObject({ state: 'unattached', interfaces: 0 });
    expect(idle!.findings[0]).toMatchObject({ severity: 'high', baseSeverity: 'critical' });
    expect(bastion!.outcome).toBe('compliant');
    expect(bastion!.exceptions[0]).toMatchObject({ id: `tag:${sg('07')}` });
    expect(viaList!.findings.find((x: any) => x.rule === 'public-admin-port')).toMatchObject({ prefixListEntry: '0.0.0.0/0' });
  });

  it('JSON without --inventory: exposure unknown, saying how to know it', async () => {
    const run = await runCli(['replay', join(ROOT, 'events', 'authorize', 'ssh-open-to-world.json'), '--store', 'memory', '--format', 'json']);
    const [r] = jsonLines(run.stdout) as Array<Record<string, any>>;
    expect(r!.exposure).toMatchObject({ state: 'unknown', reason: expect.stringContaining('--inventory') });
  });

  it('text: the exposure in words beside the verdict', async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'sgwatch-ctx-'));
    const file = join(dir, 'trail.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify({ Records: [authorize(sg('04'))] }));
    const run = await runCli(['replay', file, '--store', 'memory', '--inventory', SNAPSHOT], { env: { COLUMNS: '200' } });
    expect(run.stdout).toContain('attached to nothing');
  });
});
