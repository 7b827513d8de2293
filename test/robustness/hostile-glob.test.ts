/**
 * Attack: ARN patterns with catastrophic backtracking. `arn:aws:iam::**********:role/ci`
 * passed `policy validate`, then replay hung for over 120 s on one 99-character
 * ARN when each `*` became `.*` in a regular expression. Results are asserted
 * here (the time budget is vitest's timeout; the timing is in `npm run bench`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, parsePolicy } from '../../lib/policy';
import { compileGlob } from '../../lib/policy/glob';
import { actor, change, rule } from '../policy/builders';

/** The regular expression globs used to compile to (the reference semantics, fine for short inputs). */
function oldRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

const count = (s: string, c: string) => s.split(c).length - 1;

interface Family {
  pattern: (k: number) => string;
  /** Closed-form answer for the family, independent of any matcher. */
  expected: (k: number, arn: string) => boolean;
}

const FAMILIES: Family[] = [
  // The reported one: a run of stars between a prefix and a suffix.
  {
    pattern: (k) => `arn:aws:iam::${'*'.repeat(k)}:role/ci`,
    expected: (_k, s) => s.length >= 21 && s.startsWith('arn:aws:iam::') && s.endsWith(':role/ci'),
  },
  // Separated stars: `*a*a...*a*b` matches iff it ends in b with at least k a's before.
  {
    pattern: (k) => `${'*a'.repeat(k)}*b`,
    expected: (k, s) => s.endsWith('b') && count(s.slice(0, -1), 'a') >= k,
  },
  // `*:*:...*:x`: ends in `:x` with at least k-1 more colons before.
  {
    pattern: (k) => `${'*:'.repeat(k)}x`,
    expected: (k, s) => s.endsWith(':x') && count(s.slice(0, -2), ':') >= k - 1,
  },
  // Question marks and star runs: at least k characters, then `:role/ci`.
  {
    pattern: (k) => `${'?*'.repeat(k)}**:role/ci`,
    expected: (k, s) => s.endsWith(':role/ci') && s.length >= k + 8,
  },
];

function hostilePatterns(n: number): { pattern: string; family: Family; k: number }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const family = FAMILIES[i % FAMILIES.length]!;
    const k = 1 + (Math.floor(i / FAMILIES.length) % 40);
    out.push({ pattern: family.pattern(k), family, k });
  }
  return out;
}

/** Long ARNs, most of them near misses (the worst case for backtracking). */
function longArns(n: number): string[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const len = 100 + (i % 300);
    const filler = i % 3 === 0 ? 'a'.repeat(len) : i % 3 === 1 ? ':a'.repeat(len >> 1) : 'ab:'.repeat(len / 3);
    const tails = [':role/ci', ':role/cj', 'b', 'c', ':x', ':y', ''];
    const tail = tails[i % tails.length]!;
    out.push(i % 2 === 0 ? `arn:aws:iam::${filler}${tail}` : `${filler}${tail}`);
  }
  return out;
}

describe('hostile ARN patterns', () => {
  it('1,000 hostile patterns x 1,000 long ARNs: every answer right', { timeout: 120_000 }, () => {
    const patterns = hostilePatterns(1000);
    const arns = longArns(1000);
    let matches = 0;
    let wrong = 0;
    const firstWrong: string[] = [];
    for (const { pattern, family, k } of patterns) {
      const glob = compileGlob(pattern);
      for (const arn of arns) {
        const got = glob.test(arn);
        if (got) matches++;
        if (got !== family.expected(k, arn)) {
          wrong++;
          if (firstWrong.length < 3) firstWrong.push(`${pattern} vs ${arn.slice(0, 60)}...: got ${got}`);
        }
      }
    }
    expect(firstWrong).toEqual([]);
    expect(wrong).toBe(0);
    // Both answers occur, so the check above is not vacuous.
    expect(matches).toBeGreaterThan(10_000);
    expect(matches).toBeLessThan(1_000_000 - 10_000);
  });

  it('the reported pattern, through the policy: exception applies to the matching role, not a 99-character near miss', { timeout: 60_000 }, () => {
    const policy = parsePolicy(
      `exceptions:\n  - actor: "arn:aws:iam::**********:role/ci"\n    reason: CI\n`,
      'hostile.yml',
    );
    const nearMiss = `arn:aws:iam::${'1'.repeat(80)}:role/cj`;
    expect(nearMiss.length).toBeGreaterThanOrEqual(99);
    const miss = evaluate(change([rule('0.0.0.0/0', 22)], { actor: actor(nearMiss) }), policy);
    expect(miss.outcome).toBe('violation');
    const hit = evaluate(change([rule('0.0.0.0/0', 22)], { actor: actor('arn:aws:iam::111122223333:role/ci') }), policy);
    expect(hit.outcome).toBe('compliant');
    expect(hit.exceptions.map((e) => e.id)).toEqual(['exceptions[0]']);
  });

  it('agrees with the regular expression it replaces (anchoring, case, metacharacters, line terminators)', () => {
    const alphabet = fc.constantFrom('a', 'A', 'b', ':', '/', '.', '+', '(', ')', '[', ']', '^', '$', '|', '\\', '{', '}', '-', '\n', '\r', '\u2028', '😀');
    const patternChar = fc.oneof(alphabet, fc.constantFrom('*', '?', '**'));
    fc.assert(
      fc.property(fc.array(patternChar, { maxLength: 8 }), fc.array(alphabet, { maxLength: 12 }), (p, s) => {
        const pattern = p.join('');
        const subject = s.join('');
        expect(compileGlob(pattern).test(subject)).toBe(oldRegExp(pattern).test(subject));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['arn:aws:iam::*:role/deploy', 'arn:aws:iam::111122223333:role/deploy', true],
    ['arn:aws:iam::*:role/deploy', 'arn:aws:iam::111122223333:role/deploy-2', false],
    ['arn:aws:iam::*:role/deploy', 'xarn:aws:iam::111122223333:role/deploy', false],
    ['arn:aws:iam::*:role/Deploy', 'arn:aws:iam::111122223333:role/deploy', false],
    ['arn:aws:iam::111122223333:role/a.b', 'arn:aws:iam::111122223333:role/aXb', false],
    ['arn:aws:iam::????????????:role/x', 'arn:aws:iam::111122223333:role/x', true],
    ['arn:aws:iam::????????????:role/x', 'arn:aws:iam::11112222333:role/x', false],
    ['*', '', true],
    ['', '', true],
    ['*', 'a\nb', false],
  ])('%s vs %s: %s', (pattern, subject, expected) => {
    expect(compileGlob(pattern).test(subject)).toBe(expected);
  });
});
