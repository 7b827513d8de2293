/** sgwatch policy: load, validate, evaluate. */
export { evaluate, type EvaluateOptions } from './evaluate';
export { compilePolicy, type CompiledPolicy, type CompiledException } from './compile';
export { defaultPolicy, loadPolicyFile, parsePolicy, policyFromObject, policyToYaml, PolicyError } from './load';
export { planRemediation } from './remediation';
export { validatePolicyText, validatePolicyObject, untilToMs, type ValidationResult } from './schema';
export { compareSeverity, severityAtLeast, worstSeverity, isSeverity, VIOLATION_THRESHOLD } from './severity';
export { compileGlob, type GlobPattern } from './glob';
export {
  RULE_IDS,
  REMEDIATIONS,
  type RuleId,
  type Remediation,
  type RuleConfig,
  type AlertOnlyActor,
  type PolicyException,
  type Policy,
  type PolicyInput,
} from './types';
