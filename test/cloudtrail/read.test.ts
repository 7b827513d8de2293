import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readAll, type InputItem } from '../../lib/cloudtrail/read';

const INPUTS = 'test/fixtures/inputs';
const SSH = JSON.parse(readFileSync('events/authorize/ssh-open-to-world.json', 'utf8'));
const RUN = JSON.parse(readFileSync('events/ignored/run-instances.json', 'utf8'));

function summary(items: InputItem[]): string[] {
  return items.map((i) => ('error' in i ? `${i.source} ERROR ${i.error}` : `${i.source} ${(i.record as { eventName?: string; detail?: { eventName: string } }).eventName ?? (i.record as { detail: { eventName: string } }).detail.eventName}`));
}

const made: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sgwatch-read-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('readInputs: formats, told apart by content', () => {
  it('reads a bare record', async () => {
    const items = await readAll(['events/authorize/ssh-open-to-world.json']);
    expect(items).toEqual([{ source: 'events/authorize/ssh-open-to-world.json#0', record: SSH }]);
  });

  it('keeps an EventBridge event whole (normalise unwraps it) and checks its detail-type', async () => {
    const items = await readAll(['events/formats/eventbridge-port-range-20-25-open-to-world.json']);
    expect(items).toHaveLength(1);
    const record = (items[0] as { record: Record<string, unknown> }).record;
    expect(record['detail-type']).toBe('AWS API Call via CloudTrail');
    const other = await readAll([`${INPUTS}/eventbridge-not-cloudtrail.json`]);
    expect(other).toEqual([
      {
        source: `${INPUTS}/eventbridge-not-cloudtrail.json#0`,
        error: `${INPUTS}/eventbridge-not-cloudtrail.json#0: EventBridge event of detail-type "EC2 Instance State-change Notification" does not carry a CloudTrail record (expected "AWS API Call via CloudTrail")`,
      },
    ]);
  });

  it('accepts the redacted StreamAlert envelope whose detail-type is "..." because its detail is a CloudTrail record', async () => {
    const items = await readAll(['test/fixtures/cloudtrail-samples/AuthorizeSecurityGroupIngress/streamalert-1.eventbridge.json']);
    expect(items).toHaveLength(1);
    expect('record' in items[0]).toBe(true);
  });

  it('reads a CloudTrail log file and its gzipped twin (gzip by magic bytes, not by name)', async () => {
    expect(summary(await readAll(['events/formats/cloudtrail-log-file.json']))).toEqual([
      'events/formats/cloudtrail-log-file.json#0 DescribeSecurityGroups',
      'events/formats/cloudtrail-log-file.json#1 AuthorizeSecurityGroupIngress',
      'events/formats/cloudtrail-log-file.json#2 GetObject',
    ]);
    expect(summary(await readAll(['events/formats/cloudtrail-log-file-gzipped.json.gz']))).toEqual([
      'events/formats/cloudtrail-log-file-gzipped.json.gz#0 AuthorizeSecurityGroupIngress',
      'events/formats/cloudtrail-log-file-gzipped.json.gz#1 RevokeSecurityGroupIngress',
    ]);
    const dir = tmp();
    // gzipped, named .json; and plain, named .gz
    writeFileSync(join(dir, 'a.json'), gzipSync(JSON.stringify({ Records: [SSH, RUN] })));
    writeFileSync(join(dir, 'b.gz'), JSON.stringify(SSH));
    expect(summary(await readAll([dir]))).toEqual([
      `${join(dir, 'a.json')}#0 AuthorizeSecurityGroupIngress`,
      `${join(dir, 'a.json')}#1 RunInstances`,
      `${join(dir, 'b.gz')}#0 AuthorizeSecurityGroupIngress`,
    ]);
  });

  it('reads lookup-events output, parsing each CloudTrailEvent string', async () => {
    expect(summary(await readAll(['events/formats/lookup-events-output.json']))).toEqual([
      'events/formats/lookup-events-output.json#0 AuthorizeSecurityGroupIngress',
      'events/formats/lookup-events-output.json#1 CreateSecurityGroup',
    ]);
  });

  it('a bad CloudTrailEvent string is an error for that index only', async () => {
    const f = `${INPUTS}/lookup-events-bad-string.json`;
    expect(summary(await readAll([f]))).toEqual([
      `${f}#0 AuthorizeSecurityGroupIngress`,
      `${f}#1 ERROR ${f}#1: Events[1].CloudTrailEvent is not JSON: Unexpected end of JSON input`,
      `${f}#2 RunInstances`,
    ]);
  });

  it('reads a JSON list, NDJSON, and an SNS notification wrapping an EventBridge event', async () => {
    expect(summary(await readAll(['events/formats/json-array-of-records.json']))).toEqual([
      'events/formats/json-array-of-records.json#0 DeleteSecurityGroup',
      'events/formats/json-array-of-records.json#1 AuthorizeSecurityGroupIngress',
    ]);
    expect(summary(await readAll(['events/formats/newline-delimited.jsonl']))).toEqual([
      'events/formats/newline-delimited.jsonl#0 AuthorizeSecurityGroupIngress',
      'events/formats/newline-delimited.jsonl#1 AuthorizeSecurityGroupIngress',
      'events/formats/newline-delimited.jsonl#2 StopInstances',
    ]);
    const sns = await readAll(['events/formats/sns-notification-wrapping-eventbridge.json']);
    expect(summary(sns)).toEqual(['events/formats/sns-notification-wrapping-eventbridge.json#0 AuthorizeSecurityGroupIngress']);
    expect((sns[0] as { record: Record<string, unknown> }).record['detail-type']).toBe('AWS API Call via CloudTrail');
  });

  it("sgwatch's dead-letter queue as `aws sqs receive-message` prints it: failed deliveries and Lambda on-failure records", async () => {
    const dir = tmp();
    const eb = { version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: '111122223333', region: 'us-east-1', detail: SSH };
    const onFailure = {
      version: '1.0',
      timestamp: '2026-11-26T07:00:00.000Z',
      requestContext: { requestId: 'r-1', functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:sgwatch-prod-onChange:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: eb,
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
    };
    const out = { Messages: [{ MessageId: 'm1', Body: JSON.stringify(eb) }, { MessageId: 'm2', Body: JSON.stringify(onFailure) }, { MessageId: 'm3', Body: 'not json' }] };
    writeFileSync(join(dir, 'dlq.json'), JSON.stringify(out));
    const items = await readAll([join(dir, 'dlq.json')]);
    expect(summary(items).map((s) => s.slice(dir.length + 1))).toEqual([
      'dlq.json#0 AuthorizeSecurityGroupIngress',
      'dlq.json#1 AuthorizeSecurityGroupIngress',
      expect.stringMatching(/^dlq\.json#2 ERROR .*Messages\[2\]\.Body is not JSON/),
    ]);
    expect((items[1] as { record: Record<string, unknown> }).record['detail-type']).toBe('AWS API Call via CloudTrail');
  });

  it('NDJSON of mixed shapes: a line may be a log file, a list or an EventBridge event; gzipped NDJSON streams too', async () => {
    const dir = tmp();
    const eb = { 'detail-type': 'AWS API Call via CloudTrail', account: '111122223333', detail: SSH };
    const text = [JSON.stringify({ Records: [SSH, RUN] }), JSON.stringify([RUN]), JSON.stringify(eb)].join('\r\n');
    writeFileSync(join(dir, 'mixed.ndjson'), gzipSync(text));
    const items = await readAll([join(dir, 'mixed.ndjson')]);
    expect(summary(items).map((s) => s.slice(dir.length + 1))).toEqual([
      'mixed.ndjson#0 AuthorizeSecurityGroupIngress',
      'mixed.ndjson#1 RunInstances',
      'mixed.ndjson#2 RunInstances',
      'mixed.ndjson#3 AuthorizeSecurityGroupIngress',
    ]);
  });

  it('a pretty-printed document spanning many lines is one document', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'pretty.json'), JSON.stringify({ Records: [SSH, RUN, SSH] }, null, 2));
    expect(summary(await readAll([dir])).map((s) => s.slice(dir.length + 1))).toEqual([
      'pretty.json#0 AuthorizeSecurityGroupIngress',
      'pretty.json#1 RunInstances',
      'pretty.json#2 AuthorizeSecurityGroupIngress',
    ]);
  });
});

