/**
 * The revoke planner: pure decisions of what to call for a remediation plan,
 * tested exhaustively (test/remediate/revoke-plan.test.ts) without EC2. The
 * EC2 executor (./ec2.ts) performs the calls and feeds what EC2 answered back
 * into these functions; it makes no decision of its own.
 *
 * - `gateRevoke`: nothing is called unless the plan's action is `revoke`, its
 *   mode `enforce`, and the group id, the ids and the plan are well-formed
 *   (`planRefusal`). `dryRunOutcome` plans exactly what enforce would do:
 *   the same refusals, said instead of done.
 * - `routeIds`: when the current state cannot be read (DescribeSecurityGroupRules
 *   denied), an id's direction is trusted from the change only when the
 *   event name states one (Authorize…Ingress/Egress) and the id is among the
 *   change's rules; every other id is tried in its judged direction only.
 * - `routeCurrent`: before any revoke by id, the executor reads the rules'
 *   current state (DescribeSecurityGroupRules); an id is revoked only if it
 *   still is the rule that was judged, in the direction it was judged in (an
 *   egress rule judged as ingress, e.g. the default allow-all egress rule
 *   given a new description, is not a violation); an id not found is
 *   already gone.
 * - `notFoundInJudgedDirection`: without the look-up (denied), an id of unrecorded
 *   direction not found in the judged direction may exist in the other one:
 *   say so rather than "already gone".
 * - `permissionCalls`: old records without ids revoke the plan's exact
 *   permissions (CIDR canonical, no description), one call per direction.
 * - `summarise`: the outcome and its one-line detail from what happened.
 */
import type { IpPermission } from '@aws-sdk/client-ec2';
import { GROUP_ID, RULE_ID } from '../aws-ids';
import type { Change, Direction, Permission, RemediationPlan, RuleChange, RuleSource } from '../model';
import { maskCidr } from '../net/cidr';
import { formatRulePorts, portRangeOf } from '../net/ports';
import { hasPorts, isIcmp } from '../net/protocol';
import { sourcePhrase } from '../policy/rules/phrases';
import type { RemediationOutcome } from '../pipeline/ports';

export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/** Either the outcome without calling EC2, or the group to revoke in. */
export type RevokeGate = { readonly outcome: RemediationOutcome } | { readonly groupId: string };

/** What enforce refuses before calling EC2, or undefined: a plan it can send. */
export function planRefusal(change: Change, plan: RemediationPlan): string | undefined {
  const groupId = change.groupId;
  if (!groupId || !GROUP_ID.test(groupId)) return `cannot revoke: the change names no valid group id (${JSON.stringify(groupId)})`;
  if (change.error) return `cannot revoke: the call failed (${change.error.code}), so there is nothing to remove`;
  const badIds = plan.ruleIds.filter((id) => !RULE_ID.test(id));
  if (badIds.length) return `cannot revoke: malformed rule id(s) ${badIds.map((id) => JSON.stringify(id)).join(', ')}`;
  if (plan.ruleIds.length === 0 && plan.permissions.length === 0) return 'the plan asks to revoke but names no rule id or permission';
  const perms = permissionCalls(plan.permissions);
  if (plan.ruleIds.length === 0 && perms.failures.length === plan.permissions.length) return `cannot revoke: ${perms.failures.join('; ')}`;
  return undefined;
}

/**
 * One hour: how old (from its eventTime) a record without rule ids may be for
 * its exact permissions to be revoked. EC2 cannot tell such a permission from
 * the same one re-created since (by an excepted actor, a stack): there is no
 * rule id to compare. Modern CloudTrail records carry the ids, so id-less
 * records are old ones (replays) or hand-made; within an hour of the event
 * (the Lambda's own retries) the permission is revoked, older it is
 * alert-only and says why. Enforce (ec2.ts) and dry-run use the same test.
 */
export const PERMISSION_REVOKE_MAX_AGE_SECONDS = 3600;

/** Why a plan's permissions must not be revoked now, or undefined when they may. */
export function permissionAgeRefusal(change: Change, count: number, nowMs: number): string | undefined {
  const maxAgeSeconds = PERMISSION_REVOKE_MAX_AGE_SECONDS;
  if (count === 0) return undefined;
  const ageSeconds = (nowMs - Date.parse(change.eventTime)) / 1000;
  if (ageSeconds <= maxAgeSeconds) return undefined; // NaN (no readable eventTime) is refused too
  const age = Number.isFinite(ageSeconds) ? `${Math.round(ageSeconds / 60)} min` : 'of unknown age';
  return `${count} permission(s) of a record without rule ids, ${age} after the event: not revoked (older than ${Math.round(maxAgeSeconds / 60)} min, the same permission may have been re-created since, and without a rule id EC2 cannot tell; check and revoke by hand)`;
}

