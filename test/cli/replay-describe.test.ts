/**
 * `sgwatch replay --describe`: the real CLI in a child process asks EC2
 * (a local HTTP server standing in for it, reached through the SDK's
 * AWS_ENDPOINT_URL_EC2) for the direction of ModifySecurityGroupRules
 * rules (DescribeSecurityGroupRules) and the name of groups the records name
 * by id only (DescribeSecurityGroups, for default-group-rule). Without the
 * flag the replay stays offline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli';

const modify = path.join(ROOT, 'events', 'modify');
const EGRESS = path.join(modify, 'modify-default-egress-description.json');
/** AuthorizeSecurityGroupIngress by groupId (no name): tcp/22 from 10.0.0.0/8, documented. */
const PRIVATE_SSH = path.join(ROOT, 'events', 'authorize', 'ssh-from-private-network.json');
const PRIVATE_SSH_GROUP = 'sg-0a1b2c3d4e5f60012';
/** The shipped modify records come from Terraform, alert-only by default (alertOnlyVia); the plan tests revoke IaC changes too. */
const REVOKE_IAC = ['--policy', path.join(ROOT, 'test', 'fixtures', 'policies', 'revoke-iac.yml')];

/** Direction per rule id the stand-in knows; an id absent is "not found"; `deny` answers UnauthorizedOperation. */
let rules: Record<string, { group: string; egress: boolean }> = {};
/** Name per group id the stand-in knows; an id absent answers InvalidGroup.NotFound, as EC2 does. */
let groupNames: Record<string, string> = {};
let deny = false;
let requests: URLSearchParams[] = [];
let server: Server;
let endpoint: string;

const xmlError = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>r-9</RequestID></Response>`;
const groupItem = (id: string, name: string) =>
  `<item><ownerId>111122223333</ownerId><groupId>${id}</groupId><groupName>${name}</groupName><groupDescription>${name} group</groupDescription><vpcId>vpc-0a1b2c3d</vpcId><ipPermissions/><ipPermissionsEgress/></item>`;
const item = (id: string, r: { group: string; egress: boolean }) =>
  `<item><securityGroupRuleId>${id}</securityGroupRuleId><groupId>${r.group}</groupId><groupOwnerId>111122223333</groupOwnerId><isEgress>${r.egress}</isEgress><ipProtocol>-1</ipProtocol><cidrIpv4>0.0.0.0/0</cidrIpv4></item>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      requests.push(params);
      if (deny) {
        res.writeHead(403, { 'content-type': 'text/xml' }).end(xmlError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
        return;
      }
      if (params.get('Action') === 'DescribeSecurityGroups') {
        const ids = [...params.entries()].filter(([k]) => k.startsWith('GroupId.')).map(([, v]) => v);
        const missing = ids.find((id) => !(id in groupNames));
        if (missing) {
          res.writeHead(400, { 'content-type': 'text/xml' }).end(xmlError('InvalidGroup.NotFound', `The security group '${missing}' does not exist`));
          return;
        }
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(`<?xml version="1.0" encoding="UTF-8"?><DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><securityGroupInfo>${ids.map((id) => groupItem(id, groupNames[id])).join('')}</securityGroupInfo></DescribeSecurityGroupsResponse>`);
        return;
      }
      if (params.get('Action') === 'DescribeNetworkInterfaces') {
        // Every group is used by one interface with a public IP: exposure public, severities as the policy says.
        const group = params.get('Filter.1.Value.1');
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<?xml version="1.0" encoding="UTF-8"?><DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-3</requestId><networkInterfaceSet><item><networkInterfaceId>eni-0a1b2c3d4e5f60001</networkInterfaceId><groupSet><item><groupId>${group}</groupId></item></groupSet><association><publicIp>3.8.1.2</publicIp></association></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`,
          );
        return;
      }
      // Filter.1 = group-id, Filter.2 = security-group-rule-id (as the SDK serialises them); the inventory's by-id rule look-up finds nothing here.
      const group = params.get('Filter.1.Value.1');
      const ids = [...params.entries()].filter(([k]) => k.startsWith('Filter.2.Value.')).map(([, v]) => v);
      const found = ids.filter((id) => rules[id] && rules[id].group === group).map((id) => item(id, rules[id]));
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(`<?xml version="1.0" encoding="UTF-8"?><DescribeSecurityGroupRulesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><securityGroupRuleSet>${found.join('')}</securityGroupRuleSet></DescribeSecurityGroupRulesResponse>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  rules = {};
  groupNames = {};
  deny = false;
  requests = [];
});

