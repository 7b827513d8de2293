/**
 * What an audit reports against the last one of the same account and region:
 * findings new since then, findings still standing, findings resolved (in
 * the last snapshot, gone now), counts by severity and the five worst groups.
 * A standing finding is reported as standing, never alerted again.
 */
import { SEVERITIES, type Severity } from '../model';
import { compareSeverity } from '../policy/severity';
import type { InventoryScope } from '../context/inventory';
import { findingKey, type ScopeAudit, type StandingFinding } from './judge-standing';

/** The findings of one audit of one (account, region), as stored (lib/store/README.md, "audit snapshot"). */
export interface AuditSnapshot {
  account: string;
  region: string;
  auditedAt: string;
  groups: number;
  rules: number;
  findings: StandingFinding[];
}

/** Keeps the last audit of each (account, region); the stores implement it beside the change history. */
export interface AuditStore {
  latestAudit(scope: InventoryScope): Promise<AuditSnapshot | undefined>;
  putAudit(snapshot: AuditSnapshot): Promise<void>;
}

export interface WorstGroup {
  groupId: string;
  groupName: string | null;
  severity: Severity;
  findings: number;
}

export interface AuditReport {
  scope: InventoryScope;
  auditedAt: string;
  /** When the audit compared against was taken; absent on the first audit. */
  previousAt?: string;
  groups: number;
  rules: number;
  new: StandingFinding[];
  standing: StandingFinding[];
  resolved: StandingFinding[];
  counts: Record<Severity, number>;
  worstGroups: WorstGroup[];
}

const bySeverity = (a: StandingFinding, b: StandingFinding) => compareSeverity(b.severity, a.severity) || (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);

export function compareAudit(current: ScopeAudit, last: AuditSnapshot | undefined, auditedAt: string): AuditReport {
  const before = new Map((last?.findings ?? []).map((f) => [findingKey(f), f]));
  const now = new Set<string>();
  const fresh: StandingFinding[] = [];
  const standing: StandingFinding[] = [];
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const groups = new Map<string, WorstGroup>();
  for (const f of current.findings) {
    const k = findingKey(f);
    now.add(k);
    (before.has(k) ? standing : fresh).push(f);
    counts[f.severity]++;
    const g = groups.get(f.groupId);
    if (!g) groups.set(f.groupId, { groupId: f.groupId, groupName: f.groupName, severity: f.severity, findings: 1 });
    else {
      g.findings++;
      if (compareSeverity(f.severity, g.severity) > 0) g.severity = f.severity;
    }
  }
  const resolved = [...before.entries()].filter(([k]) => !now.has(k)).map(([, f]) => f);
  const worstGroups = [...groups.values()]
    .sort((a, b) => compareSeverity(b.severity, a.severity) || b.findings - a.findings || (a.groupId < b.groupId ? -1 : 1))
    .slice(0, 5);
  return {
    scope: current.scope,
    auditedAt,
    ...(last ? { previousAt: last.auditedAt } : {}),
    groups: current.groups,
    rules: current.rules,
    new: fresh.sort(bySeverity),
    standing: standing.sort(bySeverity),
    resolved: resolved.sort(bySeverity),
    counts,
    worstGroups,
  };
}

/** The snapshot to store after an audit: what the next audit compares against. */
export function snapshotOf(current: ScopeAudit, auditedAt: string): AuditSnapshot {
  return { account: current.scope.account, region: current.scope.region, auditedAt, groups: current.groups, rules: current.rules, findings: current.findings };
}

/**
 * Judge, compare with the last snapshot, then store the new one: a second
 * audit of an unchanged account reports nothing new. The snapshot is stored
 * after the comparison, so an audit that fails half-way leaves the last
 * complete one in place.
 */
export async function auditAgainstLast(audits: readonly ScopeAudit[], store: AuditStore, auditedAt: string, opts: { keep?: boolean } = {}): Promise<AuditReport[]> {
  const reports: AuditReport[] = [];
  for (const a of audits) {
    const last = await store.latestAudit(a.scope);
    reports.push(compareAudit(a, last, auditedAt));
    if (opts.keep !== false) await store.putAudit(snapshotOf(a, auditedAt));
  }
  return reports;
}
