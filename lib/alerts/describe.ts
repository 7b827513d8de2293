/**
 * The shared wording of alerts, for every channel (Slack, SNS e-mail, the
 * console): what rule was opened, why it matters, who did it and how, what
 * sgwatch did about it, and where to look.
 *
 * Everything here returns raw (unescaped) text; each channel escapes it for
 * its own format. Links are built only from values that pass strict
 * regexes, so a URL never carries attacker-controlled text.
 */
import ipaddr from 'ipaddr.js';
import type { Actor, AppliedException, Change, Exposure, Finding, RemediationPlan, ResultSeverity, RuleChange, RuleSource, Severity, Verdict } from '../model';
import { describeExposure } from '../context/exposure';
import type { Alert, RemediationOutcome } from '../pipeline/ports';
import { SERVICE_NAMES, UDP_SERVICE_NAMES } from '../net/ports';
import { compareSeverity } from '../policy/severity';
/** The rationale of each policy rule lives with its check (lib/policy/rules/<id>.ts). */
import { whyItMatters } from '../policy/rules';
import { judgedChange } from '../context/facts';
import { GROUP_ID } from '../aws-ids';
import { revokeCommand } from './fix-command';

// ---------------------------------------------------------------- ports

const ICMP_TYPES: Record<number, string> = { 0: 'echo reply', 3: 'destination unreachable', 8: 'echo request', 11: 'time exceeded' };
const ICMP6_TYPES: Record<number, string> = { 1: 'destination unreachable', 2: 'packet too big', 128: 'echo request', 129: 'echo reply' };
const PROTOCOL_NUMBERS: Record<string, string> = { '4': 'IP-in-IP', '41': 'IPv6-in-IP', '47': 'GRE', '50': 'ESP', '51': 'AH', '132': 'SCTP' };

/** `tcp/22 (SSH)`, `tcp/20-25 (includes FTP, SSH, Telnet…)`, `all traffic`, `icmp echo request`. */
export function describePorts(protocol: string, fromPort: number | null, toPort: number | null): string {
  if (protocol === '-1') return 'all traffic';
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    const names = protocol === 'icmp' ? ICMP_TYPES : ICMP6_TYPES;
    if (fromPort === null || fromPort === -1) return `${protocol} (all types)`;
    const typeName = names[fromPort];
    const code = toPort === null || toPort === -1 ? '' : ` code ${toPort}`;
    return `${protocol} type ${fromPort}${typeName ? ` (${typeName})` : ''}${code}`;
  }
  if (protocol === 'tcp' || protocol === 'udp') {
    if (fromPort === null && toPort === null) return `${protocol} (ports unknown)`;
    const from = fromPort ?? toPort!;
    const to = toPort ?? fromPort!;
    const names = protocol === 'tcp' ? SERVICE_NAMES : UDP_SERVICE_NAMES;
    if (from === to) return `${protocol}/${from}${names[from] ? ` (${names[from]})` : ''}`;
    if (from <= 0 && to >= 65535) return `${protocol}/${from}-${to} (all ports)`;
    const inside: string[] = [];
    for (const key of Object.keys(names)) {
      const port = Number(key);
      if (port >= from && port <= to && !inside.includes(names[port])) inside.push(names[port]);
    }
    const list = inside.length === 0 ? '' : ` (includes ${inside.slice(0, 3).join(', ')}${inside.length > 3 ? '…' : ''})`;
    return `${protocol}/${from}-${to}${list}`;
  }
  const known = Object.hasOwn(PROTOCOL_NUMBERS, protocol) ? PROTOCOL_NUMBERS[protocol] : undefined;
  return `protocol ${protocol}${known ? ` (${known})` : ''}`;
}

// ---------------------------------------------------------------- sources

function maskedNote(cidr: string): string {
  try {
    const [addr, bits] = ipaddr.parseCIDR(cidr);
    if (bits === 0) return addr.kind() === 'ipv4' ? ' (anywhere, IPv4)' : ' (anywhere, IPv6)';
    const network =
      addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr).toString() : ipaddr.IPv6.networkAddressFromCIDR(cidr).toString();
    return network === addr.toString() ? '' : ` (= ${network}/${bits})`;
  } catch {
    return '';
  }
}

/** `0.0.0.0/0 (anywhere, IPv4)`, `sg-0abc (account 444455556666)`, `prefix list pl-0123`. */
export function describeSource(source: RuleSource | undefined): string {
  if (!source) return 'an unknown source';
  switch (source.kind) {
    case 'cidr4':
    case 'cidr6':
      return source.cidr + maskedNote(source.cidr);
    case 'group': {
      const name = source.groupId ?? (source.groupName ? `group named ${source.groupName}` : 'a security group');
      return source.ownerAccount ? `${name} (account ${source.ownerAccount})` : name;
    }
    case 'prefix-list':
      return `prefix list ${source.prefixListId}`;
  }
}