const awsEnv = () => ({ AWS_ENDPOINT_URL_EC2: endpoint, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' });
const json = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('sgwatch replay --describe', () => {
  it('without --describe nothing is asked: the egress rule is judged as ingress and alerted, saying so', async () => {
    const run = await runCli(['replay', EGRESS, '--store', 'memory', '--format', 'json', ...REVOKE_IAC], { env: awsEnv() });
    expect(run.code).toBe(0);
    expect(requests).toHaveLength(0);
    const [r] = json(run.stdout);
    // The plan names the modified rule (dry-run); in enforce the remediator would find it is egress and leave it.
    expect(r).toMatchObject({ outcome: 'violation', severity: 'critical', remediation: { action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60501'] } });
    expect(r.findings[0].message).toMatch(/CloudTrail does not record the direction of a ModifySecurityGroupRules rule; judged as ingress/);
  });

  it('the default egress rule, looked up: egress → compliant (and the group’s name is looked up too)', async () => {
    rules = { 'sgr-0a1b2c3d4e5f60501': { group: 'sg-0a1b2c3d4e5f60050', egress: true } };
    groupNames = { 'sg-0a1b2c3d4e5f60050': 'web' };
    const run = await runCli(['replay', EGRESS, '--store', 'memory', '--format', 'json', '--describe'], { env: awsEnv() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(json(run.stdout)[0]).toMatchObject({ outcome: 'compliant', severity: 'none', findings: [], groupName: 'web' });
    // The look-ups run side by side: order not fixed. Beside the direction and the name, the inventory asks
    // for the interfaces using the group (exposure) and the rule's tags; the name and the group's tags share one call.
    expect(requests.map((p) => p.get('Action')).sort()).toEqual(['DescribeNetworkInterfaces', 'DescribeSecurityGroupRules', 'DescribeSecurityGroupRules', 'DescribeSecurityGroups']);
    const rulesRequest = requests.find((p) => p.get('Action') === 'DescribeSecurityGroupRules' && p.get('Filter.2.Name'))!;
    expect(rulesRequest.get('Filter.1.Name')).toBe('group-id');
    expect(rulesRequest.get('Filter.2.Name')).toBe('security-group-rule-id');
    const groupsRequest = requests.find((p) => p.get('Action') === 'DescribeSecurityGroups')!;
    expect([...groupsRequest.keys()].filter((k) => k.startsWith('GroupId.'))).toEqual(['GroupId.1']);
    expect(groupsRequest.get('GroupId.1')).toBe('sg-0a1b2c3d4e5f60050');
  });

  it('SSH rule looked up as ingress: the plan revokes it (dry-run), text output', async () => {
    rules = { 'sgr-0a1b2c3d4e5f60211': { group: 'sg-0a1b2c3d4e5f60021', egress: false } };
    const run = await runCli(['replay', modify, '--store', 'memory', '--describe'], { env: awsEnv() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CRITICAL\s.*ModifySecurityGroupRules\s+sg-0a1b2c3d4e5f60021\b.*would revoke sgr-0a1b2c3d4e5f60211/m);
    // The egress rule and the two rules of the other event are not known to the stand-in: notes on stderr, judged offline.
    expect(run.stderr).toMatch(/modify-default-egress-description\.json#0: ModifySecurityGroupRules .*sgr-0a1b2c3d4e5f60501 not found in sg-0a1b2c3d4e5f60050/);
  });

  it('a denied look-up is reported on stderr, the record judged as offline, exit code unchanged', async () => {
    deny = true;
    const run = await runCli(['replay', EGRESS, '--store', 'memory', '--format', 'json', '--describe', ...REVOKE_IAC], { env: awsEnv() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/could not look up the direction of sgr-0a1b2c3d4e5f60501 in sg-0a1b2c3d4e5f60050: UnauthorizedOperation/);
    expect(json(run.stdout)[0]).toMatchObject({ outcome: 'violation', remediation: { action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60501'] } });
  });

  it('Authorize by group id to a group EC2 names `default`: a medium default-group-rule finding; one look-up per group for the whole replay', async () => {
    const offline = await runCli(['replay', PRIVATE_SSH, '--store', 'memory', '--format', 'json'], { env: awsEnv() });
    expect(json(offline.stdout)[0]).toMatchObject({ outcome: 'compliant', findings: [] });
    expect(requests).toHaveLength(0);

    groupNames = { [PRIVATE_SSH_GROUP]: 'default' };
    // The same change twice in one file (two event ids): the second name comes from the cache.
    const record = JSON.parse(readFileSync(PRIVATE_SSH, 'utf8'));
    const dir = mkdtempSync(path.join(tmpdir(), 'sgwatch-describe-'));
    try {
      const file = path.join(dir, 'two.json');
      writeFileSync(file, JSON.stringify({ Records: [record, { ...record, eventID: '0000000c-5e1f-4c2a-9b7d-0000000173ff' }] }));
      const run = await runCli(['replay', file, '--store', 'memory', '--format', 'json', '--describe'], { env: awsEnv() });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const results = json(run.stdout);
      expect(results).toHaveLength(2);
      for (const r of results) {
        expect(r).toMatchObject({ outcome: 'violation', severity: 'medium', groupId: PRIVATE_SSH_GROUP, groupName: 'default', remediation: { action: 'none' } });
        expect(r.findings.map((f: { rule: string }) => f.rule)).toEqual(['default-group-rule']);
      }
      // One call for the name and the group's facts; the second record asks nothing.
      expect(requests.filter((p) => p.get('Action') === 'DescribeSecurityGroups').map((p) => p.get('GroupId.1'))).toEqual([PRIVATE_SSH_GROUP]);
      expect(requests.filter((p) => p.get('Action') === 'DescribeNetworkInterfaces')).toHaveLength(1);
      // --fail-on medium turns it into exit code 1.
      const gated = await runCli(['replay', PRIVATE_SSH, '--store', 'memory', '--describe', '--fail-on', 'medium'], { env: awsEnv() });
      expect(gated.code).toBe(1);
      expect(gated.stdout).toMatch(/^MEDIUM\s.*AuthorizeSecurityGroupIngress\s+sg-0a1b2c3d4e5f60012\b/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a group EC2 does not know (InvalidGroup.NotFound) or a denied look-up: a note on stderr, judged as offline', async () => {
    const notFound = await runCli(['replay', PRIVATE_SSH, '--store', 'memory', '--format', 'json', '--describe'], { env: awsEnv() });
    expect(notFound.code).toBe(0);
    expect(notFound.stderr).toMatch(/ssh-from-private-network\.json#0: AuthorizeSecurityGroupIngress .*sg-0a1b2c3d4e5f60012 not found \(deleted since\?\); its name is unknown, default-group-rule not checked/);
    expect(json(notFound.stdout)[0]).toMatchObject({ outcome: 'compliant', findings: [] });
    deny = true;
    const denied = await runCli(['replay', PRIVATE_SSH, '--store', 'memory', '--format', 'json', '--describe'], { env: awsEnv() });
    expect(denied.code).toBe(0);
    expect(denied.stderr).toMatch(/could not look up the name of sg-0a1b2c3d4e5f60012: UnauthorizedOperation/);
    expect(json(denied.stdout)[0]).toMatchObject({ outcome: 'compliant', findings: [] });
  });

  it('revokes are never looked up', async () => {
    const run = await runCli(['replay', path.join(ROOT, 'events', 'revoke'), '--store', 'memory', '--format', 'json', '--describe'], { env: awsEnv() });
    expect(run.code).toBe(0);
    expect(json(run.stdout).length).toBeGreaterThan(0);
    expect(requests).toHaveLength(0);
  });
});
