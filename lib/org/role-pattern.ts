/**
 * `--assume-role-arn`: an IAM role ARN with `{account}` where each record's
 * account goes (`arn:aws:iam::{account}:role/sgwatch-member`). No SDK here, so
 * the CLI can check the flag without loading one.
 */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\{account\}:role\/[\w+=,.@\/-]{1,512}$/;

/** The role ARN of an account from the pattern. */
export const roleArnFromPattern = (pattern: string) => (account: string): string => pattern.replace('{account}', account);
