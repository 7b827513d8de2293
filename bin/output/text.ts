/**
 * The default `text` format: one line per record, for people.
 */
import type { Change, Finding, Result, RuleChange } from '../../lib/model';
import { describePorts } from '../../lib/alerts/describe';
import { stripControl } from '../../lib/alerts/escape';
import { compareSeverity } from '../../lib/policy/severity';
import { sourceText } from './json';
import type { Palette, Paint } from './colors';
import { elidePath, elideWords, fitLine, fitParts, fits, wrapWords, type Part } from '../../lib/terminal/fit';
import { judgedChange } from '../../lib/context/facts';
import { exposureText } from '../../lib/alerts/describe';

/** A rule in words: `tcp/22 (SSH) from 0.0.0.0/0`; compact, without the service names (`tcp/22 from 0.0.0.0/0`). */
export function ruleText(rule: RuleChange, compact = false): string {
  const peer = sourceText(rule.source) ?? (rule.ruleId ? `rule ${rule.ruleId}` : '?');
  let ports = describePorts(rule.protocol, rule.fromPort, rule.toPort);
  if (compact) ports = ports.replace(/ \(.*\)$/, '');
  const text = `${ports} ${rule.direction === 'egress' ? 'to' : 'from'} ${peer}`;
  if (!rule.directionUnknown) return text;
  return compact ? `${text} (direction unknown)` : `${text} (direction not recorded: judged as ingress)`;
}

function plannedAction(r: Result): string {
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
  if (c.resourceId) return `${c.resourceId} → ${(c.groupIds ?? []).join(', ')}`;
  return '?';
}

/** Where continuation lines start: under the subject, after the label column. */
const INDENT = 13;

/**
 * A record for people: one line when it fits the width (or with no width:
 * pipes and files get whole lines), else a first line with the label, the
 * group and the worst finding, then `→ action`, then where it came from
 * (`file#index`), when and who, each fitted by priority. Ids are never split.
 */
export function textLine(r: Result, p: Palette, pipelineNote?: string, width?: number): string {
  const v = r.verdict;
  const paint = p.severity(v.severity, v.outcome);
  const label = v.outcome === 'violation' ? v.severity.toUpperCase() : v.outcome;
  const head: Part = { text: pad(label, 11), paint, drop: 0 };
  if (v.outcome === 'invalid') return `${paint(head.text)} ${wrapWords(safe(r.error ?? r.source), width, 12)}`;
  const { time, eventName, subject, actor, mainParts, extras, action, source } = recordParts(r, p, pipelineNote);

  const present = (...parts: Array<Part | undefined>): Part[] => parts.filter((x): x is Part => x !== undefined);
  const whole = present(head, time, { text: pad(eventName, 30), drop: 4 }, subject, actor, ...mainParts, ...extras, action, source);
  if (width === undefined || fits(whole, width)) return fitLine(whole, undefined);

  // Narrow: what and where first, then the action, then the source, time and actor.
  // Without a finding, the event name follows the subject on the first line, and goes to the third when the subject needs the room.
  const namePart: Part = { text: eventName, drop: 3 };
  const first = fitParts(present(head, subject, ...(mainParts.length ? mainParts : [namePart])), width);
  const lines = [fitLine(first, undefined)];
  const nameShown = first.some((part) => part.of === namePart);
  const indent = ' '.repeat(INDENT);
  if (action) lines.push(indent + fitLine([action], width, INDENT));
  lines.push(indent + fitLine(present(source, time, nameShown ? undefined : { text: eventName, drop: 4 }, actor, ...extras), width, INDENT));
  return lines.join('\n');
}

