/**
 * Loop guard: what sgwatch itself does to a security group comes back
 * through CloudTrail as one more change. It is recognised by the caller's
 * role (one of sgwatch's own) and by the kind of change each of sgwatch's
 * actions makes, linked to the record it acted on, and never alerted or
 * remediated, so sgwatch never fights itself.
 *
 * The actions are an open list (SELF_ACTIONS). Today sgwatch makes one: the
 * remediation (a revoke; a future Slack "revert now" is a revoke too and is
 * found the same way, by the rule ids or permissions of the record it acted
 * on). A future "restore" (re-authorising what sgwatch revoked) is one more
 * entry: the change kind it makes (`authorize`), how to find the record it
 * restored, and the two link names. A change by sgwatch's role of a kind
 * none of its actions makes is NOT trusted: it is judged like any other
 * (sgwatch's role may only revoke, so such a change means the role is
 * misused).
 */
import type { Actor, Change, ChangeKind, Permission, RuleChange } from '../model';
import type { ChangeStore, HistoryRecord } from './ports';

/** A link between two records (HistoryRecord.links). */
export type LinkName = keyof NonNullable<HistoryRecord['links']>;

/** One thing sgwatch does to security groups, as the loop guard recognises it. */
export interface SelfAction {
  readonly name: string;
  /** The kinds of change this action makes (normalised CloudTrail change kinds). */
  readonly kinds: readonly ChangeKind[];
  /** The record this action acted on, among the group's recent history (searched before the first write). */
  findOriginal(store: ChangeStore, change: Change): Promise<HistoryRecord | undefined>;
  /** The link written on the action's own record (pointing at the original) and on the original (pointing back). */
  readonly links: { readonly self: LinkName; readonly original: LinkName };
  /** How the CLI names it: `sgwatch's own revoke`. */
  readonly label: string;
}

/** How many of a group's newest records are searched for the original (one GSI query). */
export const ORIGINAL_LOOKUP_DEPTH = 50;

interface RoleId {
  partitionAccount: string;
  name: string;
}

/**
 * `arn:aws:iam::ACCT:role/path/NAME` or `arn:aws:sts::ACCT:assumed-role/NAME/SESSION` → account + role name.
 * One of sgwatch's own roles may name the account `*`: the role of that name in every account
 * (organisation-wide, the `sgwatch-member` role the central Lambda acts through).
 */
export function roleIdentity(arn: string | undefined): RoleId | undefined {
  if (!arn) return undefined;
  const m = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}|\*):(role|assumed-role)\/(.+)$/.exec(arn.trim());
  if (!m) return undefined;
  const [, partition, service, account, kind, rest] = m;
  const parts = rest.split('/');
  let name: string | undefined;
  if (service === 'iam' && kind === 'role') name = parts[parts.length - 1];
  else if (service === 'sts' && kind === 'assumed-role') name = parts[0];
  return name ? { partitionAccount: `${partition}:${account}`, name } : undefined;
}

/** True when the actor is (a session of) one of sgwatch's own roles. */
export function isSelfActor(actor: Actor | undefined, selfRoleArns: readonly string[]): boolean {
  if (!actor || selfRoleArns.length === 0) return false;
  const selves = selfRoleArns.map(roleIdentity).filter((r): r is RoleId => r !== undefined);
  for (const candidate of [actor.roleArn, actor.arn]) {
    const id = roleIdentity(candidate);
    const anyAccount = id ? `${id.partitionAccount.split(':')[0]}:*` : '';
    if (id && !id.partitionAccount.endsWith(':*') && selves.some((s) => (s.partitionAccount === id.partitionAccount || s.partitionAccount === anyAccount) && s.name === id.name)) return true;
    if (candidate && selfRoleArns.includes(candidate)) return true;
  }
  return false;
}

/**
 * The action of sgwatch's this change is, or undefined: the actor is one of
 * sgwatch's roles and the change kind is one the action makes.
 */
export function selfActionOf(change: Change, selfRoleArns: readonly string[], actions: readonly SelfAction[] = SELF_ACTIONS): SelfAction | undefined {
  if (!isSelfActor(change.actor, selfRoleArns)) return undefined;
  return actions.find((a) => a.kinds.includes(change.kind));
}

function sameSource(a: RuleChange['source'], b: Permission['source']): boolean {
  return !!a && JSON.stringify(a) === JSON.stringify(b);
}

function revokes(change: Change): { ids: Set<string>; rules: RuleChange[] } {
  const ids = new Set<string>(change.ruleIds ?? []);
  for (const r of change.rules) if (r.ruleId) ids.add(r.ruleId);
  return { ids, rules: change.rules };
}

/**
 * The record sgwatch's revoke remediated: among the group's newest records,
 * the most recent one whose remediation was claimed (the remediate step is
 * claimed before the EC2 call, so it is visible before CloudTrail delivers
 * the revoke) and whose plan names a revoked rule id, or, for records
 * without ids, a revoked permission.
 */
export async function findRemediatedRecord(store: ChangeStore, change: Change): Promise<HistoryRecord | undefined> {
  if (!change.groupId) return undefined;
  const { ids, rules } = revokes(change);
  const recent = await store.history(change.groupId, { limit: ORIGINAL_LOOKUP_DEPTH });
  for (const r of recent) {
    if (r.eventId === change.eventId || r.links?.remediationOf) continue;
    if (!r.steps.remediate && !r.remediation) continue;
    const plan = r.result.verdict.remediation;
    const planned = new Set([...(plan.ruleIds ?? []), ...(r.remediation?.ruleIds ?? [])]);
    if ([...ids].some((id) => planned.has(id))) return r;
    const perms = plan.permissions ?? [];
    if (
      perms.length > 0 &&
      rules.some((rule) =>
        perms.some(
          (p) =>
            p.direction === rule.direction &&
            p.protocol === rule.protocol &&
            p.fromPort === rule.fromPort &&
            p.toPort === rule.toPort &&
            sameSource(rule.source, p.source),
        ),
      )
    ) {
      return r;
    }
  }
  return undefined;
}

/** sgwatch's actions (see the header). */
export const SELF_ACTIONS: readonly SelfAction[] = [
  { name: 'remediation', kinds: ['revoke'], findOriginal: findRemediatedRecord, links: { self: 'remediationOf', original: 'remediatedBy' }, label: "sgwatch's own revoke" },
];
