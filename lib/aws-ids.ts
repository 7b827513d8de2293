/**
 * The one set of AWS id and name patterns. The policy schema (exception
 * validation), the normaliser's checks, the EC2 look-ups, remediation, the
 * alerts and the CLI all use these, so an exception that validates names an id
 * a real group can have, and an id a real record carries always validates.
 *
 * EC2 resource ids are the prefix and 8 hex digits (before 2016) or 17 (since);
 * EC2 always writes them in lower case. Regions: `us-east-1`, `us-gov-west-1`,
 * `cn-north-1`, `us-iso-east-1`, `eu-isoe-west-1`, `ap-southeast-5`.
 */
const ec2Id = (prefix: string): RegExp => new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);

/** A security group: `sg-0123456789abcdef0`. */
export const GROUP_ID = ec2Id('sg');
/** A security group rule: `sgr-0123456789abcdef0`. */
export const RULE_ID = ec2Id('sgr');
/** A managed prefix list: `pl-0123456789abcdef0` (AWS-managed ones have 8 digits: `pl-63a5400a`). */
export const PREFIX_LIST_ID = ec2Id('pl');
/** A network interface: `eni-0123456789abcdef0`. */
export const ENI_ID = ec2Id('eni');
/** An instance: `i-0123456789abcdef0`. */
export const INSTANCE_ID = ec2Id('i');
/** A 12-digit AWS account id (as a string: leading zeros matter). */
export const ACCOUNT_ID = /^\d{12}$/;
/** An AWS region name. */
export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

const test = (re: RegExp) => (v: unknown): v is string => typeof v === 'string' && re.test(v);
export const isGroupId = test(GROUP_ID);
export const isRuleId = test(RULE_ID);
export const isAccountId = test(ACCOUNT_ID);