describe('readInputs: folders and stdin', () => {
  it('walks folders recursively in name order, skipping dotfiles and non-input files', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'b-dir', 'inner'), { recursive: true });
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(RUN));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(SSH));
    writeFileSync(join(dir, 'b-dir', 'inner', 'z.jsonl'), `${JSON.stringify(SSH)}\n`);
    writeFileSync(join(dir, 'b-dir', 'y.json'), JSON.stringify(RUN));
    writeFileSync(join(dir, '.secret.json'), 'not read');
    writeFileSync(join(dir, '.hidden', 'x.json'), 'not read');
    writeFileSync(join(dir, 'README.md'), '# not read');
    const items = await readAll([dir]);
    expect(items.map((i) => i.source.slice(dir.length + 1))).toEqual([
      'a.json#0',
      'b-dir/inner/z.jsonl#0',
      'b-dir/y.json#0',
      'c.json#0',
    ]);
    expect(items.every((i) => 'record' in i)).toBe(true);
  });

  it('reads stdin for "-", gzipped or not, with the path "-"', async () => {
    const plain = await readAll(['-'], { stdin: Readable.from([Buffer.from(`${JSON.stringify(SSH)}\n${JSON.stringify(RUN)}\n`)]) });
    expect(summary(plain)).toEqual(['-#0 AuthorizeSecurityGroupIngress', '-#1 RunInstances']);
    const gz = gzipSync(JSON.stringify({ Records: [RUN] }));
    // split the stream after one byte: the magic bytes arrive in two chunks
    const zipped = await readAll(['-'], { stdin: Readable.from([gz.subarray(0, 1), gz.subarray(1)]) });
    expect(summary(zipped)).toEqual(['-#0 RunInstances']);
  });

  it('lines and documents split across many small chunks are reassembled', async () => {
    const chunked = (text: string) => {
      const parts: Buffer[] = [];
      for (let i = 0; i < text.length; i += 7) parts.push(Buffer.from(text.slice(i, i + 7)));
      return Readable.from(parts);
    };
    const ndjson = `\n\n${JSON.stringify(SSH)}\n\n${JSON.stringify(RUN)}\nnope\n${JSON.stringify(SSH)}`;
    expect(summary(await readAll(['-'], { stdin: chunked(ndjson) }))).toEqual([
      '-#0 AuthorizeSecurityGroupIngress',
      '-#1 RunInstances',
      "-#2 ERROR -#2: line 6: not JSON: Unexpected token 'o' at column 2",
      '-#3 AuthorizeSecurityGroupIngress',
    ]);
    const pretty = JSON.stringify({ Records: [RUN, SSH] }, null, 2);
    expect(summary(await readAll(['-'], { stdin: chunked(pretty) }))).toEqual(['-#0 RunInstances', '-#1 AuthorizeSecurityGroupIngress']);
    const oneLine = JSON.stringify({ Records: [RUN, SSH] });
    expect(summary(await readAll(['-'], { stdin: chunked(oneLine) }))).toEqual(['-#0 RunInstances', '-#1 AuthorizeSecurityGroupIngress']);
  });

  it('the replay of events/ holds no invalid input', async () => {
    const items = await readAll(['events']);
    expect(items.filter((i) => 'error' in i)).toEqual([]);
    expect(items.length).toBeGreaterThanOrEqual(45);
  });
});

