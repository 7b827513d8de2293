/**
 * Robustness: a malformed record must never throw out of normalise/evaluate,
 * nor out of the CLI's formatters. Every shipped sample (events/ and the real
 * CloudTrail samples) is mutated at random — types swapped, values nulled,
 * fields deleted, lists blown up — and run through processRecord; each
 * mutation must give one well-formed Result, and the json/text output of it
 * must render.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTCOMES, SEVERITIES, type Result } from '../../lib/model';
import { processRecord } from '../../lib/process';
import { defaultPolicy, policyFromObject } from '../../lib/policy';
import { toJsonLine } from '../../bin/output/json';
import { textLine } from '../../bin/output/text';
import { palette } from '../../bin/output/colors';
import { Summary } from '../../bin/output/summary';

const ROOT = path.resolve(__dirname, '../..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...files(full));
    else if (/\.(json|jsonl|gz)$/.test(name)) out.push(full);
  }
  return out;
}

/** Every record of a sample file: bare, EventBridge, {Records}, {Events}, arrays, NDJSON, gzipped. */
function recordsOf(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) {
    for (const v of value) recordsOf(v, out);
    return;
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.Records)) return recordsOf(o.Records, out);
    if (Array.isArray(o.Events)) {
      for (const e of o.Events as Record<string, unknown>[]) {
        if (e && typeof e.CloudTrailEvent === 'string') out.push(JSON.parse(e.CloudTrailEvent));
      }
      return;
    }
    out.push(value);
  }
}

function loadSamples(): unknown[] {
  const out: unknown[] = [];
  for (const f of [...files(path.join(ROOT, 'events')), ...files(path.join(ROOT, 'test/fixtures/cloudtrail-samples'))]) {
    let text: string;
    try {
      const raw = readFileSync(f);
      text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    } catch {
      continue;
    }
    try {
      recordsOf(JSON.parse(text), out);
    } catch {
      // NDJSON, or a deliberately broken input file: take the lines that parse.
      for (const line of text.split('\n')) {
        try {
          recordsOf(JSON.parse(line), out);
        } catch {
          /* not JSON: the reader's job, not processRecord's */
        }
      }
    }
  }
  return out;
}

const SAMPLES = loadSamples();

type PathStep = string | number;

/** Every path to a value inside the record (the record itself excluded). */
function paths(value: unknown, prefix: PathStep[] = [], out: PathStep[][] = []): PathStep[][] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      paths(v, [...prefix, i], out);
    });
  } else if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      out.push([...prefix, k]);
      paths((value as Record<string, unknown>)[k], [...prefix, k], out);
    }
  }
  return out;
}

const hostile = fc.constantFrom(
  '<!channel> <https://evil.example|click> *bold* `code` &amp; @here',
  '0.0.0.0/0',
  '::/0',
  '::ffff:0.0.0.0/96',
  '198.51.100.7/0',
  'not-a-cidr/99',
  '1.2.3.4/33',
  'sgr-0123456789abcdef0',
  'sg-0123456789abcdef0',
  '-1',
  'all',
  'tcp',
  'icmpv6',
  '65536',
  '-2',
  '22-25',
  '',
  ' ',
  'x'.repeat(10_000),
  '__proto__',
  'constructor',
  'toString',
  '2024-13-45T99:99:99Z',
  'line one\nCRITICAL forged line\r\u001b[31mred\u001b[0m',
  'sg-0123456789abcdef0\u202egnp.exe\u2028',
);

/** Replacement values: wrong types of every kind, including huge lists. */
const replacement: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.constantFrom(-1, 0, 65535, 65536, 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 20 }),
  hostile,
  fc.constant([]),
  fc.constant({}),
  fc.constant({ items: null }),
  fc.constant({ items: 'x' }),
  fc.constant({ items: [null, 1, 'a', [], {}] }),
  fc.constant({ item: {} }),
  fc.constant([null]),
  fc.constant(Array.from({ length: 5000 }, (_, i) => ({ cidrIp: `10.0.${i % 256}.0/24`, groupId: i }))),
  fc.jsonValue({ maxDepth: 3 }),
);

type Mutation = { kind: 'delete' } | { kind: 'set'; value: unknown } | { kind: 'wrap' } | { kind: 'to-string' } | { kind: 'to-number' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'delete' }),
  replacement.map<Mutation>((value) => ({ kind: 'set', value })),
  fc.constant<Mutation>({ kind: 'wrap' }),
  fc.constant<Mutation>({ kind: 'to-string' }),
  fc.constant<Mutation>({ kind: 'to-number' }),
);

function apply(record: unknown, at: PathStep[], m: Mutation): unknown {
  if (at.length === 0) return record;
  let parent = record as Record<PathStep, unknown>;
  for (const step of at.slice(0, -1)) parent = parent[step] as Record<PathStep, unknown>;
  const key = at[at.length - 1];
  const old = parent[key];
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'set':
      parent[key] = structuredClone(m.value);
      break;
    case 'wrap':
      parent[key] = [old];
      break;
    case 'to-string':
      parent[key] = typeof old === 'object' ? JSON.stringify(old) : String(old);
      break;
    case 'to-number':
      parent[key] = typeof old === 'string' ? Number(old) : typeof old === 'number' ? -old : 1;
      break;
  }
  return record;
}

