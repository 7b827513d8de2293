/**
 * The packaged CloudFormation template (`osls package --stage dev`, offline,
 * dummy credentials). Packaged once, the template and zip kept in
 * .serverless/template-test and reused while the inputs are unchanged (osls
 * cannot package into a folder inside .serverless/ itself, so they are copied).
 * Also `osls invoke local --stage local`, in this file so that it never runs
 * concurrently with the packaging (both use .esbuild/ and .serverless/).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
// The event names the normaliser turns into changes: the rule must route every one of them.
import { SECURITY_GROUP_EVENTS as SECURITY_GROUP_EVENT_NAMES } from '../../lib/cloudtrail/normalise';
import { TABLE_DEFINITION } from '../../lib/store/table';

const root = join(__dirname, '..', '..');
const outDir = join(root, '.serverless', 'template-test');
const templatePath = join(outDir, 'cloudformation-template-update-stack.json');
// Everything the package is built from: a change to any of these repackages.
const inputs = ['serverless.yml', 'esbuild.config.js', 'package-lock.json', 'lib', 'handlers', 'scripts', 'test/deploy/template.test.ts'];
// A Slack parameter without its leading `/`: its grant must still be that one parameter's ARN.
const SLACK_PARAMETER = 'sgwatch-slack-webhook';
// Revokes limited to two VPCs (an 8- and a 17-digit id).
const WATCHED_VPCS = 'vpc-0a1b2c3d, vpc-0123456789abcdef0';
// Organisation-wide: the central bus and its rule exist (condition OrgDeployment).
const ORG_ID = 'o-abcdefghij';
const packageEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLY', AWS_SECRET_ACCESS_KEY: 'package-only', SLS_TELEMETRY_DISABLED: '1' };

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

type Json = Record<string, any>;
let template: Json;
let resources: Record<string, Json>;

function fresh(): boolean {
  if (!existsSync(templatePath) || !existsSync(join(outDir, 'onChange.zip'))) return false;
  const built = statSync(templatePath).mtimeMs;
  return !process.env.CI && inputs.every((f) => newest(join(root, f)) < built);
}

beforeAll(async () => {
  if (!fresh()) {
    await promisify(execFile)('npx', ['osls', 'package', '--stage', 'dev', '--region', 'us-east-1', `--param=slackWebhookParameter=${SLACK_PARAMETER}`, `--param=watchedVpcs=${WATCHED_VPCS}`, `--param=orgId=${ORG_ID}`], {
      cwd: root,
      env: packageEnv,
      timeout: 120_000,
    });
    mkdirSync(outDir, { recursive: true });
    copyFileSync(join(root, '.serverless', 'onChange.zip'), join(outDir, 'onChange.zip'));
    copyFileSync(join(root, '.serverless', 'cloudformation-template-update-stack.json'), templatePath);
  }
  template = JSON.parse(readFileSync(templatePath, 'utf8'));
  resources = template.Resources;
}, 150_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const one = (type: string) => {
  const list = ofType(type);
  expect(list, type).toHaveLength(1);
  return list[0][1];
};
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every IAM statement of the stack with the resource (and its Condition) it lives in. */
function statements(): { owner: string; condition?: string; statement: Json }[] {
  const out: { owner: string; condition?: string; statement: Json }[] = [];
  for (const [id, r] of Object.entries(resources)) {
    const docs: Json[] = [];
    if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties.Policies ?? []) docs.push(p.PolicyDocument);
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') docs.push(r.Properties.PolicyDocument);
    for (const d of docs) for (const s of asArray(d.Statement)) out.push({ owner: id, condition: r.Condition, statement: s });
  }
  return out;
}

