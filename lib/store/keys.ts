/**
 * Item keys and index attributes of a stored record, shared by the DynamoDB,
 * the in-memory and the LevelDB store so that all order and filter identically.
 */
import { SEVERITIES, type Severity } from '../model';
import { severityAtLeast } from '../policy/severity';
import type { HistoryRecord, StepStatus } from '../pipeline/ports';

export const RECORD_SK = 'RECORD';
export const BUCKETS_PK = 'FINDING-BUCKETS';

export const recordPk = (eventId: string): string => `EV#${eventId}`;
export const groupPk = (groupId: string): string => `SG#${groupId}`;
/** Newest first by event time; the event id breaks ties and keeps keys unique. */
export const historySk = (record: HistoryRecord): string => `${eventTimeOf(record)}#${record.eventId}`;
/** Month bucket (`YYYY-MM`) of the findings index, one partition per bucket and severity. */
export const findingsBucket = (record: HistoryRecord): string => eventTimeOf(record).slice(0, 7);
export const findingsPk = (bucket: string, severity: Severity): string => `FIND#${bucket}#${severity}`;

function eventTimeOf(record: HistoryRecord): string {
  return record.result.change?.eventTime ?? record.result.ignored?.eventTime ?? record.storedAt;
}

/**
 * The groups whose history shows this record: the changed group, and for a
 * set-groups change (instance / ENI groupSet) every group of the new set,
 * and for a prefix-list change every group a finding is about.
 */
export function groupsOf(record: HistoryRecord): string[] {
  const change = record.result.change;
  // A marker (one alert per unknown account) is not a change of its own: in no group's history.
  if (!change || record.marker) return [];
  const groups = new Set<string>();
  if (change.groupId) groups.add(change.groupId);
  for (const g of change.groupIds ?? []) if (g) groups.add(g);
  // A prefix-list change shows in the history of each group it exposes.
  for (const f of record.result.verdict.findings) if (f.groupId) groups.add(f.groupId);
  return [...groups];
}

/** The severity under which the record appears in the findings index, or undefined (not indexed). */
export function findingsSeverityOf(record: HistoryRecord): Severity | undefined {
  if (record.marker || record.result.verdict.findings.length === 0) return undefined;
  const s = record.result.verdict.severity;
  return s === 'none' ? undefined : s;
}

export const severitiesAtOrAbove = (min: Severity = 'info'): Severity[] => SEVERITIES.filter((s) => severityAtLeast(s, min));

/** Sorts in place, newest first: descending by a sort key (`historySk`, or the stored `gsk`/`fsk`), as the indexes return them. */
export function newestFirst<T>(items: T[], sortKey: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, k: sortKey(item) }));
  keyed.sort((a, b) => (a.k < b.k ? 1 : a.k > b.k ? -1 : 0));
  for (let i = 0; i < keyed.length; i++) items[i] = keyed[i].item;
  return items;
}

/**
 * The compare of a step claim: with no `expected`, the step must not exist yet;
 * otherwise it must be in the expected state and attempt (the DynamoDB store
 * says the same as a condition expression).
 */
export function claimMatches(current: StepStatus | undefined, expected: StepStatus | undefined): boolean {
  if (!expected) return current === undefined;
  return current !== undefined && current.state === expected.state && current.attempts === expected.attempts;
}

/** JSON round trip: what a DynamoDB write then read returns (undefined fields dropped, fresh copy). */
export function snapshot<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
