/**
 * The audit's judgement (issue 6, section 3): every standing rule of an
 * inventory judged exactly as a change that added it would be: the same
 * policy, the same checks (lib/policy/evaluate.ts), the same context (the
 * group's exposure from the interfaces using it, tag exceptions on the group
 * and the rule, prefix lists judged on their entries) and the same
 * exceptions, as of `now`.
 *
 * Pure and synchronous: it reads parsed inventory data (a file, or a live
 * listing read through the same reader), indexes the interfaces by group
 * once, and judges one synthetic change per group holding all its rules, so
 * the cost is linear in groups + rules + interfaces.
 */
import type { Change, Direction, Exposure, ExposureState, Finding, Severity } from '../model';
import { fits, type InventoryData } from '../context/inventory-file';
import type { InventoryGroup, InventoryInterface, InventoryRule, InventoryScope } from '../context/inventory';
import { exposureOf, unknownExposure } from '../context/exposure';
import { sourceText } from '../net/source';
import { addedRule } from '../context/inventory-rules';
import { evaluate } from '../policy/evaluate';
import { effectivePolicy } from '../policy/overrides';
import type { Policy } from '../policy/schema';
import type { EvaluationContext, PrefixListEntries } from '../policy/context';
import { severityAtLeast, VIOLATION_THRESHOLD } from '../policy/severity';

/** One finding of the audit, keyed by (ruleId, rule): the JSON line's fields without `kind` and `status`. */
export interface StandingFinding {
  account: string;
  region: string;
  groupId: string;
  groupName: string | null;
  ruleId: string;
  direction: Direction;
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  /** The CIDR, group id, or prefix-list id (the entry judged is in `prefixListEntry`). */
  source: string | null;
  rule: string;
  severity: Severity;
  baseSeverity?: Severity;
  exposure: ExposureState;
  message: string;
  prefixListEntry?: string;
}

export interface ScopeAudit {
  scope: InventoryScope;
  groups: number;
  rules: number;
  findings: StandingFinding[];
}

export const findingKey = (f: Pick<StandingFinding, 'ruleId' | 'rule'>): string => `${f.ruleId}|${f.rule}`;

type Where = { where: { account?: string; region?: string } };

const scopeKey = (s: InventoryScope) => `${s.account}\x00${s.region}`;

export interface JudgeStandingOptions {
  policy: Policy;
  /** Exceptions and tag exceptions are judged as of this time. */
  now: Date;
  /** Named on the exposure of each finding (`inventory:FILE`, `ec2:describe`). */
  source: string;
  /** The scope of rules whose inventory part names none (raw describe-* output): default `unknown`/`unknown`. */
  fallback?: Partial<InventoryScope>;
  /** An account's OU path from Organizations (policy overrides by OU); absent or undefined: the policy's static map. */
  ousOf?: (account: string) => readonly string[] | undefined;
}

