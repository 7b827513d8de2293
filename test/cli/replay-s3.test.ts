/**
 * `sgwatch replay s3://...` against a local S3-compatible server over a real
 * socket (test/s3/local-s3-server.ts), never a mock of the client: listing
 * across pages, gzip and plain objects, an organisation trail, --since and
 * --until (by key date and by eventTime), a failing object, key order.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, ROOT, runCli } from './run-cli';
import { startLocalS3, type LocalS3 } from '../s3/local-s3-server';

const BUCKET = 'trail-bucket';
const ORG = 'AWSLogs/o-abc123def4';
const SSH = JSON.parse(fs.readFileSync(path.join(ROOT, 'events/authorize/ssh-open-to-world.json'), 'utf8'));
let s3: LocalS3;

const record = (id: string, eventTime: string, account = '111122223333') => ({ ...SSH, eventID: id, eventTime, recipientAccountId: account, userIdentity: { ...SSH.userIdentity, accountId: account } });
const trailKey = (account: string, day: number, time = '1200', region = 'us-east-1') => {
  const dd = String(day).padStart(2, '0');
  return `${ORG}/${account}/CloudTrail/${region}/2026/11/${dd}/${account}_CloudTrail_${region}_202611${dd}T${time}Z_abc${dd}.json.gz`;
};
const put = (key: string, records: unknown[], gzip = true) => {
  const body = Buffer.from(JSON.stringify({ Records: records }));
  s3.objects.set(key, gzip ? zlib.gzipSync(body) : body);
};
const env = () => ({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_PROFILE: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
const replay = (url: string, ...args: string[]) => runCli(['replay', url, '--format', 'json', '--store', 'memory', '--no-progress', '--s3-endpoint', s3.endpoint, ...args], { env: env() });

beforeAll(async () => {
  s3 = await startLocalS3(BUCKET, { pageSize: 2 });
});
afterAll(() => s3.close());
beforeEach(() => {
  s3.objects.clear();
  s3.deny.clear();
  s3.delayMs.clear();
  s3.requests.length = 0;
  // Eight days of one member account, one file a day with two records; a second account; a digest file that must not be read.
  for (let day = 1; day <= 8; day++) {
    const dd = String(day).padStart(2, '0');
    put(trailKey('111122223333', day), [record(`a-${dd}-1`, `2026-11-${dd}T11:50:00Z`), record(`a-${dd}-2`, `2026-11-${dd}T11:55:00Z`)]);
  }
  put(trailKey('444455556666', 4, '0900'), [record('b-04-1', '2026-11-04T08:58:00Z', '444455556666')], false);
  s3.objects.set(`${ORG}/111122223333/CloudTrail-Digest/us-east-1/2026/11/04/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261104T1200Z.json.gz`, Buffer.from('not a trail file'));
});

describe('sgwatch replay s3://', () => {
  it('reads every object of an organisation trail in key order, across listing pages, gzip and plain, and skips digest files', async () => {
    const run = await replay(`s3://${BUCKET}/${ORG}/`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.eventId)).toEqual([...Array.from({ length: 8 }, (_, i) => [`a-0${i + 1}-1`, `a-0${i + 1}-2`]).flat(), 'b-04-1']);
    expect(lines.every((l) => l.outcome === 'violation')).toBe(true);
    expect(lines[0].source).toBe(`s3://${BUCKET}/${trailKey('111122223333', 1)}#0`);
    expect(lines[16].source).toBe(`s3://${BUCKET}/${trailKey('444455556666', 4, '0900')}#0`);
    // 9 trail keys + 1 digest at 2 per page: the listing took several pages.
    expect(s3.requests.filter((r) => r.startsWith('LIST')).length).toBeGreaterThan(4);
    expect(s3.requests.some((r) => r.includes('CloudTrail-Digest'))).toBe(false);
  });

  it('--since/--until list only the day folders of the window and keep records by eventTime', async () => {
    // A record of the 2nd delivered just after midnight on the 3rd: read, and left out by its eventTime.
    put(trailKey('111122223333', 3, '0005').replace('abc03', 'late03'), [record('late-02', '2026-11-02T23:58:00Z')]);
    const run = await replay(`s3://${BUCKET}/${ORG}/111122223333/`, '--since', '2026-11-03', '--until', '2026-11-04', '--format', 'text', '--no-color');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("3 record(s) outside --since/--until left out");
    const json = await replay(`s3://${BUCKET}/${ORG}/111122223333/`, '--since', '2026-11-03', '--until', '2026-11-04');
    expect(jsonLines(json.stdout).map((l) => l.eventId)).toEqual(['a-03-1', 'a-03-2', 'a-04-1', 'a-04-2']);
    const lists = s3.requests.filter((r) => r.startsWith('LIST'));
    const dayLists = lists.filter((r) => /\/2026\/11\/\d\d\/$/.test(r));
    // The window's days plus one day of delivery margin; never the whole region folder.
    expect([...new Set(dayLists.map((r) => r.slice(-6, -1)))]).toEqual(['11/03', '11/04', '11/05']);
    expect(lists.some((r) => r.endsWith('/CloudTrail/us-east-1/'))).toBe(false);
    const gets = s3.requests.filter((r) => r.startsWith('GET'));
    expect(gets.some((r) => r.includes('/2026/11/01/') || r.includes('/2026/11/02/') || r.includes('/2026/11/07/'))).toBe(false);
  });

  it('an object that cannot be downloaded is one error naming its key; the others are read in key order; exit 2', async () => {
    const denied = trailKey('111122223333', 2);
    s3.deny.add(denied);
    // The first object answers late: with downloads in parallel, order must still be the key order.
    s3.delayMs.set(trailKey('111122223333', 1), 300);
    const run = await replay(`s3://${BUCKET}/${ORG}/111122223333/CloudTrail/us-east-1/2026/11/`);
    expect(run.code).toBe(2);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.eventId ?? 'ERROR')).toEqual(['a-01-1', 'a-01-2', 'ERROR', ...Array.from({ length: 6 }, (_, i) => [`a-0${i + 3}-1`, `a-0${i + 3}-2`]).flat()]);
    const bad = lines[2];
    expect(bad.outcome).toBe('invalid');
    expect(JSON.stringify(bad)).toContain(`s3://${BUCKET}/${denied}`);
    expect(JSON.stringify(bad)).toMatch(/cannot download: AccessDenied/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a bucket that cannot be listed is a clear error, exit 2', async () => {
    const run = await replay('s3://no-such-bucket/AWSLogs/');
    expect(run.code).toBe(2);
    const [line] = jsonLines(run.stdout);
    expect(line.outcome).toBe('invalid');
    expect(JSON.stringify(line)).toMatch(/s3:\/\/no-such-bucket\/AWSLogs\/.*cannot list: NoSuchBucket/);
  });

  it('refuses a malformed s3:// URL and a bad --s3-concurrency before reading', async () => {
    const bad = await replay('s3://Bad_Bucket/x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"Bad_Bucket" is not an S3 bucket name/);
    const conc = await replay(`s3://${BUCKET}/`, '--s3-concurrency', '0');
    expect(conc.code).toBe(2);
    expect(conc.stderr).toMatch(/--s3-concurrency: expected a whole number from 1 to 64/);
  });
});
