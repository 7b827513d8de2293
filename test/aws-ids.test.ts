/**
 * One set of id patterns (lib/aws-ids.ts): every real id in the shipped
 * CloudTrail samples passes it, the policy schema accepts exactly the group and
 * rule ids it accepts, and an exception naming a real record's group id
 * validates and matches that record's change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ID, ENI_ID, GROUP_ID, INSTANCE_ID, PREFIX_LIST_ID, REGION, RULE_ID } from '../lib/aws-ids';
import { normalise } from '../lib/cloudtrail/normalise';
import type { Change } from '../lib/model';
import { evaluate, parsePolicy } from '../lib/policy';
import { validatePolicyObject } from '../lib/policy/schema';

const DIR = 'test/fixtures/cloudtrail-samples';
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .map((f) => join(DIR, f));

/**
 * Values in the samples that are not real (see the samples' README): hand-written test events (Panther's sg-1,
 * Elastic's 9-digit account, Netflix's 11-digit one), StreamAlert's "..." redactions and account 12345, Wazuh docs' 10-digit account and Stratus's anonymisation
 * (fake regions, a mixed-case instance id).
 */
const NOT_REAL = new Set(['sg-1', 'sg-12345', '000000000', '12345689010', '12345', '0987654321', '...', 'us-northeast-1r', 'ca-northsouth-2r', 'i-DDd6c7B0e18F0E35f']);

const PATTERNS: Record<string, RegExp> = { sg: GROUP_ID, sgr: RULE_ID, pl: PREFIX_LIST_ID, eni: ENI_ID, i: INSTANCE_ID };

function changes(): Array<{ file: string; change: Change }> {
  const out: Array<{ file: string; change: Change }> = [];
  for (const file of files) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    for (const rec of Array.isArray(parsed) ? parsed : [parsed]) {
      const r = normalise(rec);
      if (r.status === 'change') out.push({ file, change: r.change });
    }
  }
  return out;
}

describe('aws-ids', () => {
  it('the samples are there to check against', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(changes().length).toBeGreaterThan(30);
  });

  it('every resource id in the real samples passes its pattern', () => {
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/"((sg|sgr|pl|eni|i)-[0-9A-Za-z]+)"/g)) {
        const [id, prefix] = [m[1], m[2]];
        if (NOT_REAL.has(id)) continue;
        expect(PATTERNS[prefix].test(id), `${file}: ${id}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("every normalised change's group, rule ids, account and region pass the patterns", () => {
    for (const { file, change } of changes()) {
      if (change.groupId !== null && !NOT_REAL.has(change.groupId)) expect(change.groupId, file).toMatch(GROUP_ID);
      for (const r of change.rules) if (r.ruleId) expect(r.ruleId, file).toMatch(RULE_ID);
      if (!NOT_REAL.has(change.account)) expect(change.account, file).toMatch(ACCOUNT_ID);
      if (!NOT_REAL.has(change.region)) expect(change.region, file).toMatch(REGION);
    }
  });

  it('regions: commercial, GovCloud, China, ISO; not near-misses', () => {
    for (const r of ['us-east-1', 'eu-central-2', 'ap-southeast-5', 'us-gov-west-1', 'cn-northwest-1', 'us-iso-east-1', 'eu-isoe-west-1', 'mx-central-1']) expect(r).toMatch(REGION);
    for (const r of ['', 'us-east', 'US-EAST-1', 'us-east-1a', 'global', 'us_east_1', '...']) expect(r).not.toMatch(REGION);
  });

  it('the schema accepts a group or rule id exactly when the pattern does (8 or 17 hex digits, lower case)', () => {
    const accepts = (ex: Record<string, string>) => validatePolicyObject({ exceptions: [{ reason: 'test', ...ex }] }, 'p.yml').ok;
    for (const n of [7, 8, 9, 10, 16, 17, 18]) {
      const hex = '0123456789abcdef0123'.slice(0, n);
      expect(accepts({ groupId: `sg-${hex}` }), `sg-${hex}`).toBe(GROUP_ID.test(`sg-${hex}`));
      expect(accepts({ ruleId: `sgr-${hex}` }), `sgr-${hex}`).toBe(RULE_ID.test(`sgr-${hex}`));
    }
    // No real group has 10 hex digits: such an exception could never match, so it must not validate.
    expect(accepts({ groupId: 'sg-0123456789' })).toBe(false);
    expect(accepts({ groupId: 'sg-0123456789ABCDEF0' })).toBe(false);
    expect(accepts({ groupId: 'sg-0123456789abcdef0' })).toBe(true);
  });

  it("an exception naming a real record's group id validates and covers that record's change", () => {
    let covered = 0;
    for (const { file, change } of changes()) {
      if (change.groupId === null || NOT_REAL.has(change.groupId)) continue;
      const plain = evaluate(change, parsePolicy('{}', 'none.yml'));
      if (plain.findings.length === 0) continue;
      const policy = parsePolicy(`exceptions:\n  - groupId: ${change.groupId}\n    reason: sample\n`, 'ex.yml');
      const v = evaluate(change, policy);
      expect(v.findings, file).toEqual([]);
      expect(v.exceptions.length, file).toBeGreaterThan(0);
      covered++;
    }
    expect(covered).toBeGreaterThan(5);
  });
});
