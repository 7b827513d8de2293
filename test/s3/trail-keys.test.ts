import { describe, expect, it } from 'vitest';
import { dayPrefixes, isTrailLogKey, keyInWindow, keySpan, parseS3Url } from '../../lib/s3/trail-keys';
import { parseWhen, parseWindow } from '../../bin/commands/when';

const KEY = 'AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/11/03/111122223333_CloudTrail_eu-west-1_20261103T1205Z_Ab12.json.gz';

describe('CloudTrail S3 keys', () => {
  it('parses s3 URLs and refuses what is not a bucket', () => {
    expect(parseS3Url('s3://trail-bucket/AWSLogs/')).toEqual({ bucket: 'trail-bucket', prefix: 'AWSLogs/' });
    expect(parseS3Url('s3://trail-bucket')).toEqual({ bucket: 'trail-bucket', prefix: '' });
    expect(() => parseS3Url('s3:///AWSLogs')).toThrow(/not an S3 bucket name/);
    expect(() => parseS3Url('s3://UPPER/x')).toThrow(/not an S3 bucket name/);
  });

  it('reads the delivery time of a file name, else the day of its folder', () => {
    const iso = (span: { from: number; to: number } | undefined) => span && [new Date(span.from).toISOString(), new Date(span.to).toISOString()];
    expect(iso(keySpan(KEY))).toEqual(['2026-11-03T12:05:00.000Z', '2026-11-03T12:05:00.000Z']);
    // Dated by its day folder only: that whole day.
    expect(iso(keySpan('x/CloudTrail/us-east-1/2026/11/04/other.json'))).toEqual(['2026-11-04T00:00:00.000Z', '2026-11-05T00:00:00.000Z']);
    expect(keySpan('random/file.json')).toBeUndefined();
  });

  it('skips a file delivered before --since, and one delivered more than a day after --until', () => {
    expect(keyInWindow(KEY, { since: '2026-11-03T12:06:00Z' })).toBe(false);
    expect(keyInWindow(KEY, { since: '2026-11-03T12:05:00Z' })).toBe(true);
    // Delivered after --until but within the margin: it may hold records of the window.
    expect(keyInWindow(KEY, { until: '2026-11-03T00:00:00Z' })).toBe(true);
    expect(keyInWindow(KEY, { until: '2026-11-02T12:04:00Z' })).toBe(false);
    expect(keyInWindow('random/file.json', { since: '2030-01-01T00:00:00Z' })).toBe(true);
  });

  it('lists only the days of the window plus the delivery margin', () => {
    const days = dayPrefixes('p/CloudTrail/us-east-1/', { since: '2026-12-30T10:00:00Z', until: '2027-01-01T05:00:00Z' })!;
    expect(days).toEqual(['p/CloudTrail/us-east-1/2026/12/30/', 'p/CloudTrail/us-east-1/2026/12/31/', 'p/CloudTrail/us-east-1/2027/01/01/', 'p/CloudTrail/us-east-1/2027/01/02/']);
    expect(dayPrefixes('p/CloudTrail/us-east-1/', { until: '2027-01-01T00:00:00Z' })).toBeUndefined();
  });

  it('reads log files only, never digest or insight files', () => {
    expect(isTrailLogKey(KEY)).toBe(true);
    expect(isTrailLogKey(KEY.replace('/CloudTrail/', '/CloudTrail-Digest/'))).toBe(false);
    expect(isTrailLogKey(KEY.replace('/CloudTrail/', '/CloudTrail-Insight/'))).toBe(false);
    expect(isTrailLogKey('AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/03/')).toBe(false);
    expect(isTrailLogKey('AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/03/README.md')).toBe(false);
    // A day-folder key without a file stamp: in the window if any of its day is.
    expect(keyInWindow('x/CloudTrail/us-east-1/2026/11/04/other.json', { since: '2026-11-04T23:00:00Z' })).toBe(true);
    expect(keyInWindow('x/CloudTrail/us-east-1/2026/11/04/other.json', { since: '2026-11-05T00:00:01Z' })).toBe(false);
  });
});

describe('--since / --until', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  it('takes durations before now and ISO dates; a date alone for --until is the end of that day', () => {
    expect(parseWhen('--since', '7d', now)).toBe('2026-11-29T12:00:00.000Z');
    expect(parseWhen('--since', '12h', now)).toBe('2026-12-06T00:00:00.000Z');
    expect(parseWhen('--since', '2026-11-01', now)).toBe('2026-11-01T00:00:00.000Z');
    expect(parseWhen('--until', '2026-11-30', now)).toBe('2026-11-30T23:59:59.999Z');
    expect(parseWhen('--until', '2026-11-30T10:00:00Z', now)).toBe('2026-11-30T10:00:00.000Z');
  });
  it('names the flag and refuses an empty window', () => {
    expect(() => parseWhen('--until', 'yesterday', now)).toThrow(/--until: expected a duration like 7d/);
    expect(() => parseWindow('1d', '2d', now)).toThrow(/--since 1d is after --until 2d/);
  });
});
