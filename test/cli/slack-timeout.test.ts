/**
 * A Slack that answers after sgwatch's timeout still posts the message, and
 * a webhook post cannot be checked afterwards. sgwatch chooses at-most-once:
 * the timed-out post is recorded `unknown` and never re-sent, in the run or a
 * re-run (it used to send each alert 5 times). A real HTTP server on
 * 127.0.0.1 stands in for a slow Slack: it records every post it receives,
 * then answers 200 long after the (short, configured) timeout.
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
const posts: string[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-slack-timeout-'));
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      posts.push(body);
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), 1500).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/slow-secret-token`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(work, { recursive: true, force: true });
});

const event = path.join(ROOT, 'events', 'formats', 'eventbridge-port-range-20-25-open-to-world.json');
const args = () => ['replay', event, '--format', 'json', '--slack-webhook', webhook, '--slack-timeout', '200'];

describe('a Slack post that times out', () => {
  it('is posted exactly once across the run and a re-run, recorded unknown, and said so', async () => {
    const first = await runCli(args(), { cwd: work });
    expect(first.code).toBe(0);
    const [line] = jsonLines(first.stdout).filter((l) => l.outcome === 'violation');
    expect(line.pipeline.steps.notifySlack).toBe('unknown');
    expect(first.stderr).toMatch(/1 alert post\(s\) timed out: they may or may not have reached Slack; recorded as "unknown" and never re-sent/);
    expect(first.stdout + first.stderr).not.toContain('slow-secret-token');
    expect(posts).toHaveLength(1);

    const again = await runCli(args(), { cwd: work });
    expect(again.code).toBe(0);
    const [rerun] = jsonLines(again.stdout).filter((l) => l.outcome === 'violation');
    expect(rerun.pipeline.record).toBe('duplicate');
    expect(rerun.pipeline.steps.notifySlack).toBe('unknown');
    expect(again.stderr).toBe('');

    // The text output and the history say so too.
    const text = await runCli(['replay', event, '--slack-webhook', webhook, '--slack-timeout', '200', '--no-progress'], { cwd: work });
    expect(text.stdout).toMatch(/slack outcome UNKNOWN \(timed out; not re-sent\)/);
    const history = await runCli(['history', line.groupId, '--format', 'json'], { cwd: work });
    const [stored] = jsonLines(history.stdout);
    expect(stored.steps.notifySlack).toMatchObject({ state: 'unknown', attempts: 1 });
    expect(stored.steps.notifySlack.detail).toMatch(/did not answer within 200 ms/);

    // Long after every slow answer: still exactly one post.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(posts).toHaveLength(1);
  });

  it('rejects a bad --slack-timeout with a clear message', async () => {
    const run = await runCli(['replay', event, '--slack-webhook', webhook, '--slack-timeout', 'soon', '--store', 'memory'], { cwd: work });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--slack-timeout: expected milliseconds from 1 to 120000, got "soon"/);
  });
});
