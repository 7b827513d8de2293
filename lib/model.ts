/**
 * The shared vocabulary of sgwatch: what a security-group change is once a
 * CloudTrail record has been normalised, and what the policy says about it.
 *
 * Every module speaks these types: `cloudtrail/` produces `Change`,
 * `policy/` turns a `Change` into a `Verdict`, the pipeline stores and
 * alerts on a `Result`, and the CLI prints it. Keep this file free of logic.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** A result's severity: its worst finding's, or `none` without findings. */
export type ResultSeverity = Severity | 'none';

export const OUTCOMES = ['violation', 'compliant', 'ignored', 'failed-call', 'invalid'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** The outcomes of a record that is a security-group change (the policy judged it). */
export type ChangeOutcome = Exclude<Outcome, 'ignored' | 'invalid'>;

export type Direction = 'ingress' | 'egress';

/**
 * The peer of a rule: where ingress comes from, or where egress goes to.
 * CIDRs are kept as written in the record (`198.51.100.7/0`); `lib/net` masks
 * host bits before judging them.
 */
export type RuleSource =
  | { kind: 'cidr4'; cidr: string }
  | { kind: 'cidr6'; cidr: string }
  /** ownerAccount: the `userId` of the reference; absent means the event's account. */
  | { kind: 'group'; groupId?: string; groupName?: string; ownerAccount?: string }
  | { kind: 'prefix-list'; prefixListId: string };

/** What the call did to one rule. */
export type RuleAction = 'add' | 'remove' | 'modify' | 'describe';

/** One rule per source: a permission with two CIDRs becomes two rules. */
export interface RuleChange {
  action: RuleAction;
  direction: Direction;
  /** Lower-case: `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all), or another IP protocol number as text. */
  protocol: string;
  /** Ports for tcp/udp; ICMP type (from) and code (to) for icmp/icmpv6; null for `-1` or when unknown. */
  fromPort: number | null;
  toPort: number | null;
  /** Undefined only when the record names the rule by id alone (revoke by `SecurityGroupRuleIds`). */
  source?: RuleSource;
  description?: string;
  /** The `sgr-` id, when the record carries it. */
  ruleId?: string;
  /**
   * The record does not state the rule's direction (ModifySecurityGroupRules
   * without `IsEgress`): `direction` is then an assumption (`ingress`, the
   * cautious one). lib/context/rule-directions.ts looks the real direction up
   * and removes the flag; the policy judges such a rule as ingress and plans it
   * by id only, and the remediator revokes it only when EC2 confirms it is ingress.
   */
  directionUnknown?: true;
  /**
   * ModifySecurityGroupRules fields the request left out. The API keeps a
   * field's current value when it is absent, and CloudTrail records only the
   * request, so the record does not say what these are now. The normaliser
   * judges the widest case (a missing `IpProtocol` reads as `-1`, missing
   * ports as every port), the finding says so, and the planner never revokes
   * such a rule: a compliant tcp/443 rule modified without `IpProtocol` is
   * not "all traffic".
   */
  fieldsNotRecorded?: NotRecordedField[];
}

/** A ModifySecurityGroupRules field that may be left out of the request (it then keeps its current value). */
export type NotRecordedField = 'IpProtocol' | 'FromPort' | 'ToPort' | 'source';

/** How the caller came: derived from userAgent, invokedBy and identity type. */
export type ActorVia =
  | 'console'
  | 'cli'
  | 'sdk'
  | 'cloudformation'
  | 'terraform'
  | 'aws-service'
  | 'sgwatch'
  | 'unknown';

export interface Actor {
  /** The caller's ARN (for an assumed role: the `assumed-role/...` session ARN). */
  arn?: string;
  /** userIdentity.type: IAMUser, AssumedRole, Root, AWSService, FederatedUser, ... */
  type?: string;
  principalId?: string;
  accountId?: string;
  /** A readable name: the user name, or `role/session` for an assumed role. */
  name?: string;
  /** For assumed roles: the role's own ARN (`sessionContext.sessionIssuer.arn`). */
  roleArn?: string;
  sourceIp?: string;
  userAgent?: string;
  invokedBy?: string;
  via: ActorVia;
  mfa?: boolean;
}

export type ChangeKind =
  | 'authorize' // Authorize*: rules added
  | 'revoke' // Revoke*: rules removed
  | 'modify-rules' // ModifySecurityGroupRules: rules replaced in place
  | 'update-descriptions' // UpdateSecurityGroupRuleDescriptions*: descriptions only
  | 'create-group'
  | 'delete-group'
  | 'set-groups' // groupSet on an instance or network interface
  | 'prefix-list'; // Create/ModifyManagedPrefixList, RestoreManagedPrefixListVersion: the entries of a managed prefix list

export interface CallError {
  /** As recorded, e.g. `Client.UnauthorizedOperation`. */
  code: string;
  message?: string;
  /** True when the call was refused for lack of permission. */
  denied: boolean;
}

/**
 * What a prefix-list call did to the list (lib/cloudtrail/shapes/prefix-list.ts).
 * A list is no group: the rules it feeds are found through the inventory
 * (lib/context/prefix-list-change.ts), and each added entry is judged as a new
 * source on each of them.
 */
export interface PrefixListChange {
  /** Null when the record does not say it (a failed CreateManagedPrefixList). */
  prefixListId: string | null;
  name?: string;
  /** Entries the call added (CreateManagedPrefixList: every entry of the new list). */
  added: Array<{ cidr: string; description?: string }>;
  /** CIDRs the call removed. */
  removed: string[];
  /** RestoreManagedPrefixListVersion: the version restored; the record does not list its entries. */
  restoredVersion?: number;
}

/** A CloudTrail record about a security group, normalised. */
export interface Change {
  /** CloudTrail's `eventID`; when the record has none, `sha256:<hex>` of its canonical JSON (and `eventIdDerived`). */
  eventId: string;
  /** The record carries no `eventID`: `eventId` was derived from its content (lib/cloudtrail/content-key.ts). */
  eventIdDerived?: true;
  eventName: string;
  /** ISO-8601 (UTC). */
  eventTime: string;
  account: string;
  region: string;
  eventSource: string;
  actor: Actor;
  kind: ChangeKind;
  /** The group changed; null when the record names it only by name or not at all (set-groups). */
  groupId: string | null;
  groupName?: string;
  vpcId?: string;
  /** set-groups: the complete new set of groups of the resource. */
  groupIds?: string[];
  /** set-groups: the instance (`i-`) or network interface (`eni-`) whose groups changed. */
  resourceId?: string;
  rules: RuleChange[];
  /** Rule ids named without their content (revoke by `SecurityGroupRuleIds`). */
  ruleIds?: string[];
  /** prefix-list: the list and the entries the call added or removed. */
  prefixList?: PrefixListChange;
  /** Present when the call failed: nothing changed. */
  error?: CallError;
  /** Request id, useful to link sgwatch's own revoke back to its origin. */
  requestId?: string;
}

/** A record that is not a security-group change (kept so every input yields one result). */
export interface IgnoredRecord {
  eventId?: string;
  eventName?: string;
  eventTime?: string;
  account?: string;
  region?: string;
  eventSource?: string;
  actor?: Actor;
  reason: string;
}

export type NormaliseResult =
  | { status: 'change'; change: Change }
  | { status: 'ignored'; record: IgnoredRecord }
  | { status: 'invalid'; error: string; record?: IgnoredRecord };

export interface Finding {
  /** A policy rule id, e.g. `public-admin-port`. */
  rule: string;
  severity: Severity;
  /** A sentence for people: what is exposed and why it matters. */
  message: string;
  /** The rule of the change this finding is about (absent for call-level findings). */
  target?: RuleChange;
  /** The policy rule's remediation for this finding. */
  remediation: 'revoke' | 'alert';
  /** The policy's severity, when the group's exposure changed it (`severity` is then the adjusted one). */
  baseSeverity?: Severity;
  /** The group the finding is about, when the change is not about one group (a prefix-list change reaches every group using the list). */
  groupId?: string;
  /** The rule's source is a prefix list: the entry of the list this finding judged. */
  viaPrefixList?: { prefixListId: string; entry: string };
}

export interface AppliedException {
  /** The exception's id in the policy, its index as `exceptions[3]`, or `tag:<sg-|sgr- id>` for a tag exception. */
  id: string;
  reason: string;
  until?: string;
  /** The finding it silenced. */
  rule: string;
  target?: RuleChange;
}

export type RemediationMode = 'off' | 'dry-run' | 'enforce';

/** A permission to revoke when the record carries no `sgr-` ids. */
export interface Permission {
  direction: Direction;
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  source: RuleSource;
}

export interface RemediationPlan {
  mode: RemediationMode;
  action: 'revoke' | 'none';
  /** Exactly the `sgr-` ids of the offending rules, no others. */
  ruleIds: string[];
  /** Offending permissions without an id (old records). */
  permissions: Permission[];
  /** Why nothing is done although a finding asked for revoke (alert-only actor, mode off, ...). */
  reason?: string;
}

/** An exception that would have matched but was not applied: expired, or a malformed exception tag. */
export interface SkippedException {
  /** `exceptions[3]` / the policy id, or `tag:<sg-|sgr- id>`. */
  id: string;
  /** Why it was not applied, e.g. `expired 2025-01-31` or `malformed tag "..." (expected <rule id or *>;<until YYYY-MM-DD>;<reason>)`. */
  problem: string;
}

export interface Verdict<O extends Outcome = Outcome> {
  outcome: O;
  severity: ResultSeverity;
  findings: Finding[];
  exceptions: AppliedException[];
  remediation: RemediationPlan;
  /** Exceptions that were not applied, named so that an expiry is not silent. */
  skippedExceptions?: SkippedException[];
  /** What the judgement could not see or chose to trust, e.g. `prefix list pl-1 not resolved: its entries are not judged`. */
  notes?: string[];
}

/**
 * One output per input record, by outcome: a change the policy judged
 * (violation, compliant, failed-call) carries the change; an ignored record
 * carries what is known of it; an invalid one says what is wrong. The other
 * members' fields are declared `undefined`, so `result.change` (or `error`)
 * narrows the union, and the JSON form is the same as the fields present.
 */
export type Result = ChangeResult | IgnoredResult | InvalidResult;

export interface ChangeResult {
  /** `<path>#<index in file>` */
  source: string;
  change: Change;
  verdict: Verdict<ChangeOutcome>;
  /** Facts the record does not carry, looked up from the account (see ContextFacts). */
  context?: ContextFacts;
  ignored?: undefined;
  error?: undefined;
}

export interface IgnoredResult {
  source: string;
  /** Not a security-group change: what is known of the record, and why it is ignored. */
  ignored: IgnoredRecord;
  verdict: Verdict<'ignored'>;
  change?: undefined;
  context?: undefined;
  error?: undefined;
}

export interface InvalidResult {
  source: string;
  /** What is wrong, prefixed with the source. */
  error: string;
  /** What could be read of the record, if anything. */
  ignored?: IgnoredRecord;
  verdict: Verdict<'invalid'>;
  change?: undefined;
  context?: undefined;
}

/** A fact learnt from an AWS API or an inventory file, not from the CloudTrail record, naming the call or file it came from. */
export interface LookedUp<T> {
  value: T;
  /** `ec2:DescribeSecurityGroups`, `ec2:DescribeSecurityGroupRules`, or `inventory:FILE[,FILE...]` (replay --inventory). */
  source: `ec2:${string}` | `inventory:${string}`;
}

/** Whether anything on the internet can reach what the group guards (issue 6): judged from the network interfaces using it. */
export type ExposureState = 'public' | 'private' | 'unattached' | 'unknown';

export interface Exposure {
  /**
   * `public`: an interface using the group has a public IPv4 address or a global IPv6 address;
   * `private`: attached, none has; `unattached`: no interface uses it; `unknown`: no inventory, or the look-up failed.
   */
  state: ExposureState;
  /** Network interfaces using the group (0 when unknown). */
  interfaces: number;
  /** The public IPv4 and global IPv6 addresses of those interfaces (at most EXPOSURE_ADDRESSES_SHOWN). */
  publicAddresses: string[];
  /** How many of the interfaces have a public address. */
  publicInterfaces: number;
  /** Public addresses beyond those listed. */
  morePublicAddresses?: number;
  /** Why the state is unknown (no inventory, access denied, ...). */
  reason?: string;
  /** Where it was learnt: `ec2:DescribeNetworkInterfaces` or `inventory:FILE`. */
  source?: string;
}

/** A prefix list a rule's source names, as the inventory knows it (its entries judged, not stored). */
export interface PrefixListFact {
  name?: string;
  ownerId?: string;
  /** How many entries the list has. */
  entries: number;
}

/**
 * What the account told about a change that its record does not say. The
 * recorded change stays as CloudTrail wrote it; the policy judges the change
 * with these facts applied (lib/context/apply.ts).
 */
export interface ContextFacts {
  /** The group's name (the record named it by id only). */
  groupName?: LookedUp<string>;
  /** The direction of rules the record leaves unstated (ModifySecurityGroupRules without IsEgress), by rule id. */
  directions?: Record<string, LookedUp<Direction>>;
  /** Who can reach what the group guards. */
  exposure?: Exposure;
  /** Prefix lists named by the change's rules, by id. */
  prefixLists?: Record<string, LookedUp<PrefixListFact>>;
}
