/**
 * normalise(record): one CloudTrail record (bare, or an EventBridge event
 * around it) → a `Change` in sgwatch's rule model, `ignored` when it is not a
 * security-group change, or `invalid` with a sentence saying what is wrong.
 * Never throws.
 *
 * Hot path: most records of a CloudTrail log are not about security groups,
 * so eventSource/eventName are checked first and such records return after a
 * handful of property reads (no actor, no rule parsing).
 */
import type { CallError, Change, ChangeKind, Direction, IgnoredRecord, NormaliseResult, PrefixListChange, RuleChange } from '../model';
import { readActor } from './actor';
import { contentEventId } from './content-key';
import { field, isObj, listItems, optString, show, ShapeError, text, typeName, type Obj } from './fields';
import { readModifyRequest } from './shapes/modify-rules';
import { flatPermission, nestedPermissions } from './shapes/permissions';
import { attachRuleSet, readRuleSet } from './shapes/rule-set';
import { readPrefixListRequest } from './shapes/prefix-list';
import { errorMessage } from '../errors/error-text';

/** The protocol of a rule named only by its `sgr-` id (revoke / describe by id, no response details). */
export const UNKNOWN_PROTOCOL = 'unknown';

const EC2 = 'ec2.amazonaws.com';

interface EventSpec {
  kind: ChangeKind;
  direction: Direction;
}

const EVENTS = new Map<string, EventSpec>([
  ['AuthorizeSecurityGroupIngress', { kind: 'authorize', direction: 'ingress' }],
  ['AuthorizeSecurityGroupEgress', { kind: 'authorize', direction: 'egress' }],
  ['RevokeSecurityGroupIngress', { kind: 'revoke', direction: 'ingress' }],
  ['RevokeSecurityGroupEgress', { kind: 'revoke', direction: 'egress' }],
  ['ModifySecurityGroupRules', { kind: 'modify-rules', direction: 'ingress' }],
  ['UpdateSecurityGroupRuleDescriptionsIngress', { kind: 'update-descriptions', direction: 'ingress' }],
  ['UpdateSecurityGroupRuleDescriptionsEgress', { kind: 'update-descriptions', direction: 'egress' }],
  ['CreateSecurityGroup', { kind: 'create-group', direction: 'ingress' }],
  ['DeleteSecurityGroup', { kind: 'delete-group', direction: 'ingress' }],
  ['ModifyNetworkInterfaceAttribute', { kind: 'set-groups', direction: 'ingress' }],
  ['ModifyInstanceAttribute', { kind: 'set-groups', direction: 'ingress' }],
  ['CreateManagedPrefixList', { kind: 'prefix-list', direction: 'ingress' }],
  ['ModifyManagedPrefixList', { kind: 'prefix-list', direction: 'ingress' }],
  ['RestoreManagedPrefixListVersion', { kind: 'prefix-list', direction: 'ingress' }],
]);

/** The event names normalise turns into changes (everything else on EC2 is ignored). */
export const SECURITY_GROUP_EVENTS: readonly string[] = [...EVENTS.keys()];

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;
const NO_ZONE = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d(?:\.\d{1,9})?)$/;

/**
 * ISO-8601 UTC. CloudTrail's own form is kept as written; Panther's
 * `YYYY-MM-DD HH:MM:SS.000` (UTC, no zone) becomes `YYYY-MM-DDTHH:MM:SS.000Z`;
 * other parseable times with a zone are converted.
 */
