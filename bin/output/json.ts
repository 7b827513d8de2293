/**
 * `--format json`: one JSON object per line per record (the output contract).
 */
import type { Exposure, Finding, Result } from '../../lib/model';
import { judgedChange } from '../../lib/context/facts';
import { sourceText } from '../../lib/net/source';

export { sourceText };

function findingJson(f: Finding) {
  const t = f.target;
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    direction: t?.direction ?? null,
    protocol: t?.protocol ?? null,
    fromPort: t?.fromPort ?? null,
    toPort: t?.toPort ?? null,
    source: sourceText(t?.source),
    sourceType: t?.source?.kind ?? null,
    ruleId: t?.ruleId ?? null,
    description: t?.description ?? null,
    // ModifySecurityGroupRules records do not say whether a rule is ingress or egress.
    ...(t?.directionUnknown ? { directionUnknown: true } : {}),
    // The policy's severity, when the group's exposure lowered it.
    ...(f.baseSeverity ? { baseSeverity: f.baseSeverity } : {}),
    ...(f.viaPrefixList ? { prefixListEntry: f.viaPrefixList.entry } : {}),
    // A prefix-list change: the group this finding is about.
    ...(f.groupId ? { groupId: f.groupId } : {}),
  };
}

const NO_INVENTORY: Exposure = { state: 'unknown', interfaces: 0, publicAddresses: [], publicInterfaces: 0, reason: 'no inventory (replay --inventory FILE, or --describe)' };

/** The exposure as the JSON contract has it: {state, interfaces, publicAddresses, ...}. */
export function exposureJson(result: Result): Exposure | undefined {
  if (!result.change) return undefined;
  return result.context?.exposure ?? NO_INVENTORY;
}

export interface JsonExtras {
  /** What the pipeline did (stored, alerts, remediation outcome), when it ran. */
  pipeline?: unknown;
}

export function toJsonObject(result: Result, extras: JsonExtras = {}) {
  const c = judgedChange(result);
  const meta = c ?? result.ignored;
  const v = result.verdict;
  return {
    source: result.source,
    eventId: meta?.eventId ?? null,
    // No eventID in the record: eventId is sha256 of its canonical JSON (lib/cloudtrail/content-key.ts).
    ...(c?.eventIdDerived ? { eventIdDerived: true, eventIdNote: 'the record has no eventID; eventId is the SHA-256 of its canonical JSON' } : {}),
    eventName: meta?.eventName ?? null,
    eventTime: meta?.eventTime ?? null,
    account: meta?.account ?? null,
    region: meta?.region ?? null,
    actor: meta?.actor ?? null,
    groupId: c?.groupId ?? null,
    ...(c?.groupName ? { groupName: c.groupName } : {}),
    ...(c?.groupIds ? { groupIds: c.groupIds, resourceId: c.resourceId ?? null } : {}),
    ...(c?.prefixList ? { prefixList: c.prefixList } : {}),
    outcome: v.outcome,
    severity: v.severity,
    findings: v.findings.map(findingJson),
    exceptions: v.exceptions.map((e) => ({
      id: e.id,
      reason: e.reason,
      until: e.until ?? null,
      rule: e.rule,
      ruleId: e.target?.ruleId ?? null,
      source: sourceText(e.target?.source),
    })),
    remediation: v.remediation,
    ...(result.change ? { exposure: exposureJson(result) } : {}),
    ...(v.skippedExceptions ? { skippedExceptions: v.skippedExceptions } : {}),
    ...(v.notes ? { notes: v.notes } : {}),
    ...(result.context?.prefixLists ? { prefixLists: result.context.prefixLists } : {}),
    ...(c?.error ? { callError: c.error } : {}),
    ...(result.ignored && v.outcome === 'ignored' ? { reason: result.ignored.reason } : {}),
    ...(extras.pipeline !== undefined ? { pipeline: extras.pipeline } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
}

export function toJsonLine(result: Result, extras?: JsonExtras): string {
  return ignoredLine(result, extras) ?? JSON.stringify(toJsonObject(result, extras));
}

/** A JSON value as JSON.stringify writes it in an object built with `?? null`. */
const val = (v: unknown): string => (v === undefined || v === null ? 'null' : JSON.stringify(v));

/**
 * Most lines of a trail are records that are not security-group changes.
 * Their line is written field by field: the same bytes as
 * JSON.stringify(toJsonObject(result)) (test/output/json-ignored-line.test.ts
 * compares the two), without the object in between. undefined: not such a
 * record (anything the plain form would add), written the general way.
 */
function ignoredLine(result: Result, extras: JsonExtras | undefined): string | undefined {
  const meta = result.ignored;
  const v = result.verdict;
  if (
    meta === undefined ||
    typeof result.source !== 'string' ||
    typeof meta.reason !== 'string' ||
    typeof v.severity !== 'string' ||
    result.change !== undefined ||
    result.error !== undefined ||
    result.context !== undefined ||
    extras?.pipeline !== undefined ||
    v.outcome !== 'ignored' ||
    v.findings.length !== 0 ||
    v.exceptions.length !== 0 ||
    v.remediation === undefined ||
    v.skippedExceptions ||
    v.notes
  ) {
    return undefined;
  }
  return (
    `{"source":${JSON.stringify(result.source)},"eventId":${val(meta.eventId)},"eventName":${val(meta.eventName)},"eventTime":${val(meta.eventTime)}` +
    `,"account":${val(meta.account)},"region":${val(meta.region)},"actor":${val(meta.actor)},"groupId":null` +
    `,"outcome":"ignored","severity":${JSON.stringify(v.severity)},"findings":[],"exceptions":[],"remediation":${JSON.stringify(v.remediation)},"reason":${JSON.stringify(meta.reason)}}`
  );
}
