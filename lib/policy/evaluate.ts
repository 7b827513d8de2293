/**
 * Judges one normalised change against a policy: findings from the rule
 * registry (lib/policy/rules/), exceptions, outcome, severity and the
 * remediation plan.
 *
 * Semantics (issue 2, section 3):
 * - only rules the change adds or modifies are judged; removed rules, deleted
 *   groups and description updates (`describe`) are recorded, never findings;
 * - a failed call changed nothing: outcome `failed-call`, with
 *   `denied-change-attempt` when it was refused for lack of permission;
 * - the public-* rules, untrusted-admin-source and undocumented-rule are about
 *   ingress; untrusted-account-reference and default-group-rule apply to both
 *   directions (egress to the world is AWS's default and not a finding);
 * - public-unapproved-port fires only when none of public-all-ports,
 *   public-admin-port, public-high-risk-port fired for that rule (before
 *   exceptions: an excepted admin port does not turn into an unapproved one);
 * - outcome `violation` when a remaining finding is `low` or worse;
 * - a rule whose direction the record does not state (`directionUnknown`,
 *   ModifySecurityGroupRules) is judged as ingress, the cautious choice (an
 *   alert, not silence); its findings say so, and the plan names it by id only
 *   (never a permission built on the guess; see remediation.ts).
 */
import type { Change, ChangeOutcome, Finding, RemediationMode, RuleChange, SkippedException, Verdict } from '../model';
import type { CidrJudgement } from '../net/cidr';
import { compilePolicy, type CompiledPolicy } from './compile';
import { exceptionsFor, findException } from './exceptions';
import { planRemediation } from './remediation';
import { CALL_CHECKS, RULE_CHANGE_CHECKS, type RuleSubject } from './rules';
import { DIRECTION_UNKNOWN_NOTE, notRecordedNote, REVOKED_ONLY_AS_JUDGED } from './rules/phrases';
import { severityAtLeast, VIOLATION_THRESHOLD, worstSeverity } from './severity';
import type { Policy, RuleId } from './types';
import type { EvaluationContext, PrefixListEntries } from './context';
import { adjustForExposure } from './exposure';
import { findTagException, type TagHolder } from './tag-exceptions';

export interface EvaluateOptions {
  /** Default `dry-run`. */
  mode?: RemediationMode;
  /** Judge exceptions' `until` at this time instead of the event's time. */
  now?: Date;
  /** What an inventory told (exposure, tags, prefix-list entries); without it the change is judged on its record alone. */
  context?: EvaluationContext;
}

function push(out: Finding[], cp: CompiledPolicy, rule: RuleId, message: string, target?: RuleChange): void {
  const config = cp.rules[rule];
  let text = target?.directionUnknown ? message + DIRECTION_UNKNOWN_NOTE + (config.remediation === 'revoke' ? REVOKED_ONLY_AS_JUDGED : '') : message;
  if (target?.fieldsNotRecorded) text += notRecordedNote(target.fieldsNotRecorded);
  const finding: Finding = { rule, severity: config.severity, message: text, remediation: config.remediation };
  if (target) finding.target = target;
  out.push(finding);
}

/** The subject the registry's checks see for one rule; the CIDR judgement is computed once, on first use. */
function subjectOf(change: Change, rule: RuleChange, cp: CompiledPolicy, firedIds: Set<RuleId>): RuleSubject {
  const source = rule.source;
  const cidrText = source && (source.kind === 'cidr4' || source.kind === 'cidr6') ? source.cidr : undefined;
  let judged: CidrJudgement | undefined;
  return {
    change,
    rule,
    policy: cp,
    ingress: rule.direction === 'ingress' || rule.directionUnknown === true,
    cidrText,
    cidr: () => (cidrText === undefined ? undefined : (judged ??= cp.classifier.classify(cidrText))),
    fired: (id) => firedIds.has(id),
  };
}

/** Runs every enabled rule-change check of the registry on `judged` and appends the findings about `target`, in registry order. */
function runChecks(change: Change, judged: RuleChange, target: RuleChange, cp: CompiledPolicy, out: Finding[]): void {
  const firedIds = new Set<RuleId>();
  const subject = subjectOf(change, judged, cp, firedIds);
  for (const check of RULE_CHANGE_CHECKS) {
    if (!cp.rules[check.id].enabled) continue;
    const message = check.match(subject);
    if (message === undefined) continue;
    firedIds.add(check.id);
    push(out, cp, check.id, message, target);
  }
}

