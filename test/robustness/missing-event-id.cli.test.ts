/**
 * Records without an `eventID` (issue 11): each gets a key derived from its
 * content, so two different violations are two records and two alerts (they
 * used to share one key and the second was taken for a redelivery), while
 * the same record seen twice, even with its keys in another order, is one.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalise } from '../../lib/cloudtrail/normalise';
import { canonicalJson, contentEventId } from '../../lib/cloudtrail/content-key';
import { jsonLines, ROOT, runCli } from '../cli/run-cli';

const sample = (rel: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'events', rel), 'utf8')) as Record<string, unknown>;
function withoutEventId(rec: Record<string, unknown>): Record<string, unknown> {
  const { eventID: _drop, ...rest } = rec;
  return rest;
}
/** The same members in reverse order (a re-export that reorders keys). */
const reordered = (rec: Record<string, unknown>) => Object.fromEntries(Object.entries(rec).reverse());

const ssh = withoutEventId(sample('authorize/ssh-open-to-world.json'));
const rdp = withoutEventId(sample('authorize/rdp-open-to-world-ipv6.json'));

describe('content-derived event ids', () => {
  it('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('normalise keys a record without eventID by sha256 of its content and says so', () => {
    const r = normalise(ssh);
    expect(r.status).toBe('change');
    if (r.status !== 'change') return;
    expect(r.change.eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.change.eventIdDerived).toBe(true);
    expect(r.change.eventId).toBe(contentEventId(reordered(ssh)));
    expect(r.change.eventId).not.toBe(contentEventId(rdp));
    const recorded = normalise(sample('authorize/ssh-open-to-world.json'));
    expect(recorded.status).toBe('change');
    if (recorded.status === 'change') expect(recorded.change.eventIdDerived).toBeUndefined();
  });

  it('an EventBridge event around the record gets the key of the bare record', () => {
    const wrapped = { version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: '111122223333', region: 'us-east-1', detail: ssh };
    const a = normalise(wrapped);
    const b = normalise(ssh);
    expect(a.status === 'change' && b.status === 'change' && a.change.eventId === b.change.eventId).toBe(true);
  });
});

describe('sgwatch replay of records without eventID', () => {
  let work: string;
  let server: http.Server;
  let webhook: string;
  const posts: unknown[] = [];

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-no-eventid-'));
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        posts.push(JSON.parse(body));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/x`;
    fs.writeFileSync(path.join(work, 'a.json'), JSON.stringify({ Records: [ssh, rdp] }));
    fs.writeFileSync(path.join(work, 'b.json'), JSON.stringify({ Records: [reordered(ssh)] }));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('two different records are two records and two alerts; the same record again is a duplicate', async () => {
    const run = await runCli(['replay', 'a.json', 'b.json', '--format', 'json', '--slack-webhook', webhook], { cwd: work });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.eventIdDerived)).toEqual([true, true, true]);
    expect(lines[0].eventIdNote).toMatch(/no eventID/);
    expect(lines[0].eventId).not.toBe(lines[1].eventId);
    expect(lines[2].eventId).toBe(lines[0].eventId);
    expect(lines.map((l) => l.pipeline.record)).toEqual(['stored', 'stored', 'duplicate']);
    expect(posts).toHaveLength(2);

    const history = await runCli(['history', 'sg-0a1b2c3d4e5f60001', '--format', 'json'], { cwd: work });
    expect(jsonLines(history.stdout).map((l) => l.eventId)).toContain(lines[0].eventId);

    const text = await runCli(['replay', 'a.json', '--store', 'memory'], { cwd: work });
    expect(text.stdout).toMatch(/no eventID: keyed by content hash/);
  });
});
