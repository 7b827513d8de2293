/**
 * An OCSF 1.2.0 Detection Finding checked against the schema as the OCSF
 * repository defines it (test/fixtures/ocsf/detection-finding-1.2.0.json):
 * required attributes, no attribute outside the schema, consistent ids and
 * defined enum values. Returns the problems found (none: valid).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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

export function validate(o: Record<string, unknown>): string[] {
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

