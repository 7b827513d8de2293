/**
 * The remediation plan: which rules to revoke, never more than the offending
 * ones. Planning only; nothing here calls AWS.
 */
import type { Change, Finding, Permission, RemediationMode, RemediationPlan } from '../model';
import type { CompiledAlertOnly, CompiledPolicy } from './compile';
import { compileGlob, matchingArn, type GlobPattern } from './glob';

/** `arn:aws:iam::1:role/team/ci/deploy` → (`arn:aws:iam::1:role/`, `team/ci/`, `deploy`). */
const ROLE_WITH_PATH = /^(arn:[^:]*:iam::[^:]*:role\/)(.+\/)([^/]+)$/;

function withoutRolePath(arn: string | undefined): string | undefined {
  const m = arn === undefined ? null : ROLE_WITH_PATH.exec(arn);
  return m ? m[1] + m[3] : undefined;
}

const pathlessPatterns = new WeakMap<CompiledAlertOnly, GlobPattern | null>();

/**
 * The pattern of an alert-only entry naming a role with a path, without the
 * path; null when it names none (or the role name itself is a wildcard,
 * which without its path would match every role).
 */
function pathlessPattern(a: CompiledAlertOnly): GlobPattern | null {
  let p = pathlessPatterns.get(a);
  if (p === undefined) {
    const m = ROLE_WITH_PATH.exec(a.entry.arn);
    p = m && !/[*?]/.test(m[3]) ? compileGlob(m[1] + m[3]) : null;
    pathlessPatterns.set(a, p);
  }
  return p;
}

/**
 * The actor ARN an alert-only entry matches, or undefined. A role's path
 * (`role/team/ci/deploy`) is in the session issuer's ARN but not in the
 * assumed-role session ARN, and people write either form in the policy, so
 * a role also matches an entry naming it with another or no path: when in
 * doubt about an alert-only actor, sgwatch alerts rather than revokes.
 */
function alertOnlyMatch(a: CompiledAlertOnly, actor: Change['actor']): string | undefined {
  const direct = matchingArn(a.pattern, actor);
  if (direct !== undefined) return direct;
  const role = actor.roleArn;
  if (role === undefined) return undefined;
  const bare = withoutRolePath(role);
  if (bare !== undefined && a.pattern.test(bare)) return role;
  const pathless = pathlessPattern(a);
  if (pathless && (pathless.test(role) || (bare !== undefined && pathless.test(bare)))) return role;
  return undefined;
}

function none(mode: RemediationMode, reason?: string): RemediationPlan {
  const plan: RemediationPlan = { mode, action: 'none', ruleIds: [], permissions: [] };
  if (reason) plan.reason = reason;
  return plan;
}

function permissionKey(p: Permission): string {
  const s = p.source;
  const peer =
    s.kind === 'cidr4' || s.kind === 'cidr6'
      ? s.cidr
      : s.kind === 'group'
        ? `${s.ownerAccount ?? ''}/${s.groupId ?? s.groupName ?? ''}`
        : s.prefixListId;
  return `${p.direction}|${p.protocol}|${p.fromPort}|${p.toPort}|${s.kind}|${peer}`;
}

/**
 * Plans remediation for the findings that remain after exceptions:
 * - mode `off`: nothing ("remediation is off");
 * - revoke only the rules of findings whose policy rule says `revoke`:
 *   their `sgr-` ids, or the permission itself when the record has no id;
 * - nothing for a failed call, a group without id, an alert-only actor
 *   (the reason names the alertOnlyActors entry; a role matches whatever
 *   path either side writes), or a change made through an alert-only tool
 *   (`alertOnlyVia`: CloudFormation and Terraform by default, whoever's
 *   credentials ran them);
 * - a rule whose direction the record does not state (`directionUnknown`,
 *   ModifySecurityGroupRules) is planned by its id like any other: the issue's
 *   contract is "the modified rule", and the remediator only ever revokes an
 *   id in the direction it was judged in (it asks EC2 first, and an egress id
 *   sent to the ingress call is simply not found), so a guess never removes
 *   an egress rule;
 * - a modified rule whose request left fields out (`fieldsNotRecorded`) is
 *   never planned: it was judged on its widest case, not on what it is, and
 *   revoking it could remove a compliant rule (a tcp/443 rule modified
 *   without IpProtocol is not "all traffic"). The plan says why.
 */
export function planRemediation(change: Change, findings: readonly Finding[], compiled: CompiledPolicy, mode: RemediationMode): RemediationPlan {
  if (mode === 'off') return none(mode, 'remediation is off');
  let revoking = false;
  for (const f of findings) if (f.remediation === 'revoke' && f.target) revoking = true;
  if (!revoking) return none(mode);
  if (change.error) return none(mode, 'the call failed: nothing changed, nothing to revoke');
  for (const a of compiled.alertOnly) {
    const who = alertOnlyMatch(a, change.actor);
    if (who !== undefined) {
      return none(mode, `actor ${who} is alert-only (${a.id} "${a.entry.arn}": ${a.entry.reason}): alerting, not revoking`);
    }
  }
  if (compiled.alertOnlyVia.has(change.actor.via)) {
    return none(
      mode,
      `made through ${change.actor.via} (policy alertOnlyVia): alerting, not revoking; the next deploy would put the rule back, so fix it in the stack or configuration`,
    );
  }
  if (change.groupId === null) return none(mode, 'the record names no group id: cannot revoke safely');

  const ruleIds: string[] = [];
  const permissions: Permission[] = [];
  const seenIds = new Set<string>();
  const seenPermissions = new Set<string>();
  const notRecorded: string[] = [];
  for (const f of findings) {
    const t = f.target;
    if (f.remediation !== 'revoke' || !t) continue;
    if (t.fieldsNotRecorded) {
      const what = `${t.ruleId ?? 'a rule'} (request left out ${t.fieldsNotRecorded.join(', ')})`;
      if (!notRecorded.includes(what)) notRecorded.push(what);
      continue;
    }
    // Without an id, a guessed direction would build a permission for the wrong call: skip it.
    if (t.directionUnknown && !t.ruleId) continue;
    if (t.ruleId) {
      if (!seenIds.has(t.ruleId)) {
        seenIds.add(t.ruleId);
        ruleIds.push(t.ruleId);
      }
    } else if (t.source) {
      const p: Permission = { direction: t.direction, protocol: t.protocol, fromPort: t.fromPort, toPort: t.toPort, source: t.source };
      const key = permissionKey(p);
      if (!seenPermissions.has(key)) {
        seenPermissions.add(key);
        permissions.push(p);
      }
    }
  }
  const skipped = notRecorded.length ? `not revoking ${notRecorded.join(', ')}: the record does not say what the rule is now` : undefined;
  if (ruleIds.length === 0 && permissions.length === 0) {
    return none(mode, skipped ?? 'the offending rules carry neither an id nor a source: nothing precise to revoke');
  }
  const plan: RemediationPlan = { mode, action: 'revoke', ruleIds, permissions };
  if (skipped) plan.reason = skipped;
  return plan;
}