/**
 * The dry-run outcome: what enforce would do with this plan, without
 * calling EC2. The same refusals as enforce (planRefusal); rules whose
 * direction the record does not state are named as revoked only if EC2
 * holds them in the judged direction; permissions enforce cannot build are
 * named as the failures they would be. Whatever EC2 holds now is not read
 * (dry-run never calls EC2), so the outcome says each id is revoked only if
 * it still is the rule that was judged. Permissions of an id-less record
 * older than PERMISSION_REVOKE_MAX_AGE_SECONDS are refused as enforce
 * refuses them (`nowMs`: the clock).
 */
export function dryRunOutcome(change: Change, plan: RemediationPlan, nowMs = Date.now()): RemediationOutcome {
  const base = { mode: plan.mode, ruleIds: [] as string[], permissionsRevoked: 0 };
  const refusal = planRefusal(change, plan);
  if (refusal) return { ...base, status: 'alert-only', detail: `dry-run: enforce would not revoke: ${refusal}` };
  const tooOld = permissionAgeRefusal(change, plan.permissions.length, nowMs);
  if (tooOld && plan.ruleIds.length === 0) return { ...base, status: 'alert-only', detail: `dry-run: enforce would not revoke: ${tooOld}` };
  const perms = permissionCalls(tooOld ? [] : plan.permissions);
  const parts: string[] = [];
  if (plan.ruleIds.length) parts.push(plan.ruleIds.join(', '));
  const buildable = (tooOld ? 0 : plan.permissions.length) - perms.failures.length;
  if (buildable) parts.push(`${buildable} permission(s) without rule id`);
  let detail = `dry-run: would revoke ${parts.join(' and ')}`;
  const ids = new Set(plan.ruleIds);
  const unknown = change.rules.filter((r) => r.directionUnknown && r.ruleId && ids.has(r.ruleId)).map((r) => r.ruleId!);
  if (unknown.length) detail += ` (${unknown.join(', ')} only if EC2 holds ${unknown.length === 1 ? 'it' : 'them'} as ${unknown.length === 1 ? 'an ingress rule' : 'ingress rules'}, as judged)`;
  if (perms.failures.length) detail += `; enforce would fail on: ${perms.failures.join('; ')}`;
  if (tooOld) detail += `; ${tooOld}`;
  return { ...base, status: 'would-revoke', ruleIds: [...plan.ruleIds], detail };
}

export function gateRevoke(change: Change, plan: RemediationPlan): RevokeGate {
  const base = { mode: plan.mode, ruleIds: [] as string[], permissionsRevoked: 0 };
  const outcome = (o: Omit<RemediationOutcome, 'mode' | 'permissionsRevoked' | 'ruleIds'> & { ruleIds?: string[] }): RevokeGate => ({ outcome: { ...base, ...o } });
  if (plan.action !== 'revoke') return plan.reason ? outcome({ status: 'alert-only', detail: plan.reason }) : outcome({ status: 'none' });
  if (plan.mode === 'off') return outcome({ status: 'alert-only', detail: 'remediation mode is off' });
  if (plan.mode === 'dry-run') return { outcome: dryRunOutcome(change, plan) };
  if (plan.mode !== 'enforce') return outcome({ status: 'failed', detail: `unknown remediation mode ${JSON.stringify(plan.mode)}` });
  const refusal = planRefusal(change, plan);
  if (refusal) return outcome({ status: 'failed', detail: refusal });
  return { groupId: change.groupId! };
}

export const directionOfEvent = (eventName: string): Direction | undefined =>
  /Ingress$/.test(eventName) ? 'ingress' : /Egress$/.test(eventName) ? 'egress' : undefined;

export interface IdRouting {
  /** Ids whose direction the change states (revoke at once). */
  byDirection: Record<Direction, string[]>;
  /** Ids to look up (DescribeSecurityGroupRules). */
  unknown: string[];
  /** The direction each id of the change's rules was judged in. */
  judged: Map<string, Direction>;
}

export function routeIds(change: Change, ruleIds: readonly string[]): IdRouting {
  const eventDirection = directionOfEvent(change.eventName);
  const routing: IdRouting = { byDirection: { ingress: [], egress: [] }, unknown: [], judged: new Map() };
  for (const id of new Set(ruleIds)) {
    const rule = change.rules.find((r) => r.ruleId === id);
    if (rule) routing.judged.set(id, rule.direction);
    if (rule && eventDirection && rule.direction === eventDirection) routing.byDirection[rule.direction].push(id);
    else routing.unknown.push(id);
  }
  return routing;
}