/** The parts of a record's text, each with how it gives way when the line is short (lib/terminal/fit.ts). */
function recordParts(r: Result, p: Palette, pipelineNote: string | undefined) {
  const v = r.verdict;
  const meta = r.change ?? r.ignored;
  const dateTime = meta?.eventTime ? safe(meta.eventTime.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')) : '?';
  const time: Part = { text: dateTime, paint: p.dim, drop: 3, shorten: (room) => (dateTime.length > 11 && room >= 8 ? dateTime.slice(11) : undefined) };
  const eventName = safe(meta?.eventName ?? '?');
  const c = judgedChange(r);
  const subjectText = c ? safe(subjectOf(c)) : undefined;
  const subject: Part | undefined = subjectText === undefined ? undefined : { text: subjectText, drop: 2, keep: c?.groupId ? safe(c.groupId) : subjectText, shorten: c?.groupId ? undefined : (room) => elideWords(subjectText, room) };
  const actorText = meta?.actor ? safe(`${meta.actor.name ?? meta.actor.arn ?? '?'} via ${meta.actor.via}`) : undefined;
  const actorName = meta?.actor ? safe(meta.actor.name ?? meta.actor.arn ?? '?') : '';
  // Shortened to the name alone (without how they came), then cut after a word.
  const actor: Part | undefined = actorText === undefined ? undefined : { text: actorText, paint: p.dim, drop: 2, shorten: (room) => (actorName.length <= room ? actorName : elideWords(actorName, room)) };

  // The main part: the worst finding's rule and its policy rule (`[id] +N more`, kept as `[id]`), a failed call's code, or why a record is ignored.
  const mainParts: Part[] = [];
  const elidable = (text: string, drop: number, paint?: Paint): Part => ({ text, paint, drop, shorten: (room) => elideWords(text, room) });
  if (v.findings.length) {
    const worst = worstFinding(v.findings);
    const tag = safe(`[${worst.rule}]`);
    if (worst.target) {
      const full = safe(ruleText(worst.target));
      const compact = safe(ruleText(worst.target, true));
      // Given up in turn: `+N more`, the service names, the policy rule's id, then words from the end.
      mainParts.push({ text: full, drop: 1, forms: [{ at: 1.6, text: compact }], shorten: (room) => elideWords(compact, room) });
    }
    const more = v.findings.length > 1 ? [{ at: 1.7, text: tag }] : [];
    mainParts.push({ text: more.length ? `${tag} +${v.findings.length - 1} more` : tag, drop: worst.target ? 1.4 : 0, forms: more, tight: Boolean(worst.target) });
  } else if (c?.error) {
    mainParts.push(elidable(safe(`failed: ${c.error.code}`), 1));
  } else if (v.outcome === 'ignored' && r.ignored) {
    mainParts.push(elidable(safe(r.ignored.reason), 1, p.dim));
  }
  const dimmed = (text: string, drop: number): Part => ({ text, paint: p.dim, drop, shorten: (room) => elideWords(text, room) });
  const extras: Part[] = [];
  if (c?.eventIdDerived) extras.push(dimmed('(no eventID: keyed by content hash)', 5));
  const exposure = r.context?.exposure ? exposureText(r.context.exposure, v.findings) : undefined;
  if (exposure) extras.push(dimmed(safe(`[${exposure}]`), 5));
  if (v.exceptions.length) extras.push(dimmed(safe(`excepted: ${[...new Set(v.exceptions.map((e) => e.id))].join(', ')}`), 6));
  if (v.skippedExceptions?.length) extras.push(dimmed(safe(`not applied: ${v.skippedExceptions.map((e) => e.id).join(', ')}`), 6));
  if (v.notes?.length) extras.push(dimmed(safe(v.notes.join('; ')), 7));
  const actionText = pipelineNote ?? plannedAction(r);
  const action: Part | undefined = actionText ? { text: `→ ${safe(actionText)}`, drop: 1, shorten: (room) => elideWords(`→ ${safe(actionText)}`, room) } : undefined;
  const sourceText = safe(r.source);
  // Shortened (whole folders off the left) before the event name, time and actor go; never left out.
  const source: Part = { text: sourceText, paint: p.dim, drop: 4.5, keep: elidePath(sourceText, 0) ?? sourceText, shorten: (room) => elidePath(sourceText, room) };

  return { time, eventName, subject, actor, mainParts, extras, action, source };
}
