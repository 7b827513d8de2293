/**
 * Validation of policy files: YAML syntax (with line/column), then structure
 * (zod 4, strict: an unknown key is an error), then values (CIDRs by CIDR
 * math, 12-digit accounts, ports 0-65535, dates, known rule ids).
 *
 * Every problem becomes one line:
 *   policy.yml: rules.public-admin-port.severity: expected one of info|low|medium|high|critical, got "hgih" (line 7, column 15)
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
// The namespace import lets the bundler keep only what is used (`import { z }` drags in every locale).
import * as z from 'zod';
import { SEVERITIES } from '../model';
import { CidrSet, parseCidr, publicShare, WORLD_MAX_PREFIX_V4, WORLD_MAX_PREFIX_V6 } from '../net/cidr';
import { parsePortRange, parsePortSpec } from '../net/ports';
import { normaliseProtocol } from '../net/protocol';
import { ALERT_ONLY_VIA, OU_ID, REMEDIATIONS, RULE_IDS, TRUSTED_CIDRS_MAX_SHARE, type PolicyInput } from './types';
import { errorMessage } from '../errors/error-text';
import { isAccountId, isGroupId, isRuleId } from '../aws-ids';

// ---------------------------------------------------------------- values

/** A value as it reads in an error message. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

type Check = (value: unknown) => string | undefined;

/** A severity step for an exposure: 0 (keep) down to -4 (critical to info). */
const exposureStepCheck: Check = (v) =>
  Number.isInteger(v) && (v as number) <= 0 && (v as number) >= -4
    ? undefined
    : `expected a whole number of severity levels from 0 (keep the policy severity) to -4 (critical down to info), got ${describeValue(v)}`;

/** A field checked by a function returning the problem (or undefined). */
function checked<T>(check: Check) {
  return z.custom<T>(() => true).superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** One value or a non-empty list of them, each checked. */
function oneOrMany(what: string, check: Check) {
  return z.custom<string | string[]>(() => true).superRefine((value, ctx) => {
    if (Array.isArray(value)) {
      if (value.length === 0) ctx.addIssue({ code: 'custom', message: `expected ${what} or a non-empty list of them, got an empty list` });
      value.forEach((item, i) => {
        const problem = check(item);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [i] });
      });
      return;
    }
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: typeof value === 'string' ? problem : `expected ${what} or a list of them, got ${describeValue(value)}` });
  });
}

const nonEmptyText = (what: string): Check => (v) =>
  typeof v === 'string' && v.trim() !== ''
    ? undefined
    : v === undefined
      ? `missing: expected ${what}`
      : `expected ${what}, got ${describeValue(v)}`;

function cidrCheck(options: { trusted: boolean }): Check {
  return (v) => {
    if (typeof v !== 'string') return `expected a CIDR like 203.0.113.0/24, got ${describeValue(v)}`;
    const parsed = parseCidr(v);
    if (!parsed.ok) return `expected a CIDR like 203.0.113.0/24 or 2001:db8::/32: ${parsed.error}`;
    const c = parsed.cidr;
    if (c.hostBits) {
      const address = v.trim().slice(0, v.trim().indexOf('/'));
      return `"${v}" has host bits set: write ${c.text} for the whole block, or ${address}/${c.family === 4 ? 32 : 128} for one address`;
    }
    if (options.trusted) {
      const limit = c.family === 4 ? WORLD_MAX_PREFIX_V4 : WORLD_MAX_PREFIX_V6;
      if (c.prefix < limit) {
        return `"${v}" is wider than /${limit}: trusting it would trust a large part of the internet; list the ranges you own`;
      }
    }
    return undefined;
  };
}

const accountCheck: Check = (v) =>
  isAccountId(v) ? undefined : `expected a 12-digit AWS account id (quote it: "012345678901"), got ${describeValue(v)}`;

const portNumberCheck: Check = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? undefined : `expected a port number 0-65535, got ${describeValue(v)}`;

const portRangeCheck: Check = (v) => {
  const parsed = parsePortRange(v);
  return parsed.ok ? undefined : parsed.error;
};

const portSpecCheck: Check = (v) => {
  const parsed = parsePortSpec(v);
  return parsed.ok ? undefined : parsed.error;
};

const protocolCheck: Check = (v) => {
  if (typeof v !== 'string' && typeof v !== 'number') return `expected a protocol (tcp, udp, icmp, icmpv6, -1 or a number 0-255), got ${describeValue(v)}`;
  const p = normaliseProtocol(v);
  if (['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(p)) return undefined;
  if (/^\d{1,3}$/.test(p) && Number(p) <= 255) return undefined;
  return `expected a protocol (tcp, udp, icmp, icmpv6, -1 or a number 0-255), got ${describeValue(v)}`;
};

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The last instant (epoch ms) an exception applies: `YYYY-MM-DD` runs through
 * the end of that day UTC; a date-time with zone is exact. NaN when invalid.
 */
export function untilToMs(text: string): number {
  const d = DATE_ONLY.exec(text);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const start = Date.UTC(y, m - 1, day);
    const check = new Date(start);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== day) return NaN;
    return start + 86_400_000 - 1;
  }
  if (DATE_TIME.test(text)) return Date.parse(text);
  return NaN;
}

