/**
 * In-memory ChangeStore with the DynamoDB store's semantics (same keys and
 * ordering from keys.ts, same conditional behaviour, copies in and out as a
 * database would): for `--store memory` and fast unit tests.
 */
import type { AuditSnapshot, AuditStore } from '../audit/report';
import { byPair, newerBeat, type CanaryBeat, type CanaryStore } from '../org/canary';
import type { ChangeStore, FindingsQuery, HistoryQuery, HistoryRecord, StepName, StepStatus } from '../pipeline/ports';
import { claimMatches, findingsSeverityOf, groupsOf, historySk, newestFirst, severitiesAtOrAbove, snapshot } from './keys';

export function createMemoryStore(options: { defaultLimit?: number } = {}): ChangeStore & AuditStore & CanaryStore & { size(): number } {
  const defaultLimit = options.defaultLimit ?? 100;
  const records = new Map<string, HistoryRecord>();
  const audits = new Map<string, AuditSnapshot>();
  const canaries = new Map<string, CanaryBeat>();

  function mustGet(eventId: string, what: string): HistoryRecord {
    const record = records.get(eventId);
    if (!record) throw new Error(`cannot ${what}: no stored record ${eventId} in memory store`);
    return record;
  }

  /** What a `<index> >= since` query with `Limit`, newest first, returns: the same keys and order as the DynamoDB store. */
  function page(list: HistoryRecord[], query: HistoryQuery): HistoryRecord[] {
    const since = query.since;
    const kept = since ? list.filter((r) => historySk(r) >= since) : list;
    return newestFirst(kept, historySk)
      .slice(0, query.limit ?? defaultLimit)
      .map(snapshot);
  }

  return {
    size: () => records.size,

    async latestAudit(scope) {
      const s = audits.get(`${scope.account}#${scope.region}`);
      return s ? snapshot(s) : undefined;
    },
    async putAudit(s) {
      audits.set(`${s.account}#${s.region}`, snapshot(s));
    },
    async putCanary(beat) {
      const key = `${beat.account}#${beat.region}`;
      canaries.set(key, { ...newerBeat(canaries.get(key), beat) });
    },
    async canaries() {
      return [...canaries.values()].map((b) => ({ ...b })).sort(byPair);
    },

    async putIfAbsent(record) {
      const existing = records.get(record.eventId);
      if (existing) return { created: false, record: snapshot(existing) };
      const stored = snapshot({ ...record, steps: record.steps ?? {} });
      records.set(record.eventId, stored);
      return { created: true, record: snapshot(stored) };
    },

    async get(eventId) {
      const r = records.get(eventId);
      return r ? snapshot(r) : undefined;
    },

    async updateStep(eventId, step, status, extra) {
      const r = mustGet(eventId, `update step ${step}`);
      r.steps[step] = snapshot(status);
      if (extra?.remediation) r.remediation = snapshot(extra.remediation);
      if (extra?.links) r.links = { ...(r.links ?? {}), ...snapshot(extra.links) };
    },

    async claimStep(eventId: string, step: StepName, expected: StepStatus | undefined, next: StepStatus) {
      const r = mustGet(eventId, `claim step ${step}`);
      if (!claimMatches(r.steps[step], expected)) return false;
      r.steps[step] = snapshot(next);
      return true;
    },

    async addLinks(eventId, links) {
      const r = mustGet(eventId, 'link');
      r.links = { ...(r.links ?? {}), ...snapshot(links) };
    },

    async history(groupId, query = {}) {
      return page(
        [...records.values()].filter((r) => groupsOf(r).includes(groupId)),
        query,
      );
    },

    async findings(query: FindingsQuery = {}) {
      const wanted = new Set<string>(severitiesAtOrAbove(query.minSeverity));
      return page(
        [...records.values()].filter((r) => {
          const s = findingsSeverityOf(r);
          return s !== undefined && wanted.has(s);
        }),
        query,
      );
    },
  };
}
