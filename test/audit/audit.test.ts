/**
 * The audit (issue 6, section 3): every standing rule judged as a change
 * adding it would be (same policy, exposure, tag exceptions, prefix lists),
 * compared with the last audit kept in the store: a rule no event reported
 * is found, the next audit does not report it as new again, and once it is
 * removed it is reported resolved. Snapshots round-trip in every store,
 * including DynamoDB (dynalite) with more findings than one item holds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addInventoryJson, emptyInventoryData } from '../../lib/context/inventory-file';
import { judgeStanding, type StandingFinding } from '../../lib/audit/judge-standing';
import { compareAudit, snapshotOf, type AuditStore } from '../../lib/audit/report';
import { defaultPolicy, parsePolicy } from '../../lib/policy';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { createMemoryStore } from '../../lib/store/memory';
import { openLevelStore, type LevelStore } from '../../lib/store/level';
import { chunkFindings, CHUNK_BYTES } from '../../lib/store/audit-items';
import { jsonLines, runCli } from '../cli/run-cli';
import { validate } from '../output/ocsf-validate';
import { auditResult } from '../../lib/audit/alert-result';
import { buildSlackMessage } from '../../lib/alerts/slack';

const SNAPSHOT = join(__dirname, '..', 'fixtures', 'inventory', 'context-snapshot.json');
const base = () => JSON.parse(readFileSync(SNAPSHOT, 'utf8'));
const NOW = new Date('2026-12-07T06:00:00Z');
const policy = defaultPolicy();

/** A standing rule no event reported: RDP open to the world on the public web group. */
const RDP = {
  SecurityGroupRuleId: 'sgr-0c000000000000bff',
  GroupId: 'sg-0c000000000000a01',
  GroupOwnerId: '111122223333',
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: 3389,
  ToPort: 3389,
  CidrIpv4: '0.0.0.0/0',
  Tags: [],
};
/** A rule on the VPC's default group, which the snapshot names only by id in the rule. */
const ON_DEFAULT = { ...RDP, SecurityGroupRuleId: 'sgr-0c000000000000bfe', GroupId: 'sg-0c000000000000a06', FromPort: 443, ToPort: 443, CidrIpv4: '10.0.0.0/8' };

function judge(json: unknown) {
  const data = emptyInventoryData();
  addInventoryJson('snap.json', json, data);
  return judgeStanding(data, { policy, now: NOW, source: 'inventory:snap.json' });
}

