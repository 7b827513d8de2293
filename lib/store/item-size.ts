/**
 * Fitting a stored result into one DynamoDB item (400 KB, attribute names
 * included). A record with hundreds of rules, stored with its verdict (one
 * finding, with its rule, per offending rule), is easily larger: DynamoDB then
 * refuses the write, and the record was never stored nor alerted, on every
 * re-run. Shared by the stores that have such a limit.
 *
 * `packResult` leaves a result that fits as it is. A larger one is split:
 *  - the item keeps a *head* in plain attributes: the result without the
 *    change's rule list, with as many findings (whole, in order) as fit in
 *    the head's budget, so a reader of the raw item still sees the record's
 *    key fields and its findings;
 *  - the whole result goes gzipped into one binary attribute;
 *  - if even the gzipped result is over its budget (incompressible text), the
 *    rules and findings are cut to fit, and `packing.cut` says what was cut.
 * `unpackResult` gives back the whole (or capped) result from the item.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Result } from '../model';

export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;

export interface PackBudget {
  /** A result whose JSON is at most this size is stored as it is. */
  plainBytes: number;
  /** Budget of the head kept in plain attributes of a packed result. */
  headBytes: number;
  /** Budget of the gzipped result. */
  packedBytes: number;
}

/**
 * The defaults for a DynamoDB item: 200 KB plain, else a 64 KB head and a
 * 200 KB gzipped copy, leaving over 100 KB for the step statuses, the
 * remediation outcome and the links that are written to the item later.
 */
const DYNAMODB_BUDGET: PackBudget = { plainBytes: 200 * 1024, headBytes: 64 * 1024, packedBytes: 200 * 1024 };

/** How a packed result is stored; kept on the item and shown on the record read back. */
export interface Packing {
  encoding: 'gzip-json';
  /** Size of the result's JSON, before compression. */
  bytes: number;
  /** Size of the gzipped result. */
  packedBytes: number;
  rules: number;
  findings: number;
  /** Findings kept whole in the plain head. */
  headFindings: number;
  /** What was left out because even the gzipped result was over its budget. */
  cut?: string;
}

export interface PackedResult {
  /** The result itself, or the head when packed. */
  result: Result;
  packed?: Uint8Array;
  packing?: Packing;
}

export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** The result without the change's rules and with only the first `findings` findings. */
function head(result: Result, findings: number, keepLists: boolean): Result {
  // Same outcome as the input, so the same member of the Result union (TS cannot see that through the spread).
  const out = { ...result, verdict: { ...result.verdict, findings: result.verdict.findings.slice(0, findings) } } as Result;
  if (result.change) out.change = { ...result.change, rules: [] };
  if (!keepLists) {
    // Even without findings the head is too large: its other lists stay in the gzipped copy only.
    out.verdict.exceptions = [];
    out.verdict.remediation = { ...result.verdict.remediation, ruleIds: [], permissions: [] };
  }
  return out;
}

/** The largest n in [0, max] with fits(n), assuming fits is monotone and fits(0) is checked by the caller. */
function largest(max: number, fits: (n: number) => boolean): number {
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function capped(result: Result, keep: number): Result {
  const v = result.verdict;
  const out = { ...result, verdict: { ...v, findings: v.findings.slice(0, keep), exceptions: v.exceptions.slice(0, keep) } } as Result;
  if (result.change) out.change = { ...result.change, rules: result.change.rules.slice(0, keep) };
  return out;
}

export function packResult(result: Result, budget: PackBudget = DYNAMODB_BUDGET): PackedResult {
  const bytes = jsonBytes(result);
  if (bytes <= budget.plainBytes) return { result };
  const rules = result.change?.rules.length ?? 0;
  const findings = result.verdict.findings.length;

  let packed = gzipSync(JSON.stringify(result));
  let cut: string | undefined;
  if (packed.length > budget.packedBytes) {
    const most = Math.max(rules, findings);
    const gz = (n: number) => gzipSync(JSON.stringify(capped(result, n)));
    const keep = largest(most, (n) => gz(n).length <= budget.packedBytes);
    packed = gz(keep);
    const kept = capped(result, keep);
    cut =
      `the record is too large for one item even compressed (${bytes} bytes of JSON): kept ` +
      `${kept.change?.rules.length ?? 0} of ${rules} rules and ${kept.verdict.findings.length} of ${findings} findings` +
      (result.verdict.exceptions.length > keep ? ` and ${keep} of ${result.verdict.exceptions.length} exceptions` : '');
  }

  const keepLists = jsonBytes(head(result, 0, true)) <= budget.headBytes;
  const headFindings = largest(findings, (n) => jsonBytes(head(result, n, keepLists)) <= budget.headBytes);
  const packing: Packing = { encoding: 'gzip-json', bytes, packedBytes: packed.length, rules, findings, headFindings, ...(cut ? { cut } : {}) };
  return { result: head(result, headFindings, keepLists), packed, packing };
}

/** The stored result: the head itself, or the gzipped whole when there is one. */
export function unpackResult(stored: Result, packed: Uint8Array | undefined): Result {
  if (!packed) return stored;
  return JSON.parse(gunzipSync(packed).toString('utf8')) as Result;
}
