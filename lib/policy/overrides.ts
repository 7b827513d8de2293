/**
 * The effective policy of one account (organisation-wide, issue 10): the
 * policy's `overrides:` merged over it with the usual merge rules (a key left
 * out keeps the base, lists replace, `rules` merge per rule and field).
 *
 * Order, most general first so that the most specific wins:
 *   1. the OUs the account sits in, outermost first (as Organizations lists
 *      them from the root down, or in the order of `organizationalUnits:`);
 *   2. the account's own override.
 * The remediation mode is the last one set on the way, else the stack's own
 * (`remediationMode`, or the CLI's --mode).
 *
 * Results are kept per (policy, account, OU path): a busy Lambda merges and
 * compiles each account's policy once.
 */
import type { RemediationMode } from '../model';
import { mergePolicy } from './load';
import type { Policy, PolicyOverride } from './types';

export interface EffectivePolicy {
  policy: Policy;
  /** Set when an override sets it. */
  mode?: RemediationMode;
  /** The override keys applied, in order (`ou-…`, then the account). */
  applied: string[];
}

const cache = new WeakMap<Policy, Map<string, EffectivePolicy>>();

/** Whether the policy has any override at all (no look-up of OUs is needed otherwise). */
export function hasOverrides(policy: Policy): boolean {
  return Object.keys(policy.overrides ?? {}).length > 0;
}

/** Whether any override turns enforce on: then the remediator must exist even if the stack runs dry-run. */
export function enforcedSomewhere(policy: Policy): boolean {
  return Object.values(policy.overrides ?? {}).some((o) => o.remediationMode === 'enforce');
}

/** The OUs of the policy's static map that hold this account, in the map's order. */
export function staticOusOf(policy: Policy, account: string): string[] {
  return Object.entries(policy.organizationalUnits ?? {})
    .filter(([, accounts]) => accounts.includes(account))
    .map(([ou]) => ou);
}

/**
 * The policy for a change in `account`. `ous`: the account's OU path,
 * outermost first (from Organizations); absent, the policy's static
 * `organizationalUnits:` map is used.
 */
export function effectivePolicy(policy: Policy, account: string | undefined, ous?: readonly string[]): EffectivePolicy {
  if (!hasOverrides(policy) || account === undefined) return { policy, applied: [] };
  const path = ous ?? staticOusOf(policy, account);
  const key = `${account}|${path.join(',')}`;
  let perPolicy = cache.get(policy);
  if (!perPolicy) cache.set(policy, (perPolicy = new Map()));
  const hit = perPolicy.get(key);
  if (hit) return hit;

  const steps: [string, PolicyOverride][] = [];
  for (const ou of path) if (policy.overrides[ou]) steps.push([ou, policy.overrides[ou]]);
  if (policy.overrides[account]) steps.push([account, policy.overrides[account]]);

  let out: EffectivePolicy = { policy, applied: [] };
  if (steps.length > 0) {
    let merged = policy;
    let mode: RemediationMode | undefined;
    for (const [, o] of steps) {
      const { remediationMode, ...input } = o;
      merged = mergePolicy(merged, { ...input, overrides: {}, organizationalUnits: merged.organizationalUnits });
      if (remediationMode) mode = remediationMode;
    }
    out = { policy: merged, ...(mode ? { mode } : {}), applied: steps.map(([k]) => k) };
  }
  perPolicy.set(key, out);
  return out;
}
