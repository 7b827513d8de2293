/**
 * Pipeline and handler configuration, parsed and validated from the
 * environment. Every problem is reported at once, naming the variable, what
 * it holds and what is expected; nothing here is secret (the Slack webhook is
 * referenced by its SSM parameter NAME only).
 */
import { MEMBER_ROLE_NAME } from '../org/names';
import { SEVERITIES, type RemediationMode, type Severity } from '../model';
import { isSeverity } from '../policy/severity';

const REMEDIATION_MODES: readonly RemediationMode[] = ['off', 'dry-run', 'enforce'];
export const DEFAULT_RETENTION_DAYS = 400;

export interface PipelineConfig {
  mode: RemediationMode;
  /** Violations below this severity are recorded, not alerted. */
  minAlertSeverity: Severity;
  /** sgwatch's own role(s): a Revoke* by one of them is sgwatch's remediation (loop guard). */
  selfRoleArns: string[];
  /** Records expire (DynamoDB TTL) this many days after they are stored. */
  retentionDays: number;
  /** How long a claimed step is held before another invocation may take it over (default 45 s; keep it above the function timeout). */
  stepLeaseSeconds?: number;
  /**
   * Organisation-wide allow-list (ORG_ACCOUNTS, with the stack's own account): a change of any
   * other account is kept but never looked up or remediated, and alerted once per account.
   * Absent: every account the bus lets in.
   */
  allowedAccounts?: readonly string[];
}

export interface HandlerConfig extends PipelineConfig {
  /** `dynamodb` (deployed) or `memory` (the `local` stage's `osls invoke local`: nothing persists). */
  store: 'dynamodb' | 'memory';
  tableName: string;
  /** A DynamoDB-compatible endpoint (e.g. a local dynalite); absent = the region's DynamoDB. */
  dynamodbEndpoint?: string;
  /** Also print alerts on stderr (the `local` stage). */
  consoleAlerts: boolean;
  /** SNS topic for alerts; absent = no SNS. */
  topicArn?: string;
  /** Name of the SSM SecureString holding the Slack webhook URL; absent = no Slack. */
  slackWebhookParameter?: string;
  /** For messages only: the bundled policy's file name. */
  policyFile: string;
  /** Organisation-wide: the AWS Organization id; changes of member accounts are looked up and remediated through their sgwatch-member role. */
  orgId?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid sgwatch configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
const quote = (v: string) => JSON.stringify(v);

function parseMode(value: string | undefined, name = 'REMEDIATION_MODE', problems?: string[]): RemediationMode {
  const v = (value ?? '').trim() || 'off';
  if ((REMEDIATION_MODES as readonly string[]).includes(v)) return v as RemediationMode;
  const message = `${name} is ${quote(v)}; expected one of ${REMEDIATION_MODES.join(', ')}`;
  if (problems) {
    problems.push(message);
    return 'off';
  }
  throw new ConfigError([message]);
}

function parseSeverity(value: string | undefined, name = 'MIN_ALERT_SEVERITY', problems?: string[]): Severity {
  const v = (value ?? '').trim().toLowerCase() || 'medium';
  if (isSeverity(v)) return v;
  const message = `${name} is ${quote(value ?? '')}; expected one of ${SEVERITIES.join(', ')}`;
  if (problems) {
    problems.push(message);
    return 'medium';
  }
  throw new ConfigError([message]);
}

function parseDays(value: string | undefined, problems: string[], name = 'RETENTION_DAYS'): number {
  const v = (value ?? '').trim();
  if (v === '') return DEFAULT_RETENTION_DAYS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 36_500) {
    problems.push(`${name} is ${quote(v)}; expected a whole number of days from 1 to 36500`);
    return DEFAULT_RETENTION_DAYS;
  }
  return n;
}

/** SSM parameter names: these characters, and no `aws`/`ssm` prefix (reserved by AWS). */
const SSM_NAME = /^[A-Za-z0-9_.\-/]{1,2048}$/;

/**
 * The NAME of the SSM SecureString holding the Slack webhook: a plain name (`sgwatch-slack`)
 * or a path (`/sgwatch/slack`). A URL is refused without echoing it (it may be the webhook).
 */
export function parseSsmParameterName(value: string | undefined, name = 'SLACK_WEBHOOK_PARAMETER', problems: string[] = []): string | undefined {
  const v = (value ?? '').trim();
  if (v === '') return undefined;
  const expected = 'expected the NAME of an SSM SecureString parameter holding the webhook, such as /sgwatch/slack-webhook';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /hooks\.slack\.com/i.test(v)) {
    problems.push(`${name} looks like a URL; ${expected}, never the webhook itself`);
  } else if (v.startsWith('arn:')) {
    problems.push(`${name} is ${quote(v)}, an ARN; ${expected}`);
  } else if (!SSM_NAME.test(v) || /\/\/|\/$/.test(v) || (v.includes('/') && !v.startsWith('/'))) {
    problems.push(`${name} is ${quote(v)}; ${expected} (letters, digits, _ . - and /; a path starts with / and has no empty level)`);
  } else if (/^\/?(aws|ssm)/i.test(v)) {
    problems.push(`${name} is ${quote(v)}; names starting with aws or ssm are reserved by AWS; ${expected}`);
  } else {
    return v;
  }
  return undefined;
}

/** `/name` for the parameter's ARN (`arn:...:parameter/name`), whether the name has its leading `/` or not. */
export function ssmParameterArnPath(name: string): string {
  return `/${name.replace(/^\//, '')}`;
}