const untilCheck: Check = (v) => {
  if (typeof v === 'string' && !Number.isNaN(untilToMs(v))) return undefined;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T[^Z+-]*$/.test(v)) return `expected a date-time with a time zone (add Z for UTC), got ${describeValue(v)}`;
  return `expected a date "2025-12-31" or a date-time "2025-12-31T18:00:00Z", got ${describeValue(v)}`;
};

const groupIdCheck: Check = (v) =>
  isGroupId(v) ? undefined : `expected a security group id like sg-0123456789abcdef0 (sg- and 8 or 17 lower-case hex digits), got ${describeValue(v)}`;

const ruleIdCheck: Check = (v) =>
  isRuleId(v) ? undefined : `expected a security group rule id like sgr-0123456789abcdef0 (sgr- and 8 or 17 lower-case hex digits), got ${describeValue(v)}`;

// ---------------------------------------------------------------- structure

/** Marker carrying the allowed keys of a mapping to the formatter. */
const UNKNOWN_KEYS = 'sgwatch:unknown-keys:';

function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? UNKNOWN_KEYS + JSON.stringify(known) : undefined),
  });
}

/**
 * The policy schema, built on first use and kept: a Lambda bundling its policy
 * pre-validated (see esbuild.config.js) never builds it at cold start.
 */
