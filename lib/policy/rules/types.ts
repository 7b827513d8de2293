/**
 * What a policy rule module is: one file per rule id (lib/policy/rules/<id>.ts)
 * holding its match, its finding message and its "why it matters" text, as
 * Cloud Custodian's filters each hold their own check. The registry
 * (./index.ts) lists them in judging order; evaluate.ts and describe.ts only
 * read the registry, so a new rule (prefix lists, exposure, audit findings) is
 * one new module and one line in the registry.
 */
import type { Change, RuleChange } from '../../model';
import type { CidrJudgement } from '../../net/cidr';
import type { CompiledPolicy } from '../compile';
import type { RuleId } from '../types';

/**
 * One rule change (added, modified, or, for an audit, standing) as the checks
 * see it. Facts several checks need are computed once, on first use.
 */
export interface RuleSubject {
  readonly change: Change;
  readonly rule: RuleChange;
  readonly policy: CompiledPolicy;
  /**
   * Judged as ingress: an ingress rule, or one whose direction the record does
   * not state (ModifySecurityGroupRules; the cautious choice, see evaluate.ts).
   */
  readonly ingress: boolean;
  /** The judgement of the rule's CIDR source against trustedCidrs; undefined for group and prefix-list sources. */
  cidr(): CidrJudgement | undefined;
  /** The rule's CIDR source as the record wrote it (host bits and all); undefined for other sources. */
  readonly cidrText: string | undefined;
  /** Whether a check earlier in the registry already found `id` for this rule change (before exceptions). */
  fired(id: RuleId): boolean;
}

interface CheckBase<Id extends RuleId> {
  readonly id: Id;
  /** Why a finding of this rule matters, for alerts (lib/alerts/describe.ts). */
  readonly why: string;
}

/** A check of one rule change: returns the finding's message when it fires. */
export interface RuleChangeCheck<Id extends RuleId = RuleId> extends CheckBase<Id> {
  readonly scope: 'rule';
  match(subject: RuleSubject): string | undefined;
}

/** A check of the API call itself (a failed call changed no rule). */
export interface CallCheck<Id extends RuleId = RuleId> extends CheckBase<Id> {
  readonly scope: 'call';
  match(change: Change, policy: CompiledPolicy): string | undefined;
}

export type PolicyRuleCheck<Id extends RuleId = RuleId> = RuleChangeCheck<Id> | CallCheck<Id>;
