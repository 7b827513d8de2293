/**
 * Real CloudTrail records gathered from public projects (see
 * test/fixtures/cloudtrail-samples/README.md), each normalised and checked
 * field by field. The `.eventbridge.json` twin of a record must normalise to
 * the same change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalise } from '../../lib/cloudtrail/normalise';
import type { ActorVia, Change, ChangeKind, RuleChange } from '../../lib/model';

const DIR = 'test/fixtures/cloudtrail-samples';
const load = (f: string): unknown => JSON.parse(readFileSync(`${DIR}/${f}`, 'utf8'));

type R = Partial<RuleChange>;
const v4 = (cidr: string) => ({ kind: 'cidr4', cidr }) as const;
const v6 = (cidr: string) => ({ kind: 'cidr6', cidr }) as const;
const tcp = (from: number, to = from) => ({ protocol: 'tcp', fromPort: from, toPort: to });
const all = { protocol: '-1', fromPort: null, toPort: null };

interface Case {
  file: string;
  kind: ChangeKind;
  groupId: string | null;
  account: string;
  via: ActorVia;
  rules: R[];
  error?: { code: string; denied: boolean };
  extra?: Partial<Change>;
}

const IN = 'AuthorizeSecurityGroupIngress';
const CASES: Case[] = [
  { file: `${IN}/aws-spotlight-1.json`, kind: 'authorize', groupId: 'sg-0fa72d6ba38a0ca4a', account: '999999999999', via: 'console',
    rules: [{ action: 'add', direction: 'ingress', ...tcp(3306), source: v4('0.0.0.0/0') }, { action: 'add', direction: 'ingress', ...tcp(3306), source: v6('::/0') }] },
  { file: `${IN}/bu-cfn-1.json`, kind: 'authorize', groupId: 'sg-01f414f5313452cd1', account: '770203350335', via: 'cloudformation',
    rules: [{ direction: 'ingress', ...tcp(1521), source: { kind: 'group', groupId: 'sg-0e4d6b8a99395a608', ownerAccount: '770203350335' }, ruleId: 'sgr-052f232f61106d4c4', description: 'Allows ingress to an rds instance created in another stack from the alb created in this stack.' }] },
  { file: `${IN}/bu-cfn-2.json`, kind: 'authorize', groupId: 'sg-01f414f5313452cd1', account: '770203350335', via: 'cloudformation',
    rules: [{ ...tcp(1521), source: { kind: 'group', groupId: 'sg-000537769a1c2d858', ownerAccount: '770203350335' }, ruleId: 'sgr-02e2ca7d55820dc26' }] },
  { file: `${IN}/elastic-integrations-1.json`, kind: 'authorize', groupId: 'sg-0f63fecfa17ef4fee', account: '000000000', via: 'sdk',
    rules: [{ ...tcp(22), source: v4('203.0.113.0/24'), ruleId: 'sgr-027eb7c59241731e0' }] },
  { file: `${IN}/netflix-historical-1.json`, kind: 'authorize', groupId: 'sg-4e386e31', account: '12345689010', via: 'console',
    rules: [{ ...tcp(0, 65535), source: { kind: 'group', groupId: 'sg-4e386e22' } }] },
  { file: `${IN}/nuvibit-blog-1.json`, kind: 'authorize', groupId: 'sg-b0673be3', account: '626708301729', via: 'console',
    rules: [{ ...tcp(0, 65535), source: v4('0.0.0.0/0'), ruleId: 'sgr-0c609e6f9cdaf10ea' }] },
  { file: `${IN}/panopticon-slack-1.json`, kind: 'authorize', groupId: 'sg-007c4cf0863811b58', account: '158142683155', via: 'console',
    rules: [{ ...tcp(6290), source: v4('0.0.0.0/16'), description: '6290-add1' }, { ...tcp(9062), source: v4('0.0.0.0/32'), description: '9062-add2' }] },
  { file: `${IN}/panther-1.json`, kind: 'authorize', groupId: 'sg-1', account: '123456789012', via: 'console',
    rules: [{ ...tcp(22), source: v4('127.0.0.1/32'), description: 'SSH for me' }] },
  { file: `${IN}/panther-2.json`, kind: 'authorize', groupId: 'sg-1', account: '123456789012', via: 'console',
    rules: [{ ...tcp(22), source: v4('127.0.0.1/32') }], error: { code: 'RequestExpired', denied: false } },
  { file: `${IN}/panther-3.json`, kind: 'authorize', groupId: 'sg-04f0b44316f7d2471', account: '112233445566', via: 'console',
    rules: [{ ...tcp(443), source: v4('0.0.0.0/16') }], extra: { eventTime: '2021-01-24T04:55:45.000Z' } },
  { file: `${IN}/panther-4.json`, kind: 'authorize', groupId: 'sg-0d921df5d84f7270a', account: '112233445566', via: 'sdk',
    rules: [{ ...tcp(22), source: v4('0.0.0.0/0') }] },
  { file: `${IN}/panther-5.json`, kind: 'authorize', groupId: 'sg-04f0b44316f7d2471', account: '112233445566', via: 'console',
    rules: [{ ...tcp(443), source: v4('0.0.0.0/16') }], error: { code: 'UnauthorizedOperation', denied: true } },
  { file: `${IN}/reflex-1.json`, kind: 'authorize', groupId: 'sg-00000bd0bf00f0000', account: '000000000000', via: 'console',
    rules: [{ ...tcp(55), source: v4('0.0.0.0/0') }, { ...tcp(55), source: v6('::/0') }] },
  { file: `${IN}/ssh-revoke-lambda-1.json`, kind: 'authorize', groupId: 'sg-0db7d4784c4db8612', account: '963584523464', via: 'console',
    rules: [{ ...tcp(22), source: v4('0.0.0.0/0') }, { ...tcp(22), source: v6('::/0') }] },
  { file: `${IN}/stratus-1.json`, kind: 'authorize', groupId: 'sg-003dc7f1f1c686164', account: '032092706103', via: 'sdk',
    rules: [{ ...tcp(22), source: v4('208.236.235.254/0'), ruleId: 'sgr-09b3e3d2ca1edf2a2' }] },
  { file: `${IN}/streamalert-1.json`, kind: 'authorize', groupId: '...', account: '12345', via: 'console',
    rules: [{ ...all, source: v4('0.0.0.0/0') }, { ...all, source: v6('::/0') }] },
  { file: `${IN}/streamalert-2.json`, kind: 'authorize', groupId: '...', account: '12345', via: 'console',
    rules: [{ ...all, source: v4('10.0.0.0/8') }] },
  { file: 'AuthorizeSecurityGroupEgress/aws-spotlight-1.json', kind: 'authorize', groupId: 'sg-0299796957cc35b44', account: '999999999999', via: 'console',
    rules: [{ direction: 'egress', ...all, source: v4('0.0.0.0/0') }, { direction: 'egress', ...all, source: v6('::/0') }] },
  { file: 'AuthorizeSecurityGroupEgress/elastic-integrations-1.json', kind: 'authorize', groupId: 'sg-038ccc3a1f7b05f42', account: '000000000', via: 'cli',
    rules: [{ direction: 'egress', ...tcp(4444), source: v4('73.21.4.36/32'), ruleId: 'sgr-02bdc373eac599585' }] },
  { file: 'AuthorizeSecurityGroupEgress/panther-1.json', kind: 'authorize', groupId: 'sg-03eee825d6bb78f54', account: '112233445566', via: 'terraform',
    rules: [{ direction: 'egress', ...all, source: v4('0.0.0.0/0') }] },
  { file: 'RevokeSecurityGroupIngress/aws-spotlight-1.json', kind: 'revoke', groupId: 'sg-0e34ce3ea84a3decd', account: '999999999999', via: 'console',
    rules: [{ action: 'remove', ...tcp(3306), source: v4('0.0.0.0/0') }, { action: 'remove', ...tcp(3306), source: v6('::/0') }] },
  { file: 'RevokeSecurityGroupIngress/fogops-sns-1.json', kind: 'revoke', groupId: 'sg-0f4f552819eac34fc', account: '913835907225', via: 'console',
    rules: [{ action: 'remove', ...tcp(0, 65535), source: v4('127.0.0.1/32') }] },
  { file: 'RevokeSecurityGroupEgress/aws-spotlight-1.json', kind: 'revoke', groupId: 'sg-0299796957cc35b44', account: '999999999999', via: 'console',
    rules: [{ action: 'remove', direction: 'egress', ...tcp(22), source: v4('202.32.14.177/32') }, { action: 'remove', direction: 'egress', ...tcp(3389), source: v4('202.32.14.177/32') }] },
  { file: 'CreateSecurityGroup/arebot-1.json', kind: 'create-group', groupId: null, account: '222233334444', via: 'console', rules: [], extra: { groupName: 'test', vpcId: 'vpc-22cc33dd' } },
  { file: 'CreateSecurityGroup/aws-spotlight-1.json', kind: 'create-group', groupId: 'sg-0e4669b73c6c4c0fd', account: '999999999999', via: 'console', rules: [], extra: { groupName: 'onecloud-allow-oracle-sli', vpcId: 'vpc-0f1e12c219f232b46' } },
  { file: 'CreateSecurityGroup/aws-spotlight-2.json', kind: 'create-group', groupId: 'sg-07111150655b49758', account: '999999999999', via: 'terraform', rules: [] },
  { file: 'CreateSecurityGroup/panther-1.json', kind: 'create-group', groupId: 'sg-04d018d184a18f647', account: '112233445566', via: 'terraform', rules: [] },
  { file: 'CreateSecurityGroup/reflex-1.json', kind: 'create-group', groupId: 'sg-000000c0d00fd0aed', account: '000000000000', via: 'console', rules: [] },
  { file: 'CreateSecurityGroup/ses-report-lambda-1.json', kind: 'create-group', groupId: 'sg-0efcc20525890441d', account: '120833356027', via: 'console', rules: [] },
  { file: 'DeleteSecurityGroup/aws-spotlight-1.json', kind: 'delete-group', groupId: null, account: '999999999999', via: 'terraform', rules: [], extra: { groupName: 'bluegreen_alb_sg-20230117040516059800000001' } },
  { file: 'DeleteSecurityGroup/aws-spotlight-2.json', kind: 'delete-group', groupId: 'sg-00114590f004f1078', account: '999999999999', via: 'aws-service', rules: [] },
  { file: 'DeleteSecurityGroup/wazuh-docs-1.json', kind: 'delete-group', groupId: 'sg-12345678901234567', account: '0987654321', via: 'cloudformation', rules: [] },
  { file: 'ModifyNetworkInterfaceAttribute/aws-spotlight-1.json', kind: 'set-groups', groupId: null, account: '999999999999', via: 'aws-service', rules: [],
    extra: { groupIds: ['sg-0fa72d6ba38a0ca4a'], resourceId: 'eni-0e755eba3aa5e7e89' } },
];

describe('normalise: real CloudTrail samples', () => {
  it.each(CASES)('$file', (c) => {
    const result = normalise(load(c.file));
    expect(result.status).toBe('change');
    const change = (result as { change: Change }).change;
    expect(change.kind).toBe(c.kind);
    expect(change.groupId).toBe(c.groupId);
    expect(change.account).toBe(c.account);
    expect(change.actor.via).toBe(c.via);
    expect(change.rules).toHaveLength(c.rules.length);
    c.rules.forEach((rule, i) => {
      expect(change.rules[i]).toMatchObject({ action: c.kind === 'revoke' ? 'remove' : 'add', direction: 'ingress', ...rule });
      if (!('ruleId' in rule)) expect(change.rules[i].ruleId).toBeUndefined();
    });
    if (c.error) expect(change.error).toMatchObject(c.error);
    else expect(change.error).toBeUndefined();
    if (c.extra) expect(change).toMatchObject(c.extra);
    expect(change.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(change.eventId).not.toBe('');
  });

  it('covers every change sample in the fixtures folder', () => {
    const names = CASES.map((c) => c.file);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(33);
  });

  it.each(CASES.filter((c) => existsSync(`${DIR}/${c.file.replace(/\.json$/, '.eventbridge.json')}`)))(
    'the EventBridge twin of $file normalises to the same change',
    (c) => {
      const bare = normalise(load(c.file));
      const wrapped = normalise(load(c.file.replace(/\.json$/, '.eventbridge.json')));
      const expected = structuredClone((bare as { change: Change }).change);
      // Only a record without recipientAccountId takes its account from the envelope.
      if (c.file.includes('netflix')) expected.account = '123456789010';
      expect(wrapped).toEqual({ status: 'change', change: expected });
    },
  );

  it.each(['aws-spotlight-1', 'sekoia-1', 'sekoia-2', 'stratus-1'])('ModifyInstanceAttribute/%s (no groupSet) is ignored', (name) => {
    const result = normalise(load(`ModifyInstanceAttribute/${name}.json`));
    expect(result.status).toBe('ignored');
    expect((result as { record: { reason: string } }).record.reason).toMatch(/^ModifyInstanceAttribute without groupSet \((instanceType|userData)\)$/);
  });

  it('reads actors: roles, sessions, MFA, lower-cased Panther keys', () => {
    const sso = (normalise(load(`${IN}/nuvibit-blog-1.json`)) as { change: Change }).change.actor;
    expect(sso).toMatchObject({
      type: 'AssumedRole',
      name: 'AWSReservedSSO_AdministratorAccess_1f51a532758ff888/michael.ullrich@nuvibit.com',
      roleArn: 'arn:aws:iam::626708301729:role/aws-reserved/sso.amazonaws.com/eu-central-1/AWSReservedSSO_AdministratorAccess_1f51a532758ff888',
      sourceIp: '194.230.147.5',
      mfa: false,
    });
    const panther = (normalise(load(`${IN}/panther-3.json`)) as { change: Change }).change.actor;
    expect(panther).toEqual({
      arn: 'arn:aws:sts::112233445566:assumed-role/TestAdmin/alan',
      type: 'AssumedRole',
      principalId: 'ARORJ4ULULLE0EEJAAKDO:alan',
      accountId: '112233445566',
      name: 'TestAdmin/alan',
      roleArn: 'arn:aws:iam::112233445566:role/TestAdmin',
      sourceIp: '136.25.37.134',
      userAgent: 'console.ec2.amazonaws.com',
      via: 'console',
      mfa: true,
    });
    const root = (normalise(load(`${IN}/ssh-revoke-lambda-1.json`)) as { change: Change }).change.actor;
    expect(root).toMatchObject({ type: 'Root', name: 'root', mfa: true }); // "True" as found
    const vpn = (normalise(load('ModifyNetworkInterfaceAttribute/aws-spotlight-1.json')) as { change: Change }).change.actor;
    expect(vpn).toMatchObject({ invokedBy: 'clientvpn.amazonaws.com', via: 'aws-service' });
  });
});
