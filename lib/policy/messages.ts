/**
 * Finding messages: sentences for people on call, saying what is exposed to
 * whom and why it matters. Built only when a finding fires. They quote AWS
 * identifiers and CIDRs, never free text from the record (descriptions), so
 * they are safe to log; notifiers still escape them.
 */
import type { Change, RuleChange } from '../model';
import type { CidrJudgement } from '../net/cidr';
import { formatRulePorts, namePort, portRangeOf, SERVICE_NAMES } from '../net/ports';

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

export function sourcePhrase(rule: RuleChange): string {
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

export const msg = {
  allPorts(rule: RuleChange, world: string, change: Change): string {
    const what = rule.protocol === '-1' ? 'All traffic (every protocol and port)' : `Every ${rule.protocol.toUpperCase()} port (${rule.protocol}/0-65535)`;
    return `${what} open to ${world} on ${groupPhrase(change)}: every service on the attached resources is reachable by anyone, including ones never meant to be exposed.`;
  },
  adminPort(rule: RuleChange, ports: number[], world: string): string {
    return `${portsPhrase(rule, ports)} open to ${world}: anyone can try to log in, and attackers scan the internet for open admin ports within minutes. Use a VPN, a bastion or SSM Session Manager instead.`;
  },
  highRiskPort(rule: RuleChange, ports: number[], world: string): string {
    return `${portsPhrase(rule, ports)} open to ${world}: databases, caches and remote-admin services like these are prime targets (data theft, ransomware) and should never face the internet.`;
  },
  unapprovedPort(rule: RuleChange, world: string, approvedText: string): string {
    return `${formatRulePorts(rule)} open to ${world}, but only ${approvedText} may be public (approvedPublicPorts): confirm the service is meant for everyone, then approve the port or narrow the source.`;
  },
  untrustedAdmin(rule: RuleChange, ports: number[], pub: string): string {
    return `${portsPhrase(rule, ports)} open to ${pub}, which is not in trustedCidrs: admin access should come only from trusted networks (VPN, office, bastion).`;
  },
  foreignGroup(rule: RuleChange, owner: string, change: Change): string {
    const s = rule.source as Extract<RuleChange['source'], { kind: 'group' }>;
    const dir = rule.direction === 'ingress' ? 'from' : 'to';
    return `${formatRulePorts(rule)} ${dir} security group ${s.groupId ?? s.groupName ?? '(unnamed)'} of account ${owner}, which is neither this account (${change.account}) nor in trustedAccounts: whoever controls that account decides who gets this access.`;
  },
  defaultGroup(rule: RuleChange, change: Change): string {
    const dir = rule.direction === 'ingress' ? 'from' : 'to';
    return `${rule.direction} rule ${formatRulePorts(rule)} ${dir} ${sourcePhrase(rule)} ${rule.action === 'modify' ? 'set' : 'added'} on the default security group${change.groupId ? ` ${change.groupId}` : ''}: everything launched without an explicit group gets it. Keep default groups empty and use dedicated groups.`;
  },
  undocumented(rule: RuleChange): string {
    return `Ingress rule ${formatRulePorts(rule)} from ${sourcePhrase(rule)} has no description: say why it exists so reviewers can tell whether it is still needed.`;
  },
  denied(change: Change): string {
    const who = change.actor.arn ?? change.actor.name ?? 'an unknown caller';
    return `${who} tried ${change.eventName} on ${groupPhrase(change)} and was refused (${change.error?.code}): nothing changed, but repeated refused attempts can mean probing or a stolen credential.`;
  },
};