/** `tcp/22 (SSH) from 0.0.0.0/0 (anywhere, IPv4) — ingress`; egress reads `to`. */
export function describeRule(rule: Pick<RuleChange, 'direction' | 'protocol' | 'fromPort' | 'toPort' | 'source'>): string {
  const peer = rule.direction === 'egress' ? 'to' : 'from';
  return `${describePorts(rule.protocol, rule.fromPort, rule.toPort)} ${peer} ${describeSource(rule.source)} — ${rule.direction}`;
}

// ---------------------------------------------------------------- policy

// ---------------------------------------------------------------- actor

/** How the caller came, for people. */
export function describeVia(actor: Pick<Actor, 'via' | 'invokedBy'>): string {
  switch (actor.via) {
    case 'console':
      return 'AWS console';
    case 'cli':
      return 'AWS CLI';
    case 'sdk':
      return 'an AWS SDK';
    case 'cloudformation':
      return 'CloudFormation';
    case 'terraform':
      return 'Terraform';
    case 'aws-service':
      return actor.invokedBy ? `AWS service (${actor.invokedBy})` : 'an AWS service';
    case 'sgwatch':
      return 'sgwatch';
    case 'unknown':
    default:
      return 'unknown client';
  }
}

/** A short name: the user, `role/session`, or the ARN. */
export function actorName(actor: Actor | undefined): string {
  if (!actor) return 'unknown caller';
  return actor.name ?? actor.arn ?? actor.principalId ?? (actor.type === 'Root' ? 'root' : 'unknown caller');
}

// ---------------------------------------------------------------- action

export type ActionKind = 'revoked' | 'would-revoke' | 'will-revoke' | 'alert-only' | 'already-gone' | 'failed' | 'none';

export interface ActionView {
  kind: ActionKind;
  /** One sentence: what sgwatch did. */
  text: string;
  /** Raw detail (error or reason), to be escaped by the channel. */
  detail?: string;
}

function idList(ids: string[]): string {
  if (ids.length === 0) return '';
  const shown = ids.slice(0, 5).join(', ');
  return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
}

function countRules(ids: string[], permissions: number): string {
  const n = ids.length + permissions;
  return `${n} rule${n === 1 ? '' : 's'}`;
}

/** What sgwatch did (an outcome) or plans to do (the plan, before remediation ran). */
export function describeAction(outcome: RemediationOutcome | undefined, plan: RemediationPlan | undefined): ActionView {
  if (outcome) {
    const ids = idList(outcome.ruleIds);
    const which = ids ? ` (${ids})` : '';
    switch (outcome.status) {
      case 'revoked':
        return { kind: 'revoked', text: `Revoked ${countRules(outcome.ruleIds, outcome.permissionsRevoked)}${which}.`, detail: outcome.detail };
      case 'would-revoke':
        // The pipeline's own "dry-run: would revoke …" detail only repeats the text.
        return {
          kind: 'would-revoke',
          text: `Would revoke${which} — ${outcome.mode} mode, nothing changed.`,
          detail: outcome.detail?.startsWith('dry-run:') ? undefined : outcome.detail,
        };
      case 'alert-only':
        return { kind: 'alert-only', text: `Alert only: ${outcome.detail ?? 'the policy does not revoke this'}.` };
      case 'already-gone':
        return { kind: 'already-gone', text: `Nothing to revoke: the rule was already gone${which}.`, detail: outcome.detail };
      case 'failed':
        return {
          kind: 'failed',
          text: `Revoke FAILED${which}: the rule may still be in place — remove it by hand.`,
          detail: outcome.detail,
        };
      case 'none':
        return { kind: 'none', text: 'No action: the policy only alerts on this.', detail: outcome.detail };
    }
  }
  if (!plan) return { kind: 'none', text: 'No action.' };
  if (plan.action === 'revoke') {
    const n = plan.ruleIds.length + plan.permissions.length;
    const which = plan.ruleIds.length ? ` (${idList(plan.ruleIds)})` : '';
    if (plan.mode === 'enforce') return { kind: 'will-revoke', text: `Revoking ${n} rule${n === 1 ? '' : 's'}${which} (enforce mode).` };
    if (plan.mode === 'dry-run') return { kind: 'would-revoke', text: `Would revoke ${n} rule${n === 1 ? '' : 's'}${which} — dry-run mode, nothing changed.` };
    return { kind: 'alert-only', text: `Alert only: remediation is off${plan.reason ? ` (${plan.reason})` : ''}.` };
  }
  if (plan.reason) return { kind: 'alert-only', text: `Alert only: ${plan.reason}.` };
  return { kind: 'none', text: 'No action: the policy only alerts on this.' };
}

