/**
 * `sgwatch audit --format csv | ocsf`: the audit's findings in the formats
 * `replay` and `findings` write, for spreadsheets, SIEMs, Security Lake and
 * Security Hub.
 *
 * - csv: one row per finding, new, standing or resolved (`status`), with a
 *   header row; the same formula guard as the replay CSV;
 * - ocsf: one OCSF 1.2.0 Detection Finding per finding. A standing rule has no
 *   actor and no event: `activity` says what the audit saw — Create (new),
 *   Update (still there), Close (resolved, `status` Resolved) — and
 *   `finding_info.uid` is the same on every audit of the same rule and policy
 *   rule, so a consumer follows one finding from Create to Close.
 */
import { stringify } from 'csv-stringify/sync';
import type { AuditReport } from '../../lib/audit/report';
import type { StandingFinding } from '../../lib/audit/judge-standing';
import { revokeCommand } from '../../lib/alerts/fix-command';
import { ACCOUNT_ID, GROUP_ID, REGION, RULE_ID } from '../../lib/aws-ids';
import { parseSourceText } from '../../lib/net/source';
import type { RuleChange } from '../../lib/model';
import { csvCell } from './csv';
import { OCSF_VERSION, SEVERITY, partition } from './ocsf';
import packageJson from '../../package.json';

type Status = 'new' | 'standing' | 'resolved';

/** Every finding of the report with what the audit saw of it. */
function each(r: AuditReport): Array<[Status, StandingFinding]> {
  return [...r.new.map((f) => ['new', f] as [Status, StandingFinding]), ...r.standing.map((f) => ['standing', f] as [Status, StandingFinding]), ...r.resolved.map((f) => ['resolved', f] as [Status, StandingFinding])];
}

/** The rule as the fix command reads it (a rule id, so the command names it exactly). */
function asRule(f: StandingFinding): RuleChange {
  return { action: 'add', direction: f.direction, protocol: f.protocol, fromPort: f.fromPort ?? undefined, toPort: f.toPort ?? undefined, source: f.source ? parseSourceText(f.source) : undefined, ruleId: f.ruleId } as RuleChange;
}

const fixOf = (status: Status, f: StandingFinding) => (status === 'resolved' ? undefined : revokeCommand(asRule(f), f.groupId, f.region));

export const AUDIT_CSV_COLUMNS = [
  'audited_at',
  'status',
  'severity',
  'base_severity',
  'policy_rule',
  'account',
  'region',
  'group_id',
  'group_name',
  'rule_id',
  'direction',
  'protocol',
  'from_port',
  'to_port',
  'source',
  'prefix_list_entry',
  'exposure',
  'message',
  'fix',
] as const;

export function auditCsvHeader(): string {
  return stringify([AUDIT_CSV_COLUMNS as unknown as string[]], { record_delimiter: 'unix' });
}

/** One row per finding of the report (new, standing, resolved), as CSV text. */
export function auditCsvRows(r: AuditReport): string {
  const rows = each(r).map(([status, f]) =>
    [
      r.auditedAt,
      status,
      f.severity,
      f.baseSeverity ?? f.severity,
      f.rule,
      f.account,
      f.region,
      f.groupId,
      f.groupName,
      f.ruleId,
      f.direction,
      f.protocol === '-1' ? 'all' : f.protocol,
      f.fromPort,
      f.toPort,
      f.source,
      f.prefixListEntry,
      f.exposure,
      f.message,
      fixOf(status, f),
    ].map(csvCell),
  );
  return rows.length ? stringify(rows, { record_delimiter: 'unix' }) : '';
}

const ACTIVITY: Record<Status, { id: number; name: string }> = {
  new: { id: 1, name: 'Create' },
  standing: { id: 2, name: 'Update' },
  resolved: { id: 3, name: 'Close' },
};

/** One OCSF Detection Finding per finding of the report. */
export function auditOcsfFindings(r: AuditReport): Record<string, unknown>[] {
  const time = Date.parse(r.auditedAt);
  return each(r).map(([status, f]) => {
    const sev = SEVERITY[f.severity];
    const act = ACTIVITY[status];
    const region = REGION.test(f.region) ? f.region : undefined;
    const account = ACCOUNT_ID.test(f.account) ? f.account : undefined;
    const part = region ? partition(region) : undefined;
    const arn = (kind: string, id: string, pattern: RegExp) => (pattern.test(id) && region && account ? `arn:${part}:ec2:${region}:${account}:${kind}/${id}` : id);
    const where = region ? { region, cloud_partition: part } : {};
    const fix = fixOf(status, f);
    const rule = `${f.direction} ${f.protocol === '-1' ? 'all traffic' : f.fromPort === null ? f.protocol : f.fromPort === f.toPort ? `${f.protocol}/${f.fromPort}` : `${f.protocol}/${f.fromPort}-${f.toPort}`} ${f.direction === 'egress' ? 'to' : 'from'} ${f.source ?? '?'}`;
    return {
      activity_id: act.id,
      activity_name: act.name,
      category_uid: 2,
      category_name: 'Findings',
      class_uid: 2004,
      class_name: 'Detection Finding',
      type_uid: 2004 * 100 + act.id,
      type_name: `Detection Finding: ${act.name}`,
      time,
      severity_id: sev.id,
      severity: sev.name,
      status_id: status === 'resolved' ? 4 : 1,
      status: status === 'resolved' ? 'Resolved' : 'New',
      action_id: 1,
      action: 'Allowed',
      message: f.message,
      metadata: { version: OCSF_VERSION, profiles: ['cloud'], product: { name: 'sgwatch', vendor_name: 'sgwatch', version: packageJson.version }, log_name: 'sgwatch audit' },
      finding_info: {
        uid: `sgwatch:audit:${f.account}:${f.region}:${f.ruleId}:${f.rule}`,
        title: `${f.rule}: ${rule}`,
        desc: f.message,
        types: ['Security Group Rule'],
        analytic: { uid: f.rule, name: f.rule, type_id: 1, type: 'Rule' },
      },
      cloud: { provider: 'AWS', ...(region ? { region } : {}), ...(account ? { account: { uid: account, type_id: 10, type: 'AWS Account' } } : {}) },
      resources: [
        { type: 'AWS::EC2::SecurityGroup', uid: arn('security-group', f.groupId, GROUP_ID), ...(f.groupName ? { name: f.groupName } : {}), ...where },
        { type: 'AWS::EC2::SecurityGroupRule', uid: arn('security-group-rule', f.ruleId, RULE_ID), name: rule, ...where, data: { direction: f.direction, protocol: f.protocol, fromPort: f.fromPort, toPort: f.toPort, source: f.source, ...(f.prefixListEntry ? { prefixListEntry: f.prefixListEntry } : {}), exposure: f.exposure } },
      ],
      remediation: { desc: status === 'resolved' ? 'The rule no longer violates the policy (removed or changed since the last audit).' : fix ? `Alert only (the audit never revokes). To remove the rule by hand: ${fix}` : 'Alert only (the audit never revokes).' },
      unmapped: { sgwatch: { audit: status, auditedAt: r.auditedAt, previousAuditAt: r.previousAt ?? null, policyRule: f.rule, baseSeverity: f.baseSeverity ?? f.severity, exposure: f.exposure } },
    };
  });
}
