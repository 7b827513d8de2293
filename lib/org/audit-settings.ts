/**
 * The Organization-wide audit's settings (serverless.yml params auditRegions
 * and orgAuditMaxTries; the functions' AUDIT_REGIONS and ORG_AUDIT_MAX_TRIES).
 * Small and free of SDK imports: the package-time checks
 * (scripts/serverless-sgwatch.js) load it too, so a bad value fails
 * `osls package`, never the Lambda.
 */
import { REGION } from '../aws-ids';

/** The regions audited in every account; empty: the stack's own region. */
export function parseAuditRegions(text: string | undefined, label = 'AUDIT_REGIONS'): string[] {
  const regions = String(text ?? '').split(/[\s,]+/).filter(Boolean);
  const bad = regions.filter((r) => !REGION.test(r));
  if (bad.length) throw new Error(`${label} holds ${bad.map((b) => JSON.stringify(b)).join(', ')}; expected AWS region names separated by commas (eu-west-1,us-east-1), or empty for the stack's region`);
  return [...new Set(regions)];
}

/** Deliveries of a pair's message before it is recorded failed: the audit queue's maxReceiveCount. */
export function parseMaxTries(text: string | undefined, label = 'ORG_AUDIT_MAX_TRIES'): number {
  const t = String(text ?? '').trim();
  if (t === '') return 3;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`${label} is ${JSON.stringify(t)}; expected a whole number from 1 to 20, the audit queue's maxReceiveCount`);
  return n;
}