function listName(list: PrefixListEntries): string {
  return list.name ? `${list.prefixListId} (${list.name})` : list.prefixListId;
}

/**
 * A rule whose source is a prefix list is judged on the list's entries, each
 * as a CIDR source would be, so an entry of 0.0.0.0/0 is the world. The
 * findings stay about the rule itself (its `sgr-` id is what a revoke
 * removes; the list is never edited), one per policy rule, naming the first
 * entry that fired and how many more did. An AWS-managed list is trusted
 * when the policy says so; an unresolved one is judged as before, on the
 * reference alone, and the verdict says so.
 */
function judgePrefixListRule(change: Change, rule: RuleChange, id: string, cp: CompiledPolicy, out: Finding[], ctx: EvaluationContext | undefined, notes: string[]): void {
  const list = ctx?.prefixLists?.get(id);
  if (!list) {
    if (!notes.includes(`prefix list ${id} not resolved: its entries are not judged`)) notes.push(`prefix list ${id} not resolved: its entries are not judged`);
    runChecks(change, rule, rule, cp, out);
    return;
  }
  if (list.entries.length === 0 || (list.ownerId === 'AWS' && cp.policy.trustAwsManagedPrefixLists)) {
    if (list.ownerId === 'AWS' && cp.policy.trustAwsManagedPrefixLists) {
      const note = `prefix list ${listName(list)} is AWS-managed: trusted (trustAwsManagedPrefixLists)`;
      if (!notes.includes(note)) notes.push(note);
    }
    runChecks(change, rule, rule, cp, out);
    return;
  }
  const byRule = new Map<RuleId, { finding: Finding; more: number }>();
  for (const entry of list.entries) {
    const judged: RuleChange = { ...rule, source: entry.cidr.includes(':') ? { kind: 'cidr6', cidr: entry.cidr } : { kind: 'cidr4', cidr: entry.cidr } };
    const found: Finding[] = [];
    runChecks(change, judged, rule, cp, found);
    for (const f of found) {
      const seen = byRule.get(f.rule as RuleId);
      if (seen) seen.more++;
      else byRule.set(f.rule as RuleId, { finding: { ...f, viaPrefixList: { prefixListId: id, entry: entry.cidr } }, more: 0 });
    }
  }
  for (const { finding, more } of byRule.values()) {
    const others = more === 0 ? '' : ` and ${more} more entr${more === 1 ? 'y' : 'ies'}`;
    out.push({ ...finding, message: `${finding.message} (through prefix list ${listName(list)}: entry ${finding.viaPrefixList!.entry}${others})` });
  }
}

/**
 * Runs every enabled rule-change check of the registry on one rule and
 * appends the findings, in registry order. A rule without a source (a
 * record that names none) is not judged; a prefix-list source is judged on
 * its entries when the context holds them. Exported for the audit, which
 * judges standing rules through the same checks.
 */
export function judgeRule(change: Change, rule: RuleChange, cp: CompiledPolicy, out: Finding[], ctx?: EvaluationContext, notes: string[] = []): void {
  if (!rule.source) return;
  if (rule.source.kind === 'prefix-list') judgePrefixListRule(change, rule, rule.source.prefixListId, cp, out, ctx, notes);
  else runChecks(change, rule, rule, cp, out);
}

function eventMs(change: Change, now?: Date): number {
  if (now) return now.getTime();
  const t = Date.parse(change.eventTime);
  return Number.isNaN(t) ? Date.now() : t;
}