// ---------------------------------------------------------------- links

/** Commercial, GovCloud and China region names; nothing else goes into a URL. */
const REGION = /^(?:[a-z]{2}|us-gov)-[a-z]+-\d{1,2}$/;
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function consoleOrigin(region: string): string | undefined {
  if (!REGION.test(region)) return undefined;
  if (region.startsWith('us-gov-')) return 'https://console.amazonaws-us-gov.com';
  if (region.startsWith('cn-')) return 'https://console.amazonaws.cn';
  return `https://${region}.console.aws.amazon.com`;
}

function isValidRegion(region: unknown): region is string {
  return typeof region === 'string' && REGION.test(region);
}
function isValidGroupId(id: unknown): id is string {
  return typeof id === 'string' && GROUP_ID.test(id);
}
function isValidEventId(id: unknown): id is string {
  return typeof id === 'string' && EVENT_ID.test(id);
}

/** The EC2 console page of the group, or undefined when region or id is not well-formed. */
export function groupConsoleUrl(region: string | undefined, groupId: string | null | undefined): string | undefined {
  if (!isValidRegion(region) || !isValidGroupId(groupId)) return undefined;
  const origin = consoleOrigin(region);
  return origin && `${origin}/ec2/home?region=${region}#SecurityGroup:groupId=${groupId}`;
}

/** The CloudTrail event page, or undefined when region or event id is not well-formed. */
export function cloudTrailEventUrl(region: string | undefined, eventId: string | undefined): string | undefined {
  if (!isValidRegion(region) || !isValidEventId(eventId)) return undefined;
  const origin = consoleOrigin(region);
  return origin && `${origin}/cloudtrailv2/home?region=${region}#/events/${eventId}`;
}

// ---------------------------------------------------------------- alert view

/** `CRITICAL`, …, or `ALERT` for a result without findings: the severity word of subjects and headers. */
/**
 * The group's exposure in words, with what it did to the severity:
 * "attached to 2 interfaces, 1 with public IP 3.8.1.2", "attached to
 * nothing: lowered from critical".
 */
export function exposureText(e: Exposure, findings: readonly Finding[]): string {
  let base: Severity | undefined;
  for (const f of findings) if (f.baseSeverity && (!base || compareSeverity(f.baseSeverity, base) > 0)) base = f.baseSeverity;
  return base ? `${describeExposure(e)}: lowered from ${base}` : describeExposure(e);
}

/** What the verdict says it could not see or did not apply (expired and malformed exceptions, unresolved prefix lists). */
export function verdictNotes(verdict: Pick<Verdict, 'skippedExceptions' | 'notes'>): string[] {
  return [...(verdict.skippedExceptions ?? []).map((e) => `exception ${e.id} not applied: ${e.problem}`), ...(verdict.notes ?? [])];
}

export function severityLabel(severity: ResultSeverity): string {
  return severity === 'none' ? 'ALERT' : severity.toUpperCase();
}

export interface FindingView {
  rule: string;
  severity: Severity;
  /** The policy's severity, when the group's exposure lowered it. */
  baseSeverity?: Severity;
  /** `tcp/22 (SSH) from 0.0.0.0/0 — ingress`, or undefined for call-level findings. */
  ruleText?: string;
  ruleId?: string;
  description?: string;
  why: string;
  message: string;
  remediation: 'revoke' | 'alert';
  /** The rule as recorded (raw; channels validate or escape what they show of it). */
  target?: Finding['target'];
  /**
   * The AWS CLI command that removes this rule, when sgwatch is not removing
   * it (alert-only, dry-run, refused, failed); built from validated values only.
   */
  fix?: string;
}

export interface ExceptionView {
  id: string;
  reason: string;
  until?: string;
  rule: string;
  ruleText?: string;
}

