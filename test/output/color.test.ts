/** One colour decision everywhere (lib/terminal/color.ts): NO_COLOR per no-color.org, FORCE_COLOR, a terminal. */
import { describe, expect, it } from 'vitest';
import { colorWanted, severityPaint } from '../../lib/terminal/color';

describe('colorWanted', () => {
  it.each<[string, Record<string, string | undefined>, boolean, boolean]>([
    ['a terminal', {}, true, true],
    ['not a terminal', {}, false, false],
    ['NO_COLOR=1 on a terminal', { NO_COLOR: '1' }, true, false],
    ['NO_COLOR empty is unset (no-color.org)', { NO_COLOR: '' }, true, true],
    ['NO_COLOR wins over FORCE_COLOR', { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
    ['FORCE_COLOR into a pipe', { FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR=0 is not forced', { FORCE_COLOR: '0' }, false, false],
  ])('%s', (_n, env, tty, expected) => {
    expect(colorWanted({ isTTY: tty }, env)).toBe(expected);
  });
});

describe('severityPaint', () => {
  it('tells CRITICAL from HIGH by more than boldness: a red background', () => {
    const p = severityPaint(true);
    expect(p.critical('X')).toContain('\u001b[41m');
    expect(p.high('X')).not.toContain('\u001b[41m');
    expect(p.high('X')).toContain('\u001b[31m');
    expect(severityPaint(false).critical('X')).toBe('X');
  });
});
