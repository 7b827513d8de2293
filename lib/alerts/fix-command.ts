/**
 * The fix for a finding sgwatch does not revoke itself: the exact AWS CLI
 * command that removes that one rule, for the person reading the alert.
 *
 *   aws ec2 revoke-security-group-ingress --region eu-west-1 \
 *     --group-id sg-0123456789abcdef0 --security-group-rule-ids sgr-0123456789abcdef0
 *
 * Every value in it must match a strict pattern (ids, region, protocol,
 * ports, an IPv4 CIDR), so the command holds no shell metacharacter, quote
 * or space from record text, and is safe to paste; anything else gives no
 * command. Only a rule whose direction is known gets one (a guessed
 * direction would name the wrong call). A rule named by id is removed by id;
 * an old record without ids, by the CLI's simple form (`--protocol --port
 * --cidr`), for IPv4 CIDR sources only: other sources need `--ip-permissions`
 * JSON, which a reader should not paste blind.
 */
import ipaddr from 'ipaddr.js';
import type { RuleChange } from '../model';
import { GROUP_ID, REGION, RULE_ID } from '../aws-ids';

const PROTOCOL = /^(?:tcp|udp|icmp|icmpv6|-1|\d{1,3})$/;

function cidr4(text: string): string | undefined {
  if (!ipaddr.IPv4.isValidCIDR(text)) return undefined;
  // EC2 stores the masked network (198.51.100.7/0 is 0.0.0.0/0); name that.
  const bits = ipaddr.IPv4.parseCIDR(text)[1];
  return `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${bits}`;
}

function portArg(rule: RuleChange): string | undefined {
  if (rule.protocol === '-1') return '';
  if (rule.fromPort === null || rule.toPort === null) return undefined;
  if (!Number.isInteger(rule.fromPort) || !Number.isInteger(rule.toPort)) return undefined;
  return rule.fromPort === rule.toPort ? ` --port ${rule.fromPort}` : ` --port ${rule.fromPort}-${rule.toPort}`;
}

/** The `aws ec2 revoke-security-group-…` command that removes exactly this rule, or undefined when one cannot be given safely. */
export function revokeCommand(rule: RuleChange | undefined, groupId: string | null | undefined, region: string | undefined): string | undefined {
  if (!rule || rule.directionUnknown) return undefined;
  if (typeof groupId !== 'string' || !GROUP_ID.test(groupId) || typeof region !== 'string' || !REGION.test(region)) return undefined;
  const verb = rule.direction === 'egress' ? 'revoke-security-group-egress' : 'revoke-security-group-ingress';
  const base = `aws ec2 ${verb} --region ${region} --group-id ${groupId}`;
  if (rule.ruleId !== undefined) return RULE_ID.test(rule.ruleId) ? `${base} --security-group-rule-ids ${rule.ruleId}` : undefined;
  // The simple form exists for ingress only, and carries one IPv4 CIDR.
  if (rule.direction !== 'ingress' || rule.source?.kind !== 'cidr4' || !PROTOCOL.test(rule.protocol)) return undefined;
  const cidr = cidr4(rule.source.cidr);
  const ports = portArg(rule);
  if (cidr === undefined || ports === undefined) return undefined;
  return `${base} --protocol ${rule.protocol}${ports} --cidr ${cidr}`;
}
