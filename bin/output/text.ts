/**
 * The default `text` format: one line per record, for people.
 */
import { SEVERITIES, type Finding, type Result, type RuleChange } from '../../lib/model';
import { describePorts } from '../../lib/alerts/describe';
import { sourceText } from './json';
import type { Palette } from './colors';

export function ruleText(rule: RuleChange): string {
  const peer = sourceText(rule.source) ?? (rule.ruleId ? `rule ${rule.ruleId}` : '?');
  const text = `${describePorts(rule.protocol, rule.fromPort, rule.toPort)} ${rule.direction === 'egress' ? 'to' : 'from'} ${peer}`;
  return rule.directionUnknown ? `${text} (direction not recorded: judged as ingress)` : text;
}

function actionText(r: Result): string {
  const plan = r.verdict.remediation;
  if (plan.action === 'revoke') {
    const what = [...plan.ruleIds, ...(plan.permissions.length ? [`${plan.permissions.length} permission(s)`] : [])].join(', ');
    return plan.mode === 'enforce' ? `revoke ${what}` : `would revoke ${what}`;
  }
  if (plan.reason && r.verdict.findings.some((f) => f.remediation === 'revoke')) return `alert only (${plan.reason})`;
  return '';
}

export function worstFinding(findings: Finding[]): Finding {
  let worst = findings[0];
  for (const f of findings) if (SEVERITIES.indexOf(f.severity) > SEVERITIES.indexOf(worst.severity)) worst = f;
  return worst;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function textLine(r: Result, p: Palette, pipelineNote?: string): string {
  const v = r.verdict;
  const paint = p.severity(v.severity, v.outcome);
  const label =
    v.outcome === 'violation' ? v.severity.toUpperCase() : v.outcome;
  const head = paint(pad(label, 11));
  if (v.outcome === 'invalid') return `${head} ${r.error ?? r.source}`;
  const meta = r.change ?? r.ignored;
  const time = meta?.eventTime ? meta.eventTime.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '?';
  const parts = [head, p.dim(time), pad(meta?.eventName ?? '?', 30)];
  const c = r.change;
  if (c) {
    const group = c.groupId ?? (c.groupName ? `name:${c.groupName}` : c.resourceId ? `${c.resourceId} → ${(c.groupIds ?? []).join(',')}` : '?');
    parts.push(c.groupName && c.groupId ? `${group} (${c.groupName})` : group);
  }
  const actor = meta?.actor;
  if (actor) parts.push(p.dim(`${actor.name ?? actor.arn ?? '?'} via ${actor.via}`));
  if (v.findings.length) {
    const worst = worstFinding(v.findings);
    const more = v.findings.length > 1 ? ` +${v.findings.length - 1} more` : '';
    parts.push(`${worst.target ? ruleText(worst.target) + ' ' : ''}[${worst.rule}]${more}`);
  } else if (c?.error) {
    parts.push(`failed: ${c.error.code}`);
  } else if (v.outcome === 'ignored' && r.ignored) {
    parts.push(p.dim(r.ignored.reason));
  }
  if (v.exceptions.length) parts.push(p.dim(`excepted: ${[...new Set(v.exceptions.map((e) => e.id))].join(', ')}`));
  const action = pipelineNote ?? actionText(r);
  if (action) parts.push(`→ ${action}`);
  return parts.join('  ');
}
