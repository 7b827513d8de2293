/**
 * The policy, as a plain serialisable object: what a policy file holds once
 * validated and merged with the default. `compilePolicy` turns it into the
 * precomputed form `evaluate` uses.
 */
import type { RemediationMode, Severity } from '../model';

/** The policy rule ids: part of sgwatch's interface (policy files, alerts, exceptions). */
export const RULE_IDS = [
  'public-all-ports',
  'public-admin-port',
  'public-high-risk-port',
  'public-unapproved-port',
  'untrusted-admin-source',
  'untrusted-account-reference',
  'default-group-rule',
  'undocumented-rule',
  'unparseable-source',
  'denied-change-attempt',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const REMEDIATIONS = ['revoke', 'alert'] as const;
export type Remediation = (typeof REMEDIATIONS)[number];

export interface RuleConfig {
  severity: Severity;
  remediation: Remediation;
  enabled: boolean;
}

export interface AlertOnlyActor {
  /** ARN pattern; `*` matches any run of characters. */
  arn: string;
  reason: string;
}

/** One exception: every matcher given must match. */
export interface PolicyException {
  id?: string;
  reason: string;
  /** `YYYY-MM-DD` (through the end of that day, UTC) or an ISO date-time with zone. */
  until?: string;
  groupId?: string | string[];
  ruleId?: string;
  protocol?: string;
  /** `22` or `"8000-8100"`: the rule's port range must lie inside. */
  port?: number | string;
  ports?: (number | string)[];
  /** The rule's source must lie wholly inside (CIDR math). */
  cidr?: string | string[];
  /** ARN pattern(s) matched against the caller ARN and the assumed role ARN. */
  actor?: string | string[];
  /** Policy rules it silences; all when absent. */
  rules?: RuleId[];
}

export interface Policy {
  version: 1;
  trustedCidrs: string[];
  trustedAccounts: string[];
  adminPorts: number[];
  highRiskPorts: number[];
  /** `tcp/443`, `udp/53`, `tcp/8000-8100`. */
  approvedPublicPorts: string[];
  rules: Record<RuleId, RuleConfig>;
  alertOnlyActors: AlertOnlyActor[];
  /**
   * Changes made through these tools are alerted, never revoked, whoever's
   * credentials ran them (CloudFormation with a console user's credentials,
   * Terraform in CI): revoking a rule the stack or state declares makes
   * drift, and the next deploy puts it back (a remediation loop). Fix it in
   * the code instead. Default: cloudformation, terraform. `[]` revokes them too.
   */
  alertOnlyVia: AlertOnlyVia[];
  exceptions: PolicyException[];
  /**
   * Severity steps by the group's exposure (issue 6): a finding on a group
   * that is only privately reachable, or attached to nothing, is lowered by
   * this many levels (critical→high→medium→low→info; info is not a
   * violation). 0 keeps the policy severity. Public and unknown exposure
   * always keep it. Remediation follows the policy rule, not the adjusted severity.
   */
  exposure: Record<LowerableExposure, number>;
  /** AWS-managed prefix lists (owner `AWS`, e.g. CloudFront origin-facing) are trusted sources, not judged entry by entry. */
  trustAwsManagedPrefixLists: boolean;
  /** The tag key of tag exceptions on a group or a rule; its value is `<policy rule id or *>;<until YYYY-MM-DD>;<reason>`. */
  exceptionTagKey: string;
  /**
   * Organisation-wide (issue 10): overrides keyed by account id or OU id
   * (`ou-…`), merged over this policy with the same merge rules (lists
   * replace, rules merge per field) for a change in that account: first the
   * OUs the account sits in (outermost first), then the account itself. See
   * lib/policy/overrides.ts. Default: none.
   */
  overrides: Record<string, PolicyOverride>;
  /** Which accounts each OU holds, for those without Organizations access (the Lambda asks Organizations otherwise). */
  organizationalUnits: Record<string, string[]>;
}

/** One override: any policy key but the organisation ones, plus the remediation mode for that account or OU. */
export type PolicyOverride = Omit<PolicyInput, 'version' | 'overrides' | 'organizationalUnits'> & {
  /** Off, dry-run or enforce for these accounts, over the stack's (or --mode's) own. */
  remediationMode?: RemediationMode;
};

/** An Organizations OU id: `ou-` root part, `-`, then 8 to 32 characters. */
export const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;

/** The exposure states whose findings the policy may lower. */
export const LOWERABLE_EXPOSURES = ['private', 'unattached'] as const;
export type LowerableExposure = (typeof LOWERABLE_EXPOSURES)[number];

/** Tools whose changes `alertOnlyVia` can make alert-only (the `via` sgwatch reads from the record). */
export const ALERT_ONLY_VIA = ['cloudformation', 'terraform', 'console', 'cli', 'sdk', 'aws-service'] as const;
export type AlertOnlyVia = (typeof ALERT_ONLY_VIA)[number];

/** A policy file as written: every key optional, rules partial per field. */
export type PolicyInput = Partial<Omit<Policy, 'rules' | 'exposure' | 'overrides'>> & {
  overrides?: Record<string, PolicyOverride>;
  rules?: Partial<Record<RuleId, Partial<RuleConfig>>>;
  exposure?: Partial<Record<LowerableExposure, number>>;
  /** Validation only: the most of the public IPv4 or IPv6 space trustedCidrs may cover, in percent (default TRUSTED_CIDRS_MAX_SHARE). */
  trustedCidrsMaxShare?: number;
};

/** Default of `trustedCidrsMaxShare`: 1% of the public IPv4 (about 2.2 /8s) or IPv6 space. */
export const TRUSTED_CIDRS_MAX_SHARE = 1;
