/**
 * A record too large for one DynamoDB item (issue 11): a 500-rule
 * AuthorizeSecurityGroupIngress, stored with its verdict (500 findings), is
 * over the 400 KB item limit. It used to be never stored and never alerted,
 * exiting 3 on every re-run. Now the DynamoDB store packs it
 * (lib/store/item-size.ts): stored once, alerted once, shown whole by
 * history and findings, and a re-run adds nothing.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../lib/store/table';
import { DYNAMODB_ITEM_LIMIT_BYTES, jsonBytes, packResult, unpackResult } from '../../lib/store/item-size';
import { processRecord } from '../../lib/process';
import { defaultPolicy } from '../../lib/policy';
import { jsonLines, runCli } from '../cli/run-cli';

const GROUP = 'sg-0b1b2c3d4e5f60500';

/** An AuthorizeSecurityGroupIngress opening `n` ports to the world, with the rule ids EC2 returned. */
function bigAuthorize(n: number, eventId = 'big-00000000-0000-4000-8000-000000000500'): Record<string, unknown> {
  const port = (i: number) => 10000 + i;
  const description = (i: number) =>
    `temporary vendor access for ticket OPS-${1000 + i}: partner monitoring probes during the datacentre migration, approved by the network team, remove after cut-over`;
  return {
    eventVersion: '1.10',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLEUSER0001', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' },
    eventTime: '2025-03-04T12:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'AuthorizeSecurityGroupIngress',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.24',
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5 exe/x86_64.ubuntu.22 command/ec2.authorize-security-group-ingress',
    requestParameters: {
      groupId: GROUP,
      ipPermissions: {
        items: Array.from({ length: n }, (_, i) => ({
          ipProtocol: 'tcp',
          fromPort: port(i),
          toPort: port(i),
          groups: {},
          ipRanges: { items: [{ cidrIp: '0.0.0.0/0', description: description(i) }] },
          ipv6Ranges: {},
          prefixListIds: {},
        })),
      },
    },
    responseElements: {
      requestId: 'big-request',
      _return: true,
      securityGroupRuleSet: {
        items: Array.from({ length: n }, (_, i) => ({
          groupOwnerId: '111122223333',
          groupId: GROUP,
          securityGroupRuleId: `sgr-0b${String(i).padStart(15, '0')}`,
          isEgress: false,
          ipProtocol: 'tcp',
          fromPort: port(i),
          toPort: port(i),
          cidrIpv4: '0.0.0.0/0',
          description: description(i),
        })),
      },
    },
    requestID: 'big-request',
    eventID: eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  };
}

const judged = (n: number) => processRecord('big.json#0', bigAuthorize(n), { policy: defaultPolicy(), mode: 'dry-run' });

describe('packResult', () => {
  it('leaves a small result as it is', () => {
    const small = judged(2);
    expect(packResult(small)).toEqual({ result: small });
  });

  it('packs a 500-rule result under the item limit, keeps the key fields and the findings that fit in plain, and unpacks it whole', () => {
    const result = judged(500);
    expect(result.verdict.findings).toHaveLength(500);
    expect(jsonBytes(result)).toBeGreaterThan(DYNAMODB_ITEM_LIMIT_BYTES);
    const { result: head, packed, packing } = packResult(result);
    expect(packed).toBeDefined();
    expect(jsonBytes(head) + packed!.length).toBeLessThan(300 * 1024);
    expect(head.change).toMatchObject({ eventId: result.change!.eventId, eventTime: result.change!.eventTime, groupId: GROUP, rules: [] });
    expect(head.verdict).toMatchObject({ outcome: 'violation', severity: result.verdict.severity });
    expect(head.verdict.findings.length).toBeGreaterThan(0);
    expect(head.verdict.findings).toEqual(result.verdict.findings.slice(0, head.verdict.findings.length));
    expect(packing).toMatchObject({ encoding: 'gzip-json', rules: 500, findings: 500, headFindings: head.verdict.findings.length });
    expect(packing!.cut).toBeUndefined();
    expect(unpackResult(head, packed)).toEqual(result);
  });

  it('caps an incompressible result and says what was cut', () => {
    const result = judged(300);
    for (const r of result.change!.rules) r.description = randomBytes(600).toString('base64');
    const { result: head, packed, packing } = packResult(result);
    expect(packed!.length).toBeLessThanOrEqual(200 * 1024);
    expect(jsonBytes(head)).toBeLessThanOrEqual(64 * 1024);
    expect(packing!.cut).toMatch(/kept \d+ of 300 rules and \d+ of 300 findings/);
    const back = unpackResult(head, packed);
    expect(back.change!.rules.length).toBeLessThan(300);
    expect(back.change!.rules).toEqual(result.change!.rules.slice(0, back.change!.rules.length));
  });
});

describe('sgwatch replay --dynamodb-endpoint of a 500-rule record (dynalite)', () => {
  let work: string;
  let db: ReturnType<typeof dynalite>;
  let endpoint: string;
  let slack: http.Server;
  let webhook: string;
  const posts: unknown[] = [];
  const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
  const table = 'sgwatch-oversized';

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-oversized-'));
    fs.writeFileSync(path.join(work, 'big.json'), JSON.stringify({ Records: [bigAuthorize(500)] }));
    db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => db.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await ensureTable(client, table);
    client.destroy();
    slack = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        posts.push(JSON.parse(body));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
    webhook = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/services/T000/B000/x`;
  });
  afterAll(async () => {
    await new Promise((resolve) => slack.close(resolve));
    await new Promise((resolve) => db.close(resolve));
    fs.rmSync(work, { recursive: true, force: true });
  });

  const store = () => ['--dynamodb-endpoint', endpoint, '--table', table];

  it('is stored and alerted once, shown whole by history and findings, and a re-run adds nothing', async () => {
    const first = await runCli(['replay', 'big.json', '--format', 'json', '--slack-webhook', webhook, ...store()], { cwd: work, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const [line] = jsonLines(first.stdout);
    expect(line.findings).toHaveLength(500);
    expect(line.pipeline).toMatchObject({ record: 'stored', steps: { notifySlack: 'done' } });
    expect(posts).toHaveLength(1);

    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const raw = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `EV#${line.eventId}` }, sk: { S: 'RECORD' } } }));
    client.destroy();
    expect(raw.Item?.resultGz?.B).toBeDefined();
    expect(raw.Item?.fpk?.S).toMatch(/^FIND#2025-03#/);

    const history = await runCli(['history', GROUP, '--format', 'json', ...store()], { cwd: work, env });
    expect(history.code).toBe(0);
    const [stored] = jsonLines(history.stdout);
    expect(stored).toMatchObject({ eventId: line.eventId, outcome: 'violation', steps: { notifySlack: { state: 'done' } } });
    expect(stored.packing).toMatchObject({ encoding: 'gzip-json', rules: 500, findings: 500 });
    expect(stored.findings).toHaveLength(500);
    // The whole result, not only the head: the last rule is there.
    expect(JSON.stringify(stored)).toContain('sgr-0b000000000000499');

    const findings = await runCli(['findings', '--format', 'json', ...store()], { cwd: work, env });
    expect(findings.code).toBe(0);
    expect(jsonLines(findings.stdout).map((l) => l.eventId)).toContain(line.eventId);

    const again = await runCli(['replay', 'big.json', '--format', 'json', '--slack-webhook', webhook, ...store()], { cwd: work, env });
    expect(again.code).toBe(0);
    expect(jsonLines(again.stdout)[0].pipeline).toMatchObject({ record: 'duplicate', steps: { notifySlack: 'already-done' } });
    expect(posts).toHaveLength(1);
  });
});