function isoTime(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  if (ISO_UTC.test(raw)) return raw;
  const m = NO_ZONE.exec(raw);
  if (m) return `${m[1]}T${m[2]}Z`;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

interface Envelope {
  account?: unknown;
  region?: unknown;
}

function accountOf(rec: Obj, env: Envelope | undefined): string | undefined {
  // The account the change happened in: recipientAccountId; else the
  // EventBridge envelope's account (the account the event was delivered in);
  // else the caller's own account.
  const recipient = text(rec.recipientAccountId);
  if (recipient) return recipient;
  const fromEnvelope = env ? text(env.account) : undefined;
  if (fromEnvelope) return fromEnvelope;
  const ui = rec.userIdentity;
  return isObj(ui) ? text(field(ui, 'accountId')) : undefined;
}

function meta(rec: Obj, env: Envelope | undefined, reason: string): IgnoredRecord {
  const record: IgnoredRecord = { reason };
  const eventId = text(rec.eventID);
  if (eventId) record.eventId = eventId;
  const eventName = text(rec.eventName);
  if (eventName) record.eventName = eventName;
  const eventTime = isoTime(rec.eventTime);
  if (eventTime) record.eventTime = eventTime;
  const account = accountOf(rec, env);
  if (account) record.account = account;
  const region = text(rec.awsRegion) ?? (env ? text(env.region) : undefined);
  if (region) record.region = region;
  const eventSource = text(rec.eventSource);
  if (eventSource) record.eventSource = eventSource;
  return record;
}

const DENIED = /^(?:UnauthorizedOperation|AccessDenied\w*)$|(?:^|\.)Unauthorized/;

/** Failed call: `errorCode` (prefix-tolerant: `Client.UnauthorizedOperation` or `UnauthorizedOperation`). */
function callError(rec: Obj): CallError | undefined {
  const code = text(rec.errorCode);
  if (!code) return undefined;
  const bare = code.startsWith('Client.') || code.startsWith('Server.') ? code.slice(code.indexOf('.') + 1) : code;
  const error: CallError = { code, denied: DENIED.test(bare) };
  const message = text(rec.errorMessage);
  if (message) error.message = message;
  return error;
}

/**
 * Normalise one record. Accepts a bare CloudTrail record or an EventBridge
 * event carrying one in `detail` (its `account`/`region` fill gaps).
 */
export function normalise(input: unknown): NormaliseResult {
  if (!isObj(input)) return { status: 'invalid', error: `record is ${typeName(input)}, expected a JSON object` };
  let rec: Obj = input;
  let env: Envelope | undefined;
  if (input['detail-type'] !== undefined && input.detail !== undefined) {
    if (!isObj(input.detail)) {
      return { status: 'invalid', error: `EventBridge event's detail is ${typeName(input.detail)}, expected a CloudTrail record` };
    }
    rec = input.detail;
    env = input;
  }
  const eventSource = rec.eventSource;
  const eventName = rec.eventName;
  if (typeof eventName !== 'string' || eventName === '') {
    return {
      status: 'invalid',
      error: `not a CloudTrail record: eventName is ${show(eventName)}`,
      record: meta(rec, env, 'invalid'),
    };
  }
  if (typeof eventSource !== 'string' || eventSource === '') {
    return {
      status: 'invalid',
      error: `not a CloudTrail record: eventSource is ${show(eventSource)}`,
      record: meta(rec, env, 'invalid'),
    };
  }
  if (eventSource !== EC2) {
    return { status: 'ignored', record: meta(rec, env, `not an EC2 call (${eventSource})`) };
  }
  const spec = EVENTS.get(eventName);
  if (spec === undefined) {
    return { status: 'ignored', record: meta(rec, env, `${eventName} does not change security groups`) };
  }
  try {
    return build(rec, env, eventName, spec);
  } catch (err) {
    const message = err instanceof ShapeError ? err.message : `cannot read record: ${errorMessage(err)}`;
    return { status: 'invalid', error: `${eventName}: ${message}`, record: meta(rec, env, 'invalid') };
  }
}

function build(rec: Obj, env: Envelope | undefined, eventName: string, spec: EventSpec): NormaliseResult {
  const eventTime = isoTime(rec.eventTime);
  if (eventTime === undefined) throw new ShapeError(`eventTime is ${show(rec.eventTime)}, expected a timestamp`);
  if (rec.userIdentity !== undefined && rec.userIdentity !== null && !isObj(rec.userIdentity)) {
    throw new ShapeError(`userIdentity is ${show(rec.userIdentity)}, expected an object`);
  }
  const error = callError(rec);

  const rawParams = rec.requestParameters;
  let params: Obj;
  if (isObj(rawParams)) params = rawParams;
  else if ((rawParams === undefined || rawParams === null) && error) params = {};
  else throw new ShapeError(`requestParameters is ${show(rawParams)}, expected an object`);

  // A failed call changed nothing: its responseElements (if any) are not evidence.
  const response = !error && isObj(rec.responseElements) ? rec.responseElements : undefined;

  let groupId = optString(params.groupId, 'requestParameters.groupId') ?? null;
  const groupName = optString(params.groupName, 'requestParameters.groupName');
  const rules: RuleChange[] = [];
  let ruleIds: string[] | undefined;
  let groupIds: string[] | undefined;
  let resourceId: string | undefined;
  let vpcId: string | undefined;
  let prefixList: PrefixListChange | undefined;

  switch (spec.kind) {
    case 'authorize':
    case 'revoke':
    case 'update-descriptions': {
      const action = spec.kind === 'authorize' ? 'add' : spec.kind === 'revoke' ? 'remove' : 'describe';
      nestedPermissions(params.ipPermissions, action, spec.direction, rules);
      flatPermission(params, action, spec.direction, rules);
      if (spec.kind === 'revoke') {
        ruleIds = idList(params.securityGroupRuleIds, 'requestParameters.securityGroupRuleIds');
        for (const id of ruleIds) rules.push(byId('remove', spec.direction, id));
      }
      if (spec.kind === 'update-descriptions') {
        describeById(params.securityGroupRuleDescriptions, spec.direction, rules);
      }
      if (response) {
        const setKey = spec.kind === 'revoke' ? 'revokedSecurityGroupRuleSet' : 'securityGroupRuleSet';
        const set = response[setKey];
        if (set !== undefined && set !== null) {
          const entries = readRuleSet(set, `responseElements.${setKey}`, action, spec.direction);
          if (groupId === null) groupId = entries.find((e) => e.groupId)?.groupId ?? null;
          attachRuleSet(rules, entries);
        }
      }
      if (ruleIds !== undefined && ruleIds.length === 0) ruleIds = undefined;
      break;
    }
    case 'modify-rules': {
      const req = readModifyRequest(params);
      groupId = req.groupId ?? groupId;
      for (const rule of req.rules) rules.push(rule);
      break;
    }
    case 'create-group': {
      vpcId = optString(params.vpcId, 'requestParameters.vpcId');
      if (response) groupId = optString(response.groupId, 'responseElements.groupId') ?? groupId;
      break;
    }
    case 'delete-group':
      break;
    case 'set-groups': {
      const set = params.groupSet;
      if (set === undefined || set === null) {
        const what = Object.keys(params).filter((k) => k !== 'instanceId' && k !== 'networkInterfaceId');
        return {
          status: 'ignored',
          record: meta(rec, env, `${eventName} without groupSet${what.length ? ` (${what.join(', ')})` : ''}`),
        };
      }
      const items = listItems(set, 'requestParameters.groupSet');
      groupIds = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        const id = isObj(item) ? optString(item.groupId, `requestParameters.groupSet.items[${i}].groupId`) : undefined;
        if (!id) throw new ShapeError(`requestParameters.groupSet.items[${i}] is ${show(item)}, expected {"groupId": "sg-..."}`);
        groupIds.push(id);
      }
      resourceId =
        optString(params.networkInterfaceId, 'requestParameters.networkInterfaceId') ??
        optString(params.instanceId, 'requestParameters.instanceId');
      groupId = null;
      break;
    }
    case 'prefix-list':
      prefixList = readPrefixListRequest(eventName, params, response);
      groupId = null;
      break;
  }

  const recordedId = text(rec.eventID);
  const change: Change = {
    eventId: recordedId ?? contentEventId(rec),
    eventName,
    eventTime,
    account: accountOf(rec, env) ?? '',
    region: text(rec.awsRegion) ?? (env ? text(env.region) : undefined) ?? '',
    eventSource: EC2,
    actor: readActor(rec),
    kind: spec.kind,
    groupId,
    rules,
  };
  if (recordedId === undefined) change.eventIdDerived = true;
  if (groupName !== undefined) change.groupName = groupName;
  if (vpcId !== undefined) change.vpcId = vpcId;
  if (groupIds !== undefined) change.groupIds = groupIds;
  if (resourceId !== undefined) change.resourceId = resourceId;
  if (ruleIds !== undefined) change.ruleIds = ruleIds;
  if (prefixList !== undefined) change.prefixList = prefixList;
  if (error) change.error = error;
  const requestId = text(rec.requestID) ?? (isObj(rec.responseElements) ? text(rec.responseElements.requestId) : undefined);
  if (requestId !== undefined) change.requestId = requestId;
  return { status: 'change', change };
}