export interface CurrentRouting {
  byDirection: Record<Direction, string[]>;
  gone: string[];
  refused: string[];
}

const portsOf = (r: Pick<Permission, 'protocol' | 'fromPort' | 'toPort'>): string => {
  if (r.protocol === '-1') return 'all';
  if (hasPorts(r.protocol)) {
    const range = portRangeOf(r)!;
    return `${range.from}-${range.to}`;
  }
  if (isIcmp(r.protocol)) return `${r.fromPort ?? -1}/${r.toPort ?? -1}`;
  return 'all';
};

const sourceKey = (s: RuleSource): string | undefined => {
  switch (s.kind) {
    case 'cidr4':
    case 'cidr6': {
      const c = maskCidr(s.cidr);
      return c === undefined ? undefined : `${s.kind}:${c}`;
    }
    case 'prefix-list':
      return `pl:${s.prefixListId}`;
    case 'group':
      // EC2 describes a referenced group by id; a group named only by name cannot be compared.
      return s.groupId ? `sg:${s.groupId}` : undefined;
  }
};

/**
 * How the rule EC2 holds now differs from the rule that was judged (its
 * protocol, ports or source; direction is checked apart), or undefined when
 * it is the same rule. A rule that cannot be compared counts as changed:
 * sgwatch revokes only what it can confirm it judged.
 */
export function changedSinceEvent(judged: Pick<RuleChange, 'protocol' | 'fromPort' | 'toPort' | 'source'>, now: Permission): string | undefined {
  const was = judged.source ? sourceKey(judged.source) : undefined;
  const is = sourceKey(now.source);
  const nowText = `now ${formatRulePorts(now)} ${now.direction === 'egress' ? 'to' : 'from'} ${sourcePhrase(now)}`;
  if (was === undefined) return `cannot confirm it is the rule that was judged (${nowText})`;
  if (judged.protocol !== now.protocol || portsOf(judged) !== portsOf(now) || was !== is) return `changed since the event (${nowText})`;
  return undefined;
}

/**
 * Routes every planned id by the rule EC2 holds now (`current`; an id
 * missing from it does not exist in the group). An id of the change's rules
 * is revoked only if it still is the rule that was judged: the same
 * direction, protocol, ports and source. Otherwise it is left as is and the
 * outcome says why (a rule fixed since the event, e.g. the same sgr- id now
 * from 10.0.0.0/8, is never revoked by a replay or a late redelivery).
 */
export function routeCurrent(change: Change, ids: readonly string[], current: ReadonlyMap<string, Permission | undefined>): CurrentRouting {
  const out: CurrentRouting = { byDirection: { ingress: [], egress: [] }, gone: [], refused: [] };
  for (const id of new Set(ids)) {
    if (!current.has(id)) {
      out.gone.push(id);
      continue;
    }
    const now = current.get(id);
    const judged = change.rules.find((r) => r.ruleId === id);
    if (!now) {
      out.refused.push(`${id}: EC2 describes it without a protocol or source, so sgwatch cannot confirm it is the rule that was judged: not revoked`);
      continue;
    }
    if (!judged) {
      out.byDirection[now.direction].push(id);
      continue;
    }
    if (now.direction !== judged.direction) {
      out.refused.push(`${id} is an ${now.direction} rule but was judged as ${judged.direction}: not revoked`);
      continue;
    }
    const changed = changedSinceEvent(judged, now);
    if (changed) out.refused.push(`${id} ${changed}: not revoked`);
    else out.byDirection[now.direction].push(id);
  }
  return out;
}

/**
 * Without the look-up: an id revoked in its judged direction came back not
 * found. If CloudTrail does not record the rule's direction, it may exist in
 * the other one: the refusal to report instead of "already gone".
 */
export function notFoundInJudgedDirection(change: Change, id: string, judged: Direction): string | undefined {
  if (!change.rules.some((r) => r.ruleId === id && r.directionUnknown)) return undefined;
  return `${id} is not an ${judged} rule; CloudTrail does not record its direction and DescribeSecurityGroupRules was unavailable, so it may be a rule of the other direction: left as is`;
}