function buildPolicyInputSchema() {
  const ruleConfigSchema = strict({
    severity: z.enum(SEVERITIES).optional(),
    remediation: z.enum(REMEDIATIONS).optional(),
    enabled: z.boolean().optional(),
  });

  const rulesSchema = strict(
    Object.fromEntries(RULE_IDS.map((id) => [id, ruleConfigSchema.optional()])) as Record<
      (typeof RULE_IDS)[number],
      z.ZodOptional<typeof ruleConfigSchema>
    >,
  );

  const MATCHERS = ['groupId', 'ruleId', 'protocol', 'port', 'ports', 'cidr', 'actor'] as const;

  const exceptionSchema = strict({
    id: checked<string>(nonEmptyText('a name')).optional(),
    reason: checked<string>(nonEmptyText('a reason saying why this is acceptable')),
    until: checked<string>(untilCheck).optional(),
    groupId: oneOrMany('a security group id', groupIdCheck).optional(),
    ruleId: checked<string>(ruleIdCheck).optional(),
    protocol: checked<string>(protocolCheck).optional(),
    port: checked<number | string>(portRangeCheck).optional(),
    ports: z.array(checked<number | string>(portRangeCheck)).min(1).optional(),
    cidr: oneOrMany('a CIDR', cidrCheck({ trusted: false })).optional(),
    actor: oneOrMany('an ARN pattern', nonEmptyText('an ARN pattern like arn:aws:iam::*:role/deploy')).optional(),
    rules: z.array(z.enum(RULE_IDS)).min(1).optional(),
  }).superRefine((ex, ctx) => {
    if (!MATCHERS.some((m) => ex[m] !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: `an exception needs at least one matcher (${MATCHERS.join(', ')}); to silence a rule everywhere, set rules.<id>.enabled: false`,
      });
    }
    if (ex.port !== undefined && ex.ports !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give either port or ports, not both', path: ['ports'] });
    }
  });

  const alertOnlySchema = strict({
    arn: checked<string>(nonEmptyText('an ARN pattern like arn:aws:iam::*:role/cloudformation-*')),
    reason: checked<string>(nonEmptyText('a reason')),
  });

  /** The keys a policy and an override share. */
  const shared = {
    trustedCidrs: z.array(checked<string>(cidrCheck({ trusted: true }))).optional(),
    trustedCidrsMaxShare: checked<number>((v) =>
      typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100 ? undefined : `expected a percentage of the public address space, above 0 and at most 100, got ${describeValue(v)}`,
    ).optional(),
    trustedAccounts: z.array(checked<string>(accountCheck)).optional(),
    adminPorts: z.array(checked<number>(portNumberCheck)).optional(),
    highRiskPorts: z.array(checked<number>(portNumberCheck)).optional(),
    approvedPublicPorts: z.array(checked<string>(portSpecCheck)).optional(),
    rules: rulesSchema.optional(),
    alertOnlyActors: z.array(alertOnlySchema).optional(),
    alertOnlyVia: z.array(z.enum(ALERT_ONLY_VIA)).optional(),
    exceptions: z.array(exceptionSchema).optional(),
    exposure: strict({
      private: checked<number>(exposureStepCheck).optional(),
      unattached: checked<number>(exposureStepCheck).optional(),
    }).optional(),
    trustAwsManagedPrefixLists: z.boolean().optional(),
    exceptionTagKey: checked<string>((v) =>
      typeof v === 'string' && /^[\p{L}\p{N}\s_.:/=+\-@]{1,128}$/u.test(v) && !v.toLowerCase().startsWith('aws:')
        ? undefined
        : `expected a tag key (1-128 letters, digits, spaces and _ . : / = + - @, not starting with aws:), got ${describeValue(v)}`,
    ).optional(),
  };

  /** The checks across keys (trusted share, duplicate exception ids), on the policy and on each override. */
  const crossChecks = (
    policy: { trustedCidrsMaxShare?: unknown; trustedCidrs?: unknown[]; exceptions?: { id?: string }[] },
    ctx: z.core.$RefinementCtx,
  ): void => {
    const max = typeof policy.trustedCidrsMaxShare === 'number' && policy.trustedCidrsMaxShare > 0 ? policy.trustedCidrsMaxShare : TRUSTED_CIDRS_MAX_SHARE;
    const parsed = (policy.trustedCidrs ?? []).map((t) => (typeof t === 'string' ? parseCidr(t) : undefined)).flatMap((p) => (p?.ok ? [p.cidr] : []));
    if (parsed.length > 0) {
      const covered = publicShare(CidrSet.of(parsed));
      for (const [family, pct] of [['IPv4', covered.v4], ['IPv6', covered.v6]] as const) {
        if (pct > max) {
          ctx.addIssue({
            code: 'custom',
            path: ['trustedCidrs'],
            message: `together these ranges cover ${pct}% of the public ${family} space, more than trustedCidrsMaxShare (${max}%): a source they cover would never be flagged; list only the ranges you own, or raise trustedCidrsMaxShare if you really mean it`,
          });
        }
      }
    }
    const seen = new Map<string, number>();
    (policy.exceptions ?? []).forEach((ex, i) => {
      if (ex.id === undefined) return;
      const first = seen.get(ex.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', message: `duplicate id "${ex.id}" (also exceptions[${first}])`, path: ['exceptions', i, 'id'] });
      else seen.set(ex.id, i);
    });
  };

  const overrideSchema = strict({ ...shared, remediationMode: z.enum(['off', 'dry-run', 'enforce']).optional() }).superRefine(crossChecks);
  const textKey = (check: Check) =>
    z.string().superRefine((value, ctx) => {
      const problem = check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
  const overrideKeyCheck: Check = (v) =>
    isAccountId(v) || (typeof v === 'string' && OU_ID.test(v))
      ? undefined
      : `expected a 12-digit account id (quote it) or an OU id like ou-ab12-cd34ef56 as the key of an override, got ${describeValue(v)}`;
  const ouKeyCheck: Check = (v) => (typeof v === 'string' && OU_ID.test(v) ? undefined : `expected an OU id like ou-ab12-cd34ef56, got ${describeValue(v)}`);

  const policyInputSchema = strict({
    version: z.literal(1).optional(),
    ...shared,
    overrides: z.record(textKey(overrideKeyCheck), overrideSchema).optional(),
    organizationalUnits: z.record(textKey(ouKeyCheck), z.array(checked<string>(accountCheck)).min(1)).optional(),
  }).superRefine(crossChecks);
  return policyInputSchema;
}

let policyInputSchemaCache: ReturnType<typeof buildPolicyInputSchema> | undefined;

/** The zod schema of a policy file (strict: an unknown key is an error). */
function policyInputSchema(): ReturnType<typeof buildPolicyInputSchema> {
  return (policyInputSchemaCache ??= buildPolicyInputSchema());
}

// ---------------------------------------------------------------- messages

type PathKey = PropertyKey;

/** `rules.public-admin-port.severity`, `exceptions[0].cidr`. */
function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += (out === '' ? '' : '.') + String(key);
  }
  return out === '' ? '(top level)' : out;
}

