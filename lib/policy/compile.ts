/**
 * A policy precomputed for the hot path: CIDR interval sets, sorted port
 * lists, approved-port sets, exception matchers and ARN patterns, built once
 * per Policy object and cached in a WeakMap.
 */
import { CidrClassifier, CidrSet } from '../net/cidr';
import { ApprovedPorts, formatPortSpec, parsePortRange, parsePortSpec, PortRangeSet, type PortSpec } from '../net/ports';
import { normaliseProtocol } from '../net/protocol';
import { compileGlob, type GlobPattern } from './glob';
import { isValidatedPolicy, PolicyError } from './load';
import { untilToMs, validatePolicyObject } from './schema';
import type { AlertOnlyActor, Policy, PolicyException, RuleConfig, RuleId } from './types';

export interface CompiledException {
  /** `id`, or `exceptions[N]`. */
  id: string;
  reason: string;
  until?: string;
  /** Last instant (epoch ms) it applies; absent when it never expires. */
  untilMs?: number;
  groupIds?: ReadonlySet<string>;
  ruleId?: string;
  protocol?: string;
  ports?: PortRangeSet;
  cidrs?: CidrSet;
  actors?: GlobPattern[];
  rules?: ReadonlySet<string>;
  source: PolicyException;
  /** Its place in the policy (exceptions[N]): the first applicable one in this order wins. */
  order: number;
}

/**
 * The exceptions indexed by group id, so that judging a change looks only at
 * the exceptions that can apply to its group (sub-linear in the number of
 * exceptions when most name groups, as per-group waivers do).
 */
export interface ExceptionIndex {
  /** Exceptions with a groupId matcher, under each id they name, in policy order. */
  byGroup: ReadonlyMap<string, readonly CompiledException[]>;
  /** Exceptions without a groupId matcher (they may apply to any group), in policy order. */
  anyGroup: readonly CompiledException[];
}

export interface CompiledAlertOnly {
  /** `alertOnlyActors[N]`. */
  id: string;
  pattern: GlobPattern;
  entry: AlertOnlyActor;
}

export interface CompiledPolicy {
  policy: Policy;
  classifier: CidrClassifier;
  trustedAccounts: ReadonlySet<string>;
  /** Sorted, unique. */
  adminPorts: number[];
  highRiskPorts: number[];
  approved: ApprovedPorts;
  /** `tcp/80, tcp/443` for messages. */
  approvedText: string;
  rules: Readonly<Record<RuleId, RuleConfig>>;
  alertOnly: CompiledAlertOnly[];
  /** `alertOnlyVia`. */
  alertOnlyVia: ReadonlySet<string>;
  exceptions: CompiledException[];
  exceptionIndex: ExceptionIndex;
}

function indexExceptions(exceptions: readonly CompiledException[]): ExceptionIndex {
  const byGroup = new Map<string, CompiledException[]>();
  const anyGroup: CompiledException[] = [];
  for (const ex of exceptions) {
    if (!ex.groupIds) {
      anyGroup.push(ex);
      continue;
    }
    for (const g of ex.groupIds) {
      const list = byGroup.get(g);
      if (list) list.push(ex);
      else byGroup.set(g, [ex]);
    }
  }
  return { byGroup, anyGroup };
}

const cache = new WeakMap<Policy, CompiledPolicy>();

function list<T>(value: T | T[] | undefined): T[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function sortedUnique(ports: readonly number[]): number[] {
  return [...new Set(ports)].sort((a, b) => a - b);
}

function compileException(ex: PolicyException, index: number): CompiledException {
  const ports = list(ex.ports ?? (ex.port !== undefined ? [ex.port] : undefined));
  return {
    id: ex.id ?? `exceptions[${index}]`,
    order: index,
    reason: ex.reason,
    until: ex.until,
    untilMs: ex.until !== undefined ? untilToMs(ex.until) : undefined,
    groupIds: ex.groupId !== undefined ? new Set(list(ex.groupId)) : undefined,
    ruleId: ex.ruleId,
    protocol: ex.protocol !== undefined ? normaliseProtocol(ex.protocol) : undefined,
    ports: ports
      ? new PortRangeSet(
          ports.map((p) => {
            const r = parsePortRange(p);
            if (!r.ok) throw new Error(r.error);
            return r.range;
          }),
        )
      : undefined,
    cidrs: ex.cidr !== undefined ? CidrSet.parse(list(ex.cidr)!) : undefined,
    actors: ex.actor !== undefined ? list(ex.actor)!.map(compileGlob) : undefined,
    rules: ex.rules ? new Set(ex.rules) : undefined,
    source: ex,
  };
}

/**
 * Compiles (once per Policy object) the structures `evaluate` needs. A policy
 * that did not come from parsePolicy/defaultPolicy/policyFromObject is
 * validated first; an invalid one throws PolicyError. Treat policies as
 * immutable: the cache is keyed by object identity.
 */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const hit = cache.get(policy);
  if (hit) return hit;
  if (!isValidatedPolicy(policy)) {
    const result = validatePolicyObject(policy, '<policy>');
    if (!result.ok) throw new PolicyError('<policy>', result.problems);
  }
  const specs: PortSpec[] = policy.approvedPublicPorts.map((text) => {
    const parsed = parsePortSpec(text);
    if (!parsed.ok) throw new PolicyError('<policy>', [`<policy>: approvedPublicPorts: ${parsed.error}`]);
    return parsed.spec;
  });
  const exceptions = policy.exceptions.map(compileException);
  const compiled: CompiledPolicy = {
    policy,
    classifier: new CidrClassifier(policy.trustedCidrs),
    trustedAccounts: new Set(policy.trustedAccounts),
    adminPorts: sortedUnique(policy.adminPorts),
    highRiskPorts: sortedUnique(policy.highRiskPorts),
    approved: new ApprovedPorts(specs),
    approvedText: specs.length ? specs.map(formatPortSpec).join(', ') : 'no ports',
    rules: policy.rules,
    alertOnly: policy.alertOnlyActors.map((entry, i) => ({ id: `alertOnlyActors[${i}]`, pattern: compileGlob(entry.arn), entry })),
    alertOnlyVia: new Set(policy.alertOnlyVia),
    exceptions,
    exceptionIndex: indexExceptions(exceptions),
  };
  cache.set(policy, compiled);
  return compiled;
}
