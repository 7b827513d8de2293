/**
 * The phrases the rule modules' finding messages share (each rule's own
 * sentence lives in its module, lib/policy/rules/<id>.ts), and the notes
 * evaluate.ts appends to findings. Finding messages are sentences for people
 * on call, saying what is exposed to whom and why it matters, built only when
 * a finding fires. They quote AWS identifiers and CIDRs, never free text from
 * the record (descriptions), so they are safe to log; notifiers still escape
 * them.
 */
import type { Change, RuleChange } from '../../model';
import type { CidrJudgement } from '../../net/cidr';
import { formatRulePorts, namePort, portRangeOf, SERVICE_NAMES } from '../../net/ports';

function listOf(items: string[], max = 5): string {
  if (items.length <= 1) return items.join('');
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** `SSH (tcp/22)`, or `tcp/20-25, which includes FTP (21) and SSH (22),`. */
export function portsPhrase(rule: RuleChange, ports: number[]): string {
  const range = portRangeOf(rule);
  if (rule.protocol !== '-1' && range && range.from === range.to && ports.length === 1 && ports[0] === range.from) {
    const name = SERVICE_NAMES[range.from];
    return name ? `${name} (${rule.protocol}/${range.from})` : `${rule.protocol}/${range.from}`;
  }
  return `${formatRulePorts(rule)}, which includes ${listOf(ports.map(namePort))},`;
}

/** `the whole internet (0.0.0.0/0)`, `the internet at large (0.0.0.0/1, a world-sized range)`. */
export function worldPhrase(j: CidrJudgement, written: string): string {
  const as = j.parsed?.hostBits ? `, written ${written}` : '';
  if (j.parsed?.prefix === 0) return `the whole internet (${j.cidr}${as})`;
  return `the internet at large (${j.cidr}, a world-sized range${as})`;
}

export function publicPhrase(j: CidrJudgement, written: string): string {
  const single = j.parsed && j.parsed.prefix === (j.parsed.family === 4 ? 32 : 128);
  const as = j.parsed?.hostBits ? `, written ${written}` : '';
  return `${single ? 'public address' : 'public range'} ${j.cidr}${as}`;
}

export function groupPhrase(change: Change): string {
  return change.groupId ?? (change.groupName ? `group "${change.groupName}"` : 'the security group');
}

export function sourcePhrase(rule: Pick<RuleChange, 'source'>): string {
  const s = rule.source;
  if (!s) return 'an unknown source';
  switch (s.kind) {
    case 'cidr4':
    case 'cidr6':
      return s.cidr;
    case 'group':
      return `security group ${s.groupId ?? s.groupName ?? '(unnamed)'}${s.ownerAccount ? ` of account ${s.ownerAccount}` : ''}`;
    case 'prefix-list':
      return `prefix list ${s.prefixListId}`;
  }
}

/** Appended to every finding about a rule whose direction the record does not state (RuleChange.directionUnknown). */
export const DIRECTION_UNKNOWN_NOTE =
  ' CloudTrail does not record the direction of a ModifySecurityGroupRules rule; judged as ingress (if it is an egress rule, this finding does not apply).';
/**
 * Appended to every finding about a ModifySecurityGroupRules rule whose
 * request left fields out (RuleChange.fieldsNotRecorded): the rule kept its
 * current values for them, which the record does not give.
 */
export function notRecordedNote(fields: readonly string[]): string {
  const names = fields.map((f) => (f === 'source' ? 'the source' : f)).join(', ');
  return ` The ModifySecurityGroupRules request left out ${names}, so the rule kept its current value${fields.length > 1 ? 's' : ''}, which CloudTrail does not record; judged as the widest case (a missing IpProtocol as all traffic, missing ports as every port). Alert only: sgwatch never revokes a rule it cannot see whole.`;
}

/** Added to DIRECTION_UNKNOWN_NOTE when the policy rule would revoke. */
export const REVOKED_ONLY_AS_JUDGED = ' sgwatch asks EC2 for its direction before revoking and never revokes it as anything else.';

/** Record text quoted for a message: JSON string syntax, cut to 100 characters (notifiers escape it further). */
export function JSON_QUOTE(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