/** Judges every rule of the data, per (account, region). */
export function judgeStanding(data: InventoryData, opts: JudgeStandingOptions): ScopeAudit[] {
  const scopeOf = (w: Where['where'], owner?: string): InventoryScope => ({
    account: w.account ?? owner ?? opts.fallback?.account ?? 'unknown',
    region: w.region ?? opts.fallback?.region ?? 'unknown',
  });
  const groupsByScope = new Map<string, { scope: InventoryScope; groups: Map<string, (InventoryGroup & Where) | undefined> }>();
  const rulesByGroup = new Map<string, Array<InventoryRule & Where>>();
  const ensureScope = (scope: InventoryScope) => {
    const k = scopeKey(scope);
    let s = groupsByScope.get(k);
    if (!s) groupsByScope.set(k, (s = { scope, groups: new Map() }));
    return s;
  };
  for (const g of data.groups.values()) ensureScope(scopeOf(g.where, g.ownerId)).groups.set(g.groupId, g);
  for (const r of data.rules.values()) {
    const g = data.groups.get(r.groupId);
    const s = ensureScope(scopeOf(r.where, g?.ownerId));
    if (!s.groups.has(r.groupId)) s.groups.set(r.groupId, undefined);
    const list = rulesByGroup.get(r.groupId);
    if (list) list.push(r);
    else rulesByGroup.set(r.groupId, [r]);
  }
  const interfacesByGroup = new Map<string, InventoryInterface[]>();
  for (const n of data.interfaces) {
    for (const g of n.groupIds) {
      const list = interfacesByGroup.get(g);
      if (list) list.push(n);
      else interfacesByGroup.set(g, [n]);
    }
  }
  const knowsInterfaces = (scope: InventoryScope) => data.interfaceScopes.some((w) => fits(w, scope));
  const lists = new Map<string, PrefixListEntries>();
  for (const l of data.prefixLists.values()) {
    if (l.entries) lists.set(l.prefixListId, { prefixListId: l.prefixListId, ...(l.name ? { name: l.name } : {}), ...(l.ownerId ? { ownerId: l.ownerId } : {}), entries: l.entries });
  }

  const out: ScopeAudit[] = [];
  const at = opts.now.toISOString();
  for (const { scope, groups } of groupsByScope.values()) {
    const audit: ScopeAudit = { scope, groups: groups.size, rules: 0, findings: [] };
    const known = knowsInterfaces(scope);
    for (const [groupId, group] of groups) {
      const rules = rulesByGroup.get(groupId) ?? [];
      audit.rules += rules.length;
      if (rules.length === 0) continue;
      const exposure: Exposure = known
        ? exposureOf(interfacesByGroup.get(groupId) ?? [], opts.source)
        : unknownExposure(`the inventory holds no network interfaces of ${scope.account}/${scope.region}`, opts.source);
      const context: EvaluationContext = { exposure };
      if (group && Object.keys(group.tags).length > 0) context.groupTags = group.tags;
      const ruleTags = new Map<string, Record<string, string>>();
      for (const r of rules) if (Object.keys(r.tags).length > 0) ruleTags.set(r.ruleId, r.tags);
      if (ruleTags.size > 0) context.ruleTags = ruleTags;
      const used = new Map<string, PrefixListEntries>();
      for (const r of rules) {
        if (r.source?.kind !== 'prefix-list') continue;
        const l = lists.get(r.source.value);
        if (l) used.set(l.prefixListId, l);
      }
      if (used.size > 0) context.prefixLists = used;
      const change: Change = {
        eventId: `audit:${groupId}`,
        eventName: 'Audit',
        eventTime: at,
        account: scope.account,
        region: scope.region,
        eventSource: 'ec2.amazonaws.com',
        actor: { via: 'unknown' },
        kind: 'authorize',
        groupId,
        ...(group?.groupName ? { groupName: group.groupName } : {}),
        ...(group?.vpcId ? { vpcId: group.vpcId } : {}),
        rules: rules.map((r) => addedRule(r)),
      };
      // Each account's rules by its own policy (the policy's overrides: for its OUs and for it).
      const verdict = evaluate(change, effectivePolicy(opts.policy, scope.account, opts.ousOf?.(scope.account)).policy, { mode: 'off', now: opts.now, context });
      // Violations only: an `info` finding (an undocumented rule) on every standing rule would drown the rest.
      for (const f of verdict.findings) if (severityAtLeast(f.severity, VIOLATION_THRESHOLD)) audit.findings.push(standing(f, change, exposure.state));
    }
    out.push(audit);
  }
  return out;
}

function standing(f: Finding, change: Change, exposure: ExposureState): StandingFinding {
  const t = f.target!;
  return {
    account: change.account,
    region: change.region,
    groupId: change.groupId!,
    groupName: change.groupName ?? null,
    ruleId: t.ruleId!,
    direction: t.direction,
    protocol: t.protocol,
    fromPort: t.fromPort,
    toPort: t.toPort,
    source: sourceText(t.source),
    rule: f.rule,
    severity: f.severity,
    ...(f.baseSeverity ? { baseSeverity: f.baseSeverity } : {}),
    exposure,
    message: f.message,
    ...(f.viaPrefixList ? { prefixListEntry: f.viaPrefixList.entry } : {}),
  };
}
