/**
 * Auto-revoke: removes exactly the offending rules of a change, nothing else.
 *
 * - By id (`SecurityGroupRuleIds`), grouped by direction into one
 *   RevokeSecurityGroupIngress and/or one RevokeSecurityGroupEgress call.
 *   The direction comes from the change's rules when the event name says it
 *   (Authorize…Ingress/Egress). When it does not (ModifySecurityGroupRules
 *   carries no direction) or the id is not among the change's rules, it is
 *   looked up with DescribeSecurityGroupRules filtered by group and id (also
 *   proving the id belongs to that group); if that call is denied, the id is
 *   tried as ingress, then as egress (an id lives in exactly one direction).
 * - Old records without ids: the plan's permissions only, as exact
 *   IpPermissions (CIDR as written, no description).
 * - Not found (rule or group) is success: `already-gone`. EC2 fails a whole
 *   call when one of several ids is gone, so such a call is retried id by
 *   id. Throttling is retried by the SDK (`maxAttempts`). Anything else is
 *   `failed` with a one-line detail (code and message, never a stack).
 * - Nothing is called unless the plan's action is `revoke` and its mode is
 *   `enforce`. The client's region must be the change's region (a well-formed
 *   region name) and, when `accountId` is given, the change's account must be
 *   it (lib/context/ec2-clients.ts decides): a revoke sent to the wrong place
 *   would come back "not found" and be misreported as gone.
 *
 * IAM: ec2:RevokeSecurityGroupIngress, ec2:RevokeSecurityGroupEgress,
 * ec2:DescribeSecurityGroupRules (direction look-up; optional, see above).
 */
import { maskCidr } from '../net/cidr';
import {
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type RevokeSecurityGroupIngressResult,
} from '@aws-sdk/client-ec2';
import type { Change, Direction, Permission, RemediationPlan } from '../model';
import type { RemediationOutcome, Remediator } from '../pipeline/ports';
import { describeRuleDirections } from '../context/ec2-rule-directions';
import { awsErrorCode, ec2ClientPicker, GROUP_GONE, type Ec2ContextClientOptions } from '../context/ec2-clients';
import { errorMessage, errorText } from '../errors/error-text';
import { GROUP_ID, RULE_ID } from '../aws-ids';

export type Ec2RemediatorOptions = Ec2ContextClientOptions;


type ErrorClass = 'rule-gone' | 'group-gone' | 'denied' | 'other';

function classify(error: unknown): ErrorClass {
  const code = awsErrorCode(error);
  if (GROUP_GONE.has(code)) return 'group-gone';
  switch (code) {
    case 'InvalidPermission.NotFound':
    case 'InvalidSecurityGroupRuleId.NotFound':
      return 'rule-gone';
    case 'UnauthorizedOperation':
    case 'AccessDenied':
    case 'AccessDeniedException':
      return 'denied';
    default:
      return 'other';
  }
}

