/**
 * A stable key for a CloudTrail record that carries no `eventID` (hand-made
 * records, some exports and SIEM copies drop it). Without one, every such
 * record would share one store key and the second, different violation would
 * be taken for a redelivery of the first: no alert, missing from history.
 *
 * The key is `sha256:<hex>` of the record's canonical JSON (object keys
 * sorted at every depth, no whitespace), so the same record always yields the
 * same key (a re-run adds nothing) whatever order its keys were written in,
 * and two records that differ anywhere get different keys.
 */
import { createHash } from 'node:crypto';

const DERIVED_EVENT_ID_PREFIX = 'sha256:';

/** JSON text with object keys sorted at every depth; `undefined` members dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** `sha256:<64 hex>` of the record's canonical JSON. */
export function contentEventId(record: unknown): string {
  return DERIVED_EVENT_ID_PREFIX + createHash('sha256').update(canonicalJson(record)).digest('hex');
}
