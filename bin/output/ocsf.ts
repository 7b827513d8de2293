/**
 * `--format ocsf`: one OCSF 1.2.0 Detection Finding (class_uid 2004) per
 * finding, one JSON object per line: what Amazon Security Lake and Security
 * Hub ingest and Prowler writes (`json-ocsf`).
 *
 * The attributes and their requirements come from the OCSF schema repository
 * at tag v1.2.0 (test/fixtures/ocsf/detection-finding-1.2.0.json lists them,
 * with the files and commit they were read from); the tests check every
 * object against that list. sgwatch applies the `cloud` profile.
 *
 * - one object per finding; a record without findings (compliant, ignored,
 *   invalid) gives none;
 * - `finding_info.uid` is stable (event id, policy rule, rule of the change),
 *   so a re-run of the same records gives the same uids and a consumer can
 *   de-duplicate;
 * - `action_id` is Allowed: the change happened (sgwatch judges it after the
 *   fact); what sgwatch did about it (revoked, would revoke, alert only) is in
 *   `remediation.desc` and `unmapped.sgwatch`;
 * - record text is data: it lands in JSON strings only, never in a key.
 */
import ipaddr from 'ipaddr.js';
import type { Finding, Result, Severity } from '../../lib/model';
import type { RemediationOutcome } from '../../lib/pipeline/ports';
import { judgedChange } from '../../lib/context/facts';
import { describeAction, describeRule } from '../../lib/alerts/describe';
import { revokeCommand } from '../../lib/alerts/fix-command';
import { ACCOUNT_ID, GROUP_ID, REGION, RULE_ID } from '../../lib/aws-ids';
import { sourceText } from './json';
import packageJson from '../../package.json';

export const OCSF_VERSION = '1.2.0';
const CLASS_UID = 2004;
const CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;

export const SEVERITY: Record<Severity, { id: number; name: string }> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