describe('readInputs: bad input is an error item, never a throw', () => {
  it('reports every bad file with its source and what is wrong, and goes on', async () => {
    const items = await readAll([INPUTS, 'no/such/file.json', 'events/ignored/run-instances.json']);
    const errors = items.filter((i): i is { source: string; error: string } => 'error' in i);
    expect(errors.map((e) => e.error)).toEqual([
      `${INPUTS}/empty.json#0: empty input: no JSON found`,
      `${INPUTS}/eventbridge-not-cloudtrail.json#0: EventBridge event of detail-type "EC2 Instance State-change Notification" does not carry a CloudTrail record (expected "AWS API Call via CloudTrail")`,
      `${INPUTS}/lookup-events-bad-string.json#1: Events[1].CloudTrailEvent is not JSON: Unexpected end of JSON input`,
      `${INPUTS}/ndjson-with-bad-line.jsonl#1: line 2: not JSON: Expected double-quoted property name at column 48`,
      `${INPUTS}/ndjson-with-bad-line.jsonl#3: line 5: JSON is a number, expected an object or a list of objects`,
      `${INPUTS}/not-json.json#0: not JSON: Expected double-quoted property name at line 4 column 5`,
      `${INPUTS}/truncated.json.gz#0: cannot read: corrupt gzip data (unexpected end of file)`,
      `${INPUTS}/wrong-shape.json#0: JSON object is neither a CloudTrail record, an EventBridge event, a CloudTrail log file ({"Records": [...]}) nor lookup-events output ({"Events": [...]}); keys: Resources, Description`,
      'no/such/file.json#0: cannot read: no such file or directory',
    ]);
    for (const e of errors) expect(e.error.startsWith(`${e.source}: `)).toBe(true);
    expect(errors.some((e) => /\n\s+at /.test(e.error))).toBe(false);
    // the good records around the bad ones are all there, in order
    expect(items.at(-1)).toEqual({ source: 'events/ignored/run-instances.json#0', record: RUN });
    expect(summary(items.filter((i) => i.source.includes('ndjson-with-bad-line')))).toEqual([
      `${INPUTS}/ndjson-with-bad-line.jsonl#0 AuthorizeSecurityGroupIngress`,
      expect.stringContaining('#1 ERROR'),
      `${INPUTS}/ndjson-with-bad-line.jsonl#2 RunInstances`,
      expect.stringContaining('#3 ERROR'),
    ]);
  });

  it('NDJSON whose first line is bad: that line is one error, the others are read', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x.jsonl'), `{"eventName": oops\n${JSON.stringify(SSH)}\n${JSON.stringify(RUN)}\n`);
    const items = await readAll([join(dir, 'x.jsonl')]);
    expect(summary(items).map((s) => s.slice(dir.length + 1))).toEqual([
      'x.jsonl#0 ERROR ' + `${join(dir, 'x.jsonl')}#0: line 1: not JSON: Unexpected token 'o' at column 15`,
      'x.jsonl#1 AuthorizeSecurityGroupIngress',
      'x.jsonl#2 RunInstances',
    ]);
  });

  it('records inside a log file that are not objects are errors for their index', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ Records: [SSH, 'x', RUN] }));
    expect(summary(await readAll([dir])).map((s) => s.slice(dir.length + 1))).toEqual([
      'r.json#0 AuthorizeSecurityGroupIngress',
      `r.json#1 ERROR ${join(dir, 'r.json')}#1: Records[1] is a string, expected a CloudTrail record`,
      'r.json#2 RunInstances',
    ]);
  });
});

