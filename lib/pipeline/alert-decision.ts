/**
 * Whether a record is alerted, and why. Alerted: violations at or above the
 * minimum severity, denied change attempts (any severity), and remediation
 * failures. Compliant changes and sgwatch's own revokes are recorded only.
 */
import { SEVERITIES, type Result, type Severity } from '../model';
import type { Alert, RemediationOutcome } from './ports';

export const DENIED_RULE = 'denied-change-attempt';

export type AlertDecision = { send: true; reason: Alert['reason'] } | { send: false; why: string };

export function atOrAbove(severity: Severity | 'none', min: Severity): boolean {
  return severity !== 'none' && SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(min);
}

export function decideAlert(result: Result, remediation: RemediationOutcome | undefined, minAlertSeverity: Severity): AlertDecision {
  if (remediation?.status === 'failed') return { send: true, reason: 'remediation-failed' };
  const { verdict } = result;
  if (verdict.outcome === 'violation' && atOrAbove(verdict.severity, minAlertSeverity)) return { send: true, reason: 'violation' };
  if (verdict.findings.some((f) => f.rule === DENIED_RULE)) return { send: true, reason: 'denied-change-attempt' };
  if (verdict.outcome === 'violation') return { send: false, why: `severity ${verdict.severity} is below the alert minimum ${minAlertSeverity}` };
  return { send: false, why: `${verdict.outcome}: recorded, not alerted` };
}
