/**
 * `--format ocsf`: every object is an OCSF 1.2.0 Detection Finding as the
 * schema defines it (test/fixtures/ocsf/detection-finding-1.2.0.json, read
 * from the ocsf/ocsf-schema repository at v1.2.0): the required attributes
 * are present, no attribute outside the schema is used (event and nested
 * objects), ids are consistent and enum values are defined.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processRecord } from '../../lib/process';
import { defaultPolicy } from '../../lib/policy';
import { toOcsfFindings } from '../../bin/output/ocsf';
import { ROOT, runCli } from '../cli/run-cli';

interface ObjSpec { required: string[]; attributes: string[]; at_least_one?: string[] }
const schema = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'ocsf', 'detection-finding-1.2.0.json'), 'utf8')) as {
  event: ObjSpec;
  objects: Record<string, ObjSpec>;
  enums: Record<string, Record<string, string>>;
};

/** Attribute → object type, for the nested objects sgwatch writes. */
const NESTED: Record<string, string> = { metadata: 'metadata', finding_info: 'finding_info', cloud: 'cloud', actor: 'actor', remediation: 'remediation' };
const IN_OBJECT: Record<string, Record<string, string>> = {
  metadata: { product: 'product' },
  finding_info: { analytic: 'analytic' },
  cloud: { account: 'account' },
  actor: { user: 'user', session: 'session' },
  user: { account: 'account' },
};

function checkObject(kind: string, value: Record<string, unknown>, where: string, problems: string[]): void {
  const spec = schema.objects[kind];
  for (const r of spec.required) if (value[r] === undefined) problems.push(`${where}: ${kind}.${r} is required`);
  for (const k of Object.keys(value)) if (!spec.attributes.includes(k)) problems.push(`${where}: ${kind} has no attribute ${k}`);
  if (spec.at_least_one && !spec.at_least_one.some((k) => value[k] !== undefined)) problems.push(`${where}: ${kind} needs one of ${spec.at_least_one.join(', ')}`);
  for (const [k, sub] of Object.entries(IN_OBJECT[kind] ?? {})) if (value[k] !== undefined) checkObject(sub, value[k] as Record<string, unknown>, `${where}.${k}`, problems);
}

function validate(o: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const r of schema.event.required) if (o[r] === undefined) problems.push(`${r} is required`);
  for (const k of Object.keys(o)) if (!schema.event.attributes.includes(k)) problems.push(`no attribute ${k} in a Detection Finding`);
  if (o.class_uid !== 2004 || o.category_uid !== 2) problems.push('class/category');
  if (o.type_uid !== (o.class_uid as number) * 100 + (o.activity_id as number)) problems.push('type_uid = class_uid * 100 + activity_id');
  if (!(String(o.severity_id) in schema.enums.severity_id) || schema.enums.severity_id[String(o.severity_id)] !== o.severity) problems.push(`severity ${o.severity_id}/${o.severity}`);
  if (!(String(o.activity_id) in schema.enums.activity_id)) problems.push('activity_id');
  if (!(String(o.status_id) in schema.enums.status_id)) problems.push('status_id');
  if (!(String(o.action_id) in schema.enums.action_id)) problems.push('action_id');
  if (!Number.isInteger(o.time)) problems.push('time is epoch ms');
  for (const [k, kind] of Object.entries(NESTED)) if (o[k] !== undefined) checkObject(kind, o[k] as Record<string, unknown>, k, problems);
  const fi = o.finding_info as { analytic?: { type_id: number } } | undefined;
  if (fi?.analytic && !(String(fi.analytic.type_id) in schema.enums['analytic.type_id'])) problems.push('analytic.type_id');
  for (const [i, r] of (o.resources as Record<string, unknown>[]).entries()) {
    for (const k of Object.keys(r)) if (!schema.objects.resource_details.attributes.includes(k)) problems.push(`resources[${i}] has no attribute ${k}`);
  }
  return problems;
}