/** The exact IpPermission for one planned permission, or an error when it cannot be built exactly. */
export function toIpPermission(p: Permission): IpPermission | string {
  const perm: IpPermission = { IpProtocol: p.protocol };
  if (p.protocol !== '-1') {
    const needsPorts = p.protocol === 'tcp' || p.protocol === 'udp' || p.protocol === 'icmp' || p.protocol === 'icmpv6';
    if (p.fromPort !== null) perm.FromPort = p.fromPort;
    if (p.toPort !== null) perm.ToPort = p.toPort;
    if (needsPorts && (p.fromPort === null || p.toPort === null)) {
      if (p.protocol === 'icmp' || p.protocol === 'icmpv6') {
        // All ICMP types/codes are -1/-1.
        perm.FromPort = p.fromPort ?? -1;
        perm.ToPort = p.toPort ?? -1;
      } else {
        return `${p.protocol} permission without ports cannot be matched exactly`;
      }
    }
  }
  switch (p.source.kind) {
    // EC2 stores CIDRs with host bits cleared (198.51.100.7/0 is kept as 0.0.0.0/0):
    // revoke the canonical form so the call names exactly the stored rule.
    case 'cidr4': {
      const cidr = maskCidr(p.source.cidr);
      if (!cidr) return `invalid IPv4 CIDR ${JSON.stringify(p.source.cidr)}`;
      perm.IpRanges = [{ CidrIp: cidr }];
      break;
    }
    case 'cidr6': {
      const cidr = maskCidr(p.source.cidr);
      if (!cidr) return `invalid IPv6 CIDR ${JSON.stringify(p.source.cidr)}`;
      perm.Ipv6Ranges = [{ CidrIpv6: cidr }];
      break;
    }
    case 'prefix-list':
      perm.PrefixListIds = [{ PrefixListId: p.source.prefixListId }];
      break;
    case 'group': {
      if (!p.source.groupId && !p.source.groupName) return 'group reference without a group id or name';
      const pair: { GroupId?: string; GroupName?: string; UserId?: string } = {};
      if (p.source.groupId) pair.GroupId = p.source.groupId;
      else pair.GroupName = p.source.groupName;
      if (p.source.ownerAccount) pair.UserId = p.source.ownerAccount;
      perm.UserIdGroupPairs = [pair];
      break;
    }
  }
  return perm;
}

/** The plan's permissions as exact IpPermissions, one list per direction; those that cannot be built exactly are failures. */
export function permissionCalls(permissions: readonly Permission[]): { byDirection: Record<Direction, IpPermission[]>; failures: string[] } {
  const out = { byDirection: { ingress: [] as IpPermission[], egress: [] as IpPermission[] }, failures: [] as string[] };
  for (const p of permissions) {
    const perm = toIpPermission(p);
    if (typeof perm === 'string') out.failures.push(perm);
    else out.byDirection[p.direction].push(perm);
  }
  return out;
}

/** What the executor did, as it went. */
export interface Tally {
  revokedIds: string[];
  goneIds: string[];
  revokedPermissions: number;
  /** The rule ids EC2 reported for revoked permissions (one per permission: each is built with one source). */
  permissionRuleIds: string[];
  gonePermissions: number;
  failures: string[];
  /** Ids deliberately not revoked (not the rule that was judged: another direction, or changed since the event). */
  refused: string[];
  /** What the outcome should say without changing it (a check that could not be made). */
  notes: string[];
}

export const newTally = (): Tally => ({ revokedIds: [], goneIds: [], revokedPermissions: 0, permissionRuleIds: [], gonePermissions: 0, failures: [], refused: [], notes: [] });

export function summarise(plan: RemediationPlan, t: Tally): RemediationOutcome {
  const parts: string[] = [];
  if (t.revokedIds.length) parts.push(`revoked ${t.revokedIds.join(', ')}`);
  if (t.revokedPermissions) parts.push(`revoked ${t.revokedPermissions} permission(s)${t.permissionRuleIds.length ? ` (${t.permissionRuleIds.join(', ')})` : ''}`);
  if (t.goneIds.length) parts.push(`already gone: ${t.goneIds.join(', ')}`);
  if (t.gonePermissions) parts.push(`${t.gonePermissions} permission(s) already gone`);
  if (t.refused.length) parts.push(t.refused.join('; '));
  if (t.notes.length) parts.push(t.notes.join('; '));
  if (t.failures.length) parts.push(`FAILED: ${t.failures.join('; ')}`);
  const detail = parts.join('; ') || undefined;
  // Each revoked rule counted once: by its id when EC2 named it, else as a permission.
  const revoked = [...t.revokedIds, ...t.permissionRuleIds];
  const base = { mode: plan.mode, permissionsRevoked: Math.max(0, t.revokedPermissions - t.permissionRuleIds.length) };
  if (t.failures.length) return { ...base, status: 'failed', ruleIds: revoked, detail };
  if (revoked.length || t.revokedPermissions) return { ...base, status: 'revoked', ruleIds: revoked, detail };
  if (t.refused.length && t.goneIds.length === 0 && t.gonePermissions === 0) return { ...base, status: 'alert-only', ruleIds: [], detail };
  return { ...base, status: 'already-gone', ruleIds: t.goneIds, detail };
}
