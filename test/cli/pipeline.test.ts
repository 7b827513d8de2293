/**
 * The local pipeline as a user runs it: `sgwatch replay` storing into the
 * embedded DynamoDB-compatible store and alerting a local HTTP server that
 * stands in for Slack; then `history` and `findings` reading it back; and a
 * re-run that must add no record and send no alert.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, ROOT, runCli } from './run-cli';

let work: string;
let server: http.Server;
let webhook: string;
const posts: Array<{ text: string; blocks: unknown[] }> = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-pipeline-'));
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      posts.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-token`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(work, { recursive: true, force: true });
});

const events = path.join(ROOT, 'events');

describe('sgwatch replay with the embedded store and a Slack webhook', () => {
  it('stores every change, alerts violations and denied attempts once, and a re-run repeats nothing', async () => {
    const first = await runCli(['replay', events, '--format', 'json', '--slack-webhook', webhook], { cwd: work });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const lines = jsonLines(first.stdout);
    const changes = lines.filter((l) => l.outcome !== 'ignored' && l.outcome !== 'invalid');
    expect(changes.every((l) => l.pipeline.record === 'stored')).toBe(true);
    const alerted = lines.filter((l) => l.pipeline?.steps?.notifySlack === 'done');
    const expected = lines.filter(
      (l) => (l.outcome === 'violation' && ['medium', 'high', 'critical'].includes(l.severity)) || l.findings.some((f: { rule: string }) => f.rule === 'denied-change-attempt'),
    );
    expect(alerted.map((l) => l.eventId).sort()).toEqual(expected.map((l) => l.eventId).sort());
    expect(posts).toHaveLength(expected.length);
    // The dry-run plan is in the alert.
    const ssh = posts.find((p) => JSON.stringify(p).includes('sgr-0a1b2c3d4e5f60011'));
    expect(JSON.stringify(ssh)).toMatch(/[Ww]ould revoke/);
    // The webhook's secret path never reaches the output.
    expect(first.stdout).not.toContain('secret-token');

    const again = await runCli(['replay', events, '--format', 'json', '--slack-webhook', webhook], { cwd: work });
    expect(again.code).toBe(0);
    const rerun = jsonLines(again.stdout).filter((l) => l.outcome !== 'ignored' && l.outcome !== 'invalid');
    expect(rerun.every((l) => l.pipeline.record === 'duplicate')).toBe(true);
    expect(posts).toHaveLength(expected.length);
  });

  it('history shows a group newest first, with what sgwatch did', async () => {
    const run = await runCli(['history', 'sg-0a1b2c3d4e5f60040', '--format', 'json'], { cwd: work });
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.eventName)).toEqual(['DeleteSecurityGroup', 'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress']);
    const times = lines.map((l) => l.eventTime);
    expect([...times].sort().reverse()).toEqual(times);
    expect(lines[2]).toMatchObject({ outcome: 'violation', severity: 'high', steps: { notifySlack: { state: 'done' } } });

    const table = await runCli(['history', 'sg-0a1b2c3d4e5f60040'], { cwd: work });
    expect(table.stdout).toMatch(/time \(UTC\).*actor.*change.*verdict.*action/);
    expect(table.stdout).toMatch(/public-high-risk-port/);
  });

  it('a set-groups change appears in the history of every group of the new set', async () => {
    for (const group of ['sg-0a1b2c3d4e5f60011', 'sg-0a1b2c3d4e5f60012']) {
      const run = await runCli(['history', group, '--format', 'json'], { cwd: work });
      expect(jsonLines(run.stdout).map((l) => l.eventName)).toContain('ModifyInstanceAttribute');
    }
  });

  it('findings filters by severity across groups, newest first', async () => {
    const run = await runCli(['findings', '--severity', 'critical', '--format', 'json', '--since', '2025-01-01'], { cwd: work });
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    // The quick start's critical violations (the Terraform default-egress Modify is egress by the inventory beside the samples).
    expect(lines.length).toBe(9);
    expect(lines.every((l) => l.severity === 'critical')).toBe(true);
    const times = lines.map((l) => l.eventTime);
    expect([...times].sort().reverse()).toEqual(times);
    const none = await runCli(['findings', '--since', '2099-01-01'], { cwd: work });
    expect(none.stdout).toMatch(/no findings/);
  });

  it('rejects a bad group id and a bad --since with a clear message', async () => {
    const bad = await runCli(['history', 'web-servers'], { cwd: work });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a security-group id/);
    const since = await runCli(['findings', '--since', 'last tuesday'], { cwd: work });
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since: expected a duration like 7d/);
  });
});
