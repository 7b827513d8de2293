/**
 * ModifySecurityGroupRules: an XML-derived, PascalCase request
 * `requestParameters.ModifySecurityGroupRulesRequest.{GroupId, SecurityGroupRule}`
 * where `SecurityGroupRule` is one entry or a list of entries
 * `{SecurityGroupRuleId, SecurityGroupRule: {IpProtocol, FromPort, ToPort,
 * CidrIpv4 | CidrIpv6 | ReferencedGroupId | PrefixListId, Description}, tag}`.
 *
 * Direction: the API does not send it (a rule keeps its direction). When the
 * entry carries `IsEgress` (true or false) it is used; otherwise the rule is
 * taken as ingress and marked `directionUnknown`: ingress is the cautious
 * assumption (an alert rather than a silent miss), and the flag lets the
 * pipeline look the real direction up (lib/context/rule-directions.ts) and
 * the policy refuse to revoke on a guess.
 *
 * Left-out fields: every field of the inner `SecurityGroupRule` is optional
 * in the API, and a field left out keeps the rule's current value (see the
 * API reference, SecurityGroupRuleRequest). The record then does not say what
 * the rule is. Such a rule is listed in `fieldsNotRecorded` and read as its
 * widest case (no `IpProtocol`: `-1`; no ports: every port), so the policy
 * alerts rather than misses, and the planner never revokes it.
 */
import type { NotRecordedField, RuleChange, RuleSource } from '../../model';
import { anyCase, asList, isObj, optBool, optString, show, ShapeError, type Obj } from '../fields';
import { readPorts, readProtocol } from './permissions';
import { groupReference } from '../../net/source';

export interface ModifyRequest {
  groupId: string | null;
  rules: RuleChange[];
}

function ruleSource(spec: Obj, path: string): RuleSource | undefined {
  const v4 = optString(anyCase(spec, 'CidrIpv4'), `${path}.CidrIpv4`);
  if (v4) return { kind: 'cidr4', cidr: v4 };
  const v6 = optString(anyCase(spec, 'CidrIpv6'), `${path}.CidrIpv6`);
  if (v6) return { kind: 'cidr6', cidr: v6 };
  const ref = optString(anyCase(spec, 'ReferencedGroupId'), `${path}.ReferencedGroupId`);
  if (ref) return groupReference(ref);
  const pl = optString(anyCase(spec, 'PrefixListId'), `${path}.PrefixListId`);
  if (pl) return { kind: 'prefix-list', prefixListId: pl };
  return undefined;
}

export function readModifyRequest(params: Obj): ModifyRequest {
  const base = 'requestParameters.ModifySecurityGroupRulesRequest';
  const req = anyCase(params, 'ModifySecurityGroupRulesRequest');
  // Tolerate the request fields sitting directly in requestParameters.
  const body = req === undefined ? params : req;
  if (!isObj(body)) throw new ShapeError(`${base} is ${show(req)}, expected an object`);
  const groupId = optString(anyCase(body, 'GroupId'), `${base}.GroupId`) ?? null;
  const entries = asList(anyCase(body, 'SecurityGroupRule'), `${base}.SecurityGroupRule`);
  const rules: RuleChange[] = [];
  for (let i = 0; i < entries.length; i++) {
    const path = entries.length === 1 ? `${base}.SecurityGroupRule` : `${base}.SecurityGroupRule[${i}]`;
    const entry = entries[i];
    if (!isObj(entry)) throw new ShapeError(`${path} is ${show(entry)}, expected an object`);
    const ruleId = optString(anyCase(entry, 'SecurityGroupRuleId'), `${path}.SecurityGroupRuleId`);
    const specRaw = anyCase(entry, 'SecurityGroupRule');
    if (specRaw !== undefined && !isObj(specRaw)) {
      throw new ShapeError(`${path}.SecurityGroupRule is ${show(specRaw)}, expected an object`);
    }
    const spec: Obj = specRaw ?? {};
    const sp = `${path}.SecurityGroupRule`;
    const protocolRaw = anyCase(spec, 'IpProtocol');
    const protocol = readProtocol(protocolRaw, `${sp}.IpProtocol`);
    const fromRaw = anyCase(spec, 'FromPort');
    const toRaw = anyCase(spec, 'ToPort');
    const [fromPort, toPort] = readPorts(protocol, fromRaw, toRaw, sp);
    const egress = optBool(anyCase(spec, 'IsEgress') ?? anyCase(entry, 'IsEgress'));
    const rule: RuleChange = { action: 'modify', direction: egress ? 'egress' : 'ingress', protocol, fromPort, toPort };
    if (egress === undefined) rule.directionUnknown = true;
    const source = ruleSource(spec, sp);
    if (source) rule.source = source;
    const missing: NotRecordedField[] = [];
    if (protocolRaw === undefined || protocolRaw === null || protocolRaw === '') missing.push('IpProtocol');
    // Ports matter only where the (recorded) protocol has them; -1 has none.
    if (protocol !== '-1' && (fromRaw === undefined || fromRaw === null)) missing.push('FromPort');
    if (protocol !== '-1' && (toRaw === undefined || toRaw === null)) missing.push('ToPort');
    if (!source) missing.push('source');
    if (missing.length) rule.fieldsNotRecorded = missing;
    const description = optString(anyCase(spec, 'Description'), `${sp}.Description`);
    if (description !== undefined) rule.description = description;
    if (ruleId) rule.ruleId = ruleId;
    rules.push(rule);
  }
  return { groupId, rules };
}
