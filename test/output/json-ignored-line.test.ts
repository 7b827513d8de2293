/**
 * The JSON line of a record that is not a security-group change is written field by field
 * (bin/output/json.ts ignoredLine, most lines of a trail): byte for byte what the general
 * form, JSON.stringify(toJsonObject(result)), writes.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toJsonLine, toJsonObject } from '../../bin/output/json';
import { defaultPolicy } from '../../lib/policy';
import { processRecord } from '../../lib/process';
import type { RemediationMode, Result } from '../../lib/model';

const RUN = JSON.parse(readFileSync('events/ignored/run-instances.json', 'utf8')) as Record<string, unknown>;
const policy = defaultPolicy();
const general = (r: Result, extras?: Parameters<typeof toJsonLine>[1]) => JSON.stringify(toJsonObject(r, extras));

// Text that JSON must escape, or that is easy to get wrong by hand.
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '"', '\\', '\u2028', '\u0000', 'é日🔥', '</script>', '\ud800'));
const maybe = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const ignoredRecord = fc.record(
  {
    eventName: fc.oneof(fc.constantFrom('RunInstances', 'DescribeInstances', 'PutObject', 'ConsoleLogin'), text),
    eventSource: fc.oneof(fc.constantFrom('ec2.amazonaws.com', 's3.amazonaws.com', 'signin.amazonaws.com'), text),
    eventID: maybe(fc.oneof(fc.uuid(), text)),
    eventTime: maybe(fc.oneof(fc.constantFrom('2026-11-01T00:00:00Z', '2026-11-01T00:00:00.123Z', 'yesterday'), text)),
    awsRegion: maybe(fc.oneof(fc.constantFrom('eu-west-1', 'us-east-1'), text)),
    recipientAccountId: maybe(fc.oneof(fc.constantFrom('111122223333'), text)),
    userIdentity: maybe(fc.constantFrom(RUN.userIdentity, { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' }, {})),
    sourceIPAddress: maybe(text),
    userAgent: maybe(text),
  },
  { requiredKeys: ['eventName', 'eventSource'] },
);

describe('toJsonLine of an ignored record', () => {
  it('is byte for byte the general JSON form, whatever the record holds', () => {
    let compared = 0;
    fc.assert(
      fc.property(ignoredRecord, fc.constantFrom<RemediationMode>('off', 'dry-run', 'enforce'), text, (record, mode, path) => {
        const r = processRecord(`${path}#0`, record, { policy, mode });
        if (r.verdict.outcome !== 'ignored') return; // a record the generator made into a change or invalid
        compared++;
        expect(toJsonLine(r)).toBe(general(r));
      }),
      { numRuns: 500 },
    );
    // Most generated records are ignored ones: the comparison ran on them, not on a handful.
    expect(compared).toBeGreaterThan(250);
  });

  it('covers the shipped ignored sample and each remediation mode', () => {
    for (const mode of ['off', 'dry-run', 'enforce'] as const) {
      const r = processRecord('events/ignored/run-instances.json#0', RUN, { policy, mode });
      expect(r.verdict.outcome).toBe('ignored');
      expect(toJsonLine(r)).toBe(general(r));
      expect(JSON.parse(toJsonLine(r))).toMatchObject({ outcome: 'ignored', eventName: 'RunInstances', remediation: { mode } });
    }
  });

  it('what the field-by-field form does not cover is written the general way: the same line', () => {
    const r = processRecord('x.json#0', RUN, { policy, mode: 'dry-run' });
    const withNotes: Result = { ...r, verdict: { ...r.verdict, notes: ['a note'] } } as Result;
    expect(toJsonLine(withNotes)).toBe(general(withNotes));
    expect(JSON.parse(toJsonLine(withNotes)).notes).toEqual(['a note']);
    const extras = { pipeline: { record: 'stored' } };
    expect(toJsonLine(r, extras)).toBe(general(r, extras));
    expect(JSON.parse(toJsonLine(r, extras)).pipeline).toEqual({ record: 'stored' });
  });
});
