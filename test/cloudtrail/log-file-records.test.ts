import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expand, type Expanded } from '../../lib/cloudtrail/formats';
import { recordBounds, recordItems } from '../../lib/cloudtrail/log-file-records';

const SAMPLES = 'test/fixtures/cloudtrail-samples';
/** Every record shipped in test fixtures and events/, as parsed values (real shapes nobody here wrote, and ours). */
function sampleRecords(): unknown[] {
  const out: unknown[] = [];
  for (const dir of readdirSync(SAMPLES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(SAMPLES, dir.name))) {
      const v = JSON.parse(readFileSync(join(SAMPLES, dir.name, f), 'utf8')) as Record<string, unknown>;
      out.push(v.detail ?? v);
    }
  }
  return out;
}

/** What reading the text whole gives (text-records.ts parses it once, then formats.ts expands it). */
const whole = (text: string): Expanded[] => [...expand(JSON.parse(text), '')];
/** What the reader does with bytes read whole (lib/cloudtrail/read.ts): the records where they are found, else undefined. */
const split = (text: string): Expanded[] | undefined => {
  const b = Buffer.from(text, 'utf8');
  const bounds = recordBounds(b);
  return bounds && [...recordItems(b, bounds)];
};

// Strings that look like structure: braces, brackets, quotes and backslashes inside values.
const TRICKY = {
  eventVersion: '1.08',
  eventName: 'AuthorizeSecurityGroupIngress',
  eventSource: 'ec2.amazonaws.com',
  eventID: 'tricky-1',
  requestParameters: {
    groupId: 'sg-1',
    description: 'a } closing brace, a { and ] [ and a quote " and \\ backslash, "}]}" and \\\\" and \\u0022',
    trailing: 'ends with a backslash \\',
    oddQuote: 'one quote " then } ] } as text',
    unicode: 'é 日本 🔥 \u2028 \u0000',
    nested: [[{ a: '}' }], { b: ['{', ']'] }],
    empty: {},
    list: [],
  },
};

describe('recordBounds + recordItems: a CloudTrail log file read record by record', () => {
  it('gives exactly what reading the file whole gives, for every sample record, compact and pretty-printed', () => {
    const records = [...sampleRecords(), TRICKY];
    expect(records.length).toBeGreaterThan(40);
    for (const text of [JSON.stringify({ Records: records }), JSON.stringify({ Records: records }, null, 2), JSON.stringify({ Records: records }, null, '\t')]) {
      const got = split(text);
      expect(got).toBeDefined();
      expect(got).toEqual(whole(text));
      expect(got).toHaveLength(records.length);
    }
  });

  it('finds each record by its bytes, also with multi-byte characters before it', () => {
    const text = `\ufeff \r\n{ "Records" :\n[ {"a":"é日🔥"} ,\t{"b":{"c":"}"}} ]\n}\n `;
    const b = Buffer.from(text, 'utf8');
    const bounds = recordBounds(b)!;
    expect(bounds).toHaveLength(4);
    expect(b.toString('utf8', bounds[0], bounds[1])).toBe('{"a":"é日🔥"}');
    expect(b.toString('utf8', bounds[2], bounds[3])).toBe('{"b":{"c":"}"}}');
  });

  it('an empty list is no records', () => {
    expect(split('{"Records":[]}')).toEqual([]);
    expect(split('{ "Records" : [ ] } ')).toEqual([]);
  });

  it('keeps the SNS notification shape and its errors as reading whole does', () => {
    const inner = JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: '1', detail: TRICKY });
    const text = JSON.stringify({ Records: [{ Sns: { Message: inner } }, { Sns: { Message: 7 } }, { Sns: { Message: '{bad' } }] });
    expect(split(text)).toEqual(whole(text));
    expect(split(text)!.map((e) => ('error' in e ? e.error : 'record'))).toEqual([
      'record',
      'Records[1].Sns.Message is a number, expected a JSON string',
      expect.stringContaining('Records[2].Sns.Message is not JSON'),
    ]);
  });

  it('is not used (undefined: read whole) for any other shape, so their results and errors do not change', () => {
    for (const text of [
      '{"Records":[{"a":1}],"eventName":"x"}', // another key after the list
      '{"eventName":"x","Records":[]}', // another key first
      '{"Records":[{"a":1},]}', // trailing comma
      '{"Records":[{"a":1} {"b":2}]}', // no comma
      '{"Records":[{"a":1}', // truncated
      '{"Records":[{"a":"1}]}', // unterminated string
      '{"Records":[1,{"a":1}]}', // an entry that is not an object
      '{"Records":[{"a":1}]}}', // something after the document
      '{"Records":{}}',
      '{"Rec\\u006frds":[{"a":1}]}', // the key spelled with an escape
      '[{"Records":[]}]',
      '{"Records":[{"a":1}]}\n{"Records":[{"b":2}]}', // NDJSON of log files
      '\u00a0{"Records":[]}', // not JSON whitespace
      '',
    ]) {
      expect(split(text), text).toBeUndefined();
    }
  });

  it('a record that does not parse is one error for its index; the records after it are read', () => {
    const text = '{"Records":[{"eventName":"A"},{"eventName":tru},{"eventName":"C"}]}';
    expect(() => JSON.parse(text)).toThrow(); // read whole, the file was one error and no records
    const got = split(text)!;
    expect(got).toHaveLength(3);
    expect(got[0]).toEqual({ record: { eventName: 'A' } });
    expect((got[1] as { error: string }).error).toMatch(/^Records\[1\]: not JSON: /);
    expect(got[2]).toEqual({ record: { eventName: 'C' } });
  });

  it('a record longer than the limit on one string is the input error (DocumentTooLarge)', () => {
    const b = Buffer.from(JSON.stringify({ Records: [{ a: 'x'.repeat(50) }] }));
    const items = recordItems(b, recordBounds(b)!, 20);
    expect(() => [...items]).toThrow(/longer than 20 characters/);
  });
});