/** A role ARN; `*` as the account names a role in every account (the organisation-wide member role). */
const ARN = /^arn:aws[a-z-]*:(iam|sts)::(?:\d{12}|\*):(role|assumed-role)\/\S+$/;
/** An SNS topic ARN, standard or FIFO (any partition): what ALERT_TOPIC_ARN and the SNS notifier accept. */
export const TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;
/**
 * The serverless.yml stage parameters that set the Lambda's environment, by variable.
 * `osls package` checks the resolved environment with parseHandlerConfig itself, naming
 * these parameters in its messages (scripts/serverless-sgwatch.js), so a bad value fails
 * the package instead of every cold start.
 */
export const STAGE_PARAMETERS: Readonly<Record<string, string>> = {
  REMEDIATION_MODE: 'remediationMode',
  MIN_ALERT_SEVERITY: 'minAlertSeverity',
  RETENTION_DAYS: 'retentionDays',
  SLACK_WEBHOOK_PARAMETER: 'slackWebhookParameter',
  POLICY_FILE: 'policyFile',
  SGWATCH_STORE: 'storeKind',
  CONSOLE_ALERTS: 'consoleAlerts',
  ORG_ID: 'orgId',
  ORG_ACCOUNTS: 'orgAccounts',
};

/**
 * The Lambda's configuration from its environment (see serverless.yml). `label` names a
 * variable in messages (default: the variable itself; at package time: its stage parameter).
 */
export function parseHandlerConfig(env: Env = process.env, label: (variable: string) => string = (v) => v): HandlerConfig {
  const problems: string[] = [];
  const storeText = (env.SGWATCH_STORE ?? '').trim() || 'dynamodb';
  if (storeText !== 'dynamodb' && storeText !== 'memory') problems.push(`${label('SGWATCH_STORE')} is ${quote(storeText)}; expected dynamodb or memory`);
  const store = storeText === 'memory' ? 'memory' : 'dynamodb';
  const tableName = (env.TABLE_NAME ?? '').trim();
  if (!tableName && store === 'dynamodb') problems.push(`${label('TABLE_NAME')} is not set; expected the DynamoDB table name`);
  const dynamodbEndpoint = (env.DYNAMODB_ENDPOINT ?? '').trim() || undefined;
  if (dynamodbEndpoint && !/^https?:\/\/[^\s/]+/.test(dynamodbEndpoint)) problems.push(`${label('DYNAMODB_ENDPOINT')} is ${quote(dynamodbEndpoint)}; expected a URL such as http://127.0.0.1:8000`);
  const consoleText = (env.CONSOLE_ALERTS ?? '').trim().toLowerCase();
  if (!['', 'true', 'false', '1', '0'].includes(consoleText)) problems.push(`${label('CONSOLE_ALERTS')} is ${quote(consoleText)}; expected true or false`);
  const consoleAlerts = consoleText === 'true' || consoleText === '1';
  const topicArn = (env.ALERT_TOPIC_ARN ?? '').trim() || undefined;
  if (topicArn && !TOPIC_ARN.test(topicArn)) problems.push(`${label('ALERT_TOPIC_ARN')} is ${quote(topicArn)}; expected an SNS topic ARN`);
  const slackWebhookParameter = parseSsmParameterName(env.SLACK_WEBHOOK_PARAMETER, label('SLACK_WEBHOOK_PARAMETER'), problems);
  const selfRoleArns = (env.SELF_ROLE_ARNS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const arn of selfRoleArns) if (!ARN.test(arn)) problems.push(`${label('SELF_ROLE_ARNS')} holds ${quote(arn)}; expected IAM role ARNs separated by commas`);
  const mode = parseMode(env.REMEDIATION_MODE, label('REMEDIATION_MODE'), problems);
  const minAlertSeverity = parseSeverity(env.MIN_ALERT_SEVERITY, label('MIN_ALERT_SEVERITY'), problems);
  const retentionDays = parseDays(env.RETENTION_DAYS, problems, label('RETENTION_DAYS'));
  if (mode === 'enforce' && selfRoleArns.length === 0) {
    problems.push(`${label('REMEDIATION_MODE')} is enforce but ${label('SELF_ROLE_ARNS')} is empty; sgwatch must know its own role to recognise its own revokes (loop guard)`);
  }
  const orgAccounts = (env.ORG_ACCOUNTS ?? '').split(/[\s,]+/).filter(Boolean);
  for (const a of orgAccounts) if (!/^\d{12}$/.test(a)) problems.push(`${label('ORG_ACCOUNTS')} holds ${quote(a)}; expected 12-digit AWS account ids separated by commas, or empty`);
  const home = selfRoleArns[0]?.split(':')[4];
  const allowedAccounts = orgAccounts.length ? [...new Set([...orgAccounts, ...(home && home !== '*' ? [home] : [])])] : undefined;
  const orgId = (env.ORG_ID ?? '').trim() || undefined;
  if (orgId && !/^o-[a-z0-9]{10,32}$/.test(orgId)) problems.push(`${label('ORG_ID')} is ${quote(orgId)}; expected an AWS Organization id (o- and 10 to 32 lower-case letters or digits), or empty`);
  // Organisation-wide, sgwatch also acts through the member role of every account: its revokes are its own (loop guard).
  if (orgId && selfRoleArns[0]) selfRoleArns.push(`arn:${selfRoleArns[0].split(':')[1]}:iam::*:role/${MEMBER_ROLE_NAME}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...(orgId ? { orgId } : {}),
    ...(allowedAccounts ? { allowedAccounts } : {}),
    store,
    tableName,
    dynamodbEndpoint,
    consoleAlerts,
    topicArn,
    slackWebhookParameter,
    selfRoleArns,
    mode,
    minAlertSeverity,
    retentionDays,
    policyFile: (env.POLICY_FILE ?? '').trim() || 'default-policy.yml',
  };
}
