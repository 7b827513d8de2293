/**
 * Response rule sets: `responseElements.securityGroupRuleSet.items[]` (Authorize*,
 * since mid-2021) and `revokedSecurityGroupRuleSet.items[]` (Revoke*). They carry
 * the `sgr-` ids. Each entry is matched to the request rule it reports
 * (direction, protocol, ports, source); entries that match nothing are added as
 * rules of their own, so no rule id is lost.
 */
import type { Direction, RuleAction, RuleChange, RuleSource } from '../../model';
import { maskCidr } from '../../net/cidr';
import { isObj, listItems, optBool, optString, show, ShapeError, type Obj } from '../fields';
import { readPorts, readProtocol } from './permissions';

export interface RuleSetEntry {
  ruleId?: string;
  groupId?: string;
  rule: RuleChange;
}

function entrySource(e: Obj, path: string): RuleSource | undefined {
  const v4 = optString(e.cidrIpv4, `${path}.cidrIpv4`);
  if (v4) return { kind: 'cidr4', cidr: v4 };
  const v6 = optString(e.cidrIpv6, `${path}.cidrIpv6`);
  if (v6) return { kind: 'cidr6', cidr: v6 };
  const pl = optString(e.prefixListId, `${path}.prefixListId`);
  if (pl) return { kind: 'prefix-list', prefixListId: pl };
  const ref = e.referencedGroupInfo;
  if (isObj(ref)) {
    const source: RuleSource = { kind: 'group' };
    const id = optString(ref.groupId, `${path}.referencedGroupInfo.groupId`);
    const owner = optString(ref.userId, `${path}.referencedGroupInfo.userId`);
    if (id) source.groupId = id;
    if (owner) source.ownerAccount = owner;
    return source;
  }
  const refId = optString(e.referencedGroupId, `${path}.referencedGroupId`);
  if (refId) return { kind: 'group', groupId: refId };
  return undefined;
}

/** Parse the entries of a response rule set. */
export function readRuleSet(value: unknown, path: string, action: RuleAction, fallback: Direction): RuleSetEntry[] {
  const items = listItems(value, path);
  const out: RuleSetEntry[] = [];
  for (let i = 0; i < items.length; i++) {
    const p = `${path}.items[${i}]`;
    const e = items[i];
    if (!isObj(e)) throw new ShapeError(`${p} is ${show(e)}, expected an object`);
    const egress = optBool(e.isEgress);
    const direction: Direction = egress === undefined ? fallback : egress ? 'egress' : 'ingress';
    const protocol = readProtocol(e.ipProtocol, `${p}.ipProtocol`);
    const [fromPort, toPort] = readPorts(protocol, e.fromPort, e.toPort, p);
    const rule: RuleChange = { action, direction, protocol, fromPort, toPort };
    const source = entrySource(e, p);
    if (source) rule.source = source;
    const description = optString(e.description, `${p}.description`);
    if (description) rule.description = description;
    const ruleId = optString(e.securityGroupRuleId, `${p}.securityGroupRuleId`);
    if (ruleId) rule.ruleId = ruleId;
    out.push({ ruleId, groupId: optString(e.groupId, `${p}.groupId`), rule });
  }
  return out;
}

/**
 * True when both texts denote the same network once host bits are cleared:
 * AWS echoes the network address (`198.51.100.7/24` comes back as
 * `198.51.100.0/24`) and IPv6 text may differ in case or zero compression.
 */
function sameCidr(a: string, b: string): boolean {
  if (a === b) return true;
  const masked = maskCidr(a);
  return masked !== undefined && masked === maskCidr(b);
}

function sameSource(req: RuleSource | undefined, res: RuleSource | undefined): boolean {
  if (!req || !res || req.kind !== res.kind) return false;
  switch (req.kind) {
    case 'cidr4':
    case 'cidr6':
      return sameCidr(req.cidr, (res as { cidr: string }).cidr);
    case 'prefix-list':
      return req.prefixListId === (res as { prefixListId: string }).prefixListId;
    case 'group': {
      const r = res as { groupId?: string; ownerAccount?: string };
      // The request may name the group by name only; the response always has its id.
      if (req.groupId && r.groupId && req.groupId !== r.groupId) return false;
      if (req.ownerAccount && r.ownerAccount && req.ownerAccount !== r.ownerAccount) return false;
      return true;
    }
  }
}

function samePorts(req: RuleChange, res: RuleChange): boolean {
  if (req.protocol === '-1') return true;
  return req.fromPort === res.fromPort && req.toPort === res.toPort;
}

/** Fill what the response knows and the request did not say. */
function enrich(rule: RuleChange, entry: RuleChange): void {
  if (entry.ruleId) rule.ruleId = entry.ruleId;
  if (!rule.description && entry.description) rule.description = entry.description;
  if (rule.source && rule.source.kind === 'group' && entry.source && entry.source.kind === 'group') {
    if (!rule.source.groupId && entry.source.groupId) rule.source.groupId = entry.source.groupId;
    if (!rule.source.ownerAccount && entry.source.ownerAccount) rule.source.ownerAccount = entry.source.ownerAccount;
  }
}

/**
 * Attach the response's rule ids to the request's rules. A rule already named
 * by id (revoke by `securityGroupRuleIds`) takes the entry's content; others
 * are matched on direction, protocol, ports and source. Unmatched entries are
 * appended.
 */
export function attachRuleSet(rules: RuleChange[], entries: RuleSetEntry[]): void {
  const requested = rules.length;
  for (const { rule: entry } of entries) {
    let matched = false;
    for (let i = 0; i < requested; i++) {
      const rule = rules[i];
      if (entry.ruleId && rule.ruleId === entry.ruleId && !rule.source) {
        rule.direction = entry.direction;
        rule.protocol = entry.protocol;
        rule.fromPort = entry.fromPort;
        rule.toPort = entry.toPort;
        if (entry.source) rule.source = entry.source;
        if (entry.description && !rule.description) rule.description = entry.description;
        matched = true;
        break;
      }
      if (
        rule.ruleId === undefined &&
        rule.direction === entry.direction &&
        rule.protocol === entry.protocol &&
        samePorts(rule, entry) &&
        sameSource(rule.source, entry.source)
      ) {
        enrich(rule, entry);
        matched = true;
        break;
      }
    }
    if (!matched) rules.push(entry);
  }
}
