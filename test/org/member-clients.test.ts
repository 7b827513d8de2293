/**
 * Organisation-wide look-ups and revokes: a member account's change goes
 * through that account's sgwatch-member role (STS mocked: no local STS
 * server exists); the home account uses the function's own credentials.
 * Each client's credentials are resolved as the SDK resolves them before a
 * request (client.config.credentials()).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { memberEc2Clients, memberRoleArn } from '../../lib/org/member-clients';
import { ROLE_ARN_PATTERN, roleArnFromPattern } from '../../lib/org/role-pattern';
import { runCli } from '../cli/run-cli';
import { ec2ClientPicker } from '../../lib/context/ec2-clients';
import { isSelfActor } from '../../lib/pipeline/loop-guard';
import { parseHandlerConfig } from '../../lib/pipeline/config';
import { buildSlackMessage } from '../../lib/alerts/slack';
import { recordOf, violation } from '../pipeline/builders';

const sts = mockClient(STSClient);
let clock = Date.parse('2026-12-07T10:00:00Z');
/** What the SDK resolves before sending a request with this client. */
const credentialsOf = (c: EC2Client) => (c.config.credentials as () => Promise<{ accessKeyId: string }>)();
const creds = (expiresInMs: number, key = 'ASIAMEMBER') => ({ Credentials: { AccessKeyId: key, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(clock + expiresInMs) } });

beforeEach(() => {
  sts.reset();
  clock = Date.parse('2026-12-07T10:00:00Z');
});

function clients() {
  const own = new Map<string, EC2Client>();
  const ownClient = (region: string) => own.get(region) ?? own.set(region, new EC2Client({ region, credentials: { accessKeyId: 'OWN', secretAccessKey: 'x' } })).get(region)!;
  return { pick: memberEc2Clients({ homeAccount: '111122223333', ownClient, sts: new STSClient({ region: 'eu-west-1' }), now: () => clock }), own: ownClient };
}