function expectedType(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

interface Problem {
  path: PathKey[];
  /** For unknown keys: the key itself, to locate it in the file. */
  key?: string;
  message: string;
}

function problemsOf(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const out: Problem[] = [];
  for (const iss of issues) {
    const path = [...iss.path];
    switch (iss.code) {
      case 'unrecognized_keys': {
        const known: string[] = iss.message.startsWith(UNKNOWN_KEYS) ? JSON.parse(iss.message.slice(UNKNOWN_KEYS.length)) : [];
        for (const key of iss.keys) {
          const guess = suggest(key, known);
          out.push({
            path,
            key,
            message: `unknown key "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}; expected one of ${known.join(', ')}`,
          });
        }
        break;
      }
      case 'invalid_type':
        out.push({
          path,
          message:
            iss.input === undefined
              ? `missing: expected ${expectedType(iss.expected)}`
              : `expected ${expectedType(iss.expected)}, got ${describeValue(iss.input)}`,
        });
        break;
      case 'invalid_value': {
        const values = iss.values.map(String);
        const guess = typeof iss.input === 'string' ? suggest(iss.input, values) : undefined;
        out.push({
          path,
          message:
            (values.length === 1 ? `expected ${JSON.stringify(iss.values[0])}` : `expected one of ${values.join('|')}`) +
            `, got ${describeValue(iss.input)}` +
            (guess ? ` (did you mean "${guess}"?)` : ''),
        });
        break;
      }
      case 'too_small':
        out.push({ path, message: iss.origin === 'array' ? 'expected a non-empty list' : iss.message });
        break;
      case 'invalid_key':
        // A key of overrides: or organizationalUnits: (the key schema says what it expected).
        out.push({ path, message: iss.issues[0]?.message ?? iss.message });
        break;
      default:
        out.push({ path, message: iss.message });
    }
  }
  return out;
}

// ---------------------------------------------------------------- YAML

/** Locates a path in the YAML document: 1-based line and column, when found. */
function locate(doc: Document, lines: LineCounter, problem: Problem): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let best: unknown = node;
  for (const key of problem.path) {
    if (isMap(node)) node = node.get(key, true);
    else if (isSeq(node) && typeof key === 'number') node = node.get(key, true);
    else node = undefined;
    if (!node) break;
    best = node;
  }
  if (node && problem.key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === problem.key);
    if (pair && isScalar(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]);
  }
  const range = (best as { range?: [number, number, number] } | undefined)?.range;
  return range ? lines.linePos(range[0]) : undefined;
}

export type ValidationResult = { ok: true; input: PolicyInput } | { ok: false; problems: string[] };

function line(fileName: string, path: string, message: string, at?: { line: number; col: number }): string {
  return `${fileName}: ${path}: ${message}${at ? ` (line ${at.line}, column ${at.col})` : ''}`;
}

/**
 * YAML 1.2 reads an unquoted 012345678901 as the number 12345678901. Account
 * ids are text: take them as written.
 */
function keepAccountsAsWritten(doc: Document): void {
  const asWritten = (item: unknown): void => {
    if (isScalar(item) && typeof item.value === 'number' && typeof item.source === 'string') item.value = item.source;
  };
  const accountList = (map: unknown): void => {
    const accounts = isMap(map) ? map.get('trustedAccounts', true) : undefined;
    if (isSeq(accounts)) accounts.items.forEach(asWritten);
  };
  const top = doc.contents;
  accountList(top);
  if (!isMap(top)) return;
  // Overrides are keyed by account id (and carry trustedAccounts); OUs list account ids.
  const overrides = top.get('overrides', true);
  if (isMap(overrides)) {
    for (const pair of overrides.items) {
      asWritten(pair.key);
      accountList(pair.value);
    }
  }
  const ous = top.get('organizationalUnits', true);
  if (isMap(ous)) for (const pair of ous.items) if (isSeq(pair.value)) pair.value.items.forEach(asWritten);
}

/** Checks a parsed value against the schema; `locate` places each problem in the source text when there is one. */
function checkInput(value: unknown, fileName: string, locate?: (p: Problem) => { line: number; col: number } | undefined): ValidationResult {
  const result = policyInputSchema().safeParse(value ?? {}, { reportInput: true });
  if (result.success) return { ok: true, input: result.data as PolicyInput };
  // In the order of the file (zod reports in schema order): a reader fixes them top to bottom. Unlocated problems keep their order, last.
  const located = problemsOf(result.error.issues).map((p, i) => ({ p, i, at: locate?.(p) }));
  located.sort((a, b) => (a.at?.line ?? Infinity) - (b.at?.line ?? Infinity) || (a.at?.col ?? 0) - (b.at?.col ?? 0) || a.i - b.i);
  return { ok: false, problems: located.map(({ p, at }) => line(fileName, formatPath(p.path), p.message, at)) };
}

/** Validates an already parsed object (e.g. a Policy built in code). */
export function validatePolicyObject(value: unknown, fileName: string): ValidationResult {
  return checkInput(value, fileName);
}

/** Parses and validates policy YAML text. An empty document is an empty (all-default) policy. */
export function validatePolicyText(text: string, fileName: string): ValidationResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
        return `${fileName}: YAML syntax error: ${msg}${at ? ` (line ${at.line}, column ${at.col})` : ''}`;
      }),
    };
  }
  keepAccountsAsWritten(doc);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, problems: [`${fileName}: YAML error: ${errorMessage(err)}`] };
  }
  return checkInput(value, fileName, (p) => locate(doc, lines, p));
}

export type { Policy, PolicyInput } from './types';
