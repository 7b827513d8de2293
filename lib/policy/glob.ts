/**
 * ARN patterns: `*` matches any run of characters (including `/` and `:`), `?`
 * one character. Anchored at both ends, case-sensitive; every other character
 * is literal. As with the regular expression this used to build (`*` -> `.*`,
 * `?` -> `.`), characters are UTF-16 code units and neither wildcard matches a
 * line terminator (\n, \r, U+2028, U+2029).
 *
 * Matching never backtracks exponentially: runs of `*` collapse to one, and
 * the match is the two-pointer wildcard algorithm (on a mismatch, resume just
 * after the last `*`, one character further). Its worst case is
 * O(pattern x subject) steps, where `arn:aws:iam::**********:role/ci` against a
 * 99-character ARN took over 120 s as a regular expression.
 */
export interface GlobPattern {
  /** The pattern as written in the policy. */
  readonly source: string;
  test(subject: string): boolean;
}

const STAR = 42; // '*'
const QUESTION = 63; // '?'

function isLineTerminator(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029;
}

const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/** Anchored wildcard match; subject without line terminators. */
function wildcardMatch(p: string, s: string): boolean {
  let pi = 0;
  let si = 0;
  let star = -1; // index in p of the last `*` seen
  let mark = 0; // index in s where that `*` stopped matching
  while (si < s.length) {
    const pc = pi < p.length ? p.charCodeAt(pi) : -1;
    if (pc === STAR) {
      star = pi++;
      mark = si;
    } else if (pc !== -1 && (pc === QUESTION || pc === s.charCodeAt(si))) {
      pi++;
      si++;
    } else if (star !== -1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p.charCodeAt(pi) === STAR) pi++;
  return pi === p.length;
}

/**
 * Anchored match by simulating the pattern as an automaton (one state per
 * pattern position), for the rare subject holding a line terminator that the
 * pattern holds too: O(pattern x subject), no backtracking.
 */
function automatonMatch(p: string, s: string): boolean {
  const n = p.length;
  let states = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  const close = (set: Uint8Array) => {
    for (let i = 0; i < n; i++) if (set[i] && p.charCodeAt(i) === STAR) set[i + 1] = 1;
  };
  states[0] = 1;
  close(states);
  for (let si = 0; si < s.length; si++) {
    const c = s.charCodeAt(si);
    next.fill(0);
    for (let i = 0; i < n; i++) {
      if (!states[i]) continue;
      const pc = p.charCodeAt(i);
      if (pc === STAR) {
        if (!isLineTerminator(c)) next[i] = 1;
      } else if (pc === QUESTION ? !isLineTerminator(c) : pc === c) {
        next[i + 1] = 1;
      }
    }
    close(next);
    [states, next] = [next, states];
  }
  return states[n] === 1;
}

/** Compiles an ARN pattern (see the module comment). */
export function compileGlob(pattern: string): GlobPattern {
  const collapsed = pattern.replace(/\*{2,}/g, '*');
  const patternHasTerminator = LINE_TERMINATOR.test(collapsed);
  return {
    source: pattern,
    test(subject: string): boolean {
      if (!LINE_TERMINATOR.test(subject)) return wildcardMatch(collapsed, subject);
      // Only a literal line terminator in the pattern can match one in the subject.
      return patternHasTerminator && automatonMatch(collapsed, subject);
    },
  };
}

/**
 * The actor's ARN a pattern matches, or undefined. Patterns are matched
 * against the caller ARN and, for assumed roles, the role ARN (in that order).
 */
export function matchingArn(pattern: GlobPattern, actor: { arn?: string; roleArn?: string }): string | undefined {
  if (actor.arn !== undefined && pattern.test(actor.arn)) return actor.arn;
  if (actor.roleArn !== undefined && pattern.test(actor.roleArn)) return actor.roleArn;
  return undefined;
}

/** True when one of the patterns matches the actor (see matchingArn). */
export function actorMatches(patterns: readonly GlobPattern[], actor: { arn?: string; roleArn?: string }): boolean {
  for (const p of patterns) if (matchingArn(p, actor) !== undefined) return true;
  return false;
}
