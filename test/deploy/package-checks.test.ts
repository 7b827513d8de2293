/**
 * scripts/serverless-sgwatch.js, the local osls plugin, without osls: the stage
 * parameters are checked with the Lambda's own config parser and named as
 * parameters; the Slack parameter's ARN path is right with or without its
 * leading `/`; only this process's serverless-esbuild staging folders are
 * removed. (template.test.ts runs the real `osls package` with bad values.)
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHandlerConfig, parseSsmParameterName, ssmParameterArnPath } from '../../lib/pipeline/config';

const root = join(__dirname, '..', '..');
type Plugin = {
  new (sls: unknown): { configurationVariablesSources: { sgwatch: { resolve(a: { address: string; resolveVariable(v: string): Promise<unknown> }): Promise<{ value: string }> } } };
  stageProblems(dir: string, environment: Record<string, unknown>, policyFile?: string, watchedVpcs?: string, auditSchedule?: string, org?: { auditRegions?: string; orgAuditMaxTries?: number }): string[];
  removeStagingFolders(names: string[], pid?: number, dir?: string): void;
};
const plugin = createRequire(join(root, 'package.json'))('./scripts/serverless-sgwatch.js') as Plugin;

/** The dev stage's function environment as osls resolves it (CloudFormation references as objects). */
const devEnvironment = (over: Record<string, unknown> = {}) => ({
  REMEDIATION_MODE: 'dry-run',
  MIN_ALERT_SEVERITY: 'medium',
  RETENTION_DAYS: 400,
  SLACK_WEBHOOK_PARAMETER: '',
  POLICY_FILE: 'lib/policy/default-policy.yml',
  SGWATCH_STORE: 'dynamodb',
  CONSOLE_ALERTS: 'false',
  TABLE_NAME: { Ref: 'ChangesTable' },
  ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
  SELF_ROLE_ARNS: { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] },
  ...over,
});

