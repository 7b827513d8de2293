/**
 * Whether a record is alerted, and why. Alerted: violations at or above the
 * minimum severity, denied change attempts (any severity), and remediation
 * failures. Compliant changes and sgwatch's own revokes are recorded only.
 */
import type { Result, Severity } from '../model';
import { severityAtLeast } from '../policy/severity';
import type { RuleId } from '../policy/types';
import type { Alert, RemediationOutcome } from './ports';

const DENIED_RULE: RuleId = 'denied-change-attempt';

export type AlertDecision = { send: true; reason: Alert['reason'] } | { send: false; why: string };

export function decideAlert(result: Result, remediation: RemediationOutcome | undefined, minAlertSeverity: Severity): AlertDecision {
  if (remediation?.status === 'failed') return { send: true, reason: 'remediation-failed' };
  const { verdict } = result;
  if (verdict.outcome === 'violation' && severityAtLeast(verdict.severity, minAlertSeverity)) return { send: true, reason: 'violation' };
  if (verdict.findings.some((f) => f.rule === DENIED_RULE)) return { send: true, reason: 'denied-change-attempt' };
  if (verdict.outcome === 'violation') return { send: false, why: `severity ${verdict.severity} is below the alert minimum ${minAlertSeverity}` };
  return { send: false, why: `${verdict.outcome}: recorded, not alerted` };
}
