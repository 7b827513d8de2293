/**
 * An audit report as one result the pipeline stores and alerts once
 * (lib/pipeline/run.ts), so the scheduled audit reuses the change alerts'
 * channels, escaping, step claims and idempotency: its findings are the
 * findings new since the last audit (each naming its group), its notes the
 * summary (counts by severity, the five worst groups, what was resolved).
 * A standing finding is not in it, so it is not re-alerted every day.
 *
 * The record's id is `audit:<account>:<region>:<auditedAt>`: a retried
 * invocation of the same audit finds its record and sends nothing twice.
 * Alert only: the plan is `none` (a standing rule is revoked only through a
 * change event, where the actor and the exceptions are known).
 */
import { SEVERITIES, type ChangeResult, type Finding } from '../model';
import { parseSourceText } from '../net/source';
import { severityAtLeast, VIOLATION_THRESHOLD, worstSeverity } from '../policy/severity';
import type { AuditReport } from './report';
import type { StandingFinding } from './judge-standing';

/** New findings listed in one alert (worst first); the rest are counted in a note. */
export const AUDIT_ALERT_FINDINGS = 25;
export const AUDIT_ALERT_ONLY = 'the scheduled audit never revokes: a standing rule is revoked only through a change event';

function findingOf(f: StandingFinding): Finding {
  const source = parseSourceText(f.source);
  return {
    rule: f.rule,
    severity: f.severity,
    message: `${f.groupId}${f.groupName ? ` (${f.groupName})` : ''}: ${f.message}`,
    target: { action: 'add', direction: f.direction, protocol: f.protocol, fromPort: f.fromPort, toPort: f.toPort, ruleId: f.ruleId, ...(source ? { source } : {}) },
    remediation: 'alert',
    groupId: f.groupId,
    ...(f.baseSeverity ? { baseSeverity: f.baseSeverity } : {}),
    ...(f.prefixListEntry && f.source ? { viaPrefixList: { prefixListId: f.source, entry: f.prefixListEntry } } : {}),
  };
}

export function auditSummaryNotes(r: AuditReport): string[] {
  const counts = [...SEVERITIES].reverse().filter((s) => r.counts[s] > 0).map((s) => `${r.counts[s]} ${s}`);
  const notes = [
    `scheduled audit of ${r.scope.account}/${r.scope.region}: ${r.groups} groups, ${r.rules} rules; ${counts.length ? counts.join(', ') : 'no findings'}; ${r.new.length} new, ${r.standing.length} standing, ${r.resolved.length} resolved${r.previousAt ? ` since ${r.previousAt}` : ' (first audit)'}`,
  ];
  if (r.worstGroups.length) notes.push(`worst groups: ${r.worstGroups.map((g) => `${g.groupId}${g.groupName ? ` (${g.groupName})` : ''} ${g.severity} x${g.findings}`).join('; ')}`);
  if (r.new.length > AUDIT_ALERT_FINDINGS) notes.push(`${r.new.length - AUDIT_ALERT_FINDINGS} more new findings not listed here: sgwatch audit --region ${r.scope.region} lists them all`);
  if (r.resolved.length) {
    const shown = r.resolved.slice(0, 10).map((f) => `${f.ruleId} [${f.rule}] on ${f.groupId}`);
    notes.push(`resolved since the last audit: ${shown.join('; ')}${r.resolved.length > 10 ? `; and ${r.resolved.length - 10} more` : ''}`);
  }
  return notes;
}

export function auditResult(r: AuditReport): ChangeResult {
  const findings = r.new.slice(0, AUDIT_ALERT_FINDINGS).map(findingOf);
  const severity = worstSeverity(findings);
  return {
    source: `audit:${r.scope.account}/${r.scope.region}`,
    change: {
      eventId: `audit:${r.scope.account}:${r.scope.region}:${r.auditedAt}`,
      eventName: 'ScheduledAudit',
      eventTime: r.auditedAt,
      account: r.scope.account,
      region: r.scope.region,
      eventSource: 'sgwatch',
      actor: { via: 'sgwatch', name: 'sgwatch scheduled audit' },
      kind: 'authorize',
      // The headline's group: the worst new finding's.
      groupId: r.new[0]?.groupId ?? null,
      ...(r.new[0]?.groupName ? { groupName: r.new[0].groupName } : {}),
      rules: findings.map((f) => f.target!),
    },
    verdict: {
      outcome: severityAtLeast(severity, VIOLATION_THRESHOLD) ? 'violation' : 'compliant',
      severity,
      findings,
      exceptions: [],
      remediation: { mode: 'off', action: 'none', ruleIds: [], permissions: [], reason: AUDIT_ALERT_ONLY },
      notes: auditSummaryNotes(r),
    },
  };
}