describe('stage parameter checks', () => {
  it('the shipped defaults pass', () => {
    expect(plugin.stageProblems(root, devEnvironment(), 'lib/policy/default-policy.yml')).toEqual([]);
  });

  it('every bad value is reported at once, by parameter name, value and what is expected', () => {
    const problems = plugin.stageProblems(root, devEnvironment({ REMEDIATION_MODE: 'enforc', MIN_ALERT_SEVERITY: 'hgih', RETENTION_DAYS: 'forever', SGWATCH_STORE: 'sqlite', CONSOLE_ALERTS: 'yes' }));
    expect(problems).toEqual([
      'parameter storeKind is "sqlite"; expected dynamodb or memory',
      'parameter consoleAlerts is "yes"; expected true or false',
      'parameter remediationMode is "enforc"; expected one of off, dry-run, enforce',
      'parameter minAlertSeverity is "hgih"; expected one of info, low, medium, high, critical',
      'parameter retentionDays is "forever"; expected a whole number of days from 1 to 36500',
    ]);
  });

  it('auditSchedule is an EventBridge schedule expression (osls itself also refuses a malformed one)', () => {
    for (const ok of ['rate(1 day)', 'rate(12 hours)', 'rate(30 minutes)', 'cron(0 6 * * ? *)']) expect(plugin.stageProblems(root, devEnvironment(), undefined, '', ok)).toEqual([]);
    for (const bad of ['daily', 'rate(1 days)', 'rate(2 day)', 'rate(0 hours)', 'cron(0 6 * *)']) {
      expect(plugin.stageProblems(root, devEnvironment(), undefined, '', bad)).toEqual([`parameter auditSchedule is ${JSON.stringify(bad)}; expected an EventBridge schedule: rate(1 day), rate(12 hours), or cron(min hour day month weekday year)`]);
    }
  });

  it('auditRegions are region names (empty: the stack\'s region) and orgAuditMaxTries 1 to 20, named when wrong', () => {
    expect(plugin.stageProblems(root, devEnvironment(), undefined, '', undefined, { auditRegions: 'eu-west-1, us-east-1', orgAuditMaxTries: 5 })).toEqual([]);
    expect(plugin.stageProblems(root, devEnvironment(), undefined, '', undefined, { auditRegions: '', orgAuditMaxTries: 3 })).toEqual([]);
    expect(plugin.stageProblems(root, devEnvironment(), undefined, '', undefined, { auditRegions: 'eu-west-1,Frankfurt', orgAuditMaxTries: 0 })).toEqual([
      'parameter auditRegions holds "Frankfurt"; expected AWS region names separated by commas (eu-west-1,us-east-1), or empty for the stack\'s region',
      'parameter orgAuditMaxTries is "0"; expected a whole number from 1 to 20, the audit queue\'s maxReceiveCount',
    ]);
  });

  it('orgId is empty (one account) or an AWS Organization id', () => {
    for (const ok of ['', 'o-abcdefghij', 'o-0123456789abcdefghijklmnopqrstuv']) expect(plugin.stageProblems(root, devEnvironment({ ORG_ID: ok }))).toEqual([]);
    for (const bad of ['abcdefghij', 'o-ABCDEFGHIJ', 'o-short', 'r-abcd1234567']) {
      expect(plugin.stageProblems(root, devEnvironment({ ORG_ID: bad }))).toEqual([`parameter orgId is ${JSON.stringify(bad)}; expected an AWS Organization id (o- and 10 to 32 lower-case letters or digits), or empty`]);
    }
  });

  it('the checks are the Lambda\'s: the same values fail its parser under the variable names', () => {
    expect(() => parseHandlerConfig({ TABLE_NAME: 't', REMEDIATION_MODE: 'enforc' })).toThrow('REMEDIATION_MODE is "enforc"; expected one of off, dry-run, enforce');
  });

  it('a bad policyFile is reported with the policy loader\'s message', () => {
    const [problem] = plugin.stageProblems(root, devEnvironment(), 'test/fixtures/policies/bad-severity.yml');
    expect(problem).toMatch(/^parameter policyFile: invalid policy .*rules\.public-all-ports\.severity: expected one of .*got "hgih"/);
  });

  it('slackWebhookParameter must be an SSM parameter name: never a URL (not echoed), an ARN, or a malformed path', () => {
    const url = 'https://hooks.slack.com/services/T0/B0/SECRET';
    const [problem] = plugin.stageProblems(root, devEnvironment({ SLACK_WEBHOOK_PARAMETER: url }));
    expect(problem).toMatch(/^parameter slackWebhookParameter looks like a URL; expected the NAME of an SSM SecureString parameter/);
    expect(problem).not.toContain('SECRET');
    for (const bad of ['hooks.slack.com/services/x', 'arn:aws:ssm:eu-west-1:111122223333:parameter/x', 'sgwatch/slack', '/sgwatch//slack', '/sgwatch/', '/aws/slack', 'ssm-slack', 'has space']) {
      expect(parseSsmParameterName(bad, 'p'), bad).toBeUndefined();
    }
    for (const good of ['/sgwatch/slack-webhook', 'sgwatch-slack', '/a.b_c-d/e']) expect(parseSsmParameterName(good, 'p')).toBe(good);
  });

  it('enforce with no role of its own is refused at package time too (the loop guard needs it)', () => {
    expect(plugin.stageProblems(root, devEnvironment({ REMEDIATION_MODE: 'enforce', SELF_ROLE_ARNS: '' }))).toEqual([
      'parameter remediationMode is enforce but provider.environment.SELF_ROLE_ARNS is empty; sgwatch must know its own role to recognise its own revokes (loop guard)',
    ]);
  });
});

describe('${sgwatch:slackWebhookParameterArnPath}', () => {
  const resolveWith = (name: string) =>
    new plugin({ serviceDir: root, service: { functions: {}, service: 'sgwatch' }, classes: { Error } }).configurationVariablesSources.sgwatch.resolve({
      address: 'slackWebhookParameterArnPath',
      resolveVariable: async (v) => (v === 'param:slackWebhookParameter' ? name : undefined),
    });

  it('is the name with exactly one leading / (arn:...:parameter/NAME), or empty without Slack', async () => {
    expect((await resolveWith('/sgwatch/slack')).value).toBe('/sgwatch/slack');
    expect((await resolveWith('sgwatch-slack')).value).toBe('/sgwatch-slack');
    expect((await resolveWith('')).value).toBe('');
    expect(ssmParameterArnPath('/x')).toBe('/x');
  });
});

describe('staging folder clean-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgwatch-staging-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('removes only <function>-<this pid>-<ms>-<hex8> folders', () => {
    const mine = join(dir, 'onChange-4242-1796426259867-681850e6');
    const other = join(dir, 'onChange-4343-1796426259867-681850e6');
    const unrelated = join(dir, 'onChange-4242-notours');
    for (const d of [mine, other, unrelated]) mkdirSync(join(d, 'handlers'), { recursive: true });
    plugin.removeStagingFolders(['onChange'], 4242, dir);
    expect([existsSync(mine), existsSync(other), existsSync(unrelated)]).toEqual([false, true, true]);
  });
});