describe('member clients', () => {
  it("the home account uses the function's own client; a member account assumes arn:aws:iam::A:role/sgwatch-member once, named after the event", async () => {
    sts.on(AssumeRoleCommand).resolves(creds(3600_000));
    const { pick, own } = clients();
    expect(pick({ account: '111122223333', region: 'eu-west-1' })).toBe(own('eu-west-1'));
    const used = await credentialsOf(pick({ account: '444455556666', region: 'eu-west-1', eventId: 'e-1' }));
    await credentialsOf(pick({ account: '444455556666', region: 'eu-west-1', eventId: 'e-2' }));
    await credentialsOf(pick({ account: '444455556666', region: 'us-east-1', eventId: 'e-3' }));
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1); // cached per account, across regions
    expect(calls[0].args[0].input).toEqual({ RoleArn: 'arn:aws:iam::444455556666:role/sgwatch-member', RoleSessionName: 'sgwatch-e-1', DurationSeconds: 3600 });
    expect(used.accessKeyId).toBe('ASIAMEMBER');
  });

  it('credentials are assumed again 5 minutes before they expire, under the asking event’s name', async () => {
    sts.on(AssumeRoleCommand).resolvesOnce(creds(30 * 60_000, 'ASIAFIRST')).resolves(creds(3600_000, 'ASIASECOND'));
    const { pick } = clients();
    await credentialsOf(pick({ account: '444455556666', region: 'eu-west-1', eventId: 'e-1' }));
    clock += 26 * 60_000;
    await credentialsOf(pick({ account: '444455556666', region: 'eu-west-1', eventId: 'e-9' }));
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls.map((c) => c.args[0].input.RoleSessionName)).toEqual(['sgwatch-e-1', 'sgwatch-e-9']);
  });

  it('a role that cannot be assumed is an error naming the account and the role, tried again on the next event', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' })).resolves(creds(3600_000));
    const { pick } = clients();
    const err = await credentialsOf(pick({ account: '444455556666', region: 'eu-west-1', eventId: 'e-1' })).catch((e: Error) => e);
    expect(String((err as Error).message)).toContain('account 444455556666 is misconfigured for sgwatch: cannot assume arn:aws:iam::444455556666:role/sgwatch-member (AccessDenied: not authorized to perform sts:AssumeRole)');
    await credentialsOf(pick({ account: '444455556666', region: 'eu-west-1', eventId: 'e-2' }));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('the picker hands any account to the member clients (the role is the guard), never a region that is no region name', async () => {
    const { pick } = clients();
    const picker = ec2ClientPicker({ clientForChange: pick });
    await expect(picker({ account: '444455556666', region: 'eu-west-1' })).resolves.toBeInstanceOf(EC2Client);
    await expect(picker({ account: '444455556666', region: 'https://evil.example' })).rejects.toThrow('is not an AWS region name');
    expect(() => pick({ account: 'not-an-account', region: 'eu-west-1' })).toThrow('is not an AWS account id');
    expect(memberRoleArn('444455556666', 'aws-us-gov')).toBe('arn:aws-us-gov:iam::444455556666:role/sgwatch-member');
  });

  it("with ORG_ID, sgwatch's member role in any account is its own (loop guard); without, it is not", () => {
    const env = { TABLE_NAME: 't', SELF_ROLE_ARNS: 'arn:aws:iam::111122223333:role/sgwatch-dev-us-east-1-lambdaRole' };
    const org = parseHandlerConfig({ ...env, ORG_ID: 'o-abcdefghij' });
    expect(org.orgId).toBe('o-abcdefghij');
    const revoker = { arn: 'arn:aws:sts::444455556666:assumed-role/sgwatch-member/sgwatch-e-1', roleArn: 'arn:aws:iam::444455556666:role/sgwatch-member' } as never;
    expect(isSelfActor(revoker, org.selfRoleArns)).toBe(true);
    expect(isSelfActor({ arn: 'arn:aws:sts::444455556666:assumed-role/other/x' } as never, org.selfRoleArns)).toBe(false);
    expect(isSelfActor(revoker, parseHandlerConfig(env).selfRoleArns)).toBe(false);
    expect(() => parseHandlerConfig({ ...env, ORG_ID: 'org-1' })).toThrow('ORG_ID is "org-1"');
  });

  it("ORG_ACCOUNTS: 12-digit ids, with the stack's own account always in; a bad id names the variable", () => {
    const env = { TABLE_NAME: 't', SELF_ROLE_ARNS: 'arn:aws:iam::111122223333:role/sgwatch-dev-us-east-1-lambdaRole' };
    expect(parseHandlerConfig({ ...env, ORG_ACCOUNTS: '444455556666, 555566667777' }).allowedAccounts).toEqual(['444455556666', '555566667777', '111122223333']);
    expect(parseHandlerConfig(env).allowedAccounts).toBeUndefined();
    expect(() => parseHandlerConfig({ ...env, ORG_ACCOUNTS: '4444-5555' })).toThrow('ORG_ACCOUNTS holds "4444-5555"; expected 12-digit AWS account ids');
  });

  it('the one alert about an unknown account says so in its header and its push text', () => {
    const result = violation({ eventId: 'e-x', account: '999988887777' });
    const message = buildSlackMessage({ record: recordOf(result), remediation: undefined, reason: 'unknown-account' });
    expect(JSON.stringify(message.blocks[0])).toContain('events from an account outside the allow-list (orgAccounts)');
    expect(message.text).toContain('999988887777');
  });

  it('the CLI\'s --assume-role-arn: every account, the caller\'s included, through the pattern\'s role', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(3600_000));
    const own = (region: string) => new EC2Client({ region });
    const pick = memberEc2Clients({ roleArnFor: roleArnFromPattern('arn:aws:iam::{account}:role/audit/sgwatch-read'), ownClient: own, sts: new STSClient({ region: 'eu-west-1' }), now: () => clock });
    await credentialsOf(pick({ account: '111122223333', region: 'eu-west-1', eventId: 'e-1' }));
    await credentialsOf(pick({ account: '444455556666', region: 'eu-west-1', eventId: 'e-2' }));
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual(['arn:aws:iam::111122223333:role/audit/sgwatch-read', 'arn:aws:iam::444455556666:role/audit/sgwatch-read']);
    expect(ROLE_ARN_PATTERN.test('arn:aws:iam::{account}:role/sgwatch-member')).toBe(true);
    for (const bad of ['arn:aws:iam::123456789012:role/x', 'sgwatch-member', 'arn:aws:iam::{account}:user/x']) expect(ROLE_ARN_PATTERN.test(bad)).toBe(false);
  });

  it('replay refuses a pattern without {account}, before anything is read (exit 2)', async () => {
    const run = await runCli(['replay', 'events/authorize/ssh-open-to-world.json', '--store', 'memory', '--describe', '--assume-role-arn', 'arn:aws:iam::123456789012:role/x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--assume-role-arn: expected an IAM role ARN with {account}');
    expect(run.stdout).toBe('');
  });
});