describe('judging standing rules', () => {
  it("judges each account by its own policy: the account's override (issue 10) changes the findings", () => {
    const [audit] = judge(base());
    const data = emptyInventoryData();
    addInventoryJson('snap.json', base(), data);
    const overridden = parsePolicy('overrides:\n  "111122223333":\n    rules:\n      public-admin-port: { severity: medium }\n', 'o.yml');
    const [other] = judgeStanding(data, { policy: overridden, now: NOW, source: 'inventory:snap.json' });
    const admin = (a: typeof audit) => a!.findings.filter((f) => f.rule === 'public-admin-port').map((f) => f.baseSeverity ?? f.severity);
    expect(admin(audit)).toContain('critical');
    expect(admin(other).length).toBe(admin(audit).length);
    expect(new Set(admin(other))).toEqual(new Set(['medium']));
  });

  it('each rule as a change adding it: exposure steps, a tag exception on the rule, a prefix list on its entries', () => {
    const [audit] = judge(base());
    expect(audit!.scope).toEqual({ account: '111122223333', region: 'eu-west-1' });
    expect(audit!.groups).toBe(10);
    expect(audit!.rules).toBe(4);
    const keys = audit!.findings.map((f) => `${f.groupId} ${f.rule} ${f.severity}${f.baseSeverity ? ` from ${f.baseSeverity}` : ''}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'sg-0c000000000000a01 public-admin-port critical', // public interface, through the partner list's world entry
        'sg-0c000000000000a03 public-admin-port high from critical', // private: one step down
      ]),
    );
    // sgr-...b01 opens tcp/22 to the world but carries a valid exception tag; the CloudFront list on 443 is trusted.
    expect(audit!.findings.map((f) => f.ruleId)).not.toContain('sgr-0c000000000000b01');
    expect(audit!.findings.map((f) => f.ruleId)).not.toContain('sgr-0c000000000000b04');
    expect(audit!.findings.find((f) => f.rule === 'public-admin-port' && f.groupId === 'sg-0c000000000000a01')).toMatchObject({
      ruleId: 'sgr-0c000000000000b02',
      source: 'pl-0c00000000000c001',
      prefixListEntry: '0.0.0.0/0',
      exposure: 'public',
      groupName: 'web-prod',
    });
    // info findings (undocumented rules) are not reported by the audit
    expect(audit!.findings.every((f) => f.severity !== 'info')).toBe(true);
  });

  it('the default group, named by id only in its rule: default-group-rule fires from the inventory’s group facts', () => {
    const snap = base();
    snap.securityGroupRules.push(ON_DEFAULT);
    const [audit] = judge(snap);
    expect(audit!.findings.find((f) => f.ruleId === ON_DEFAULT.SecurityGroupRuleId)).toMatchObject({ rule: 'default-group-rule', groupName: 'default' });
  });

  it('no interfaces in the inventory: exposure unknown, severities as the policy says', () => {
    const snap = base();
    delete snap.networkInterfaces;
    const [audit] = judge(snap);
    const f = audit!.findings.find((x) => x.groupId === 'sg-0c000000000000a03' && x.rule === 'public-admin-port');
    expect(f).toMatchObject({ exposure: 'unknown', severity: 'critical' });
  });
});

describe('new, standing, resolved', () => {
  it('compares by (rule id, policy rule); counts and worst groups', () => {
    const first = judge(base())[0]!;
    const r1 = compareAudit(first, undefined, 't1');
    expect(r1.new).toHaveLength(first.findings.length);
    expect(r1.previousAt).toBeUndefined();
    const withRdp = base();
    withRdp.securityGroupRules.push(RDP);
    const second = judge(withRdp)[0]!;
    const r2 = compareAudit(second, snapshotOf(first, 't1'), 't2');
    expect(r2.new.map((f) => f.ruleId)).toEqual(['sgr-0c000000000000bff']);
    expect(r2.standing).toHaveLength(first.findings.length);
    expect(r2.worstGroups[0]).toMatchObject({ groupId: 'sg-0c000000000000a01', severity: 'critical' });
    expect(r2.counts.critical).toBe(2);
    const r3 = compareAudit(first, snapshotOf(second, 't2'), 't3');
    expect(r3.new).toEqual([]);
    expect(r3.resolved.map((f) => f.ruleId)).toEqual(['sgr-0c000000000000bff']);
  });
});

describe('the audit alert', () => {
  it('lists each new finding with its own group, and a manual fix command on that group only', () => {
    const r = auditResult(compareAudit(judge(base())[0]!, undefined, '2026-12-07T06:00:00.000Z'));
    expect(r.verdict.remediation).toMatchObject({ action: 'none', ruleIds: [] });
    expect(r.change.eventId).toBe('audit:111122223333:eu-west-1:2026-12-07T06:00:00.000Z');
    const text = JSON.stringify(buildSlackMessage({ record: { eventId: r.change.eventId, result: r, steps: {}, storedAt: '' }, reason: 'violation' }).blocks);
    expect(text).toContain('--group-id sg-0c000000000000a03 --security-group-rule-ids sgr-0c000000000000b03');
    expect(text).not.toContain('--group-id sg-0c000000000000a01 --security-group-rule-ids sgr-0c000000000000b03');
    expect(text).toContain('scheduled audit of 111122223333/eu-west-1');
  });
});

describe('audit snapshots in every store', () => {
  let embedded: EmbeddedStore;
  let level: LevelStore;
  let dir: string;
  beforeAll(async () => {
    embedded = await startEmbeddedStore({ inMemory: true, tableName: 'audit-test' });
    dir = mkdtempSync(join(tmpdir(), 'sgwatch-audit-'));
    level = await openLevelStore({ path: join(dir, 'store') });
  });
  afterAll(async () => {
    await embedded?.close();
    await level?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const many = (n: number, tag: string): StandingFinding[] =>
    Array.from({ length: n }, (_, i) => ({
      account: '111122223333',
      region: 'eu-west-1',
      groupId: `sg-${String(i).padStart(17, '0')}`,
      groupName: `group ${i}`,
      ruleId: `sgr-${String(i).padStart(17, '0')}`,
      direction: 'ingress',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      source: '0.0.0.0/0',
      rule: 'public-admin-port',
      severity: 'critical',
      exposure: 'public',
      message: `${tag}: SSH (tcp/22) open to the whole internet (0.0.0.0/0): anyone can try to log in.`,
    }));

  for (const kind of ['dynalite', 'memory', 'level'] as const) {
    it(`${kind}: the latest snapshot per (account, region), whole, even when larger than one DynamoDB item`, async () => {
      const store = (kind === 'dynalite' ? embedded.store : kind === 'memory' ? createMemoryStore() : level) as unknown as AuditStore;
      const scope = { account: '111122223333', region: 'eu-west-1' };
      expect(await store.latestAudit(scope)).toBeUndefined();
      const big = many(3000, 'first');
      expect(chunkFindings(big).length).toBeGreaterThan(1);
      await store.putAudit({ ...scope, auditedAt: '2026-12-06T06:00:00.000Z', groups: 3000, rules: 3000, findings: big });
      await store.putAudit({ ...scope, auditedAt: '2026-12-07T06:00:00.000Z', groups: 3000, rules: 3000, findings: many(2500, 'second') });
      await store.putAudit({ account: scope.account, region: 'us-east-1', auditedAt: '2026-12-08T06:00:00.000Z', groups: 1, rules: 1, findings: [] });
      const last = await store.latestAudit(scope);
      expect(last).toMatchObject({ auditedAt: '2026-12-07T06:00:00.000Z', groups: 3000 });
      expect(last!.findings).toHaveLength(2500);
      expect(last!.findings[2499]!.message.startsWith('second')).toBe(true);
      expect((await store.latestAudit({ account: scope.account, region: 'us-east-1' }))!.findings).toEqual([]);
    });
  }

  it('chunks stay under the item limit and never split a finding', () => {
    const chunks = chunkFindings(many(3000, 'x'));
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(CHUNK_BYTES);
    expect(chunks.flatMap((c) => JSON.parse(c) as StandingFinding[])).toHaveLength(3000);
  });
});

/** A folder holding the fixture snapshot plus a standing RDP rule open to the world (removed later by writing base()). */
function snapshotWithRdp(prefix: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'snapshot.json');
  const withRdp = base();
  withRdp.securityGroupRules.push(RDP);
  writeFileSync(file, JSON.stringify(withRdp));
  return { dir, file };
}

describe('sgwatch audit --inventory (end to end, embedded store)', () => {
  it('finds a rule no event reported; the next audit reports nothing new; removed, it is reported resolved', async () => {
    const { dir, file } = snapshotWithRdp('sgwatch-audit-cli-');
    const args = ['audit', '--inventory', file, '--format', 'json'];

    const first = await runCli(args, { cwd: dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const l1 = jsonLines(first.stdout) as Array<Record<string, any>>;
    const rdp = l1.find((l) => l.ruleId === RDP.SecurityGroupRuleId);
    expect(rdp).toMatchObject({ kind: 'finding', status: 'new', rule: 'public-admin-port', severity: 'critical', fromPort: 3389, source: '0.0.0.0/0', exposure: 'public', groupName: 'web-prod' });
    const s1 = l1.at(-1)!;
    expect(s1).toMatchObject({ kind: 'summary', groups: 10, rules: 5, standing: 0, resolved: 0 });
    expect(s1.new).toBe(l1.length - 1);
    expect(s1.findings.critical).toBe(2);

    const second = await runCli([...args, '--fail-on', 'critical'], { cwd: dir });
    const l2 = jsonLines(second.stdout) as Array<Record<string, any>>;
    expect(l2.filter((l) => l.kind === 'finding' && l.status === 'new')).toEqual([]);
    expect(l2.at(-1)).toMatchObject({ kind: 'summary', new: 0, standing: s1.new, resolved: 0 });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('--fail-on critical: 2 findings at or above critical (2 critical)');

    writeFileSync(file, JSON.stringify(base()));
    const third = await runCli(args, { cwd: dir });
    const l3 = jsonLines(third.stdout) as Array<Record<string, any>>;
    expect(l3.filter((l) => l.kind === 'resolved').map((l) => l.ruleId)).toEqual([RDP.SecurityGroupRuleId]);
    expect(l3.find((l) => l.kind === 'resolved')).toMatchObject({ rule: 'public-admin-port', groupId: RDP.GroupId, fromPort: 3389 });
    expect(l3.at(-1)).toMatchObject({ new: 0, resolved: 1 });

    const text = await runCli(['audit', '--inventory', file, '--no-save'], { cwd: dir });
    expect(text.stdout).toContain('audit of 111122223333/eu-west-1: 10 groups, 4 rules\n');
    expect(text.stdout).toMatch(/^  0 new, \d+ standing, 0 resolved since /m);
    expect(text.stdout).toMatch(/^standing  CRITICAL sg-0c000000000000a01 \(web-prod\) sgr-0c000000000000b02\n {10}public-admin-port · public\n {10}tcp\/22 from pl-0c00000000000c001 \(entry 0\.0\.0\.0\/0\)$/m);
    // 80 columns hold every line of the report
    expect(Math.max(...text.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--format csv and ocsf: one row / one valid OCSF Detection Finding per finding, Create then Update then Close with the same uid', async () => {
    const { dir, file } = snapshotWithRdp('sgwatch-audit-formats-');
    const csv1 = await runCli(['audit', '--inventory', file, '--format', 'csv'], { cwd: dir });
    expect(csv1.code).toBe(0);
    const rows = csv1.stdout.trim().split('\n');
    expect(rows[0]).toBe('audited_at,status,severity,base_severity,policy_rule,account,region,group_id,group_name,rule_id,direction,protocol,from_port,to_port,source,prefix_list_entry,exposure,message,fix');
    const rdpRow = rows.find((r) => r.includes(RDP.SecurityGroupRuleId))!;
    expect(rdpRow).toMatch(/^[^,]+,new,critical,critical,public-admin-port,111122223333,eu-west-1,sg-0c000000000000a01,web-prod,sgr-[0-9a-f]+,ingress,tcp,3389,3389,0\.0\.0\.0\/0,,public,/);
    expect(rdpRow).toContain(`aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0c000000000000a01 --security-group-rule-ids ${RDP.SecurityGroupRuleId}`);
    expect(rows.slice(1).every((r) => /^[^,]+,new,/.test(r))).toBe(true);

    const ocsf = async () => jsonLines((await runCli(['audit', '--inventory', file, '--format', 'ocsf'], { cwd: dir })).stdout) as Array<Record<string, any>>;
    const second = await ocsf();
    expect(second.length).toBe(rows.length - 1);
    for (const o of second) expect(validate(o), o.finding_info.uid).toEqual([]);
    const rdp2 = second.find((o) => o.finding_info.uid.includes(RDP.SecurityGroupRuleId))!;
    expect(rdp2).toMatchObject({ activity_id: 2, type_uid: 200402, status_id: 1, severity_id: 5 });
    expect(rdp2.resources[0]).toMatchObject({ type: 'AWS::EC2::SecurityGroup', uid: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0c000000000000a01', name: 'web-prod' });
    expect(rdp2.remediation.desc).toContain(`--security-group-rule-ids ${RDP.SecurityGroupRuleId}`);

    writeFileSync(file, JSON.stringify(base()));
    const third = await ocsf();
    const closed = third.filter((o) => o.activity_id === 3);
    expect(closed.map((o) => o.finding_info.uid)).toEqual([rdp2.finding_info.uid]);
    expect(closed[0]).toMatchObject({ status_id: 4, status: 'Resolved', type_uid: 200403 });
    for (const o of third) expect(validate(o)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a missing inventory file is an error about the file, exit 2', async () => {
    const run = await runCli(['audit', '--inventory', '/nonexistent/snap.json', '--store', 'memory']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/snap.json');
    expect(run.stderr).toContain('no such file');
  });
});
