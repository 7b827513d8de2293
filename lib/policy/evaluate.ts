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
import type { Change, ChangeOutcome, Finding, RemediationMode, RuleChange, Verdict } from '../model';
import type { CidrJudgement } from '../net/cidr';
import { compilePolicy, type CompiledPolicy } from './compile';
import { exceptionsFor, findException } from './exceptions';
import { planRemediation } from './remediation';
import { CALL_CHECKS, RULE_CHANGE_CHECKS, type RuleSubject } from './rules';
import { DIRECTION_UNKNOWN_NOTE, notRecordedNote, REVOKED_ONLY_AS_JUDGED } from './rules/phrases';
import { severityAtLeast, VIOLATION_THRESHOLD, worstSeverity } from './severity';
import type { Policy, RuleId } from './types';

export interface EvaluateOptions {
  /** Default `dry-run`. */
  mode?: RemediationMode;
  /** Judge exceptions' `until` at this time instead of the event's time. */
  now?: Date;
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

/**
 * Runs every enabled rule-change check of the registry on one rule and
 * appends the findings, in registry order. A rule without a source (a
 * record that names none) is not judged. Exported for the audit, which judges
 * standing rules through the same checks.
 */
export function judgeRule(change: Change, rule: RuleChange, cp: CompiledPolicy, out: Finding[]): void {
  if (!rule.source) return;
  const firedIds = new Set<RuleId>();
  const subject = subjectOf(change, rule, cp, firedIds);
  for (const check of RULE_CHANGE_CHECKS) {
    if (!cp.rules[check.id].enabled) continue;
    const message = check.match(subject);
    if (message === undefined) continue;
    firedIds.add(check.id);
    push(out, cp, check.id, message, rule);
  }
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
  const raw: Finding[] = [];

  if (change.error) {
    for (const check of CALL_CHECKS) {
      if (!cp.rules[check.id].enabled) continue;
      const message = check.match(change, cp);
      if (message !== undefined) push(raw, cp, check.id, message);
    }
  } else {
    for (const rule of change.rules) {
      if (rule.action === 'add' || rule.action === 'modify') judgeRule(change, rule, cp, raw);
    }
  }

  let findings = raw;
  const exceptions: Verdict['exceptions'] = [];
  const candidates = raw.length > 0 && cp.exceptions.length > 0 ? exceptionsFor(cp.exceptionIndex, change) : [];
  if (candidates.length > 0) {
    const at = eventMs(change, opts.now);
    findings = [];
    for (const f of raw) {
      const ex = findException(candidates, f, change, at, cp.classifier);
      if (!ex) {
        findings.push(f);
        continue;
      }
      const applied: Verdict['exceptions'][number] = { id: ex.id, reason: ex.reason, rule: f.rule };
      if (ex.until !== undefined) applied.until = ex.until;
      if (f.target) applied.target = f.target;
      exceptions.push(applied);
    }
  }

  const severity = worstSeverity(findings);
  const outcome = change.error ? 'failed-call' : severityAtLeast(severity, VIOLATION_THRESHOLD) ? 'violation' : 'compliant';
  return { outcome, severity, findings, exceptions, remediation: planRemediation(change, findings, cp, mode) };
}
