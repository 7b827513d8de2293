import { describe, expect, it } from 'vitest';
import { elidePath, elideWords, fitLine, terminalWidth, wrapWords, type Part } from '../../lib/terminal/fit';

describe('fitLine: parts shortened or left out by priority, words never split', () => {
  const parts = (): Part[] => [
    { text: 'CRITICAL', drop: 0 },
    { text: 'sg-0a1b2c3d4e5f60001 (web prod)', drop: 2, keep: 'sg-0a1b2c3d4e5f60001' },
    { text: 'tcp/22 (SSH) from 0.0.0.0/0', drop: 1, forms: [{ at: 1.6, text: 'tcp/22 from 0.0.0.0/0' }], shorten: (room) => elideWords('tcp/22 from 0.0.0.0/0', room) },
    { text: '[public-admin-port] +1 more', drop: 1.4, tight: true, forms: [{ at: 1.7, text: '[public-admin-port]' }] },
    { text: 'alice via console', drop: 3 },
  ];

  it('with no width, or room enough, the whole line', () => {
    const whole = 'CRITICAL  sg-0a1b2c3d4e5f60001 (web prod)  tcp/22 (SSH) from 0.0.0.0/0 [public-admin-port] +1 more  alice via console';
    expect(fitLine(parts(), undefined)).toBe(whole);
    expect(fitLine(parts(), whole.length)).toBe(whole);
  });

  it('gives up the least important first, in turn, and stops as soon as it fits', () => {
    expect(fitLine(parts(), 100)).toBe('CRITICAL  sg-0a1b2c3d4e5f60001 (web prod)  tcp/22 (SSH) from 0.0.0.0/0 [public-admin-port] +1 more');
    expect(fitLine(parts(), 90)).toBe('CRITICAL  sg-0a1b2c3d4e5f60001  tcp/22 (SSH) from 0.0.0.0/0 [public-admin-port] +1 more');
    expect(fitLine(parts(), 80)).toBe('CRITICAL  sg-0a1b2c3d4e5f60001  tcp/22 (SSH) from 0.0.0.0/0 [public-admin-port]');
    expect(fitLine(parts(), 75)).toBe('CRITICAL  sg-0a1b2c3d4e5f60001  tcp/22 from 0.0.0.0/0 [public-admin-port]');
    expect(fitLine(parts(), 60)).toBe('CRITICAL  sg-0a1b2c3d4e5f60001  tcp/22 from 0.0.0.0/0');
    expect(fitLine(parts(), 40)).toBe('CRITICAL  sg-0a1b2c3d4e5f60001  tcp/22…');
  });

  it('never leaves out a part with drop 0, nor the kept form of one, even past the width', () => {
    expect(fitLine(parts(), 10)).toBe('CRITICAL  sg-0a1b2c3d4e5f60001');
  });

  it('counts an indent, and paints after fitting (widths are on the plain text)', () => {
    const painted: Part[] = [
      { text: 'HIGH', drop: 0, paint: (s) => `<${s}>` },
      { text: 'one two three', drop: 1, shorten: (room) => elideWords('one two three', room) },
    ];
    expect(fitLine(painted, 20, 4)).toBe('<HIGH>  one two…');
  });
});

describe('elideWords, elidePath, wrapWords', () => {
  it('cuts after a whole word, never inside an id', () => {
    expect(elideWords('would revoke sgr-0a1b2c3d4e5f60041, sgr-0a1b2c3d4e5f60042', 50)).toBe('would revoke sgr-0a1b2c3d4e5f60041…');
    expect(elideWords('sgr-0a1b2c3d4e5f60041', 10)).toBeUndefined();
    expect(elideWords('short', 10)).toBe('short');
  });

  it('shortens a source by whole folders from the left, keeping #index', () => {
    expect(elidePath('events/authorize/ssh-open-to-world.json#0', 40)).toBe('…/authorize/ssh-open-to-world.json#0');
    expect(elidePath('events/authorize/ssh-open-to-world.json#0', 30)).toBe('…/ssh-open-to-world.json#0');
    expect(elidePath('events/authorize/ssh-open-to-world.json#0', 10)).toBeUndefined();
    expect(elidePath('events/authorize/ssh-open-to-world.json#0', 0)).toBe('…/ssh-open-to-world.json#0');
  });

  it('wraps at spaces under an indent; a word longer than a line stays whole', () => {
    const long = 'x'.repeat(50);
    expect(wrapWords(`a b ${long} c`, 40, 4)).toBe(`a b\n    ${long}\n    c`);
  });
});

describe('terminalWidth', () => {
  it('is the terminal columns, else COLUMNS, else none (pipes get whole lines)', () => {
    expect(terminalWidth({ isTTY: true, columns: 93 }, { COLUMNS: '80' })).toBe(93);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '80' })).toBe(80);
    expect(terminalWidth({ isTTY: false }, {})).toBeUndefined();
    expect(terminalWidth({ isTTY: false }, { COLUMNS: 'wide' })).toBeUndefined();
  });
});
