/**
 * onChange organisation-wide with policy overrides by OU, through the real
 * wiring (buildLambdaDeps): each account's OU path comes from Organizations
 * (ListParents mocked up to the root), cached per account, and the override
 * of the account's OU sets the mode its change is judged and remediated under.
 * The history table is dynalite; EC2, STS and SNS are mocked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListParentsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { Logger } from '@aws-lambda-powertools/logger';
import { startEmbeddedStore, type EmbeddedStore } from '../../lib/store/embedded';
import { freshTable } from './fresh-table';
import { buildLambdaDeps, createOnChange, type CloudTrailEvent } from '../../lib/wiring/lambda';
import { parsePolicy } from '../../lib/policy/load';

const HOME = '626708301729';
const PROD = '444455556666'; // in ou-ab12-prod0001 (Organizations)
const SANDBOX = '777788889999'; // directly under the root
const POLICY = `
# The static map says the opposite of Organizations: Organizations wins when it answers.
organizationalUnits:
  ou-ab12-prod0001: ["${SANDBOX}"]
overrides:
  ou-ab12-prod0001:
    remediationMode: dry-run
`;

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const orgs = mockClient(OrganizationsClient);
const sts = mockClient(STSClient);
let embedded: EmbeddedStore;

beforeAll(async () => {
  embedded = await startEmbeddedStore({ inMemory: true, tableName: 'on-change-ou' });
});
afterAll(async () => embedded?.close());
beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'us-east-1');
  for (const m of [ec2, sns, orgs, sts]) m.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sts.on(AssumeRoleCommand).callsFake(async (input) => ({
    Credentials: { AccessKeyId: `ASIA${String(input.RoleArn).split(':')[4]}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) },
  }));
  orgs.on(ListParentsCommand).callsFake(async (input) => {
    if (input.ChildId === PROD) return { Parents: [{ Id: 'ou-ab12-prod0001', Type: 'ORGANIZATIONAL_UNIT' }] };
    return { Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] };
  });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  ec2.on(DescribeSecurityGroupsCommand).callsFake(async (input) => ({ SecurityGroups: (input.GroupIds ?? []).map((GroupId: string) => ({ GroupId, GroupName: 'web', Tags: [] })) }));
  // By ids, or by the filters the remediator uses (group-id and security-group-rule-id).
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(async (input) => ({
    SecurityGroupRules: (input.SecurityGroupRuleIds ?? input.Filters?.find((f: { Name: string }) => f.Name === 'security-group-rule-id')?.Values ?? []).map((id: string) => ({ SecurityGroupRuleId: id, GroupId: 'sg-0a1b2c3d4e5f60001', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' })),
  }));
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
});

/** The shipped world-open SSH record, made in `account`, as EventBridge delivers it. */
function worldSshIn(account: string, eventId: string): CloudTrailEvent {
  const detail = { ...JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'authorize', 'ssh-open-to-world.json'), 'utf8').replaceAll('111122223333', account)), eventID: eventId };
  return { version: '0', id: `eb-${eventId}`, 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account, time: detail.eventTime, region: detail.awsRegion, resources: [], detail } as CloudTrailEvent;
}

async function handler() {
  const tableName = `ou-${Date.now()}`;
  await freshTable(embedded.endpoint, tableName);
  const env = {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: embedded.endpoint,
    ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${HOME}:sgwatch-alerts`,
    REMEDIATION_MODE: 'enforce',
    MIN_ALERT_SEVERITY: 'medium',
    SELF_ROLE_ARNS: `arn:aws:iam::${HOME}:role/sgwatch-prod-us-east-1-lambdaRole`,
    ORG_ID: 'o-abcdefghij',
  };
  const logger = new Logger({ serviceName: 'sgwatch-test', logLevel: 'SILENT' });
  const deps = buildLambdaDeps(env, logger, { policy: (file) => parsePolicy(POLICY, file), slack: () => ({ name: 'slack', send: async () => undefined }) });
  return createOnChange(deps, logger);
}

const revokedIn = async () => {
  const accounts: string[] = [];
  for (const c of ec2.commandCalls(RevokeSecurityGroupIngressCommand)) {
    const { accessKeyId } = await (c.thisValue as EC2Client).config.credentials();
    accounts.push(accessKeyId.replace('ASIA', ''));
  }
  return accounts;
};

describe('onChange with overrides by OU from Organizations', () => {
  it("the account's OU (ListParents up to the root, once per account) sets its mode: dry-run in the prod OU, the stack's enforce elsewhere", async () => {
    const onChange = await handler();
    const prod = await onChange(worldSshIn(PROD, 'ou-prod-1'), {} as never);
    expect(prod).toMatchObject({ eventId: 'ou-prod-1', outcome: 'violation', remediation: 'would-revoke' });
    const sandbox = await onChange(worldSshIn(SANDBOX, 'ou-sandbox-1'), {} as never);
    expect(sandbox).toMatchObject({ eventId: 'ou-sandbox-1', outcome: 'violation', remediation: 'revoked' });
    // Revoked in the sandbox account only, through its own role: the prod OU's dry-run held.
    expect(await revokedIn()).toEqual([SANDBOX]);
    // ListParents: the prod account, then its OU (up to the root); the sandbox account once.
    expect(orgs.commandCalls(ListParentsCommand).map((c) => c.args[0].input.ChildId)).toEqual([PROD, 'ou-ab12-prod0001', SANDBOX]);
    // A second change of the prod account: its OU path is cached.
    const again = await onChange(worldSshIn(PROD, 'ou-prod-2'), {} as never);
    expect(again).toMatchObject({ remediation: 'would-revoke' });
    expect(orgs.commandCalls(ListParentsCommand)).toHaveLength(3);
  });

  it("Organizations denied: the policy's static organizationalUnits: map is used instead", async () => {
    orgs.on(ListParentsCommand).rejects(Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException' }));
    const onChange = await handler();
    // By the static map, the sandbox account is in the prod OU: dry-run; the prod account in none: enforce.
    expect(await onChange(worldSshIn(SANDBOX, 'static-sandbox'), {} as never)).toMatchObject({ remediation: 'would-revoke' });
    expect(await onChange(worldSshIn(PROD, 'static-prod'), {} as never)).toMatchObject({ remediation: 'revoked' });
    expect(await revokedIn()).toEqual([PROD]);
  });
});
