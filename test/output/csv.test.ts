/** --format csv (bin/output/csv.ts): RFC 4180, one row per finding, formula injection guarded. */
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvCell, csvHeader, toCsvRows } from '../../bin/output/csv';
import { defaultPolicy } from '../../lib/policy';
import { processRecord } from '../../lib/process';
import { readFileSync } from 'node:fs';

/** A strict RFC 4180 reader, for the test only. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += ch;
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row);
  return rows;
}

const SSH = JSON.parse(readFileSync('events/authorize/ssh-open-to-world.json', 'utf8'));

describe('--format csv', () => {
  it('guards cells a spreadsheet would run as a formula, and leaves numbers and plain text alone', () => {
    for (const v of ['=HYPERLINK("http://evil","x")', '+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd']) expect(csvCell(v)).toBe(`'${v}`);
    expect(csvCell('web-prod')).toBe('web-prod');
    expect(csvCell(-1)).toBe(-1);
    expect(csvCell(undefined)).toBe('');
  });

  it('writes one row per finding that parses back, with a hostile group name kept as text', () => {
    const record = structuredClone(SSH);
    record.requestParameters.groupName = '=HYPERLINK("http://evil.example","click"),\n"x"';
    delete record.requestParameters.groupId;
    const result = processRecord('f.json#0', record, { policy: defaultPolicy(), mode: 'dry-run' });
    const text = csvHeader() + toCsvRows(result);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + result.verdict.findings.length);
    for (const r of rows.slice(1)) {
      expect(r).toHaveLength(CSV_COLUMNS.length);
      const cell = (name: (typeof CSV_COLUMNS)[number]) => r[CSV_COLUMNS.indexOf(name)];
      expect(cell('input')).toBe('f.json#0');
      expect(cell('from_port')).toBe('22');
      expect(cell('group_name')).toBe(`'${record.requestParameters.groupName}`);
      expect(cell('message')).toMatch(/tcp\/22/);
    }
  });

  it('a record without findings gives no row', () => {
    const run = JSON.parse(readFileSync('events/ignored/run-instances.json', 'utf8'));
    expect(toCsvRows(processRecord('r.json#0', run, { policy: defaultPolicy(), mode: 'dry-run' }))).toBe('');
  });
});
