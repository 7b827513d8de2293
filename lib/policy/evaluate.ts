/**
 * Judges one normalised change against a policy: findings per rule table,
 * exceptions, outcome, severity and the remediation plan.
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
import { opensAllPorts, portRangeOf, portsIncluded, type PortProtocol } from '../net/ports';
import { classifySource, groupOwner } from '../net/source';
import { compilePolicy, type CompiledPolicy } from './compile';
import { findException } from './exceptions';
import { DIRECTION_UNKNOWN_NOTE, msg, notRecordedNote, REVOKED_ONLY_AS_JUDGED, publicPhrase, worldPhrase } from './messages';
import { planRemediation } from './remediation';
import { severityAtLeast, VIOLATION_THRESHOLD, worstSeverity } from './severity';
import type { Policy, RuleId } from './types';

export interface EvaluateOptions {
  /** Default `dry-run`. */
  mode?: RemediationMode;
  /** Judge exceptions' `until` at this time instead of the event's time. */
  now?: Date;
}

const TCP: readonly PortProtocol[] = ['tcp'];
const TCP_UDP: readonly PortProtocol[] = ['tcp', 'udp'];
/** A description with some text (same whitespace as String#trim, without allocating). */
const NON_BLANK = /\S/;

function push(out: Finding[], cp: CompiledPolicy, rule: RuleId, message: string, target?: RuleChange): void {
  const config = cp.rules[rule];
  let text = target?.directionUnknown ? message + DIRECTION_UNKNOWN_NOTE + (config.remediation === 'revoke' ? REVOKED_ONLY_AS_JUDGED : '') : message;
  if (target?.fieldsNotRecorded) text += notRecordedNote(target.fieldsNotRecorded);
  const finding: Finding = { rule, severity: config.severity, message: text, remediation: config.remediation };
  if (target) finding.target = target;
  out.push(finding);
}

function judgeRule(change: Change, rule: RuleChange, cp: CompiledPolicy, out: Finding[]): void {
  const source = rule.source;
  if (!source) return;
  const on = cp.rules;
  const ingress = rule.direction === 'ingress' || rule.directionUnknown === true;

  if (source.kind === 'cidr4' || source.kind === 'cidr6') {
    if (ingress) {
      const j = cp.classifier.classify(source.cidr);
      if (j.class === 'world') {
        const world = worldPhrase(j, source.cidr);
        let fired = false;
        if (on['public-all-ports'].enabled && opensAllPorts(rule)) {
          push(out, cp, 'public-all-ports', msg.allPorts(rule, world, change), rule);
          fired = true;
        }
        if (on['public-admin-port'].enabled) {
          const admin = portsIncluded(rule, TCP, cp.adminPorts);
          if (admin.length > 0) {
            push(out, cp, 'public-admin-port', msg.adminPort(rule, admin, world), rule);
            fired = true;
          }
        }
        if (on['public-high-risk-port'].enabled) {
          const risky = portsIncluded(rule, TCP_UDP, cp.highRiskPorts);
          if (risky.length > 0) {
            push(out, cp, 'public-high-risk-port', msg.highRiskPort(rule, risky, world), rule);
            fired = true;
          }
        }
        if (!fired && on['public-unapproved-port'].enabled && portRangeOf(rule) !== null && !cp.approved.covers(rule)) {
          push(out, cp, 'public-unapproved-port', msg.unapprovedPort(rule, world, cp.approvedText), rule);
        }
      } else if (j.class === 'public' && on['untrusted-admin-source'].enabled) {
        const admin = portsIncluded(rule, TCP, cp.adminPorts);
        if (admin.length > 0) push(out, cp, 'untrusted-admin-source', msg.untrustedAdmin(rule, admin, publicPhrase(j, source.cidr)), rule);
      }
    }
  } else if (source.kind === 'group' && on['untrusted-account-reference'].enabled) {
    const cls = classifySource(source, { account: change.account, trustedAccounts: cp.trustedAccounts, trusted: cp.classifier });
    if (cls === 'group-foreign') push(out, cp, 'untrusted-account-reference', msg.foreignGroup(rule, groupOwner(source, change.account), change), rule);
  }
  // prefix lists: no finding until prefix lists are resolved.

  if (change.groupName === 'default' && on['default-group-rule'].enabled) {
    push(out, cp, 'default-group-rule', msg.defaultGroup(rule, change), rule);
  }
  if (ingress && on['undocumented-rule'].enabled && !NON_BLANK.test(rule.description ?? '')) {
    push(out, cp, 'undocumented-rule', msg.undocumented(rule), rule);
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
    if (change.error.denied && cp.rules['denied-change-attempt'].enabled) push(raw, cp, 'denied-change-attempt', msg.denied(change));
  } else {
    for (const rule of change.rules) {
      if (rule.action === 'add' || rule.action === 'modify') judgeRule(change, rule, cp, raw);
    }
  }

  let findings = raw;
  const exceptions: Verdict['exceptions'] = [];
  if (raw.length > 0 && cp.exceptions.length > 0) {
    const at = eventMs(change, opts.now);
    findings = [];
    for (const f of raw) {
      const ex = findException(cp.exceptions, f, change, at, cp.classifier);
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
