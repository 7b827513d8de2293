/**
 * `--assume-role-arn`: an IAM role ARN with `{account}` where each record's
 * account goes (`arn:aws:iam::{account}:role/sgwatch-member`). No SDK here, so
 * the CLI can check the flag without loading one.
 */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\{account\}:role\/[\w+=,.@\/-]{1,512}$/;

/** The role ARN of an account from the pattern. */
export const roleArnFromPattern = (pattern: string) => (account: string): string => pattern.replace('{account}', account);

/** Why a --assume-role-arn value is refused, or undefined when it is a usable pattern. */
export function rolePatternProblem(pattern: string): string | undefined {
  return ROLE_ARN_PATTERN.test(pattern)
    ? undefined
    : `--assume-role-arn: expected an IAM role ARN with {account} for the account, like arn:aws:iam::{account}:role/sgwatch-member; got ${JSON.stringify(pattern)}`;
}
