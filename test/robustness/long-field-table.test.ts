/**
 * issue 11: one 8,000-character record field made the `history` / `findings`
 * table take 22 s (cli-table3 word wrap is quadratic). Fields are cut before
 * layout, with an ellipsis.
 */
import { describe, expect, it } from 'vitest';
import { CELL_TEXT_MAX, recordsTable, truncateCell } from '../../bin/commands/history';
import { palette } from '../../bin/output/colors';
import { actor, record, result } from '../alerts/builders';

describe('history/findings table with a huge field', () => {
  it('renders an 8,000-character actor name truncated with an ellipsis', () => {
    const long = 'ab '.repeat(2667).slice(0, 8000);
    const rec = record(result({ change: { actor: actor({ name: long }) } }));
    const started = performance.now();
    const table = recordsTable([rec], true, palette(false));
    const ms = performance.now() - started;
    // generous: before the cut this took ~22 s; not a benchmark, a hang guard
    expect(ms).toBeLessThan(5000);
    expect(table).toContain('…');
    const letters = (table.match(/ab/g) ?? []).length;
    // the cell holds the first CELL_TEXT_MAX characters (~1/3 of them "ab" pairs), not all 2,667 words
    expect(letters).toBeGreaterThan(CELL_TEXT_MAX / 4);
    expect(letters).toBeLessThanOrEqual(CELL_TEXT_MAX / 3 + 1);
    expect(table.split('\n').length).toBeLessThan(40);
  });

  it('cuts by code point, never splitting a surrogate pair', () => {
    const cut = truncateCell('😀'.repeat(300), 11);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(11);
    expect(cut).toBe('😀'.repeat(5) + '…');
    expect(truncateCell('short')).toBe('short');
  });
});
