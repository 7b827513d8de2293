/**
 * Loading policies: the shipped default, a user file merged over it, and the
 * effective policy printed back as YAML.
 *
 * Merge rules: a key the user omits keeps the default; lists replace the
 * default list (so you can shrink adminPorts or empty highRiskPorts); `rules`
 * merge per rule id and per field.
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import defaultPolicyText from './default-policy.yml';
import { validatePolicyObject, validatePolicyText } from './schema';
import { RULE_IDS, type Policy, type PolicyInput, type RuleConfig, type RuleId } from './types';

/** A policy that cannot be used. `message` lists every problem, one per line, each naming the file. */
export class PolicyError extends Error {
  readonly problems: string[];
  readonly file: string;

  constructor(file: string, problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PolicyError';
    this.file = file;
    this.problems = problems;
  }
}

/** Policies known valid (built here); compilePolicy re-validates any other object once. */
const validated = new WeakSet<object>();

export function isValidatedPolicy(policy: Policy): boolean {
  return validated.has(policy);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * An override merged over a validated policy (lib/policy/overrides.ts): the
 * same merge rules as a file over the default. Both parts were validated with
 * the file, so the result is sealed as validated.
 */
export function mergePolicy(base: Policy, input: PolicyInput): Policy {
  return seal(merge(base, input));
}

function merge(base: Policy, input: PolicyInput): Policy {
  const rules = {} as Record<RuleId, RuleConfig>;
  for (const id of RULE_IDS) rules[id] = { ...base.rules[id], ...(input.rules?.[id] ?? {}) };
  return {
    version: 1,
    trustedCidrs: clone(input.trustedCidrs ?? base.trustedCidrs),
    trustedAccounts: clone(input.trustedAccounts ?? base.trustedAccounts),
    adminPorts: clone(input.adminPorts ?? base.adminPorts),
    highRiskPorts: clone(input.highRiskPorts ?? base.highRiskPorts),
    approvedPublicPorts: clone(input.approvedPublicPorts ?? base.approvedPublicPorts),
    rules,
    alertOnlyActors: clone(input.alertOnlyActors ?? base.alertOnlyActors),
    alertOnlyVia: clone(input.alertOnlyVia ?? base.alertOnlyVia),
    exceptions: clone(input.exceptions ?? base.exceptions),
    exposure: { ...base.exposure, ...(input.exposure ?? {}) },
    trustAwsManagedPrefixLists: input.trustAwsManagedPrefixLists ?? base.trustAwsManagedPrefixLists,
    exceptionTagKey: input.exceptionTagKey ?? base.exceptionTagKey,
    overrides: clone(input.overrides ?? base.overrides ?? {}),
    organizationalUnits: clone(input.organizationalUnits ?? base.organizationalUnits ?? {}),
  };
}

function seal(policy: Policy): Policy {
  deepFreeze(policy);
  validated.add(policy);
  return policy;
}

const DEFAULT_FILE = 'default-policy.yml';
let cachedDefault: Policy | undefined;

/** The shipped default policy (lib/policy/default-policy.yml), parsed once; frozen. */
export function defaultPolicy(): Policy {
  if (cachedDefault) return cachedDefault;
  const result = validatePolicyText(defaultPolicyText, DEFAULT_FILE);
  if (!result.ok) throw new PolicyError(DEFAULT_FILE, result.problems);
  const input = result.input;
  const missing: string[] = [];
  for (const key of ['trustedCidrs', 'trustedAccounts', 'adminPorts', 'highRiskPorts', 'approvedPublicPorts', 'rules', 'alertOnlyActors', 'alertOnlyVia', 'exceptions', 'exposure', 'trustAwsManagedPrefixLists', 'exceptionTagKey'] as const) {
    if (input[key] === undefined) missing.push(`${DEFAULT_FILE}: ${key}: missing from the default policy`);
  }
  for (const id of RULE_IDS) {
    const r = input.rules?.[id];
    if (!r || r.severity === undefined || r.remediation === undefined || r.enabled === undefined) {
      missing.push(`${DEFAULT_FILE}: rules.${id}: the default policy must set severity, remediation and enabled`);
    }
  }
  if (missing.length) throw new PolicyError(DEFAULT_FILE, missing);
  cachedDefault = seal(merge(input as Policy, {}));
  return cachedDefault;
}

/** Parses a policy file's text; omitted keys take the defaults. Throws PolicyError listing every problem. */
export function parsePolicy(text: string, fileName: string): Policy {
  const result = validatePolicyText(text, fileName);
  if (!result.ok) throw new PolicyError(fileName, result.problems);
  return seal(merge(defaultPolicy(), result.input));
}

/**
 * A policy that parsePolicy already produced, e.g. at package time by the
 * esbuild plugin (esbuild.config.js) that bundles it into the Lambda as JSON
 * after checking that it round-trips: sealed and taken as validated, so the
 * Lambda parses no YAML and builds no schema at cold start. Only for such
 * output; anything else goes through policyFromObject.
 */
export function adoptPrecompiledPolicy(policy: Policy): Policy {
  return seal(policy);
}

/** A policy from an object (e.g. built in code or read from JSON), validated and merged over the default. */
export function policyFromObject(value: unknown, name = '<policy>'): Policy {
  const result = validatePolicyObject(value, name);
  if (!result.ok) throw new PolicyError(name, result.problems);
  return seal(merge(defaultPolicy(), result.input));
}

/** Reads and parses a policy file. Unreadable files are a PolicyError naming the file. */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, expected a YAML file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new PolicyError(path, [`${path}: cannot read policy file: ${why}`]);
  }
  return parsePolicy(text, path);
}

/** The effective policy as YAML (what `sgwatch policy show` prints). Round-trips through parsePolicy. */
export function policyToYaml(policy: Policy): string {
  const header = '# sgwatch effective policy (defaults filled in)\n';
  return header + stringify(policy, { lineWidth: 0 });
}
