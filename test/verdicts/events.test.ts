/**
 * The shipped events/ are the product's specification by example: the table
 * in events/README.md says what each record must yield under the default
 * policy. This test replays every file and checks it against that table, row
 * by row, and that no record is missing from the table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../lib/policy';
import { replayResults } from '../../lib/replay';
import type { Result } from '../../lib/model';
import { inventoryFilesBeside } from '../../lib/context/inventory-beside';
import { loadInventoryFiles } from '../../lib/context/inventory-file';
import { inventoryRuleDirections } from '../../lib/context/inventory-resolvers';

const root = path.join(__dirname, '..', '..', 'events');

interface Row {
  source: string;
  outcome: string;
  severity: string;
  rules: string[];
  revoke: string[];
}

function codes(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

function tableRows(): Row[] {
  const text = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | source | what it shows | outcome | severity | rules | revoke |
    if (cells.length !== 8 || !cells[1].startsWith('`') || !cells[1].includes('#')) continue;
    rows.push({ source: codes(cells[1])[0], outcome: cells[3], severity: cells[4], rules: codes(cells[5]), revoke: codes(cells[6]) });
  }
  return rows;
}

/** As `sgwatch replay events/` runs: with the *.inventory.json beside the records answering rule directions. */
async function replayAll(): Promise<Map<string, Result>> {
  const out = new Map<string, Result>();
  const beside = inventoryFilesBeside([root]);
  expect(beside.map((f) => path.relative(root, f))).toEqual(['modify/security-group-rules.inventory.json']);
  const context = { directions: inventoryRuleDirections(loadInventoryFiles(beside)) };
  for await (const r of replayResults([root], { policy: defaultPolicy(), mode: 'dry-run', context })) {
    out.set(path.relative(root, r.source), r);
  }
  return out;
}

describe('events/ replayed under the default policy', async () => {
  const rows = tableRows();
  const results = await replayAll();

  it('the README table lists every record of events/, and only those', () => {
    expect(rows.length).toBeGreaterThan(40);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(results.keys()));
  });

  it('no shipped event is invalid (the quick start exits 0)', () => {
    const invalid = [...results.values()].filter((r) => r.verdict.outcome === 'invalid');
    expect(invalid.map((r) => r.error)).toEqual([]);
  });

  it.each(rows.map((r) => [r.source, r] as const))('%s', (source, row) => {
    const r = results.get(source);
    expect(r, `no result for ${source}`).toBeDefined();
    const v = r!.verdict;
    expect({
      outcome: v.outcome,
      severity: v.severity,
      rules: [...new Set(v.findings.map((f) => f.rule))].sort(),
      revoke: [...v.remediation.ruleIds].sort(),
    }).toEqual({ outcome: row.outcome, severity: row.severity, rules: [...row.rules].sort(), revoke: [...row.revoke].sort() });
    if (row.revoke.length) {
      expect(v.remediation.action).toBe('revoke');
      expect(v.remediation.permissions).toEqual([]);
    }
  });
});
