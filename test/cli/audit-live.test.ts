/**
 * The live command lines of issue 6, end to end against a local stand-in for
 * STS and EC2 (query protocol XML over HTTP on 127.0.0.1, reached through
 * AWS_ENDPOINT_URL_STS / _EC2): `sgwatch inventory collect --region R` writes
 * a snapshot that `replay --inventory` and `audit --inventory` read, and
 * `sgwatch audit --region R` reads the account live, pages included, and
 * reports the same findings as the audit of the collected file.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './run-cli';

const ACCOUNT = '111122223333';
const GROUPS = [
  { id: 'sg-0c000000000000a01', name: 'web-prod', public: true },
  { id: 'sg-0c000000000000a03', name: 'api-private', public: false },
  { id: 'sg-0c000000000000a04', name: 'batch-idle', public: undefined },
];
const RULES = [
  { id: 'sgr-0c000000000000b11', group: 'sg-0c000000000000a01', port: 22, cidr: '0.0.0.0/0' },
  { id: 'sgr-0c000000000000b12', group: 'sg-0c000000000000a03', port: 22, list: 'pl-0c00000000000c001' },
  { id: 'sgr-0c000000000000b13', group: 'sg-0c000000000000a04', port: 3389, cidr: '0.0.0.0/0' },
  { id: 'sgr-0c000000000000b14', group: 'sg-0c000000000000a01', port: 443, cidr: '0.0.0.0/0' },
];
const actions: string[] = [];
const assumed: string[] = [];
let server: Server;
let endpoint: string;

const ok = (res: import('node:http').ServerResponse, xml: string) => res.writeHead(200, { 'content-type': 'text/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>${xml}`);
/** Pages of 2, as EC2 pages with MaxResults: NextToken is the next index. */
function paged<T>(items: T[], params: URLSearchParams): { page: T[]; token: string } {
  const start = Number(params.get('NextToken') ?? 0);
  const next = start + 2 < items.length ? String(start + 2) : '';
  return { page: items.slice(start, start + 2), token: next ? `<nextToken>${next}</nextToken>` : '' };
}
const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const p = new URLSearchParams(body);
      const action = p.get('Action') ?? '';
      actions.push(action);
      switch (action) {
        case 'AssumeRole': {
          const role = p.get('RoleArn') ?? '';
          assumed.push(`${role} ${p.get('RoleSessionName')}`);
          if (role.includes('999988887777')) {
            return res
              .writeHead(403, { 'content-type': 'text/xml' })
              .end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>r-d</RequestId></ErrorResponse>`);
          }
          const exp = new Date(Date.now() + 3600_000).toISOString();
          return ok(res, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${exp}</Expiration></Credentials><AssumedRoleUser><Arn>${role}/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r-a</RequestId></ResponseMetadata></AssumeRoleResponse>`);
        }
        case 'GetCallerIdentity':
          return ok(res, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-s</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
        case 'DescribeSecurityGroups': {
          const { page, token } = paged(GROUPS, p);
          const items = page.map((g) => `<item><ownerId>${ACCOUNT}</ownerId><groupId>${g.id}</groupId><groupName>${g.name}</groupName><groupDescription>x</groupDescription><vpcId>vpc-0a1b2c3d</vpcId><ipPermissions/><ipPermissionsEgress/></item>`);
          return ok(res, `<DescribeSecurityGroupsResponse ${NS}><requestId>r</requestId><securityGroupInfo>${items.join('')}</securityGroupInfo>${token}</DescribeSecurityGroupsResponse>`);
        }
        case 'DescribeSecurityGroupRules': {
          const { page, token } = paged(RULES, p);
          const items = page.map(
            (r) =>
              `<item><securityGroupRuleId>${r.id}</securityGroupRuleId><groupId>${r.group}</groupId><groupOwnerId>${ACCOUNT}</groupOwnerId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>${r.port}</fromPort><toPort>${r.port}</toPort>${r.cidr ? `<cidrIpv4>${r.cidr}</cidrIpv4>` : `<prefixListId>${r.list}</prefixListId>`}</item>`,
          );
          return ok(res, `<DescribeSecurityGroupRulesResponse ${NS}><requestId>r</requestId><securityGroupRuleSet>${items.join('')}</securityGroupRuleSet>${token}</DescribeSecurityGroupRulesResponse>`);
        }
        case 'DescribeNetworkInterfaces': {
          const attached = GROUPS.filter((g) => g.public !== undefined);
          const items = attached.map(
            (g, i) =>
              `<item><networkInterfaceId>eni-0c00000000000000${i}</networkInterfaceId><interfaceType>interface</interfaceType><availabilityZone>eu-west-1a</availabilityZone><ownerId>${ACCOUNT}</ownerId><groupSet><item><groupId>${g.id}</groupId><groupName>${g.name}</groupName></item></groupSet><privateIpAddressesSet><item><privateIpAddress>10.0.0.${i + 10}</privateIpAddress><primary>true</primary>${g.public ? '<association><publicIp>3.8.1.2</publicIp></association>' : ''}</item></privateIpAddressesSet>${g.public ? '<association><publicIp>3.8.1.2</publicIp></association>' : ''}</item>`,
          );
          return ok(res, `<DescribeNetworkInterfacesResponse ${NS}><requestId>r</requestId><networkInterfaceSet>${items.join('')}</networkInterfaceSet></DescribeNetworkInterfacesResponse>`);
        }
        case 'DescribeManagedPrefixLists':
          return ok(res, `<DescribeManagedPrefixListsResponse ${NS}><requestId>r</requestId><prefixListSet><item><prefixListId>pl-0c00000000000c001</prefixListId><prefixListName>partners</prefixListName><ownerId>${ACCOUNT}</ownerId><addressFamily>IPv4</addressFamily><maxEntries>10</maxEntries><version>3</version></item></prefixListSet></DescribeManagedPrefixListsResponse>`);
        case 'GetManagedPrefixListEntries':
          return ok(res, `<GetManagedPrefixListEntriesResponse ${NS}><requestId>r</requestId><entrySet><item><cidr>198.51.100.0/24</cidr><description>partner</description></item><item><cidr>0.0.0.0/0</cidr><description>oops</description></item></entrySet></GetManagedPrefixListEntriesResponse>`);
        default:
          res.writeHead(400, { 'content-type': 'text/xml' }).end(`<Response><Errors><Error><Code>InvalidAction</Code><Message>${action}</Message></Error></Errors></Response>`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const env = () => ({ AWS_ENDPOINT_URL_EC2: endpoint, AWS_ENDPOINT_URL_STS: endpoint, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_MAX_ATTEMPTS: '1' });
const keyOf = (l: Record<string, unknown>) => `${l.ruleId} ${l.rule} ${l.severity} ${l.exposure}`;

describe('the live command lines', () => {
  it('inventory collect writes a snapshot; audit --region finds what the audit of that file finds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgwatch-live-'));
    const file = join(dir, 'snapshot.json');
    const collect = await runCli(['inventory', 'collect', '--region', 'eu-west-1', '-o', file, '--no-progress'], { env: env(), cwd: dir });
    expect(collect.stderr).toBe('');
    expect(collect.code).toBe(0);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(snap).toMatchObject({ kind: 'sgwatch-inventory', version: 1, account: ACCOUNT, region: 'eu-west-1' });
    expect(snap.securityGroupRules).toHaveLength(4); // two pages of 2
    expect(snap.prefixLists[0].Entries).toHaveLength(2);

    const live = await runCli(['audit', '--region', 'eu-west-1', '--format', 'json', '--no-save'], { env: env(), cwd: dir });
    expect(live.stderr).toBe('');
    const fromFile = await runCli(['audit', '--inventory', file, '--format', 'json', '--no-save'], { cwd: dir });
    const findings = (out: string) => (jsonLines(out) as Array<Record<string, unknown>>).filter((l) => l.kind === 'finding').map(keyOf).sort();
    expect(findings(live.stdout)).toEqual(findings(fromFile.stdout));
    expect(findings(live.stdout)).toEqual(
      expect.arrayContaining([
        'sgr-0c000000000000b11 public-admin-port critical public',
        'sgr-0c000000000000b12 public-admin-port high private', // through the partner list's world entry, one step down
        'sgr-0c000000000000b13 public-admin-port high unattached',
      ]),
    );
    expect(findings(live.stdout).some((k) => k.startsWith('sgr-0c000000000000b14'))).toBe(false); // 443 to the world is approved
    expect(actions).toContain('GetCallerIdentity');
    expect(actions.filter((a) => a.startsWith('Revoke') || a.startsWith('Modify'))).toEqual([]);
  });

  it('audit --assume-role-arn --account: each account through its role; one that cannot be assumed is named, the others audited, exit 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgwatch-live-org-'));
    const pattern = 'arn:aws:iam::{account}:role/sgwatch-member';
    const run = await runCli(['audit', '--region', 'eu-west-1', '--format', 'json', '--no-save', '--assume-role-arn', pattern, '--account', ACCOUNT, '--account', '999988887777'], { env: env(), cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('sgwatch: audit 999988887777/eu-west-1: ');
    expect(run.stderr).toContain('account 999988887777 is misconfigured for sgwatch: cannot assume arn:aws:iam::999988887777:role/sgwatch-member');
    const summaries = (jsonLines(run.stdout) as Array<Record<string, unknown>>).filter((l) => l.kind === 'summary');
    expect(summaries.map((l) => l.account)).toEqual([ACCOUNT]);
    expect(summaries[0]).toMatchObject({ rules: 4 });
    expect(assumed).toEqual(expect.arrayContaining([`arn:aws:iam::${ACCOUNT}:role/sgwatch-member sgwatch-audit`, 'arn:aws:iam::999988887777:role/sgwatch-member sgwatch-audit']));
    const bad = await runCli(['audit', '--region', 'eu-west-1', '--assume-role-arn', 'arn:aws:iam::111122223333:role/x', '--account', ACCOUNT], { env: env(), cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--assume-role-arn: expected an IAM role ARN with {account}');
  });
});
