/**
 * The EC2 revoke executor: performs the calls the revoke planner
 * (./revoke-plan.ts) decides on, and feeds EC2's answers back to it. It
 * removes exactly the offending rules of a change, nothing else.
 *
 * - By id (`SecurityGroupRuleIds`), one RevokeSecurityGroupIngress and/or one
 *   RevokeSecurityGroupEgress call. Ids whose direction the change does not
 *   state are looked up with DescribeSecurityGroupRules filtered by group and
 *   id (also proving the id belongs to that group); if that call is denied,
 *   the id is tried in the direction it was judged in (or, not judged,
 *   ingress then egress: an id lives in exactly one direction).
 * - Old records without ids: the plan's exact permissions, only within
 *   PERMISSION_REVOKE_MAX_AGE_SECONDS of the event (revoke-plan.ts); older,
 *   alert-only with the reason.
 * - Not found (rule or group) is success: `already-gone`. EC2 fails a whole
 *   call when one of several ids is gone, so such a call is retried id by
 *   id. Throttling is retried by the SDK (`maxAttempts`). Anything else is
 *   `failed` with a one-line detail (code and message, never a stack).
 * - The client's region must be the change's region (a well-formed region
 *   name) and, when `accountId` is given, the change's account must be it
 *   (lib/context/ec2-clients.ts decides): a revoke sent to the wrong place
 *   would come back "not found" and be misreported as gone.
 *
 * IAM: ec2:RevokeSecurityGroupIngress, ec2:RevokeSecurityGroupEgress,
 * ec2:DescribeSecurityGroupRules (direction look-up; optional, see above).
 */
import {
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
  type RevokeSecurityGroupIngressResult,
} from '@aws-sdk/client-ec2';
import type { Change, Direction, RemediationPlan } from '../model';
import type { RemediationOutcome, Remediator } from '../pipeline/ports';
import { describeRules, type CurrentRule } from '../context/ec2-rule-directions';
import { awsErrorCode, ec2ClientPicker, GROUP_GONE, type Ec2ContextClientOptions } from '../context/ec2-clients';
import { errorMessage, errorText } from '../errors/error-text';
import { DIRECTIONS, gateRevoke, permissionAgeRefusal, newTally, notFoundInJudgedDirection, permissionCalls, routeCurrent, routeIds, summarise, type Tally } from './revoke-plan';

export interface Ec2RemediatorOptions extends Ec2ContextClientOptions {
  /** The clock (ms), for tests: permissions of an id-less record are revoked only within PERMISSION_REVOKE_MAX_AGE_SECONDS (revoke-plan.ts) of it. */
  now?: () => number;
}


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

/** The tag that opts a group out of remediation; the stack also denies revokes in such groups (serverless.yml). */
export const PROTECT_TAG = 'sgwatch:protect';

export function createEc2Remediator(opts: Ec2RemediatorOptions = {}): Remediator {
  // The same refusals as the context look-ups: another account, another region than a fixed client, or a region that is no region name.
  const clientFor = ec2ClientPicker(opts);

  async function callRevoke(client: EC2Client, direction: Direction, input: { GroupId: string; SecurityGroupRuleIds?: string[]; IpPermissions?: IpPermission[] }) {
    return (direction === 'ingress'
      ? client.send(new RevokeSecurityGroupIngressCommand(input))
      : client.send(new RevokeSecurityGroupEgressCommand(input))) as Promise<RevokeSecurityGroupIngressResult>;
  }

  /** The planned ids as EC2 holds them now; undefined when DescribeSecurityGroupRules is denied; a string when it failed otherwise. */
  async function lookUpRules(client: EC2Client, groupId: string, ids: string[]): Promise<Map<string, CurrentRule | undefined> | string | undefined> {
    try {
      return await describeRules(client, groupId, ids);
    } catch (error) {
      const cls = classify(error);
      if (cls === 'denied') return undefined;
      if (cls === 'group-gone') return new Map();
      return `could not read the rules' current state, so nothing was revoked by id: ${errorDetail(error)}`;
    }
  }

  /**
   * True when the group carries sgwatch:protect=true. The stack denies the revoke there anyway
   * (an explicit Deny, which EC2 reports as an encoded UnauthorizedOperation that cannot be told
   * from a missing grant); asking first lets the outcome say "protected" instead of failing, and
   * keeps the event from being retried. A look-up that fails changes nothing: the Deny holds.
   */
  async function isProtected(client: EC2Client, groupId: string): Promise<boolean> {
    try {
      const out = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
      const group = out?.SecurityGroups?.find((g) => g.GroupId === groupId);
      return (group?.Tags ?? []).some((t) => t.Key === PROTECT_TAG && t.Value?.trim().toLowerCase() === 'true');
    } catch {
      return false;
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
      for (const r of out.RevokedSecurityGroupRules ?? []) if (r.SecurityGroupRuleId) t.permissionRuleIds.push(r.SecurityGroupRuleId);
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
      const gate = gateRevoke(change, plan);
      if ('outcome' in gate) return gate.outcome;
      const { groupId } = gate;
      let client: EC2Client;
      try {
        client = await clientFor(change);
      } catch (error) {
        return { mode: plan.mode, ruleIds: [], permissionsRevoked: 0, status: 'failed', detail: `cannot revoke: ${errorMessage(error)}` };
      }

      if (await isProtected(client, groupId)) {
        return { mode: plan.mode, ruleIds: [], permissionsRevoked: 0, status: 'alert-only', detail: `${groupId} is protected (tag ${PROTECT_TAG}=true): not revoked` };
      }

      const t = newTally();
      // Read the rules' current state first: revoke an id only if it still is the rule that was
      // judged (same direction, protocol, ports, source). Only when that read is denied does the
      // executor fall back to the change's own directions (routeIds).
      const ids = [...new Set(plan.ruleIds)];
      const byDirection: Record<Direction, string[]> = { ingress: [], egress: [] };
      let tryBoth: string[] = [];
      let judged = new Map<string, Direction>();
      const current = ids.length ? await lookUpRules(client, groupId, ids) : new Map<string, CurrentRule | undefined>();
      if (typeof current === 'string') t.failures.push(current);
      else if (current === undefined) {
        const routed = routeIds(change, ids);
        for (const d of DIRECTIONS) byDirection[d].push(...routed.byDirection[d]);
        tryBoth = routed.unknown;
        judged = routed.judged;
        t.notes.push('DescribeSecurityGroupRules denied: not re-checked against the current rules');
      } else {
        const routed = routeCurrent(change, ids, current);
        for (const d of DIRECTIONS) byDirection[d].push(...routed.byDirection[d]);
        t.goneIds.push(...routed.gone);
        t.refused.push(...routed.refused);
      }
      for (const direction of DIRECTIONS) {
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
        const refusal = gone === -1 ? undefined : notFoundInJudgedDirection(change, id, j);
        if (refusal) {
          t.goneIds.splice(gone, 1);
          t.refused.push(refusal);
        }
      }

      const tooOld = permissionAgeRefusal(change, plan.permissions.length, (opts.now ?? Date.now)());
      if (tooOld) {
        t.refused.push(tooOld);
      } else {
        const perms = permissionCalls(plan.permissions);
        t.failures.push(...perms.failures);
        for (const direction of DIRECTIONS) {
          if (perms.byDirection[direction].length) await revokePermissions(client, groupId, direction, perms.byDirection[direction], t);
        }
      }

      return summarise(plan, t);
    },
  };
}