const load = (rel: string) => JSON.parse(readFileSync(join(ROOT, 'events', rel), 'utf8'));
const ocsf = (rel: string) => toOcsfFindings(processRecord('t#0', load(rel), { policy: defaultPolicy(), mode: 'dry-run' }));

describe('OCSF Detection Findings', () => {
  it('the checker catches what it should (a missing required attribute, a foreign key, a wrong severity name)', () => {
    const [good] = ocsf('authorize/ssh-open-to-world.json');
    expect(validate(good)).toEqual([]);
    const { finding_info: _f, ...noInfo } = good;
    expect(validate(noInfo)).toContain('finding_info is required');
    expect(validate({ ...good, sgwatch: 1 })).toContain('no attribute sgwatch in a Detection Finding');
    expect(validate({ ...good, severity: 'High' })).toContain('severity 5/High');
  });

  it('maps severity, time, resources, actor, source IP and the fix; one object per finding', () => {
    const out = ocsf('authorize/all-traffic-open-to-world.json');
    expect(out).toHaveLength(3);
    const [first] = out as Record<string, any>[];
    expect(first).toMatchObject({ class_uid: 2004, type_uid: 200401, severity_id: 5, severity: 'Critical', time: Date.parse('2025-03-04T10:03:39Z') });
    expect(first.resources[0]).toMatchObject({ type: 'AWS::EC2::SecurityGroup', uid: 'arn:aws:ec2:us-east-1:111122223333:security-group/sg-0a1b2c3d4e5f60003', region: 'us-east-1' });
    expect(first.resources[1]).toMatchObject({ type: 'AWS::EC2::SecurityGroupRule', uid: 'arn:aws:ec2:us-east-1:111122223333:security-group-rule/sgr-0a1b2c3d4e5f60031' });
    expect(first.actor.user).toMatchObject({ name: 'ci-deployer/terraform', uid: 'arn:aws:sts::111122223333:assumed-role/ci-deployer/terraform' });
    expect(first.unmapped.sgwatch.sourceIp).toBe('203.0.113.50'); // no src_endpoint in a 1.2.0 Detection Finding
    expect(first.remediation.desc).toMatch(/alertOnlyVia.*To remove the rule by hand: aws ec2 revoke-security-group-ingress --region us-east-1 --group-id sg-0a1b2c3d4e5f60003 --security-group-rule-ids sgr-0a1b2c3d4e5f60031$/);
    expect(new Set(out.map((o: any) => o.finding_info.uid)).size).toBe(3);
    expect(ocsf('authorize/https-open-to-world-documented.json')).toEqual([]); // compliant: no finding, no object
  });

  it('a hostile description stays data', () => {
    const rec = load('authorize/ssh-open-to-world.json');
    rec.requestParameters.ipPermissions.items[0].ipRanges.items[0].description = '"},{"class_uid":1,"x":"\u0000\n<!here>';
    const [o] = toOcsfFindings(processRecord('t#0', rec, { policy: defaultPolicy(), mode: 'dry-run' })) as Record<string, any>[];
    const back = JSON.parse(JSON.stringify(o));
    expect(back.class_uid).toBe(2004);
    expect(back.resources[1].data.description).toBe('"},{"class_uid":1,"x":"\u0000\n<!here>');
  });

  it('sgwatch replay events/ --format ocsf: one valid line per finding, the same uids on a re-run', async () => {
    const run = await runCli(['replay', join(ROOT, 'events'), '--store', 'memory', '--format', 'ocsf']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(20);
    for (const o of lines) expect(validate(o), o.finding_info?.uid).toEqual([]);
    const again = await runCli(['replay', join(ROOT, 'events'), '--store', 'memory', '--format', 'ocsf']);
    expect(again.stdout.trim().split('\n').map((l) => JSON.parse(l).finding_info.uid)).toEqual(lines.map((o) => o.finding_info.uid));
  });
});
