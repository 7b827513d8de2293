/**
 * Request shapes of Authorize*, Revoke* and UpdateSecurityGroupRuleDescriptions*:
 * the nested `ipPermissions.items[]` form and the flat CLI / legacy form.
 * One RuleChange per source (CIDR, IPv6 CIDR, group reference, prefix list).
 */
import type { Direction, RuleAction, RuleChange, RuleSource } from '../../model';
import { hasPorts, isIcmp, normaliseProtocol } from '../../net/protocol';
import { isObj, listItems, optPort, optString, show, ShapeError, type Obj } from '../fields';

/** Protocol from the record, rejecting structures where text or a number belongs. */
export function readProtocol(value: unknown, path: string): string {
  if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number') {
    throw new ShapeError(`${path} is ${show(value)}, expected a protocol name or number`);
  }
  return normaliseProtocol(value);
}

/**
 * Ports for a protocol: tcp/udp ports, ICMP type/code, null for `-1` and for
 * other protocols (AWS allows every port for them and records -1).
 */
export function readPorts(protocol: string, from: unknown, to: unknown, path: string): [number | null, number | null] {
  if (hasPorts(protocol) || isIcmp(protocol)) {
    return [optPort(from, `${path}.fromPort`), optPort(to, `${path}.toPort`)];
  }
  // Validate anyway, so garbage is reported, but -1 / other protocols carry no ports.
  optPort(from, `${path}.fromPort`);
  optPort(to, `${path}.toPort`);
  return [null, null];
}

function push(
  out: RuleChange[],
  action: RuleAction,
  direction: Direction,
  protocol: string,
  fromPort: number | null,
  toPort: number | null,
  source: RuleSource,
  description: unknown,
  path: string,
): void {
  const rule: RuleChange = { action, direction, protocol, fromPort, toPort, source };
  const desc = optString(description, `${path}.description`);
  if (desc !== undefined) rule.description = desc;
  out.push(rule);
}

function entry(value: unknown, path: string): Obj {
  if (!isObj(value)) throw new ShapeError(`${path} is ${show(value)}, expected an object`);
  return value;
}

function requiredText(value: unknown, path: string): string {
  const text = optString(value, path);
  if (text === undefined || text === '') throw new ShapeError(`${path} is ${show(value)}, expected text`);
  return text;
}

/** `ipPermissions.items[]` → rules, appended to `out`. */
export function nestedPermissions(
  ipPermissions: unknown,
  action: RuleAction,
  direction: Direction,
  out: RuleChange[],
  base = 'requestParameters.ipPermissions',
): void {
  const perms = listItems(ipPermissions, base);
  for (let i = 0; i < perms.length; i++) {
    const path = `${base}.items[${i}]`;
    const perm = entry(perms[i], path);
    const protocol = readProtocol(perm.ipProtocol, `${path}.ipProtocol`);
    const [fromPort, toPort] = readPorts(protocol, perm.fromPort, perm.toPort, path);

    const v4 = listItems(perm.ipRanges, `${path}.ipRanges`);
    for (let j = 0; j < v4.length; j++) {
      const p = `${path}.ipRanges.items[${j}]`;
      const r = entry(v4[j], p);
      const cidr = requiredText(r.cidrIp, `${p}.cidrIp`);
      push(out, action, direction, protocol, fromPort, toPort, { kind: 'cidr4', cidr }, r.description, p);
    }
    const v6 = listItems(perm.ipv6Ranges, `${path}.ipv6Ranges`);
    for (let j = 0; j < v6.length; j++) {
      const p = `${path}.ipv6Ranges.items[${j}]`;
      const r = entry(v6[j], p);
      const cidr = requiredText(r.cidrIpv6, `${p}.cidrIpv6`);
      push(out, action, direction, protocol, fromPort, toPort, { kind: 'cidr6', cidr }, r.description, p);
    }
    const groups = listItems(perm.groups, `${path}.groups`);
    for (let j = 0; j < groups.length; j++) {
      const p = `${path}.groups.items[${j}]`;
      const g = entry(groups[j], p);
      const source = groupSource(g.groupId, g.groupName, g.userId, p);
      push(out, action, direction, protocol, fromPort, toPort, source, g.description, p);
    }
    const lists = listItems(perm.prefixListIds, `${path}.prefixListIds`);
    for (let j = 0; j < lists.length; j++) {
      const p = `${path}.prefixListIds.items[${j}]`;
      const l = entry(lists[j], p);
      const prefixListId = requiredText(l.prefixListId, `${p}.prefixListId`);
      push(out, action, direction, protocol, fromPort, toPort, { kind: 'prefix-list', prefixListId }, l.description, p);
    }
  }
}

/** A group reference; at least an id or a name. */
function groupSource(groupId: unknown, groupName: unknown, userId: unknown, path: string): RuleSource {
  const id = optString(groupId, `${path}.groupId`);
  const name = optString(groupName, `${path}.groupName`);
  const owner = optString(userId, `${path}.userId`);
  if (!id && !name) throw new ShapeError(`${path} names no group (no groupId or groupName)`);
  const source: RuleSource = { kind: 'group' };
  if (id) source.groupId = id;
  if (name) source.groupName = name;
  if (owner) source.ownerAccount = owner;
  return source;
}

/**
 * The flat form: `cidrIp`/`ipProtocol`/`fromPort`/`toPort` (CLI `--cidr`, SDK
 * CidrIp) or the legacy `sourceSecurityGroupName`/`sourceSecurityGroupOwnerId`,
 * at the top of requestParameters (an empty `ipPermissions: {}` beside them).
 */
export function flatPermission(params: Obj, action: RuleAction, direction: Direction, out: RuleChange[]): void {
  const base = 'requestParameters';
  const hasCidr = params.cidrIp !== undefined && params.cidrIp !== null;
  const hasGroup =
    (params.sourceSecurityGroupName !== undefined && params.sourceSecurityGroupName !== null) ||
    (params.sourceSecurityGroupOwnerId !== undefined && params.sourceSecurityGroupOwnerId !== null);
  if (!hasCidr && !hasGroup) return;
  const protocol = readProtocol(params.ipProtocol, `${base}.ipProtocol`);
  const [fromPort, toPort] = readPorts(protocol, params.fromPort, params.toPort, base);
  if (hasCidr) {
    const cidr = requiredText(params.cidrIp, `${base}.cidrIp`);
    push(out, action, direction, protocol, fromPort, toPort, { kind: 'cidr4', cidr }, params.description, base);
  }
  if (hasGroup) {
    const name = optString(params.sourceSecurityGroupName, `${base}.sourceSecurityGroupName`);
    const owner = optString(params.sourceSecurityGroupOwnerId, `${base}.sourceSecurityGroupOwnerId`);
    const source: RuleSource = { kind: 'group' };
    if (name) source.groupName = name;
    if (owner) source.ownerAccount = owner;
    push(out, action, direction, protocol, fromPort, toPort, source, undefined, base);
  }
}
