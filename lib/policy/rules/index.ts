/**
 * The policy-rule registry: every rule id's check, in judging order (the
 * order of RULE_IDS, which is the order findings are listed in). evaluate.ts
 * (a change), the audit (a standing rule) and the alerts (why it matters)
 * read only this table, so a new rule is one module and one line here; the
 * mapped type makes a rule id without a check a compile error.
 *
 * Order matters once: public-unapproved-port asks whether the three other
 * public-* checks fired for the same rule, so it comes after them.
 */
import { RULE_IDS, type RuleId } from '../types';
import { defaultGroupRule } from './default-group-rule';
import { deniedChangeAttempt } from './denied-change-attempt';
import { publicAdminPort } from './public-admin-port';
import { publicAllPorts } from './public-all-ports';
import { publicHighRiskPort } from './public-high-risk-port';
import { publicUnapprovedPort } from './public-unapproved-port';
import type { CallCheck, PolicyRuleCheck, RuleChangeCheck } from './types';
import { undocumentedRule } from './undocumented-rule';
import { untrustedAccountReference } from './untrusted-account-reference';
import { untrustedAdminSource } from './untrusted-admin-source';
import { unparseableSource } from './unparseable-source';

export const POLICY_RULES: { readonly [K in RuleId]: PolicyRuleCheck<K> } = {
  'public-all-ports': publicAllPorts,
  'public-admin-port': publicAdminPort,
  'public-high-risk-port': publicHighRiskPort,
  'public-unapproved-port': publicUnapprovedPort,
  'untrusted-admin-source': untrustedAdminSource,
  'untrusted-account-reference': untrustedAccountReference,
  'default-group-rule': defaultGroupRule,
  'undocumented-rule': undocumentedRule,
  'unparseable-source': unparseableSource,
  'denied-change-attempt': deniedChangeAttempt,
};

const ordered: readonly PolicyRuleCheck[] = RULE_IDS.map((id) => POLICY_RULES[id]);
/** Checks of one rule change, in judging order. */
export const RULE_CHANGE_CHECKS: readonly RuleChangeCheck[] = ordered.filter((c): c is RuleChangeCheck => c.scope === 'rule');
/** Checks of the API call itself (failed calls). */
export const CALL_CHECKS: readonly CallCheck[] = ordered.filter((c): c is CallCheck => c.scope === 'call');

/** Why a finding of this policy rule matters; falls back to the finding's own message. */
export function whyItMatters(ruleId: string, fallback?: string): string {
  return Object.hasOwn(POLICY_RULES, ruleId) ? POLICY_RULES[ruleId as RuleId].why : (fallback ?? 'A policy rule fired on this change.');
}

export type { CallCheck, PolicyRuleCheck, RuleChangeCheck, RuleSubject } from './types';