describe('readInputs: a document too large for one string', () => {
  // The real limit is V8's longest string (about 512 MiB); the same check with a small limit.
  const log = JSON.stringify({ Records: [SSH, RUN, SSH, RUN] }, null, 2);
  const limit = readFileSync('events/authorize/ssh-open-to-world.json', 'utf8').length + 100;

  // As a file over 16 MB on disk is read (wholeFileBytes: 0). Gzipped, it is streamed and held as one document;
  // plain, its records are read one by one from its bytes, and here each pretty-printed record is over the limit.
  it('is one error naming the file, its size and the jq way out; the next file is still read', async () => {
    const dir = tmp();
    const big = join(dir, "big o'log.json");
    writeFileSync(big, log);
    const items = await readAll([big, 'events/authorize/ssh-open-to-world.json'], { maxDocumentChars: limit, wholeFileBytes: 0 });
    expect(items).toHaveLength(2);
    const error = (items[0] as { error: string }).error;
    expect(items[0].source).toBe(`${big}#0`);
    expect(error).toContain(`${big}#0: too large to parse as one JSON document (${log.length} bytes on disk, more than V8's 512 MiB string limit once decoded)`);
    // A path holding a quote is one shell word in the command.
    expect(error).toContain(`jq -c '.Records[]' '${join(dir, "big o'\\''log.json")}' > '${join(dir, "big o'\\''log.ndjson")}'`);
    expect(items[1]).toEqual({ source: 'events/authorize/ssh-open-to-world.json#0', record: SSH });
  });

  it('a gzipped log says to gunzip first', async () => {
    const dir = tmp();
    const big = join(dir, 'trail.json.gz');
    writeFileSync(big, gzipSync(log));
    const [item] = await readAll([big], { maxDocumentChars: limit, wholeFileBytes: 0 });
    expect((item as { error: string }).error).toContain(`gunzip -c '${big}' | jq -c '.Records[]' > '${join(dir, 'trail.ndjson')}'`);
  });

  it('a log file read whole is read record by record: the limit is on each record, not the file', async () => {
    const dir = tmp();
    const big = join(dir, 'trail.json.gz');
    const compact = JSON.stringify({ Records: [SSH, RUN, SSH, RUN] });
    expect(compact.length).toBeGreaterThan(limit);
    writeFileSync(big, gzipSync(compact));
    expect(summary(await readAll([big], { maxDocumentChars: limit })).map((s) => s.slice(dir.length + 1))).toEqual([
      'trail.json.gz#0 AuthorizeSecurityGroupIngress',
      'trail.json.gz#1 RunInstances',
      'trail.json.gz#2 AuthorizeSecurityGroupIngress',
      'trail.json.gz#3 RunInstances',
    ]);
    // A record longer than the limit is still the error, with the way out.
    const [item] = await readAll([big], { maxDocumentChars: 100 });
    expect((item as { error: string }).error).toContain(`${big}#0: too large to parse as one JSON document`);
  });

  it('a plain log file over the read-whole size is still read record by record; gzip and NDJSON of that size stream', async () => {
    const dir = tmp();
    const text = '{"Records":[{"eventName":"A"},{"eventName":nope},{"eventName":"C"}]}';
    writeFileSync(join(dir, 'a.json'), text);
    writeFileSync(join(dir, 'b.json.gz'), gzipSync(text));
    writeFileSync(join(dir, 'c.ndjson'), `${JSON.stringify({ Records: [RUN] })}\n${JSON.stringify({ Records: [SSH, RUN] })}\n`);
    const got = summary(await readAll([dir], { wholeFileBytes: 10 })).map((s) => s.slice(dir.length + 1));
    expect(got).toEqual([
      'a.json#0 A',
      expect.stringMatching(/^a\.json#1 ERROR .*a\.json#1: Records\[1\]: not JSON: /),
      'a.json#2 C',
      // Streamed and held as one document: one error for the file, as before.
      expect.stringMatching(/^b\.json\.gz#0 ERROR .*b\.json\.gz#0: not JSON: /),
      'c.ndjson#0 RunInstances',
      'c.ndjson#1 AuthorizeSecurityGroupIngress',
      'c.ndjson#2 RunInstances',
    ]);
  });

  it('NDJSON lines are each under the limit, however long the file', async () => {
    const dir = tmp();
    const file = join(dir, 'r.ndjson');
    const line = JSON.stringify(SSH);
    writeFileSync(file, `${line}\n`.repeat(20));
    const items = await readAll([file], { maxDocumentChars: line.length + 10 });
    expect(items).toHaveLength(20);
    expect(items.every((i) => 'record' in i)).toBe(true);
  });
});