describe('packaged template', () => {
  it('the EventBridge rule matches CloudTrail EC2 calls for every event name, failed calls included', () => {
    const rule = resources.SecurityGroupChangeRule;
    const pattern = rule.Properties.EventPattern;
    expect(pattern.source).toEqual(['aws.ec2']);
    expect(pattern['detail-type']).toEqual(['AWS API Call via CloudTrail']);
    expect(pattern.detail.eventSource).toEqual(['ec2.amazonaws.com']);
    expect([...pattern.detail.eventName].sort()).toEqual([...SECURITY_GROUP_EVENT_NAMES].sort());
    expect(SECURITY_GROUP_EVENT_NAMES).toEqual(expect.arrayContaining(['ModifySecurityGroupRules', 'ModifyNetworkInterfaceAttribute', 'ModifyInstanceAttribute', 'UpdateSecurityGroupRuleDescriptionsEgress']));
    expect(pattern.detail).not.toHaveProperty('errorCode');
  });

  it('the rule targets the function with a retry policy and an encrypted SQS dead-letter queue; failed runs land there too', () => {
    const rule = resources.SecurityGroupChangeRule;
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['OnChangeLambdaFunction', 'Arn'] });
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    const [dlqId, dlq] = ofType('AWS::SQS::Queue')[0];
    expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    expect(target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
    const queuePolicy = one('AWS::SQS::QueuePolicy');
    const [allow] = queuePolicy.Properties.PolicyDocument.Statement;
    expect(allow).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' });
    const ruleId = 'SecurityGroupChangeRule';
    expect(allow.Condition.ArnEquals['aws:SourceArn']).toEqual([{ 'Fn::GetAtt': [ruleId, 'Arn'] }, { 'Fn::If': ['OrgDeployment', { 'Fn::GetAtt': ['OrgChangeRule', 'Arn'] }, { Ref: 'AWS::NoValue' }] }]);
    const permission = ofType('AWS::Lambda::Permission').find(([, p]) => JSON.stringify(p.Properties.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [ruleId, 'Arn'] }));
    expect(permission?.[1].Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
    expect(resources.OnChangeLambdaEvConf.Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
  });

  it('the audit function has a role of its own that can never revoke, whatever remediationMode says', () => {
    expect(resources.AuditLambdaFunction.Properties.Role).toEqual({ 'Fn::GetAtt': ['AuditRole', 'Arn'] });
    const own = statements().filter((s) => s.owner === 'AuditRole');
    const actions = own.flatMap((s) => asArray(s.statement.Action as string | string[]));
    expect(actions.filter((a) => /Revoke|Authorize|Modify|Delete|Create(?!LogStream)/.test(a))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['ec2:DescribeSecurityGroupRules', 'dynamodb:Query', 'sns:Publish', 'logs:PutLogEvents']));
    for (const id of ['RemediationPolicy', 'RemediationVpcScope']) expect(JSON.stringify(resources[id]?.Properties.Roles ?? [])).not.toContain('AuditRole');
    expect(resources.AuditRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  });

  it('the audit runs on its schedule (default daily), its failures land in the same dead-letter queue, and it has no rule of its own on CloudTrail events', () => {
    const rules = ofType('AWS::Events::Rule').filter(([id]) => id !== 'SecurityGroupChangeRule' && id !== 'OrgChangeRule');
    // The audit's schedule, and the delivery check's (issue 10) with its input.
    expect(rules).toHaveLength(2);
    const [audit, check] = [...rules].sort(([, a], [, b]) => (a.Properties.Targets[0].Input ? 1 : 0) - (b.Properties.Targets[0].Input ? 1 : 0)).map(([, r]) => r);
    expect(audit.Properties.ScheduleExpression).toBe('rate(1 day)');
    expect(audit.Properties.Targets[0].Input).toBeUndefined();
    expect(check.Properties.ScheduleExpression).toBe('rate(30 minutes)');
    expect(JSON.parse(check.Properties.Targets[0].Input)).toEqual({ check: 'canaries' });
    for (const schedule of [audit, check]) {
      expect(schedule.Properties.EventPattern).toBeUndefined();
      expect(schedule.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['AuditLambdaFunction', 'Arn'] });
    }
    expect(resources.AuditLambdaFunction.Properties.Environment.Variables.CANARY_PERIOD_MINUTES).toBe('60');
    expect(resources.AuditLambdaFunction.Properties.Handler).toBe('handlers/audit.handler');
    expect(resources.AuditLambdaEvConf.Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['ChangeDeadLetterQueue', 'Arn'] });
  });

  it('organisation-wide (orgId set): a bus only the Organization may put on, a rule from it to onChange with the same pattern, retries and dead-letter queue', () => {
    expect(template.Conditions.OrgDeployment).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [ORG_ID, ''] }] });
    for (const id of ['OrgBus', 'OrgBusPolicy', 'OrgChangeRule', 'OrgChangeRulePermission']) expect(resources[id].Condition).toBe('OrgDeployment');
    expect(resources.OrgBus.Properties.Name).toBe('sgwatch-org-dev');
    expect(resources.OrgBusPolicy.Properties).toEqual({
      EventBusName: { Ref: 'OrgBus' },
      StatementId: 'sgwatch-organization-only',
      Statement: { Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': ['OrgBus', 'Arn'] }, Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } } },
    });
    const org = resources.OrgChangeRule.Properties;
    const own = resources.SecurityGroupChangeRule.Properties;
    expect(org.EventBusName).toEqual({ Ref: 'OrgBus' });
    expect(org.EventPattern).toEqual(own.EventPattern);
    expect(org.Targets[0]).toEqual({ ...own.Targets[0], Id: 'sgwatch-on-change-org' });
    expect(resources.OrgChangeRulePermission.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': ['OrgChangeRule', 'Arn'] } });
    expect(template.Outputs.OrgBusArn).toEqual({ Condition: 'OrgDeployment', Value: { 'Fn::GetAtt': ['OrgBus', 'Arn'] } });
    expect(template.Outputs.CentralRoleArn.Value).toEqual({ 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] });
    // onChange acts in a member account through that account's sgwatch-member role only, inside the Organization.
    expect(resources.AssumeMemberRoles.Condition).toBe('OrgDeployment');
    expect(resources.AssumeMemberRoles.Properties.Roles).toEqual([{ Ref: 'IamRoleLambdaExecution' }]);
    expect(resources.AssumeMemberRoles.Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'AssumeMemberRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/sgwatch-member' }, Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } } },
      // Overrides by OU: the one read-only Organizations call, on this Organization's accounts and OUs only.
      {
        Sid: 'ReadOuOfAccounts',
        Effect: 'Allow',
        Action: 'organizations:ListParents',
        Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:organizations::*:account/${ORG_ID}/*` }, { 'Fn::Sub': `arn:\${AWS::Partition}:organizations::*:ou/${ORG_ID}/*` }],
      },
    ]);
    expect(resources.OnChangeLambdaFunction.Properties.Environment.Variables.ORG_ID).toBe(ORG_ID);
    expect(JSON.stringify(resources.AuditRole.Properties.Policies)).not.toContain('sts:');
  });

  it('organisation-wide audit: a queue with redrive to its own dead-letter queue, workers under the audit role with bounded concurrency, read-only through member roles', () => {
    for (const id of ['OrgAuditQueue', 'OrgAuditDeadLetterQueue', 'OrgAuditQueueMapping', 'AuditOrganization']) expect(resources[id].Condition, id).toBe('OrgDeployment');
    const queue = resources.OrgAuditQueue.Properties;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['OrgAuditDeadLetterQueue', 'Arn'] }, maxReceiveCount: 3 });
    expect(queue.SqsManagedSseEnabled).toBe(true);
    // A message is never delivered again while a worker (900 s) still audits it.
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * resources.OrgAuditWorkerLambdaFunction.Properties.Timeout);
    expect(resources.OrgAuditWorkerLambdaFunction.Properties.Role).toEqual({ 'Fn::GetAtt': ['AuditRole', 'Arn'] });
    expect(resources.OrgAuditWorkerLambdaFunction.Properties.Environment.Variables.ORG_AUDIT_MAX_TRIES).toBe('3');
    expect(resources.OrgAuditQueueMapping.Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': ['OrgAuditQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['OrgAuditWorkerLambdaFunction', 'Arn'] },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    // The schedule fans out only organisation-wide.
    expect(resources.AuditLambdaFunction.Properties.Environment.Variables.ORG_AUDIT_QUEUE_URL).toEqual({ 'Fn::If': ['OrgDeployment', { Ref: 'OrgAuditQueue' }, ''] });
    const org = resources.AuditOrganization.Properties;
    expect(org.Roles).toEqual([{ Ref: 'AuditRole' }]);
    const bySid = Object.fromEntries(org.PolicyDocument.Statement.map((st: Json) => [st.Sid, st]));
    expect(bySid.AssumeMemberRolesToAudit).toEqual({ Sid: 'AssumeMemberRolesToAudit', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/sgwatch-member' }, Condition: { StringEquals: { 'aws:ResourceOrgID': ORG_ID } } });
    // ListAccounts takes no resource but '*'; it is the only statement with it in this policy.
    expect(bySid.ListOrganizationAccounts).toEqual({ Sid: 'ListOrganizationAccounts', Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' });
    expect(org.PolicyDocument.Statement.filter((st: Json) => st.Resource === '*').map((st: Json) => st.Sid)).toEqual(['ListOrganizationAccounts']);
    expect(bySid.AuditQueue.Resource).toEqual({ 'Fn::GetAtt': ['OrgAuditQueue', 'Arn'] });
    // Only the audit role touches the audit queue: never the change function's role.
    const elsewhere = statements().filter((st) => st.owner !== 'AuditOrganization' && JSON.stringify(st.statement.Resource ?? '').includes('OrgAuditQueue'));
    expect(elsewhere).toEqual([]);
    expect(template.Outputs.CentralAuditRoleArn.Value).toEqual({ 'Fn::GetAtt': ['AuditRole', 'Arn'] });
  });

  it('the table is on-demand with PITR, TTL on expiresAt, SSE, and the keys of lib/store/table.json', () => {
    const table = one('AWS::DynamoDB::Table').Properties;
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.SSESpecification.SSEEnabled).toBe(true);
    expect(table.KeySchema).toEqual(TABLE_DEFINITION.KeySchema);
    expect(table.GlobalSecondaryIndexes).toEqual(TABLE_DEFINITION.GlobalSecondaryIndexes);
  });

  it('the alert topic is KMS-encrypted', () => {
    expect(one('AWS::SNS::Topic').Properties.KmsMasterKeyId).toBeTruthy();
  });

  it('no IAM statement grants a wildcard action (exact ec2:Describe and prefix-list Get actions only)', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(3);
    for (const { owner, statement } of all) {
      expect(statement.NotAction, owner).toBeUndefined();
      for (const action of asArray(statement.Action as string | string[])) {
        expect(action, `${owner}: ${action}`).not.toContain('*');
        if (String(action).startsWith('ec2:')) expect(action).toMatch(/^ec2:(RevokeSecurityGroup(Ingress|Egress)|Describe[A-Z][A-Za-z]+|GetManagedPrefixList(Entries|Associations))$/);
      }
    }
    const dynamo = all.find((s) => asArray(s.statement.Action).some((a: string) => a.startsWith('dynamodb:')))!;
    expect(asArray(dynamo.statement.Resource)).toEqual([{ 'Fn::GetAtt': ['ChangesTable', 'Arn'] }, { 'Fn::Sub': '${ChangesTable.Arn}/index/*' }]);
    const publish = all.find((s) => asArray(s.statement.Action).includes('sns:Publish'))!;
    expect(publish.statement.Resource).toEqual({ Ref: 'AlertTopic' });
  });

  it('revoke permissions exist only under the enforce condition (false for the dev stage), scoped to the account and region', () => {
    const revoking = statements().filter((s) => asArray(s.statement.Action).some((a: string) => /^ec2:Revoke/.test(a)));
    expect(revoking.length).toBeGreaterThan(0);
    for (const s of revoking) {
      // Every revoke statement exists only under enforce (RestrictRevokesToWatchedVpcs includes it, below).
      expect(['EnforceRemediation', 'RestrictRevokesToWatchedVpcs'], s.owner).toContain(s.condition);
      for (const r of asArray(s.statement.Resource)) expect(JSON.stringify(r)).toMatch(/AWS::Region.*AWS::AccountId.*security-group/);
    }
    expect(template.Conditions.EnforceRemediation).toEqual({ 'Fn::Equals': ['dry-run', 'enforce'] });
    // The grant holds only for the stack's own account; a group tagged sgwatch:protect=true is denied outright.
    const allow = revoking.filter((s) => s.statement.Effect === 'Allow');
    const deny = revoking.filter((s) => s.statement.Effect === 'Deny');
    expect(allow).toHaveLength(1);
    expect(allow[0].statement.Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } });
    expect(deny).toHaveLength(2);
    const protect = deny.find((d) => d.statement.Sid === 'NeverRevokeInProtectedGroups')!;
    expect(asArray(protect.statement.Action).sort()).toEqual(['ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress']);
    expect(protect.statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/sgwatch:protect': 'true' } });
    expect(JSON.stringify(protect.statement.Resource)).toMatch(/:security-group\/\*/);
    // watchedVpcs: revokes in any other VPC are denied, in a policy that exists only when the list is set under enforce.
    const vpcs = deny.find((d) => d.statement.Sid === 'RevokeOnlyInWatchedVpcs')!;
    expect(vpcs.condition).toBe('RestrictRevokesToWatchedVpcs');
    expect(template.Conditions.RestrictRevokesToWatchedVpcs).toEqual({ 'Fn::And': [{ Condition: 'EnforceRemediation' }, { 'Fn::Not': [{ 'Fn::Equals': [WATCHED_VPCS, ''] }] }] });
    expect(asArray(vpcs.statement.Action).sort()).toEqual(['ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress']);
    expect(vpcs.statement.Condition).toEqual({ StringNotLike: { 'ec2:Vpc': ['arn:*:ec2:*:*:vpc/vpc-0a1b2c3d', 'arn:*:ec2:*:*:vpc/vpc-0123456789abcdef0'] } });
    expect(JSON.stringify(vpcs.statement.Resource)).toMatch(/AWS::Region.*AWS::AccountId.*:security-group\/\*/);
    // Reading a rule's direction (CloudTrail does not record it for ModifySecurityGroupRules), a
    // group's name (records name groups by id; default-group-rule needs the name) and the inventory
    // (exposure, tags, prefix lists) is granted in every mode, read-only (Describe/Get only), in one
    // statement apart from the revoke actions.
    const describing = statements().filter((s) => s.owner !== 'AuditRole' && asArray(s.statement.Action).some((a: string) => a.startsWith('ec2:Describe')));
    expect(describing).toHaveLength(1);
    // The audit's own role reads the same, and only reads.
    const auditReads = statements().filter((s) => s.owner === 'AuditRole' && asArray(s.statement.Action).some((a: string) => a.startsWith('ec2:')));
    expect(auditReads).toHaveLength(1);
    expect(asArray(auditReads[0]!.statement.Action).every((a: string) => /^ec2:(Describe|Get)/.test(a))).toBe(true);
    expect(describing[0].condition).toBeUndefined();
    expect(asArray(describing[0].statement.Action)).toEqual([
      'ec2:DescribeSecurityGroupRules',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeManagedPrefixLists',
      'ec2:GetManagedPrefixListEntries',
      'ec2:GetManagedPrefixListAssociations',
    ]);
    for (const a of asArray(describing[0].statement.Action)) expect(a).toMatch(/^ec2:(Describe|Get)[A-Za-z]+$/);
    expect(asArray(describing[0].statement.Resource)).toEqual(['*']);
    const ssm = statements().filter((s) => asArray(s.statement.Action).some((a: string) => a.startsWith('ssm:') || a.startsWith('kms:')));
    for (const s of ssm) expect(s.condition).toBe('HasSlack');
  });

  it('the function: nodejs22.x on arm64, JSON logs, and an environment with names and references but no secret', () => {
    const fn = resources.OnChangeLambdaFunction.Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.LoggingConfig.LogFormat).toBe('JSON');
    expect(fn.MemorySize).toBeGreaterThanOrEqual(256);
    expect(fn.Timeout).toBeLessThanOrEqual(60);
    const env: Record<string, unknown> = fn.Environment.Variables;
    expect(env).toMatchObject({ REMEDIATION_MODE: 'dry-run', MIN_ALERT_SEVERITY: 'medium', RETENTION_DAYS: '400', TABLE_NAME: { Ref: 'ChangesTable' }, ALERT_TOPIC_ARN: { Ref: 'AlertTopic' } });
    expect(env.SELF_ROLE_ARNS).toEqual({ 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] });
    for (const [name, value] of Object.entries(env)) {
      expect(name).not.toMatch(/SECRET|TOKEN|PASSWORD|WEBHOOK_URL/i);
      expect(JSON.stringify(value)).not.toMatch(/hooks\.slack\.com|xox[abp]-/);
    }
    expect(JSON.stringify(template)).not.toMatch(/hooks\.slack\.com/);
  });

  it('the Slack webhook grant is the one parameter named (its ARN path has one leading /), decrypt only through SSM for it', () => {
    const arn = `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${SLACK_PARAMETER}`;
    const policy = resources.SlackWebhookPolicy;
    expect(policy.Condition).toBe('HasSlack');
    expect(template.Conditions.HasSlack).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [SLACK_PARAMETER, ''] }] });
    const [read, decrypt] = policy.Properties.PolicyDocument.Statement;
    expect(read).toEqual({ Sid: 'ReadSlackWebhook', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: { 'Fn::Sub': arn } });
    expect(decrypt.Action).toEqual(['kms:Decrypt']);
    expect(decrypt.Condition.StringEquals['kms:EncryptionContext:PARAMETER_ARN']).toEqual({ 'Fn::Sub': arn });
    expect(resources.OnChangeLambdaFunction.Properties.Environment.Variables.SLACK_WEBHOOK_PARAMETER).toBe(SLACK_PARAMETER);
  });

  it('the zipped bundle is at most 1 MB', () => {
    const size = statSync(join(outDir, 'onChange.zip')).size;
    expect(size).toBeGreaterThan(50_000); // it really holds the bundle
    expect(size).toBeLessThanOrEqual(1024 * 1024);
  });
});

