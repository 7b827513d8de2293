/**
 * The remediation plan: which rules to revoke, never more than the offending
 * ones. Planning only; nothing here calls AWS.
 */
import type { Change, Finding, Permission, RemediationMode, RemediationPlan } from '../model';
import type { CompiledPolicy } from './compile';
import { matchingArn } from './glob';

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
 * - nothing for a failed call, a group without id, or an alert-only actor
 *   (the reason names the alertOnlyActors entry);
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
    const who = matchingArn(a.pattern, change.actor);
    if (who !== undefined) {
      return none(mode, `actor ${who} is alert-only (${a.id} "${a.entry.arn}": ${a.entry.reason}): alerting, not revoking`);
    }
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
