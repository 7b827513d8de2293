/**
 * Slack circuit breaker: when Slack fails 5 times in a row within one run,
 * sgwatch stops trying Slack for the rest of the run, marks the remaining
 * Slack steps failed and says so once; the next run retries them. (12 alerts
 * to a dead webhook used to make 48 requests and take 48 s.) A real HTTP
 * server on 127.0.0.1 stands in for Slack: dead (503) for the first run,
 * healthy for the second.
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
let dead = true;
let requests = 0;
const posts: string[] = [];
let input: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-slack-breaker-'));
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests++;
      if (dead) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('service_unavailable');
      posts.push(body);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/dead-secret-token`;
  // 12 distinct violations: the critical sample with 12 event ids.
  const sample = JSON.parse(fs.readFileSync(path.join(ROOT, 'events', 'formats', 'eventbridge-port-range-20-25-open-to-world.json'), 'utf8')).detail;
  const records = Array.from({ length: 12 }, (_, i) => ({ ...sample, eventID: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}` }));
  input = path.join(work, 'twelve.json');
  fs.writeFileSync(input, JSON.stringify({ Records: records }));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(work, { recursive: true, force: true });
});

const args = () => ['replay', input, '--format', 'json', '--slack-webhook', webhook];

describe('Slack circuit breaker', () => {
  it('12 alerts to a dead webhook: at most 5 attempts, the rest marked failed, said once; the next run retries them', async () => {
    const started = Date.now();
    const first = await runCli(args(), { cwd: work });
    const elapsed = Date.now() - started;
    expect(requests).toBeLessThanOrEqual(5);
    expect(requests).toBe(5); // 4 attempts of the first alert (3 retries), 1 of the second, then none
    expect(first.code).toBe(3);
    const lines = jsonLines(first.stdout).filter((l) => l.outcome === 'violation');
    expect(lines).toHaveLength(12);
    expect(lines.every((l) => l.pipeline.steps.notifySlack === 'failed')).toBe(true);
    expect(lines.slice(2).every((l) => /Slack not tried: it failed 5 times in a row earlier in this run .*left for the next run/.test(l.pipeline.error))).toBe(true);
    const said = first.stderr.match(/not trying Slack for the rest of this run/g) ?? [];
    expect(said).toHaveLength(1);
    expect(first.stderr).toMatch(/Slack failed 5 times in a row \(last: HTTP 503 service_unavailable\); not trying Slack for the rest of this run: its remaining alerts are marked failed and the next run retries them/);
    expect(first.stdout + first.stderr).not.toContain('dead-secret-token');
    console.log(`breaker run: ${requests} requests, ${elapsed} ms for 12 alerts`);

    dead = false;
    requests = 0;
    const again = await runCli(args(), { cwd: work });
    expect(again.code).toBe(0);
    expect(posts).toHaveLength(12);
    expect(jsonLines(again.stdout).filter((l) => l.outcome === 'violation').every((l) => l.pipeline.steps.notifySlack === 'done')).toBe(true);
  });

  it('--slack-max-failures is validated', async () => {
    const run = await runCli(['replay', input, '--store', 'memory', '--slack-webhook', webhook, '--slack-max-failures', 'many'], { cwd: work });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--slack-max-failures: expected a whole number from 0 \(never stop\) to 1000, got "many"/);
  });
});