/** `osls package` with one bad stage parameter: it must fail fast (no hang), naming the parameter, the value and what is expected. */
async function packageWith(param: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile('timeout', ['60', 'npx', 'osls', 'package', '--stage', 'dev', '--region', 'us-east-1', `--param=${param}`], { cwd: root, env: packageEnv, timeout: 70_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, output: stdout + stderr });
    });
  });
}

describe('osls package refuses bad stage parameters (after packaging)', () => {
  const SECRET = '/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';
  it.each([
    ['remediationMode=enforc', 'parameter remediationMode is "enforc"; expected one of off, dry-run, enforce'],
    ['minAlertSeverity=hgih', 'parameter minAlertSeverity is "hgih"; expected one of info, low, medium, high, critical'],
    ['retentionDays=forever', 'parameter retentionDays is "forever"; expected a whole number of days from 1 to 36500'],
    [`slackWebhookParameter=https://hooks.slack.com${SECRET}`, 'parameter slackWebhookParameter looks like a URL; expected the NAME of an SSM SecureString parameter'],
    ['slackWebhookParameter=sgwatch/slack', 'parameter slackWebhookParameter is "sgwatch/slack"; expected the NAME of an SSM SecureString parameter'],
    ['policyFile=test/fixtures/policies/bad-severity.yml', 'parameter policyFile: invalid policy test/fixtures/policies/bad-severity.yml: test/fixtures/policies/bad-severity.yml: rules.public-all-ports.severity: expected one of info|low|medium|high|critical, got "hgih"'],
    ['policyFile=nope/missing.yml', 'parameter policyFile: policyFile nope/missing.yml: no such file'],
    ['watchedVpcs=vpc-xyz,vpc-0a1b2c3d', 'parameter watchedVpcs has "vpc-xyz"; expected VPC ids (vpc- and 8 or 17 hex digits) separated by commas, or empty for every VPC'],
  ])('%s', async (param, message) => {
    const { code, output } = await packageWith(param);
    expect(code, output).toBe(1); // not 124: timeout's code for the hang it used to be
    expect(output).toContain('sgwatch: invalid stage parameters');
    expect(output).toContain(message);
    expect(output).not.toMatch(/\n\s+at \S+ \(/); // no stack trace
    expect(output).not.toContain(SECRET); // a webhook given by mistake is never echoed
  }, 80_000);
});

describe('osls invoke local --stage local (after packaging)', () => {
  it('judges a world-open rule, alerts on the console and plans the revoke, without credentials', async () => {
    const env: Record<string, string | undefined> = { ...process.env, SLS_TELEMETRY_DISABLED: '1', NO_COLOR: '1' };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[k];
    const { stdout, stderr } = await promisify(execFile)(
      'timeout',
      ['90', 'npx', 'osls', 'invoke', 'local', '--stage', 'local', '-f', 'onChange', '-p', 'test/handlers/fixtures/authorize-world-all-ports.eventbridge.json'],
      { cwd: root, env, timeout: 100_000 },
    );
    const output = stdout + stderr;
    expect(output).toMatch(/"status": "stored"/);
    expect(output).toMatch(/"remediation": "would-revoke"/);
    expect(output).toMatch(/"alert": "violation"/);
    expect(output).toMatch(/public-all-ports/); // the console alert
    expect(output).toMatch(/"level":"INFO","message":"change processed"/); // Powertools JSON log line
    // The local stage is no account: no account guard that refuses look-ups for "another" account.
    expect(output).not.toMatch(/these credentials see account|000000000000/);
  }, 120_000);
});
