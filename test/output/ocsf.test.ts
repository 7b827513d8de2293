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
import { validate } from './ocsf-validate';

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
