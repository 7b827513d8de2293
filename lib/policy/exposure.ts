/**
 * Severity by exposure: a finding on a group that guards nothing reachable
 * from the internet is lowered by the policy's step for that exposure
 * (`exposure: {private: -1, unattached: -1}`); public and unknown exposure
 * keep the policy severity. Only findings about a rule are lowered (a denied
 * call is about the caller, not what the group exposes). The finding keeps
 * the policy's severity as `baseSeverity` and its remediation unchanged.
 */
import { SEVERITIES, type Exposure, type Finding, type Severity } from '../model';
import type { Policy } from './types';

/** `severity` moved by `step` levels, within info..critical. */
export function stepSeverity(severity: Severity, step: number): Severity {
  const i = SEVERITIES.indexOf(severity) + step;
  return SEVERITIES[Math.max(0, Math.min(SEVERITIES.length - 1, i))]!;
}

/** The severity step the policy gives an exposure (0: keep). */
export function exposureStep(exposure: Exposure | undefined, policy: Policy): number {
  if (!exposure || (exposure.state !== 'private' && exposure.state !== 'unattached')) return 0;
  return policy.exposure[exposure.state] ?? 0;
}

/** The findings with their severity adjusted to the exposure (the same array when nothing changes). */
export function adjustForExposure(findings: Finding[], exposure: Exposure | undefined, policy: Policy): Finding[] {
  const step = exposureStep(exposure, policy);
  if (step === 0 || findings.length === 0) return findings;
  return findings.map((f) => {
    if (!f.target) return f;
    const severity = stepSeverity(f.severity, step);
    return severity === f.severity ? f : { ...f, severity, baseSeverity: f.severity };
  });
}