/** Judges a change. The policy is compiled once per Policy object (cached). */
export function evaluate(change: Change, policy: Policy, opts: EvaluateOptions = {}): Verdict<ChangeOutcome> {
  const cp = compilePolicy(policy);
  const mode = opts.mode ?? 'dry-run';
  const ctx = opts.context;
  const raw: Finding[] = [];
  const notes: string[] = [];

  if (change.error) {
    for (const check of CALL_CHECKS) {
      if (!cp.rules[check.id].enabled) continue;
      const message = check.match(change, cp);
      if (message !== undefined) push(raw, cp, check.id, message);
    }
  } else {
    for (const rule of change.rules) {
      if (rule.action === 'add' || rule.action === 'modify') judgeRule(change, rule, cp, raw, ctx, notes);
    }
  }

  let findings = raw;
  const exceptions: Verdict['exceptions'] = [];
  const skipped: SkippedException[] = [];
  const candidates = raw.length > 0 && cp.exceptions.length > 0 ? exceptionsFor(cp.exceptionIndex, change) : [];
  const holders = raw.length > 0 ? tagHolders(change, ctx) : [];
  if (candidates.length > 0 || holders.length > 0) {
    const at = eventMs(change, opts.now);
    findings = [];
    for (const f of raw) {
      const ex = candidates.length > 0 ? findException(candidates, f, change, at, cp.classifier) : undefined;
      if (ex) {
        const applied: Verdict['exceptions'][number] = { id: ex.id, reason: ex.reason, rule: f.rule };
        if (ex.until !== undefined) applied.until = ex.until;
        if (f.target) applied.target = f.target;
        exceptions.push(applied);
        continue;
      }
      const expired = candidates.find((c) => c.untilMs !== undefined && at > c.untilMs && findException([c], f, change, -Infinity, cp.classifier));
      if (expired && !skipped.some((s) => s.id === expired.id)) skipped.push({ id: expired.id, problem: `expired ${expired.until} (${expired.reason})` });
      const tag = holders.length > 0 ? findTagException(ruleFirst(holders, f), cp.policy.exceptionTagKey, f, at, skipped) : undefined;
      if (tag) {
        const applied: Verdict['exceptions'][number] = { id: tag.id, reason: tag.reason, until: tag.until, rule: f.rule };
        if (f.target) applied.target = f.target;
        exceptions.push(applied);
        continue;
      }
      findings.push(f);
    }
  }
  findings = adjustForExposure(findings, ctx?.exposure, cp.policy);

  const severity = worstSeverity(findings);
  const outcome = change.error ? 'failed-call' : severityAtLeast(severity, VIOLATION_THRESHOLD) ? 'violation' : 'compliant';
  const verdict: Verdict<ChangeOutcome> = { outcome, severity, findings, exceptions, remediation: planRemediation(change, findings, cp, mode) };
  if (skipped.length > 0) verdict.skippedExceptions = skipped;
  if (change.kind === 'prefix-list' && change.rules.length === 0 && !change.error) notes.push(prefixListUnjudgedNote(change));
  if (notes.length > 0) verdict.notes = notes;
  return verdict;
}

/** A prefix-list change judged without an inventory: which rules use the list is not in the record. */
function prefixListUnjudgedNote(change: Change): string {
  const pl = change.prefixList;
  const id = pl?.prefixListId ?? 'a new prefix list';
  const what = pl?.restoredVersion !== undefined ? `restored to version ${pl.restoredVersion}` : `${pl?.added.length ?? 0} entr${pl?.added.length === 1 ? 'y' : 'ies'} added, ${pl?.removed.length ?? 0} removed`;
  return `prefix list ${id} changed (${what}): the rules using it are known only from an inventory, so its entries are not judged here`;
}

/** Who may carry an exception tag for this change: its group, and each of its rules with tags (by `sgr-` id). */
function tagHolders(change: Change, ctx: EvaluationContext | undefined): TagHolder[] {
  if (!ctx || (!ctx.groupTags && !ctx.ruleTags)) return [];
  const out: TagHolder[] = [];
  if (ctx.ruleTags) for (const [id, tags] of ctx.ruleTags) out.push({ id, tags });
  if (ctx.groupTags && change.groupId) out.push({ id: change.groupId, tags: ctx.groupTags });
  return out;
}

/** The holders that can except this finding: the rule's own tags first, then the group's (never another rule's). */
function ruleFirst(holders: readonly TagHolder[], f: Finding): TagHolder[] {
  const ruleId = f.target?.ruleId;
  return holders.filter((h) => (h.id.startsWith('sgr-') ? h.id === ruleId : true));
}