/** `Code: message`, one line, capped; never a stack (`Error` when there is no code). */
export function errorDetail(error: unknown): string {
  return errorText(error, { code: 'always' });
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

interface Tally {
  revokedIds: string[];
  goneIds: string[];
  revokedPermissions: number;
  gonePermissions: number;
  failures: string[];
  /** Ids deliberately not revoked (their real direction is not the one they were judged in). */
  refused: string[];
}

const newTally = (): Tally => ({ revokedIds: [], goneIds: [], revokedPermissions: 0, gonePermissions: 0, failures: [], refused: [] });

const directionOfEvent = (eventName: string): Direction | undefined =>
  /Ingress$/.test(eventName) ? 'ingress' : /Egress$/.test(eventName) ? 'egress' : undefined;

export function createEc2Remediator(opts: Ec2RemediatorOptions = {}): Remediator {
  // The same refusals as the context look-ups: another account, another region than a fixed client, or a region that is no region name.
  const clientFor = ec2ClientPicker(opts);

  async function callRevoke(client: EC2Client, direction: Direction, input: { GroupId: string; SecurityGroupRuleIds?: string[]; IpPermissions?: IpPermission[] }) {
    return (direction === 'ingress'
      ? client.send(new RevokeSecurityGroupIngressCommand(input))
      : client.send(new RevokeSecurityGroupEgressCommand(input))) as Promise<RevokeSecurityGroupIngressResult>;
  }

  /** Directions of ids not known from the change: DescribeSecurityGroupRules, or undefined when that is not allowed. */
  async function lookUpDirections(client: EC2Client, groupId: string, ids: string[]): Promise<Map<string, Direction> | string | undefined> {
    try {
      return await describeRuleDirections(client, groupId, ids);
    } catch (error) {
      const cls = classify(error);
      if (cls === 'denied') return undefined;
      if (cls === 'group-gone') return new Map();
      return `could not look up rule directions: ${errorDetail(error)}`;
    }
  }

  /** Revokes ids of one direction; on "not found" for several ids, retries one by one. */
  async function revokeIds(client: EC2Client, groupId: string, direction: Direction, ids: string[], t: Tally): Promise<void> {
    try {
      const out = await callRevoke(client, direction, { GroupId: groupId, SecurityGroupRuleIds: ids });
      if (out.Return === false) {
        t.failures.push(`${direction} revoke of ${ids.join(', ')} returned false`);
        return;
      }
      if (out.RevokedSecurityGroupRules) {
        const confirmed = new Set(out.RevokedSecurityGroupRules.map((r) => r.SecurityGroupRuleId));
        for (const id of ids) (confirmed.has(id) ? t.revokedIds : t.goneIds).push(id);
      } else {
        t.revokedIds.push(...ids);
      }
    } catch (error) {
      const cls = classify(error);
      if (cls === 'group-gone') {
        t.goneIds.push(...ids);
      } else if (cls === 'rule-gone') {
        if (ids.length === 1) t.goneIds.push(ids[0]);
        else for (const id of ids) await revokeIds(client, groupId, direction, [id], t);
      } else {
        t.failures.push(`${direction} revoke of ${ids.join(', ')}: ${errorDetail(error)}`);
      }
    }
  }

  /** An id of unknown direction, without DescribeSecurityGroupRules: ingress, then egress. */
  async function revokeEitherWay(client: EC2Client, groupId: string, id: string, t: Tally): Promise<void> {
    const probe = newTally();
    await revokeIds(client, groupId, 'ingress', [id], probe);
    if (probe.goneIds.length) {
      probe.goneIds = [];
      await revokeIds(client, groupId, 'egress', [id], probe);
    }
    t.revokedIds.push(...probe.revokedIds);
    t.goneIds.push(...probe.goneIds);
    t.failures.push(...probe.failures);
  }

  async function revokePermissions(client: EC2Client, groupId: string, direction: Direction, perms: IpPermission[], t: Tally): Promise<void> {
    try {
      const out = await callRevoke(client, direction, { GroupId: groupId, IpPermissions: perms });
      if (out.Return === false) {
        t.failures.push(`${direction} revoke of ${perms.length} permission(s) returned false`);
        return;
      }
      const unknown = Math.min(perms.length, out.UnknownIpPermissions?.length ?? 0);
      t.gonePermissions += unknown;
      t.revokedPermissions += perms.length - unknown;
      for (const r of out.RevokedSecurityGroupRules ?? []) if (r.SecurityGroupRuleId) t.revokedIds.push(r.SecurityGroupRuleId);
    } catch (error) {
      const cls = classify(error);
      if (cls === 'group-gone') t.gonePermissions += perms.length;
      else if (cls === 'rule-gone') {
        if (perms.length === 1) t.gonePermissions += 1;
        else for (const p of perms) await revokePermissions(client, groupId, direction, [p], t);
      } else t.failures.push(`${direction} revoke of ${perms.length} permission(s): ${errorDetail(error)}`);
    }
  }

  return {
    async revoke(change: Change, plan: RemediationPlan): Promise<RemediationOutcome> {
      const base = { mode: plan.mode, ruleIds: [] as string[], permissionsRevoked: 0 };
      if (plan.action !== 'revoke') {
        return plan.reason ? { ...base, status: 'alert-only', detail: plan.reason } : { ...base, status: 'none' };
      }
      if (plan.mode === 'off') return { ...base, status: 'alert-only', detail: 'remediation mode is off' };
      if (plan.mode === 'dry-run') {
        const n = plan.ruleIds.length + plan.permissions.length;
        return { ...base, status: 'would-revoke', ruleIds: [...plan.ruleIds], detail: `dry-run: would revoke ${n} rule${n === 1 ? '' : 's'}` };
      }
      if (plan.mode !== 'enforce') return { ...base, status: 'failed', detail: `unknown remediation mode ${JSON.stringify(plan.mode)}` };

      const fail = (detail: string): RemediationOutcome => ({ ...base, status: 'failed', detail });
      const groupId = change.groupId;
      if (!groupId || !GROUP_ID.test(groupId)) return fail(`cannot revoke: the change names no valid group id (${JSON.stringify(groupId)})`);
      if (change.error) return fail(`cannot revoke: the call failed (${change.error.code}), so there is nothing to remove`);
      const badIds = plan.ruleIds.filter((id) => !RULE_ID.test(id));
      if (badIds.length) return fail(`cannot revoke: malformed rule id(s) ${badIds.map((id) => JSON.stringify(id)).join(', ')}`);
      if (plan.ruleIds.length === 0 && plan.permissions.length === 0) return fail('the plan asks to revoke but names no rule id or permission');
      let client: EC2Client;
      try {
        client = await clientFor(change);
      } catch (error) {
        return fail(`cannot revoke: ${errorMessage(error)}`);
      }

      const t = newTally();

      // Directions of the ids: trusted from the change only when its event names one.
      // Otherwise (ModifySecurityGroupRules carries no direction, so its rules are judged
      // as ingress) the rule is revoked only if it really has the direction it was judged
      // in: an egress rule judged as ingress (e.g. the default allow-all egress rule given
      // a new description) is not a violation and must never be revoked.
      const eventDirection = directionOfEvent(change.eventName);
      const byDirection: Record<Direction, string[]> = { ingress: [], egress: [] };
      const unknown: string[] = [];
      const judged = new Map<string, Direction>();
      const ids = [...new Set(plan.ruleIds)];
      for (const id of ids) {
        const rule = change.rules.find((r) => r.ruleId === id);
        if (rule) judged.set(id, rule.direction);
        if (rule && eventDirection && rule.direction === eventDirection) byDirection[rule.direction].push(id);
        else unknown.push(id);
      }
      let tryBoth: string[] = [];
      if (unknown.length) {
        const found = await lookUpDirections(client, groupId, unknown);
        if (typeof found === 'string') t.failures.push(found);
        else if (found === undefined) tryBoth = unknown;
        else {
          for (const id of unknown) {
            const d = found.get(id);
            const j = judged.get(id);
            if (d && j && d !== j) t.refused.push(`${id} is an ${d} rule but was judged as ${j}: not revoked`);
            else if (d) byDirection[d].push(id);
            else t.goneIds.push(id);
          }
        }
      }
      for (const direction of ['ingress', 'egress'] as const) {
        if (byDirection[direction].length) await revokeIds(client, groupId, direction, byDirection[direction], t);
      }
      for (const id of tryBoth) {
        // Without DescribeSecurityGroupRules: only in the direction the rule was judged in.
        const j = judged.get(id);
        if (!j) {
          await revokeEitherWay(client, groupId, id, t);
          continue;
        }
        await revokeIds(client, groupId, j, [id], t);
        const gone = t.goneIds.indexOf(id);
        if (gone !== -1 && change.rules.some((r) => r.ruleId === id && r.directionUnknown)) {
          // Not found as a rule of the judged direction, whose direction CloudTrail does not
          // record: it may well exist in the other direction. Say so instead of "already gone".
          t.goneIds.splice(gone, 1);
          t.refused.push(`${id} is not an ${j} rule; CloudTrail does not record its direction and DescribeSecurityGroupRules was unavailable, so it may be a rule of the other direction: left as is`);
        }
      }

      const permsBy: Record<Direction, IpPermission[]> = { ingress: [], egress: [] };
      for (const p of plan.permissions) {
        const perm = toIpPermission(p);
        if (typeof perm === 'string') t.failures.push(perm);
        else permsBy[p.direction].push(perm);
      }
      for (const direction of ['ingress', 'egress'] as const) {
        if (permsBy[direction].length) await revokePermissions(client, groupId, direction, permsBy[direction], t);
      }

      return summarise(plan, t);
    },
  };
}

function summarise(plan: RemediationPlan, t: Tally): RemediationOutcome {
  const parts: string[] = [];
  if (t.revokedIds.length) parts.push(`revoked ${t.revokedIds.join(', ')}`);
  if (t.revokedPermissions) parts.push(`revoked ${t.revokedPermissions} permission(s)`);
  if (t.goneIds.length) parts.push(`already gone: ${t.goneIds.join(', ')}`);
  if (t.gonePermissions) parts.push(`${t.gonePermissions} permission(s) already gone`);
  if (t.refused.length) parts.push(t.refused.join('; '));
  if (t.failures.length) parts.push(`FAILED: ${t.failures.join('; ')}`);
  const detail = parts.join('; ') || undefined;
  const base = { mode: plan.mode, permissionsRevoked: t.revokedPermissions };
  if (t.failures.length) return { ...base, status: 'failed', ruleIds: t.revokedIds, detail };
  if (t.revokedIds.length || t.revokedPermissions) return { ...base, status: 'revoked', ruleIds: t.revokedIds, detail };
  if (t.refused.length && t.goneIds.length === 0 && t.gonePermissions === 0) return { ...base, status: 'alert-only', ruleIds: [], detail };
  return { ...base, status: 'already-gone', ruleIds: t.goneIds, detail };
}