/** The partition of a region, for ARNs: aws, aws-us-gov, aws-cn, aws-iso… */
export function partition(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

function eventMs(eventTime: string | undefined): number {
  const t = eventTime ? Date.parse(eventTime) : Number.NaN;
  return Number.isNaN(t) ? Date.now() : t;
}

type Change = NonNullable<ReturnType<typeof judgedChange>>;

function findingUid(change: Change, f: Finding): string {
  const t = f.target;
  const what = t ? (t.ruleId ?? `${t.direction}:${t.protocol}:${t.fromPort}:${t.toPort}:${sourceText(t.source)}`) : 'call';
  return `sgwatch:${change.eventId}:${f.rule}:${what}`;
}

function resources(change: Change, f: Finding) {
  const region = REGION.test(change.region) ? change.region : undefined;
  const account = ACCOUNT_ID.test(change.account) ? change.account : undefined;
  const part = region ? partition(region) : undefined;
  const out: Record<string, unknown>[] = [];
  if (change.groupId || change.groupName) {
    const arn = change.groupId && GROUP_ID.test(change.groupId) && region && account ? `arn:${part}:ec2:${region}:${account}:security-group/${change.groupId}` : undefined;
    out.push({
      type: 'AWS::EC2::SecurityGroup',
      uid: arn ?? change.groupId ?? undefined,
      ...(change.groupName ? { name: change.groupName } : {}),
      ...(region ? { region, cloud_partition: part } : {}),
      ...(change.vpcId ? { group: { uid: change.vpcId, type: 'AWS::EC2::VPC' } } : {}),
    });
  }
  const t = f.target;
  if (t) {
    const ruleArn = t.ruleId && RULE_ID.test(t.ruleId) && region && account ? `arn:${part}:ec2:${region}:${account}:security-group-rule/${t.ruleId}` : undefined;
    out.push({
      type: 'AWS::EC2::SecurityGroupRule',
      ...(ruleArn || t.ruleId ? { uid: ruleArn ?? t.ruleId } : {}),
      name: describeRule(t),
      ...(region ? { region, cloud_partition: part } : {}),
      data: {
        direction: t.direction,
        protocol: t.protocol,
        fromPort: t.fromPort,
        toPort: t.toPort,
        source: sourceText(t.source),
        sourceType: t.source?.kind ?? null,
        ...(t.description !== undefined ? { description: t.description } : {}),
        ...(t.directionUnknown ? { directionUnknown: true } : {}),
      },
    });
  }
  return out;
}

function actor(change: Change) {
  const a = change.actor;
  const user: Record<string, unknown> = {};
  if (a.name) user.name = a.name;
  if (a.arn) user.uid = a.arn;
  if (a.principalId) user.uid_alt = a.principalId;
  if (a.type) user.type = a.type;
  if (a.accountId) user.account = { uid: a.accountId, type_id: 10, type: 'AWS Account' };
  if (Object.keys(user).length === 0) user.name = 'unknown';
  const out: Record<string, unknown> = { user };
  if (a.roleArn || a.mfa !== undefined) {
    out.session = { ...(a.roleArn ? { issuer: a.roleArn } : {}), ...(a.mfa !== undefined ? { is_mfa: a.mfa } : {}) };
  }
  if (a.invokedBy) out.invoked_by = a.invokedBy;
  if (a.userAgent) out.app_name = a.userAgent.slice(0, 500);
  return out;
}

function remediation(change: Change, f: Finding, result: Result, outcome: RemediationOutcome | undefined) {
  const action = describeAction(outcome, result.verdict.remediation);
  const removed = outcome && (outcome.status === 'revoked' || outcome.status === 'already-gone') && f.target?.ruleId && outcome.ruleIds.includes(f.target.ruleId);
  const fix = removed ? undefined : revokeCommand(f.target, f.groupId ?? change.groupId, change.region);
  return { desc: fix ? `${action.text} To remove the rule by hand: ${fix}` : action.text };
}

/** The OCSF Detection Findings of one result: one per finding, none when it has none. */
export function toOcsfFindings(result: Result, outcome?: RemediationOutcome): Record<string, unknown>[] {
  const change = judgedChange(result);
  if (!change) return [];
  const time = eventMs(change.eventTime);
  const region = REGION.test(change.region) ? change.region : undefined;
  const ip = change.actor.sourceIp && ipaddr.isValid(change.actor.sourceIp) ? change.actor.sourceIp : undefined;
  return result.verdict.findings.map((f) => {
    const sev = SEVERITY[f.severity];
    return {
      activity_id: ACTIVITY_CREATE,
      activity_name: 'Create',
      category_uid: CATEGORY_UID,
      category_name: 'Findings',
      class_uid: CLASS_UID,
      class_name: 'Detection Finding',
      type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
      type_name: 'Detection Finding: Create',
      time,
      severity_id: sev.id,
      severity: sev.name,
      status_id: 1,
      status: 'New',
      action_id: 1,
      action: 'Allowed',
      message: f.message,
      metadata: {
        version: OCSF_VERSION,
        profiles: ['cloud'],
        product: { name: 'sgwatch', vendor_name: 'sgwatch', version: packageJson.version },
        original_time: change.eventTime,
        log_name: 'CloudTrail',
        uid: change.eventId,
      },
      finding_info: {
        uid: findingUid(change, f),
        title: f.target ? `${f.rule}: ${describeRule(f.target)}` : `${f.rule}: ${change.eventName}`,
        desc: f.message,
        types: ['Security Group Change'],
        created_time: time,
        analytic: { uid: f.rule, name: f.rule, type_id: 1, type: 'Rule' },
      },
      cloud: {
        provider: 'AWS',
        ...(region ? { region } : {}),
        ...(ACCOUNT_ID.test(change.account) ? { account: { uid: change.account, type_id: 10, type: 'AWS Account' } } : {}),
      },
      resources: resources(change, f),
      actor: actor(change),
      remediation: remediation(change, f, result, outcome),
      unmapped: {
        sgwatch: {
          eventId: change.eventId,
          eventName: change.eventName,
          outcome: result.verdict.outcome,
          policyRule: f.rule,
          policyRemediation: f.remediation,
          plan: result.verdict.remediation,
          ...(outcome ? { remediation: outcome } : {}),
          source: result.source,
          // A Detection Finding (1.2.0) has no src_endpoint: the caller's address goes here.
          ...(ip ? { sourceIp: ip } : {}),
        },
      },
    };
  });
}
