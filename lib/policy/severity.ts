import { SEVERITIES, type ResultSeverity, type Severity } from '../model';

const RANK: Record<ResultSeverity, number> = { none: -1, info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Order: none < info < low < medium < high < critical. Negative when a < b. */
export function compareSeverity(a: ResultSeverity, b: ResultSeverity): number {
  return RANK[a] - RANK[b];
}

/** True when `a` is `b` or worse: severityAtLeast('high', 'low') === true. */
export function severityAtLeast(a: ResultSeverity, b: ResultSeverity): boolean {
  return RANK[a] >= RANK[b];
}

/** The worst of the findings' severities, or `none`. */
export function worstSeverity(items: readonly { severity: Severity }[]): ResultSeverity {
  let worst: ResultSeverity = 'none';
  for (const item of items) if (RANK[item.severity] > RANK[worst]) worst = item.severity;
  return worst;
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** The severity at or above which a finding makes a change a violation. */
export const VIOLATION_THRESHOLD: Severity = 'low';