function checkResult(r: Result, source: string): void {
  expect(r.source).toBe(source);
  expect(OUTCOMES).toContain(r.verdict.outcome);
  expect(['none', ...SEVERITIES]).toContain(r.verdict.severity);
  expect(Array.isArray(r.verdict.findings)).toBe(true);
  expect(Array.isArray(r.verdict.exceptions)).toBe(true);
  const plan = r.verdict.remediation;
  expect(['revoke', 'none']).toContain(plan.action);
  expect(Array.isArray(plan.ruleIds) && Array.isArray(plan.permissions)).toBe(true);
  if (r.verdict.outcome === 'invalid') {
    expect(typeof r.error).toBe('string');
    expect(r.error!.length).toBeGreaterThan(0);
    expect(r.change).toBeUndefined();
  } else if (r.verdict.outcome === 'ignored') {
    expect(r.change).toBeUndefined();
  } else {
    expect(r.change).toBeDefined();
    for (const f of r.verdict.findings) {
      expect(typeof f.rule).toBe('string');
      expect(SEVERITIES).toContain(f.severity);
      expect(typeof f.message).toBe('string');
    }
    if (plan.action === 'revoke') {
      // Never more than the offending rules: every planned id is an offending finding's rule id.
      const offending = new Set(r.verdict.findings.filter((f) => f.remediation === 'revoke').map((f) => f.target?.ruleId));
      for (const id of plan.ruleIds) expect(offending.has(id)).toBe(true);
    }
  }
  // The CLI renders it, both ways, without throwing: one JSON object per line that
  // says the same as the Result, and one text line no record text can break or recolour.
  const json = toJsonLine(r);
  expect(json).not.toContain('\n');
  expect(JSON.parse(json)).toMatchObject({ source: source, outcome: r.verdict.outcome, severity: r.verdict.severity });
  const text = textLine(r, palette(false));
  expect(typeof text).toBe('string');
  expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  // Fitted to 80 columns: only the line breaks sgwatch makes, and no line wider unless it is one unbreakable word.
  const narrow = textLine(r, palette(false), undefined, 80);
  expect(narrow.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  for (const line of narrow.split('\n')) if ([...line].length > 80) expect(line.trim()).not.toMatch(/ {2}/);
}

const policies = [
  defaultPolicy(),
  policyFromObject({
    trustedCidrs: ['203.0.113.0/24'],
    trustedAccounts: ['444455556666'],
    exceptions: [{ reason: 'fuzz', groupId: 'sg-0123456789abcdef0', ports: ['22'], until: '2030-01-01' }, { reason: 'fuzz actor', actor: 'arn:aws:*' }],
    alertOnlyActors: [{ arn: '*:role/terraform*', reason: 'iac' }],
  }),
];

describe('processRecord never throws on malformed records', () => {
  it('has samples to mutate', () => {
    expect(SAMPLES.length).toBeGreaterThan(50);
  });

  it('every unmutated sample gives a valid Result, and nearly all of them are judged', () => {
    // Without this, the fuzz below would pass if every record came back `invalid`.
    const outcomes = new Map<string, number>();
    for (const [i, rec] of SAMPLES.entries()) {
      const r = processRecord(`s#${i}`, structuredClone(rec), { policy: policies[0], mode: 'enforce' });
      checkResult(r, `s#${i}`);
      outcomes.set(r.verdict.outcome, (outcomes.get(r.verdict.outcome) ?? 0) + 1);
    }
    // A few inputs are deliberately broken fixtures; the rest must be judged.
    expect(outcomes.get('invalid') ?? 0).toBeLessThan(SAMPLES.length * 0.1);
    expect(outcomes.get('violation') ?? 0).toBeGreaterThan(10);
    expect(outcomes.get('compliant') ?? 0).toBeGreaterThan(5);
  });

  it('random type swaps, nulls, deletions and huge lists: a valid Result for every mutation', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.nat({ max: SAMPLES.length - 1 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), mutation), { minLength: 1, maxLength: 4 }),
        fc.nat({ max: policies.length - 1 }),
        fc.constantFrom('off', 'dry-run', 'enforce' as const),
        (sampleIndex, mutations, policyIndex, mode) => {
          let record: unknown = structuredClone(SAMPLES[sampleIndex]);
          for (const [where, m] of mutations) {
            const all = paths(record);
            if (all.length === 0) break;
            record = apply(record, all[Math.floor(where * all.length)], m);
          }
          const source = `fuzz.json#${sampleIndex}`;
          let r: Result | undefined;
          expect(() => {
            r = processRecord(source, record, { policy: policies[policyIndex], mode });
          }).not.toThrow();
          checkResult(r!, source);
          seen.set(r!.verdict.outcome, (seen.get(r!.verdict.outcome) ?? 0) + 1);
          const summary = new Summary();
          summary.add(r!);
          // The summary counts this one record under its outcome.
          expect(summary.render(palette(false), mode).split('\n')[0]).toContain(`1 event: ${r!.verdict.outcome} 1`);
        },
      ),
      { numRuns: 3000 },
    );
    // Mutations must still reach the evaluator: most mutated records are judged, not rejected.
    const judged = (seen.get('violation') ?? 0) + (seen.get('compliant') ?? 0);
    expect(judged).toBeGreaterThan(3000 * 0.3);
    expect(seen.get('invalid') ?? 0).toBeGreaterThan(0);
  });

  it('top-level garbage: a valid invalid/ignored Result', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (value) => {
        const r = processRecord('x#0', value, { policy: policies[0], mode: 'dry-run' });
        checkResult(r, 'x#0');
      }),
      { numRuns: 500 },
    );
  });
});