function byId(action: RuleChange['action'], direction: Direction, ruleId: string): RuleChange {
  return { action, direction, protocol: UNKNOWN_PROTOCOL, fromPort: null, toPort: null, ruleId };
}

/** `securityGroupRuleIds`: `{items: [{securityGroupRuleId}]}`, or plain strings. */
function idList(value: unknown, path: string): string[] {
  const items = listItems(value, path);
  const ids: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const id = typeof item === 'string' ? item : isObj(item) ? text(item.securityGroupRuleId) : undefined;
    if (!id) throw new ShapeError(`${path}.items[${i}] is ${show(item)}, expected {"securityGroupRuleId": "sgr-..."}`);
    ids.push(id);
  }
  return ids;
}

/** `securityGroupRuleDescriptions.items[] {securityGroupRuleId, description}`. */
function describeById(value: unknown, direction: Direction, out: RuleChange[]): void {
  const path = 'requestParameters.securityGroupRuleDescriptions';
  const items = listItems(value, path);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const id = isObj(item) ? text(item.securityGroupRuleId) : undefined;
    if (!id || !isObj(item)) {
      throw new ShapeError(`${path}.items[${i}] is ${show(item)}, expected {"securityGroupRuleId": "sgr-...", "description": "..."}`);
    }
    const rule = byId('describe', direction, id);
    const description = optString(item.description, `${path}.items[${i}].description`);
    if (description !== undefined) rule.description = description;
    out.push(rule);
  }
}
