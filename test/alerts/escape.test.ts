import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, escapePlain, escapePlainTextObject, escapeSubject, fitLines, mrkdwnCode, stripControl } from '../../lib/alerts/escape';

const NASTY = [
  '<!channel>',
  '<!here>',
  '<@U123ABC>',
  '<#C123|general>',
  '<https://evil.example|click me>',
  '&lt;!channel&gt;',
  '*bold* _it_ ~strike~ `code` ```block```',
  'line1\nline2\r\nline3\u2028line4',
  '\u001b[31mred\u001b[0m',
  'abc\u202Egnp.exe',
  '😀'.repeat(5),
  '',
];
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom(...NASTY, '<', '>', '&', '`', '|', '\n', 'a'), { maxLength: 40 }).map((a) => a.join('')),
);

/** Only the three entities may follow `&`. */
const ENTITIES_ONLY = /&(?!amp;|lt;|gt;)/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const unescape = (s: string) => s.replace(/\u200b/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('escapeMrkdwn', () => {
  it('turns mentions and links into text', () => {
    expect(escapeMrkdwn('<!channel> see <https://x|y>')).toBe('&lt;!channel&gt; see &lt;https://x|y&gt;');
    expect(escapeMrkdwn('<@U123> & <!here>')).toBe('&lt;@U123&gt; &amp; &lt;!here&gt;');
  });

  it('escapes already-escaped text again (shows it literally)', () => {
    expect(escapeMrkdwn('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });

  it('neutralises formatting characters with zero-width spaces', () => {
    const out = escapeMrkdwn('*bold*');
    expect(out).not.toContain('*bold*');
    expect(out.replace(/\u200b/g, '')).toBe('*bold*');
  });

  it('folds newlines and strips control and bidi characters in one-line fields', () => {
    expect(escapeMrkdwn('a\nb\r\nc\td')).toBe('a b c d');
    expect(escapeMrkdwn('x\u001b[31my\u202Ez')).toBe('x[31myz');
    expect(escapeMrkdwn('a\nb', { singleLine: false })).toBe('a\nb');
  });

  it('caps without cutting an entity or a surrogate pair', () => {
    expect(escapeMrkdwn('<<<<<<', { max: 8 })).toBe('&lt;…');
    expect(escapeMrkdwn('<<<<<<', { max: 9 })).toBe('&lt;&lt;…');
    const emoji = escapeMrkdwn('😀😀😀😀', { max: 4 });
    expect(emoji).toBe('😀…');
    expect(escapeMrkdwn('abc', { max: 3 })).toBe('abc');
  });

  it('property: no < or >, only known entities, within the cap, round-trips', () => {
    fc.assert(
      fc.property(hostile, fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }), (text, max) => {
        const out = escapeMrkdwn(text, { max });
        expect(out).not.toMatch(/[<>]/);
        expect(out).not.toMatch(ENTITIES_ONLY);
        expect(out).not.toMatch(CONTROLS);
        expect(out).not.toMatch(/\n/);
        if (max !== undefined) expect(out.length).toBeLessThanOrEqual(max);
        else expect(unescape(out)).toBe(text.replace(/\r\n|[\r\n\u0085\u2028\u2029\t]/g, ' ').replace(CONTROLS_G, '').replace(/[\u200e\u200f\ufeff]/g, ''));
      }),
      { numRuns: 500 },
    );
  });
});
// eslint-disable-next-line no-control-regex
const CONTROLS_G = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

describe('mrkdwnCode', () => {
  it('wraps in one code span and keeps backticks from closing it', () => {
    expect(mrkdwnCode('a`b')).toBe('`aˋb`');
    expect(mrkdwnCode('<!channel>')).toBe('`&lt;!channel&gt;`');
    expect(mrkdwnCode('')).toBe('—');
    expect(mrkdwnCode('  ')).toBe('—');
  });

  it('property: exactly two backticks (or none for empty), no < >, within the cap', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 3, max: 200 }), (text, max) => {
        const out = mrkdwnCode(text, { max });
        expect(out).not.toMatch(/[<>\n]/);
        expect(out).not.toMatch(ENTITIES_ONLY);
        expect(out.length).toBeLessThanOrEqual(max);
        if (out !== '—') {
          expect(out.startsWith('`') && out.endsWith('`')).toBe(true);
          expect(out.split('`').length - 1).toBe(2);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('escapePlainTextObject (Slack header)', () => {
  it('swaps angle brackets and caps at 150', () => {
    expect(escapePlainTextObject('<!channel> & co')).toBe('‹!channel› & co');
    fc.assert(
      fc.property(hostile, (text) => {
        const out = escapePlainTextObject(text.repeat(3));
        expect(out.length).toBeLessThanOrEqual(150);
        expect(out).not.toMatch(/[<>\n]/);
      }),
    );
  });
});

describe('escapePlain (e-mail)', () => {
  it('strips controls, keeps newlines only when asked, caps', () => {
    expect(escapePlain('a\u0007b\nc', { singleLine: false })).toBe('ab\nc');
    expect(escapePlain('a\u0007b\nc')).toBe('ab c');
    expect(escapePlain('x'.repeat(20), { max: 10 })).toBe('xxxxxxxxx…');
    fc.assert(
      fc.property(hostile, (text) => {
        const out = escapePlain(text, { max: 50, singleLine: false });
        expect(out).not.toMatch(CONTROLS);
        expect(out.length).toBeLessThanOrEqual(50);
      }),
    );
  });
});

describe('escapeSubject (SNS)', () => {
  it('property: printable ASCII only, < 100 chars, never empty', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const out = escapeSubject(`[CRITICAL] ${text}`.repeat(2));
        expect(out).toMatch(/^[\x20-\x7e]+$/);
        expect(out.length).toBeLessThan(100);
        expect(out.startsWith(' ')).toBe(false);
      }),
      { numRuns: 500 },
    );
    expect(escapeSubject('\n\n')).toBe('sgwatch alert');
    expect(escapeSubject('sg – web ☃')).toBe('sg ? web ?');
  });
});

describe('fitLines', () => {
  it('drops whole lines and says how many', () => {
    expect(fitLines(['aaaa', 'bbbb', 'cccc'], 100)).toBe('aaaa\nbbbb\ncccc');
    const out = fitLines(['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)], 25);
    expect(out).toBe('aaaaaaaaaa\n…and 2 more');
    expect(out.length).toBeLessThanOrEqual(25);
  });
});

describe('bidi marks in text output', () => {
  it('strips every bidi mark, override and isolate, U+061C (ARABIC LETTER MARK) included', () => {
    const marks = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
    for (const m of marks) expect(stripControl(`sg-${m}0123`, true)).toBe('sg-0123');
  });
});
