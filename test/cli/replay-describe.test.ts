/**
 * `sgwatch replay --describe`: the real CLI in a child process asks EC2
 * (a local HTTP server standing in for it, reached through the SDK's
 * AWS_ENDPOINT_URL_EC2) for the direction of ModifySecurityGroupRules
 * rules. Without the flag the replay stays offline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli';

const modify = path.join(ROOT, 'events', 'modify');
const EGRESS = path.join(modify, 'modify-default-egress-description.json');
const SSH = path.join(modify, 'modify-rule-to-ssh-from-world.json');

/** Direction per rule id the stand-in knows; an id absent is "not found"; `deny` answers UnauthorizedOperation. */
let rules: Record<string, { group: string; egress: boolean }> = {};
let deny = false;
let requests: URLSearchParams[] = [];
let server: Server;
let endpoint: string;

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
        res.writeHead(403, { 'content-type': 'text/xml' }).end(
          '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r-9</RequestID></Response>',
        );
        return;
      }
      // Filter.1 = group-id, Filter.2 = security-group-rule-id (as the SDK serialises them).
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
  deny = false;
  requests = [];
});

const awsEnv = () => ({ AWS_ENDPOINT_URL_EC2: endpoint, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' });
const json = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('sgwatch replay --describe', () => {
  it('without --describe nothing is asked: the egress rule is judged as ingress and alerted, saying so', async () => {
    const run = await runCli(['replay', EGRESS, '--store', 'memory', '--format', 'json'], { env: awsEnv() });
    expect(run.code).toBe(0);
    expect(requests).toHaveLength(0);
    const [r] = json(run.stdout);
    // The plan names the modified rule (dry-run); in enforce the remediator would find it is egress and leave it.
    expect(r).toMatchObject({ outcome: 'violation', severity: 'critical', remediation: { action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60501'] } });
    expect(r.findings[0].message).toMatch(/CloudTrail does not record the direction of a ModifySecurityGroupRules rule; judged as ingress/);
  });

  it('the default egress rule, looked up: egress → compliant', async () => {
    rules = { 'sgr-0a1b2c3d4e5f60501': { group: 'sg-0a1b2c3d4e5f60050', egress: true } };
    const run = await runCli(['replay', EGRESS, '--store', 'memory', '--format', 'json', '--describe'], { env: awsEnv() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(json(run.stdout)[0]).toMatchObject({ outcome: 'compliant', severity: 'none', findings: [] });
    expect(requests.map((p) => p.get('Action'))).toEqual(['DescribeSecurityGroupRules']);
    expect(requests[0].get('Filter.1.Name')).toBe('group-id');
    expect(requests[0].get('Filter.2.Name')).toBe('security-group-rule-id');
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
    const run = await runCli(['replay', EGRESS, '--store', 'memory', '--format', 'json', '--describe'], { env: awsEnv() });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/could not look up the direction of sgr-0a1b2c3d4e5f60501 in sg-0a1b2c3d4e5f60050: UnauthorizedOperation/);
    expect(json(run.stdout)[0]).toMatchObject({ outcome: 'violation', remediation: { action: 'revoke', ruleIds: ['sgr-0a1b2c3d4e5f60501'] } });
  });
});