/** Everything a channel needs, as raw text: channels escape it. */
export interface AlertView {
  reason: Alert['reason'];
  severity: ResultSeverity;
  /** The worst finding's policy rule id, or the reason when there is none. */
  headline: string;
  /** All findings' rule ids, worst first, unique. */
  ruleIds: string[];
  eventId: string;
  eventName: string;
  eventTime: string;
  account: string;
  region: string;
  outcome: string;
  groupId?: string;
  groupName?: string;
  vpcId?: string;
  actor: {
    name: string;
    arn?: string;
    type?: string;
    via: string;
    sourceIp?: string;
    userAgent?: string;
    mfa?: boolean;
  };
  findings: FindingView[];
  exceptions: ExceptionView[];
  /** The group's exposure in words (exposureText), when an inventory was asked. */
  exposure?: string;
  /** Exceptions not applied (expired, malformed tags) and what the judgement could not see. */
  notes: string[];
  action: ActionView;
  callError?: { code: string; message?: string };
  links: { group?: string; event?: string };
}

/** Rule ids sgwatch removed or is removing (enforce), so their alerts carry no fix command. */
function removedIds(outcome: RemediationOutcome | undefined, plan: RemediationPlan | undefined): ReadonlySet<string> {
  if (outcome) return new Set(outcome.status === 'revoked' || outcome.status === 'already-gone' ? outcome.ruleIds : []);
  return new Set(plan?.mode === 'enforce' && plan.action === 'revoke' ? plan.ruleIds : []);
}

function findingView(f: Finding, change?: Change, removed?: ReadonlySet<string>): FindingView {
  const gone = f.target?.ruleId !== undefined && removed?.has(f.target.ruleId) === true;
  const fix = gone ? undefined : revokeCommand(f.target, f.groupId ?? change?.groupId, change?.region);
  return {
    ...(fix ? { fix } : {}),
    rule: f.rule,
    severity: f.severity,
    ...(f.baseSeverity ? { baseSeverity: f.baseSeverity } : {}),
    ruleText: f.target ? describeRule(f.target) : undefined,
    ruleId: f.target?.ruleId,
    description: f.target?.description,
    why: whyItMatters(f.rule, f.message),
    message: f.message,
    remediation: f.remediation,
    target: f.target,
  };
}

function exceptionView(e: AppliedException): ExceptionView {
  return { id: e.id, reason: e.reason, until: e.until, rule: e.rule, ruleText: e.target ? describeRule(e.target) : undefined };
}

/** Builds the channel-neutral view of an alert. */
export function describeAlert(alert: Alert): AlertView {
  const result = alert.record.result;
  const change: Change | undefined = judgedChange(result);
  const verdict = result.verdict;
  const outcome = alert.remediation ?? alert.record.remediation;
  const removed = removedIds(outcome, verdict.remediation);
  const findings = [...verdict.findings].sort((a, b) => compareSeverity(b.severity, a.severity)).map((f) => findingView(f, change, removed));
  const ruleIds: string[] = [];
  for (const f of findings) if (!ruleIds.includes(f.rule)) ruleIds.push(f.rule);
  const actor = change?.actor ?? result.ignored?.actor;
  const region = change?.region ?? result.ignored?.region ?? '';
  const eventId = change?.eventId ?? alert.record.eventId;
  return {
    reason: alert.reason,
    severity: verdict.severity,
    headline: alert.reason === 'remediation-failed' ? 'revoke FAILED' : alert.reason === 'unknown-account' ? 'events from an account outside the allow-list (orgAccounts)' : alert.reason === 'member-role' ? 'sgwatch cannot act in this account: its sgwatch-member role cannot be assumed' : (ruleIds[0] ?? alert.reason),
    ruleIds,
    eventId,
    eventName: change?.eventName ?? result.ignored?.eventName ?? 'unknown event',
    eventTime: change?.eventTime ?? result.ignored?.eventTime ?? '',
    account: change?.account ?? result.ignored?.account ?? 'unknown account',
    region: region || 'unknown region',
    outcome: verdict.outcome,
    groupId: change?.groupId ?? undefined,
    groupName: change?.groupName,
    vpcId: change?.vpcId,
    actor: {
      name: actorName(actor),
      arn: actor?.arn,
      type: actor?.type,
      via: actor ? describeVia(actor) : 'unknown client',
      sourceIp: actor?.sourceIp,
      userAgent: actor?.userAgent,
      mfa: actor?.mfa,
    },
    findings,
    exceptions: verdict.exceptions.map(exceptionView),
    ...(result.context?.exposure ? { exposure: exposureText(result.context.exposure, verdict.findings) } : {}),
    notes: verdictNotes(verdict),
    action: describeAction(outcome, verdict.remediation),
    callError: change?.error ? { code: change.error.code, message: change.error.message } : undefined,
    links: { group: groupConsoleUrl(region, change?.groupId), event: cloudTrailEventUrl(region, eventId) },
  };
}
