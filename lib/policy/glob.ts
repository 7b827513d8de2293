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

/** The actor's ARNs a pattern is matched against: the caller ARN and, for assumed roles, the role ARN. */
export function actorMatches(patterns: readonly RegExp[], actor: { arn?: string; roleArn?: string }): boolean {
  for (const p of patterns) {
    if (actor.arn !== undefined && p.test(actor.arn)) return true;
    if (actor.roleArn !== undefined && p.test(actor.roleArn)) return true;
  }
  return false;
}
