/** ARN patterns: `*` matches any run of characters (including `/` and `:`), `?` one character. Case-sensitive. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * The actor's ARN a pattern matches, or undefined. Patterns are matched
 * against the caller ARN and, for assumed roles, the role ARN (in that order).
 */
export function matchingArn(pattern: RegExp, actor: { arn?: string; roleArn?: string }): string | undefined {
  if (actor.arn !== undefined && pattern.test(actor.arn)) return actor.arn;
  if (actor.roleArn !== undefined && pattern.test(actor.roleArn)) return actor.roleArn;
  return undefined;
}

/** True when one of the patterns matches the actor (see matchingArn). */
export function actorMatches(patterns: readonly RegExp[], actor: { arn?: string; roleArn?: string }): boolean {
  for (const p of patterns) if (matchingArn(p, actor) !== undefined) return true;
  return false;
}
