/**
 * `sgwatch replay --remediate enforce --yes` has the Lambda's account guard:
 * the real CLI in a child process asks STS (a local HTTP server standing in
 * for STS and EC2, reached through AWS_ENDPOINT_URL_STS / _EC2) whose
 * credentials it runs with, and refuses to revoke a record of another
 * account: it was sent to the caller's account, came back "not found" and
 * was reported "already-gone".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli';

/** tcp/all from 0.0.0.0/0 in account 111122223333, us-east-1, rule sgr-0a1b2c3d4e5f60031. */
const EVENT = path.join(ROOT, 'events', 'authorize', 'all-traffic-open-to-world.json');

let callerAccount = '111122223333';
let stsDown = false;
let requests: URLSearchParams[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      requests.push(params);
      const action = params.get('Action');
      if (action === 'GetCallerIdentity') {
        if (stsDown) {
          res.writeHead(403, { 'content-type': 'text/xml' }).end('<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r-s</RequestId></ErrorResponse>');
          return;
        }
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${callerAccount}:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>${callerAccount}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-s</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
        return;
      }
      if (action === 'DescribeSecurityGroups') {
        // Not tagged sgwatch:protect.
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-g</requestId><securityGroupInfo><item><groupId>sg-0a1b2c3d4e5f60003</groupId><groupName>web</groupName><ownerId>111122223333</ownerId><tagSet/></item></securityGroupInfo></DescribeSecurityGroupsResponse>`,
          );
        return;
      }
      if (action === 'DescribeSecurityGroupRules') {
        // EC2 still holds the sample's rule as the event recorded it.
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<DescribeSecurityGroupRulesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-d</requestId><securityGroupRuleSet><item><securityGroupRuleId>sgr-0a1b2c3d4e5f60031</securityGroupRuleId><groupId>sg-0a1b2c3d4e5f60003</groupId><groupOwnerId>111122223333</groupOwnerId><isEgress>false</isEgress><ipProtocol>-1</ipProtocol><fromPort>-1</fromPort><toPort>-1</toPort><cidrIpv4>0.0.0.0/0</cidrIpv4><description>debug</description></item></securityGroupRuleSet></DescribeSecurityGroupRulesResponse>`,
          );
        return;
      }
      if (action === 'RevokeSecurityGroupIngress' || action === 'RevokeSecurityGroupEgress') {
        res.writeHead(200, { 'content-type': 'text/xml' }).end(`<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><return>true</return></${action}Response>`);
        return;
      }
      res.writeHead(400, { 'content-type': 'text/xml' }).end(`<Response><Errors><Error><Code>InvalidAction</Code><Message>${action}</Message></Error></Errors><RequestID>r-9</RequestID></Response>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  callerAccount = '111122223333';
  stsDown = false;
  requests = [];
});

const awsEnv = () => ({
  AWS_ENDPOINT_URL_EC2: endpoint,
  AWS_ENDPOINT_URL_STS: endpoint,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_REGION: 'us-east-1',
  AWS_MAX_ATTEMPTS: '1',
});
/** EVENT comes from Terraform, alert-only by default (alertOnlyVia): this policy revokes IaC changes too. */
const enforce = ['replay', EVENT, '--store', 'memory', '--format', 'json', '--remediate', 'enforce', '--yes', '--policy', path.join(ROOT, 'test', 'fixtures', 'policies', 'revoke-iac.yml')];
const actions = () => requests.map((p) => p.get('Action'));

describe('sgwatch replay --remediate enforce: account guard', () => {
  it('a record of another account than the credentials: refused, nothing revoked, never "already-gone"', async () => {
    callerAccount = '999988887777';
    const run = await runCli(enforce, { env: awsEnv() });
    expect(actions()).toEqual(['GetCallerIdentity']);
    const r = JSON.parse(run.stdout.trim());
    expect(r.pipeline.remediation.status).not.toBe('already-gone');
    expect(r.pipeline.remediation).toMatchObject({ status: 'failed', permissionsRevoked: 0 });
    expect(r.pipeline.remediation.detail).toMatch(/cannot revoke: the change is in account 111122223333; these credentials see account 999988887777/);
    // A refused revoke is a failed step: exit 3, as in the Lambda (retried, then dead-lettered).
    expect(run.code).toBe(3);
  });

  it('a record of the caller’s own account: revoked, by id', async () => {
    const run = await runCli(enforce, { env: awsEnv() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(actions()).toEqual(['GetCallerIdentity', 'DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'RevokeSecurityGroupIngress']);
    expect(requests[2].get('Filter.2.Value.1')).toBe('sgr-0a1b2c3d4e5f60031');
    expect(requests[3].get('SecurityGroupRuleId.1')).toBe('sgr-0a1b2c3d4e5f60031');
    expect(JSON.parse(run.stdout.trim()).pipeline.remediation).toMatchObject({ status: 'revoked', ruleIds: ['sgr-0a1b2c3d4e5f60031'] });
  });

  it('STS cannot be asked: a clear error on stderr, no stack, nothing revoked', async () => {
    stsDown = true;
    const run = await runCli(enforce, { env: awsEnv() });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--remediate enforce: cannot learn the account of your AWS credentials \(STS GetCallerIdentity\): InvalidClientTokenId/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(actions()).toEqual(['GetCallerIdentity']);
  });

  it('dry-run never asks STS', async () => {
    const run = await runCli(['replay', EVENT, '--store', 'memory', '--format', 'json'], { env: awsEnv() });
    expect(run.code).toBe(0);
    expect(requests).toHaveLength(0);
  });
});
