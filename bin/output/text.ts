/**
 * The default `text` format: one line per record, for people.
 */
import type { Change, Finding, Result, RuleChange } from '../../lib/model';
import { describePorts } from '../../lib/alerts/describe';
import { stripControl } from '../../lib/alerts/escape';
import { compareSeverity } from '../../lib/policy/severity';
import { sourceText } from './json';
import type { Palette } from './colors';
import { judgedChange } from '../../lib/context/facts';
import { exposureText } from '../../lib/alerts/describe';

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

/** The first of the most severe findings (the list must not be empty). */
export function worstFinding(findings: readonly Finding[]): Finding {
  let worst = findings[0];
  for (let i = 1; i < findings.length; i++) if (compareSeverity(findings[i].severity, worst.severity) > 0) worst = findings[i];
  return worst;
}

/**
 * Record text on one terminal line: control, bidi and line-break characters
 * from a hostile record cannot forge a line, move the cursor or recolour.
 */
const safe = (s: string) => stripControl(s, true);

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** What the change is about: the group (with its name), the prefix list, a group named only by name, or a resource's new set of groups. */
function subjectOf(c: Change): string {
  if (c.groupId) return c.groupName ? `${c.groupId} (${c.groupName})` : c.groupId;
  if (c.prefixList) return c.prefixList.prefixListId ?? 'new prefix list';
  if (c.groupName) return `name:${c.groupName}`;
  if (c.resourceId) return `${c.resourceId} → ${(c.groupIds ?? []).join(',')}`;
  return '?';
}

export function textLine(r: Result, p: Palette, pipelineNote?: string): string {
  const v = r.verdict;
  const paint = p.severity(v.severity, v.outcome);
  const label = v.outcome === 'violation' ? v.severity.toUpperCase() : v.outcome;
  const head = paint(pad(label, 11));
  if (v.outcome === 'invalid') return `${head} ${safe(r.error ?? r.source)}`;
  const meta = r.change ?? r.ignored;
  const time = meta?.eventTime ? safe(meta.eventTime.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')) : '?';
  const parts = [head, p.dim(time), pad(safe(meta?.eventName ?? '?'), 30)];
  const c = judgedChange(r);
  if (c) {
    parts.push(safe(subjectOf(c)));
  }
  const actor = meta?.actor;
  if (actor) parts.push(p.dim(safe(`${actor.name ?? actor.arn ?? '?'} via ${actor.via}`)));
  if (v.findings.length) {
    const worst = worstFinding(v.findings);
    const more = v.findings.length > 1 ? ` +${v.findings.length - 1} more` : '';
    parts.push(safe(`${worst.target ? ruleText(worst.target) + ' ' : ''}[${worst.rule}]${more}`));
  } else if (c?.error) {
    parts.push(safe(`failed: ${c.error.code}`));
  } else if (v.outcome === 'ignored' && r.ignored) {
    parts.push(p.dim(safe(r.ignored.reason)));
  }
  if (c?.eventIdDerived) parts.push(p.dim('(no eventID: keyed by content hash)'));
  const exposure = r.context?.exposure ? exposureText(r.context.exposure, v.findings) : undefined;
  if (exposure) parts.push(p.dim(safe(`[${exposure}]`)));
  if (v.exceptions.length) parts.push(p.dim(safe(`excepted: ${[...new Set(v.exceptions.map((e) => e.id))].join(', ')}`)));
  if (v.skippedExceptions?.length) parts.push(p.dim(safe(`not applied: ${v.skippedExceptions.map((e) => e.id).join(', ')}`)));
  if (v.notes?.length) parts.push(p.dim(safe(v.notes.join('; '))));
  const action = pipelineNote ?? actionText(r);
  if (action) parts.push(`→ ${safe(action)}`);
  return parts.join('  ');
}
